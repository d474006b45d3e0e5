using System.Runtime.InteropServices;

namespace Csrun.Runtime.Linux;

/// <summary>
/// struct sched_attr of sched_setattr(2), in the kernel's SCHED_ATTR_SIZE_VER1 layout (56 bytes):
/// the utilization clamps are included, left 0, as runc sends them, so the
/// SCHED_FLAG_UTIL_CLAMP_* flags are accepted by the kernel instead of failing on the size.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct SchedAttr
{
    public const int SizeVer1 = 56;

    public uint Size;
    public uint Policy;
    public ulong Flags;
    public int Nice;
    public uint Priority;
    public ulong Runtime;
    public ulong Deadline;
    public ulong Period;
    public uint UtilMin;
    public uint UtilMax;
}
