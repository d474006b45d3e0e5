namespace Csrun.Runtime.Linux;

/// <summary>
/// Pays the kernel's wait of a cgroup move early, while create does other work. Every write to
/// a cgroup.procs takes cgroup_threadgroup_rwsem for writing, and the first writer after a quiet
/// spell waits for a whole RCU grace period (rcu_sync_enter): measured on this host at 0.5-18 ms
/// for moving init, the largest single wait of a `run` (bench/RESULTS.md). A writer that comes
/// while that grace period is pending or just passed shares it. So, as soon as the container's
/// cgroup exists, a throw-away child moves itself into it ("0" is the writer itself) and exits;
/// init's real move, a few milliseconds later, finds the grace period paid or under way.
/// The writer holds cgroup_mutex while it waits: a mkdir or rmdir of any cgroup waits with it, so
/// the primer starts only after the container's directories exist (measured: a primer started
/// between the mkdirs held the rest back by up to 12 ms).
/// The child shares csrun's fd table (CLONE_FILES): it holds no copies of csrun's fds, so no
/// lock csrun releases by closing stays held by it. It makes raw system calls only (notes/aot.md).
/// </summary>
public sealed unsafe class CgroupMovePrimer : IDisposable
{
    private const long SYS_openat = 257, SYS_write = 1, SYS_close = 3;

    private readonly NativeArena _arena = new();
    private int _pidfd = -1;

    /// <summary>Starts the child; null when it could not be started (it is only an optimisation).</summary>
    public static CgroupMovePrimer? Start(string cgroupDir)
    {
        var primer = new CgroupMovePrimer();
        byte* path = primer._arena.String(Path.Combine(cgroupDir, "cgroup.procs"));
        try
        {
            if (Clone3.Clone(K.CLONE_FILES, -1, out primer._pidfd) == 0) MoveSelfAndExit(path);
            return primer;
        }
        catch (SyscallException)
        {
            primer.Dispose();
            return null;
        }
    }

    private static void MoveSelfAndExit(byte* path)
    {
        byte zero = (byte)'0';
        long fd = RawNative.Syscall(SYS_openat, K.AT_FDCWD, (long)path, K.O_WRONLY | K.O_CLOEXEC, 0, 0, 0);
        if (fd >= 0)
        {
            RawNative.Syscall(SYS_write, fd, (long)&zero, 1, 0, 0, 0);
            // The fd table is csrun's own: close what was added to it.
            RawNative.Syscall(SYS_close, fd, 0, 0, 0, 0, 0);
        }
        RawNative.Exit(0);
    }

    /// <summary>Reaps the child (by now done: the real move waited for the same grace period).
    /// Bounded: a child caught in a cgroup frozen meanwhile cannot exit until the thaw; it is
    /// killed and left to whoever reaps csrun's orphans.</summary>
    public void Dispose()
    {
        if (_pidfd >= 0)
        {
            var poll = new Native.PollFd { Fd = _pidfd, Events = Native.POLLIN };
            int ready;
            do ready = Native.Poll(&poll, 1, 2000); while (ready < 0 && Sys.LastErrno == Errno.EINTR);
            try
            {
                if (ready > 0) Sys.WaitPidfd(_pidfd);
                else Sys.PidfdSendSignal(_pidfd, K.SIGKILL);
            }
            catch (SyscallException) { /* reaped already: nothing to wait for */ }
            Native.Close(_pidfd);
            _pidfd = -1;
        }
        _arena.Dispose();
    }
}
