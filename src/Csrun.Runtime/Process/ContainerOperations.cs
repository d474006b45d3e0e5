using Csrun.Runtime.Cgroups;
using Csrun.Runtime.Hooks;
using Csrun.Runtime.Linux;
using Csrun.Runtime.State;

namespace Csrun.Runtime.Process;

/// <summary>start, kill and delete of an existing container, each under the container's lock.</summary>
public sealed class ContainerOperations
{
    private readonly StateStore _store;

    public ContainerOperations(StateStore store) => _store = store;

    public void Start(string id)
    {
        using var _ = _store.Lock(id);
        var state = _store.Load(id);
        var status = _store.StatusOf(state);
        switch (status)
        {
            case ContainerStatus.Created: break;
            case ContainerStatus.Stopped: throw new InvalidOperationException("cannot start a container that has stopped");
            case ContainerStatus.Running: throw new InvalidOperationException("cannot start an already running container");
            default: throw new InvalidOperationException($"cannot start a container in the {status.ToSpecString()} state");
        }
        ReleaseInit(state);
        RunPoststart(state);
    }

    /// <summary>poststart hooks; a failing one fails start and stops the container, as runc does.</summary>
    public void RunPoststart(ContainerState state)
    {
        if (state.Hooks?.Poststart is not { Count: > 0 } hooks) return;
        try
        {
            HookRunner.RunAll("poststart", hooks, HookStateJson(state, state.InitPid, "running"));
        }
        catch (HookFailedException)
        {
            if (Procfs.IsAlive(state.InitPid, state.InitStartTime)) Native.Kill(state.InitPid, K.SIGKILL);
            throw;
        }
    }

    private static byte[] HookStateJson(ContainerState state, int pid, string status) =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(ContainerCreator.HookState(state, pid, status), HookStateJsonContext.Default.SpecState);

    /// <summary>Warnings from poststop hooks: delete goes on, the caller logs them.</summary>
    public List<string> Warnings { get; } = new();

    /// <summary>Opens exec.fifo, which lets init exec the container process; fails instead of
    /// hanging when init dies first.</summary>
    public unsafe void ReleaseInit(ContainerState state)
    {
        string fifo = _store.FifoOf(state.Id);
        // The pidfd first: opening the fifo releases init, and a short container process can
        // run and exit before this process is scheduled again; a pid looked up after that is
        // gone, and "has stopped" was reported for a container that had just run (seen with
        // ctr and podman under load).
        int pidfd;
        try { pidfd = Sys.PidfdOpen(state.InitPid); }
        catch (SyscallException e) when (e.Errno == Errno.ESRCH)
        {
            throw new InvalidOperationException("cannot start a container that has stopped");
        }
        int fd = -1;
        try
        {
            fd = Sys.Open(fifo, K.O_RDONLY | K.O_NONBLOCK);
            var fds = stackalloc Native.PollFd[2];
            byte* buf = stackalloc byte[4096];
            while (true)
            {
                fds[0] = new Native.PollFd { Fd = fd, Events = Native.POLLIN };
                fds[1] = new Native.PollFd { Fd = pidfd, Events = Native.POLLIN };
                int n = Native.Poll(fds, 2, -1);
                if (n < 0 && Sys.LastErrno == Errno.EINTR) continue;
                if (n < 0) throw Sys.Fail("poll", fifo);
                if ((fds[0].REvents & Native.POLLIN) != 0)
                {
                    nint got = Native.Read(fd, buf, 4096);
                    if (got >= 1 && buf[0] == (byte)'0') break;
                    if (got > 1 && buf[0] == (byte)'E')
                    {
                        // init's startContainer hook failed: it wrote why, and exits.
                        string why = System.Text.Encoding.UTF8.GetString(buf + 1, (int)got - 1);
                        File.Delete(fifo);
                        throw new InvalidOperationException(why);
                    }
                }
                if ((fds[1].REvents & Native.POLLIN) != 0 || (fds[0].REvents & Native.POLLHUP) != 0)
                    throw new InvalidOperationException("cannot start container: its init process exited before start");
            }
            File.Delete(fifo);
        }
        finally
        {
            Sys.Close(fd);
            Sys.Close(pidfd);
        }
    }

    public void Pause(string id)
    {
        using var _ = _store.Lock(id);
        var state = _store.Load(id);
        var status = _store.StatusOf(state);
        if (status != ContainerStatus.Running) throw new InvalidOperationException("container not running");
        CgroupFsManager.FromPaths(state.CgroupPaths).Freeze(true);
    }

    public void Resume(string id)
    {
        using var _ = _store.Lock(id);
        var state = _store.Load(id);
        if (_store.StatusOf(state) != ContainerStatus.Paused) throw new InvalidOperationException("container not paused");
        CgroupFsManager.FromPaths(state.CgroupPaths).Freeze(false);
    }

    /// <summary>Host pids of the container's processes (what `ps --format json` prints).</summary>
    public List<int> Pids(string id)
    {
        var state = _store.Load(id);
        if (_store.StatusOf(state) is ContainerStatus.Stopped && state.CgroupPaths.Count == 0)
            return new List<int>();
        return ContainerPids(state);
    }

    /// <summary>The container's processes: its cgroup's. A rootless container may have no
    /// cgroup (none was writable): then the processes of its pid namespace, or without one,
    /// init and its descendants (runc fails here: "lstat : no such file or directory").</summary>
    private static List<int> ContainerPids(ContainerState state)
    {
        if (state.CgroupPaths.Count > 0) return CgroupFsManager.FromPaths(state.CgroupPaths).Pids();
        if (state.InitPid <= 0 || !Procfs.IsAlive(state.InitPid, state.InitStartTime)) return new List<int>();
        return state.OwnPidNamespace ? Procfs.InPidNamespaceOf(state.InitPid) : Procfs.WithDescendants(state.InitPid);
    }

    public void Update(string id, Csrun.Runtime.Spec.LinuxResources resources)
    {
        using var _ = _store.Lock(id);
        var state = _store.Load(id);
        if (_store.StatusOf(state) is ContainerStatus.Stopped)
            throw new InvalidOperationException("container not running");
        if (state.CgroupPaths.Count == 0)
            throw new InvalidOperationException("cannot update resources: the container has no cgroup (rootless, and no cgroup was writable: give it a delegated cgroup as linux.cgroupsPath)");
        CgroupFsManager.FromPaths(state.CgroupPaths).Apply(resources, state.Devices, forCreate: false);
    }

    public void Kill(string id, int signal, bool all)
    {
        using var _ = _store.Lock(id);
        var state = _store.Load(id);
        var status = _store.StatusOf(state);
        if (status is ContainerStatus.Stopped or ContainerStatus.Creating && !all)
            throw new InvalidOperationException("container not running");
        if (all)
        {
            var cgroup = CgroupFsManager.FromPaths(state.CgroupPaths);
            var pids = ContainerPids(state);
            if (pids.Count == 0 && status == ContainerStatus.Stopped) throw new InvalidOperationException("container not running");
            // cgroup.kill (v2, Linux 5.14+) kills every process at once, forks in flight included.
            if (signal == K.SIGKILL && cgroup.TryKillAll()) return;
            foreach (int pid in pids) Native.Kill(pid, signal);
            return;
        }
        SignalInit(state, signal);
    }

    /// <summary>Signals init through a pidfd taken after checking its start time, so the signal
    /// can't reach a process that recycled the pid.</summary>
    private static void SignalInit(ContainerState state, int signal)
    {
        int pidfd;
        try { pidfd = Sys.PidfdOpen(state.InitPid); }
        catch (SyscallException e) when (e.Errno == Errno.ESRCH) { throw new InvalidOperationException("container not running"); }
        try
        {
            if (!Procfs.IsAlive(state.InitPid, state.InitStartTime)) throw new InvalidOperationException("container not running");
            if (!Sys.PidfdSendSignal(pidfd, signal)) throw new InvalidOperationException("no such process");
        }
        finally { Native.Close(pidfd); }
    }

    public void Delete(string id, bool force)
    {
        using var _ = _store.Lock(id);
        ContainerState state;
        try { state = _store.Load(id); }
        catch (ContainerNotFoundException) when (Directory.Exists(_store.DirOf(id)))
        {
            // A create killed before it wrote any state: only the directory is left.
            _store.Remove(id);
            return;
        }
        var status = _store.StatusOf(state);
        switch (status)
        {
            case ContainerStatus.Stopped:
            case ContainerStatus.Created:
                break;
            default:
                if (!force) throw new InvalidOperationException($"cannot delete container {id} that is not stopped: {status.ToSpecString()}");
                break;
        }
        Destroy(state);
    }

    /// <summary>Kills whatever is left of the container, waits for init to be gone, removes its
    /// cgroup and its state directory.</summary>
    public void Destroy(ContainerState state)
    {
        // Without a cgroup (rootless) and without its own pid namespace, init's death does not
        // take the rest with it: kill them first.
        if (state.CgroupPaths.Count == 0 && !state.OwnPidNamespace)
            foreach (int pid in ContainerPids(state))
                if (pid != state.InitPid) Native.Kill(pid, K.SIGKILL);
        if (state.InitPid > 0 && Procfs.IsAlive(state.InitPid, state.InitStartTime))
        {
            int pidfd = -1;
            try { pidfd = Sys.PidfdOpen(state.InitPid); }
            catch (SyscallException) { }
            if (pidfd >= 0)
            {
                Sys.PidfdSendSignal(pidfd, K.SIGKILL);
                WaitGone(state);
                Native.Close(pidfd);
            }
        }
        var cgroup = CgroupFsManager.FromPaths(state.CgroupPaths);
        cgroup.Destroy(state.CgroupsCreated);
        ResctrlGroup.Remove(state.IntelRdtPath);
        if (state.Ready && state.Hooks?.Poststop is { Count: > 0 } poststop)
        {
            // The spec: a failing poststop hook is logged, and deletion goes on.
            try { HookRunner.RunAll("poststop", poststop, HookStateJson(state, 0, "stopped")); }
            catch (HookFailedException e) { Warnings.Add(e.Message); }
        }
        _store.Remove(state.Id);
    }

    private static void WaitGone(ContainerState state)
    {
        // init is usually not our child (it was reparented): poll /proc until it is gone or a zombie.
        for (int i = 0; i < 1000 && Procfs.IsAlive(state.InitPid, state.InitStartTime); i++)
            Thread.Sleep(i < 20 ? 1 : 10);
    }
}
