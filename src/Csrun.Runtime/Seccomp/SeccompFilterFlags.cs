namespace Csrun.Runtime.Seccomp;

/// <summary>SECCOMP_FILTER_FLAG_* for seccomp(SECCOMP_SET_MODE_FILTER, flags, prog).</summary>
internal static class SeccompFilterFlags
{
    public const uint Tsync = 1;
    public const uint Log = 2;
    public const uint SpecAllow = 4;
    public const uint NewListener = 8;
    public const uint TsyncEsrch = 16;
    public const uint WaitKillableRecv = 32;

    /// <summary>
    /// The profile's flags plus what the filter itself needs. The kernel refuses TSYNC together
    /// with a listener unless TSYNC_ESRCH is set too, and WAIT_KILLABLE_RECV without a listener,
    /// so those two follow whether there is one.
    /// </summary>
    public static uint For(List<string>? names, bool needsListener)
    {
        uint flags = 0;
        bool waitKillable = false;
        if (names is not null)
        {
            for (int i = 0; i < names.Count; i++)
            {
                switch (names[i])
                {
                    case "SECCOMP_FILTER_FLAG_TSYNC": flags |= Tsync; break;
                    case "SECCOMP_FILTER_FLAG_LOG": flags |= Log; break;
                    case "SECCOMP_FILTER_FLAG_SPEC_ALLOW": flags |= SpecAllow; break;
                    case "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV": waitKillable = true; break;
                }
            }
        }
        if (needsListener)
        {
            flags |= NewListener;
            if ((flags & Tsync) != 0)
                flags |= TsyncEsrch;
            if (waitKillable)
                flags |= WaitKillableRecv;
        }
        return flags;
    }
}
