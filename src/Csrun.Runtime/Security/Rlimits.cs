using Csrun.Runtime.Linux;

namespace Csrun.Runtime.Security;

/// <summary>process.rlimits through prlimit64 on the init itself (inherited across exec).</summary>
public static unsafe class Rlimits
{
    public static readonly IReadOnlyDictionary<string, int> Resources = new Dictionary<string, int>
    {
        ["RLIMIT_CPU"] = 0, ["RLIMIT_FSIZE"] = 1, ["RLIMIT_DATA"] = 2, ["RLIMIT_STACK"] = 3,
        ["RLIMIT_CORE"] = 4, ["RLIMIT_RSS"] = 5, ["RLIMIT_NPROC"] = 6, ["RLIMIT_NOFILE"] = 7,
        ["RLIMIT_MEMLOCK"] = 8, ["RLIMIT_AS"] = 9, ["RLIMIT_LOCKS"] = 10, ["RLIMIT_SIGPENDING"] = 11,
        ["RLIMIT_MSGQUEUE"] = 12, ["RLIMIT_NICE"] = 13, ["RLIMIT_RTPRIO"] = 14, ["RLIMIT_RTTIME"] = 15,
    };

    public static void Set(string name, ulong soft, ulong hard)
    {
        if (!Resources.TryGetValue(name, out int resource))
            throw new ArgumentException($"process.rlimits: unknown rlimit type \"{name}\"");
        ulong* limit = stackalloc ulong[2];
        limit[0] = soft;
        limit[1] = hard;
        if (Native.Syscall(Native.SYS_prlimit64, 0, resource, (long)limit, 0, 0, 0) < 0)
            throw new SyscallException("prlimit64", $"{name} soft={soft} hard={hard}", Sys.LastErrno);
    }
}
