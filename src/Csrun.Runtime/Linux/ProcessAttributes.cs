namespace Csrun.Runtime.Linux;

/// <summary>
/// The per-task attributes a container process inherits across execve: scheduling policy,
/// I/O priority, execution domain, NUMA memory policy and CPU affinity. Each call acts on the
/// calling thread (the one that execs) or a given pid; a failure names the syscall, the config
/// field it came from and the errno.
/// </summary>
public static unsafe class ProcessAttributes
{
    // x86_64 system call numbers (asm/unistd_64.h).
    public const long SYS_personality = 135, SYS_sched_setaffinity = 203, SYS_sched_getaffinity = 204,
        SYS_set_mempolicy = 238, SYS_ioprio_set = 251, SYS_sched_setattr = 314;

    /// <summary>ioprio_set's "which": a single task (0 = the caller). runc uses the process group
    /// (the spec's wording), but `exec`'s process group is the caller's, whose shell would
    /// change with it; crun sets the process, and its children inherit the value.</summary>
    public const int IOPRIO_WHO_PROCESS = 1;

    /// <summary>Words of an affinity mask big enough for CONFIG_NR_CPUS's ceiling (8192): the
    /// kernel refuses a mask shorter than its number of possible CPUs.</summary>
    public const int CpuMaskWords = 8192 / 64;

    public static void SetScheduler(SchedAttr attr, string field)
    {
        attr.Size = SchedAttr.SizeVer1;
        if (Native.Syscall(SYS_sched_setattr, 0, (long)&attr, 0, 0, 0, 0) < 0)
            throw new SyscallException("sched_setattr", field, Sys.LastErrno);
    }

    public static void SetIOPriority(int value, string field)
    {
        if (Native.Syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, value, 0, 0, 0) < 0)
            throw new SyscallException("ioprio_set", field, Sys.LastErrno);
    }

    public static void SetPersonality(uint persona, string field)
    {
        // personality(2) answers with the previous persona; only -1 is a failure.
        if (Native.Syscall(SYS_personality, persona, 0, 0, 0, 0, 0) == -1)
            throw new SyscallException("personality", field, Sys.LastErrno);
    }

    /// <summary><paramref name="nodeMask"/> null or empty passes no mask (MPOL_DEFAULT,
    /// MPOL_LOCAL, MPOL_PREFERRED without nodes).</summary>
    public static void SetMemoryPolicy(int modeAndFlags, ulong[]? nodeMask, string field)
    {
        long result;
        if (nodeMask is { Length: > 0 })
        {
            fixed (ulong* mask = nodeMask)
                result = Native.Syscall(SYS_set_mempolicy, modeAndFlags, (long)mask, MaxNode(nodeMask.Length), 0, 0, 0);
        }
        else
            result = Native.Syscall(SYS_set_mempolicy, modeAndFlags, 0, 0, 0, 0, 0);
        if (result < 0)
            throw new SyscallException("set_mempolicy", field, Sys.LastErrno);
    }

    /// <summary>set_mempolicy's maxnode for a mask of <paramref name="words"/> words: the kernel
    /// reads one bit fewer than it is told (mm/mempolicy.c get_nodes), as numactl passes it.</summary>
    public static long MaxNode(int words) => (long)words * 64 + 1;

    /// <summary>pid 0 is the calling thread, whose children inherit the mask.</summary>
    public static void SetAffinity(int pid, ulong[] mask, string field)
    {
        if (!TrySetAffinity(pid, mask))
            throw new SyscallException("sched_setaffinity", field, Sys.LastErrno);
    }

    public static bool TrySetAffinity(int pid, ulong[] mask)
    {
        fixed (ulong* m = mask)
            return Native.Syscall(SYS_sched_setaffinity, pid, mask.Length * sizeof(ulong), (long)m, 0, 0, 0) >= 0;
    }

    public static ulong[] GetAffinity(string field)
    {
        var mask = new ulong[CpuMaskWords];
        fixed (ulong* m = mask)
            if (Native.Syscall(SYS_sched_getaffinity, 0, mask.Length * sizeof(ulong), (long)m, 0, 0, 0) < 0)
                throw new SyscallException("sched_getaffinity", field, Sys.LastErrno);
        return mask;
    }

    /// <summary>Every CPU: the kernel narrows it to the task's cpuset, and the process no
    /// longer carries the affinity of whoever started the runtime (runc and crun reset it too).</summary>
    public static ulong[] AllCpus()
    {
        var mask = new ulong[CpuMaskWords];
        Array.Fill(mask, ulong.MaxValue);
        return mask;
    }

    /// <summary>Best effort, as in runc (which only warns): with every bit set the kernel has
    /// nothing to refuse but a vanished pid.</summary>
    public static bool TryResetAffinity(int pid) => TrySetAffinity(pid, AllCpus());
}
