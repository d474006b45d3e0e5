namespace Csrun.Runtime.Seccomp;

/// <summary>SECCOMP_RET_* (linux/seccomp.h): the values a filter returns.</summary>
internal static class SeccompReturn
{
    public const uint KillProcess = 0x80000000;
    public const uint KillThread = 0x00000000;
    public const uint Trap = 0x00030000;
    public const uint Errno = 0x00050000;
    public const uint UserNotif = 0x7fc00000;
    public const uint Trace = 0x7ff00000;
    public const uint Log = 0x7ffc0000;
    public const uint Allow = 0x7fff0000;

    /// <summary>SECCOMP_RET_DATA: the errno or tracer message carried in the low 16 bits.</summary>
    public const uint DataMask = 0x0000ffff;

    /// <summary>libseccomp's default for a process of an architecture the filter does not cover.</summary>
    public const uint BadArch = KillThread;

    public const uint Eperm = 1;
    public const uint Enosys = 38;
}
