using Csrun.Runtime.Linux;

namespace Csrun.Runtime.Security;

/// <summary>The five capability sets of process.capabilities, applied as runc does: the
/// bounding set is dropped while csrun still has CAP_SETPCAP, the others after the user switch.</summary>
public sealed unsafe class Capabilities
{
    private const uint LinuxCapabilityVersion3 = 0x20080522;

    public ulong Bounding { get; init; }
    public ulong Effective { get; init; }
    public ulong Inheritable { get; init; }
    public ulong Permitted { get; init; }
    public ulong Ambient { get; init; }

    /// <summary>process.capabilities as bit masks; null when the spec leaves capabilities alone.</summary>
    public static Capabilities? FromSpec(Csrun.Runtime.Spec.LinuxCapabilities? c) => c is null ? null : new Capabilities
    {
        Bounding = Mask(c.Bounding, Csrun.Runtime.Spec.LinuxCapabilityNames.Lookup, "process.capabilities.bounding"),
        Effective = Mask(c.Effective, Csrun.Runtime.Spec.LinuxCapabilityNames.Lookup, "process.capabilities.effective"),
        Inheritable = Mask(c.Inheritable, Csrun.Runtime.Spec.LinuxCapabilityNames.Lookup, "process.capabilities.inheritable"),
        Permitted = Mask(c.Permitted, Csrun.Runtime.Spec.LinuxCapabilityNames.Lookup, "process.capabilities.permitted"),
        Ambient = Mask(c.Ambient, Csrun.Runtime.Spec.LinuxCapabilityNames.Lookup, "process.capabilities.ambient"),
    };

    /// <summary>Names to bits; a name the kernel does not know is an error that names it.</summary>
    public static ulong Mask(IEnumerable<string>? names, Func<string, int?> lookup, string jsonPath)
    {
        ulong mask = 0;
        foreach (var name in names ?? Array.Empty<string>())
        {
            int? bit = lookup(name);
            if (bit is null) throw new ArgumentException($"{jsonPath}: unknown capability \"{name}\"");
            mask |= 1UL << bit.Value;
        }
        return mask;
    }

    public static int LastCap()
    {
        try { return int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim()); }
        catch (Exception e) when (e is IOException or FormatException) { return 40; }
    }

    public void DropBounding()
    {
        int last = LastCap();
        for (int cap = 0; cap <= last; cap++)
        {
            if ((Bounding & (1UL << cap)) != 0) continue;
            if (Native.Prctl(K.PR_CAPBSET_DROP, (ulong)cap, 0, 0, 0) < 0 && Sys.LastErrno != Errno.EINVAL)
                throw Sys.Fail("prctl(PR_CAPBSET_DROP)", $"capability {cap}");
        }
    }

    public void ApplyProcessSets()
    {
        // cap_user_header_t { version, pid } then two cap_user_data_t { effective, permitted, inheritable }.
        uint* header = stackalloc uint[2];
        header[0] = LinuxCapabilityVersion3;
        header[1] = 0;
        uint* data = stackalloc uint[6];
        data[0] = (uint)Effective; data[1] = (uint)Permitted; data[2] = (uint)Inheritable;
        data[3] = (uint)(Effective >> 32); data[4] = (uint)(Permitted >> 32); data[5] = (uint)(Inheritable >> 32);
        if (Native.Syscall(Native.SYS_capset, (long)header, (long)data, 0, 0, 0, 0) < 0)
            throw Sys.Fail("capset", null);

        if (Native.Prctl(K.PR_CAP_AMBIENT, K.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && Sys.LastErrno != Errno.EINVAL)
            throw Sys.Fail("prctl(PR_CAP_AMBIENT_CLEAR_ALL)", null);
        for (int cap = 0; cap < 64; cap++)
        {
            if ((Ambient & (1UL << cap)) == 0) continue;
            // A capability absent from permitted or inheritable cannot be ambient: runc ignores it too.
            if (Native.Prctl(K.PR_CAP_AMBIENT, K.PR_CAP_AMBIENT_RAISE, (ulong)cap, 0, 0) < 0 && Sys.LastErrno != Errno.EPERM)
                throw Sys.Fail("prctl(PR_CAP_AMBIENT_RAISE)", $"capability {cap}");
        }
    }
}
