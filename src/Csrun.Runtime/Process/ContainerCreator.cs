using System.Text;
using System.Text.Json;
using Csrun.Runtime.Cgroups;
using Csrun.Runtime.Hooks;
using Csrun.Runtime.Linux;
using Csrun.Runtime.Seccomp;
using Csrun.Runtime.Spec;
using Csrun.Runtime.State;

namespace Csrun.Runtime.Process;

/// <summary>
/// The parent half of `create` (and `run`): from a validated spec to an init waiting on
/// exec.fifo, or, on any failure, back to a clean host (no state dir, cgroup or process).
/// This process stays quiet until the clone: no Task, Timer, ThreadPool or Console.
/// </summary>
public sealed class ContainerCreator
{
    public const string InitSocketEnv = "_CSRUN_INIT_SOCK";

    private readonly StateStore _store;
    private readonly long _started = System.Diagnostics.Stopwatch.GetTimestamp();

    public ContainerCreator(StateStore store) => _store = store;

    /// <summary>Warnings from poststop hooks run after a failed create: the caller logs them.</summary>
    public List<string> Warnings { get; } = new();

    /// <summary>Receives "phase: N.NN ms" lines (--debug), to see where create's time goes.</summary>
    public Action<string>? Trace { get; init; }

    private void Mark(string phase)
    {
        if (Trace is null) return;
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(_started);
        Trace($"create: {phase} at {elapsed.TotalMilliseconds:F2} ms");
    }

    /// <summary>The running init: its pid and a pidfd (the caller owns the pidfd).</summary>
    public readonly record struct Created(int Pid, int PidFd, ContainerState State);

    public Created Create(CreateOptions options, RuntimeSpec spec)
    {
        string bundle = Path.GetFullPath(options.Bundle);
        string rootfs = Path.GetFullPath(Path.Combine(bundle, spec.Root!.Path!));
        var namespaces = NamespacePlan.From((spec.Linux?.Namespaces ?? new()).Select(n => (n.Type!, n.Path)));
        // Compiled before anything exists: a profile that cannot compile leaves nothing behind.
        var seccomp = SeccompPlan.For(spec.Linux?.Seccomp);
        if (seccomp is not null) Mark($"seccomp compiled ({seccomp.InstructionCount} instructions)");
        // A host without resctrl refuses linux.intelRdt here, before anything exists.
        var rdt = spec.Linux?.IntelRdt is { } intelRdt ? ResctrlGroup.For(intelRdt, options.Id, File.ReadAllText("/proc/self/mountinfo")) : null;
        NetDeviceMover.RequirePresent(spec.Linux?.NetDevices);

        _store.CreateDir(options.Id);
        var self = Procfs.ReadStat(Environment.ProcessId);
        var state = new ContainerState
        {
            OciVersion = SpecDefaults.OciVersion,
            Id = options.Id,
            Bundle = bundle,
            Rootfs = rootfs,
            Created = DateTime.UtcNow,
            Owner = "",
            Annotations = spec.Annotations,
            CreatorPid = Environment.ProcessId,
            CreatorStartTime = self?.StartTime ?? 0,
            OwnPidNamespace = namespaces.NewPid,
            Hooks = spec.Hooks,
            Devices = spec.Linux?.Devices,
            Process = spec.Process,
            Personality = spec.Linux?.Personality,
            MemoryPolicy = spec.Linux?.MemoryPolicy,
            NamespaceTypes = namespaces.Types.ToList(),
            Seccomp = seccomp,
        };

        ICgroupManager? cgroup = null;
        IReadOnlyList<string> cgroupsCreated = Array.Empty<string>();
        var fds = new List<int>();
        IdMappedMounts? idmapped = null;
        CgroupMovePrimer? primer = null;
        int pidfd = -1;
        int pid = 0;
        try
        {
            cgroup = CgroupFsManager.ForContainer(spec.Linux?.CgroupsPath, options.Id, options.RootlessCgroups);
            // Recorded before the mkdirs: a create killed between them leaves nothing behind that
            // `delete --force` does not know of.
            state.CgroupPaths = new Dictionary<string, string>(cgroup.Paths);
            var missing = cgroup.MissingDirs().ToList();
            state.CgroupsCreated = missing;
            _store.Save(state);
            Mark("state dir made");
            cgroupsCreated = cgroup.Create();
            // Init's move into the cgroup comes some milliseconds from now: its kernel-side wait
            // starts now (see CgroupMovePrimer). Not before the last mkdir: the primer's write
            // holds cgroup_mutex through its wait, and a mkdir then waits with it.
            if (cgroup.Paths.Count > 0) primer = CgroupMovePrimer.Start(cgroup.Paths.Values.First());
            if (!cgroupsCreated.SequenceEqual(missing) || cgroup.Paths.Count != state.CgroupPaths.Count)
            {
                state.CgroupPaths = new Dictionary<string, string>(cgroup.Paths);
                state.CgroupsCreated = cgroupsCreated.ToList();
                _store.Save(state);
            }
            Mark("cgroup made");
            if (rdt is { Owned: true })
            {
                state.IntelRdtPath = rdt.Path;
                _store.Save(state);
            }

            string fifo = _store.FifoOf(options.Id);
            uint oldMask = Native.Umask(0);
            try { Sys.Mkfifo(fifo, 0x192 /* 0622 */); }
            finally { Native.Umask(oldMask); }
            int fifoFd = Track(fds, Sys.Open(fifo, K.O_PATH));

            int consoleFd = -1;
            if (spec.Process?.Terminal == true)
            {
                if (options.ConsoleSocket is null)
                    throw new InvalidOperationException("process.terminal is true: a --console-socket is required (or set terminal to false)");
                consoleFd = Track(fds, FdPassing.ConnectUnix(options.ConsoleSocket));
            }

            int exeFd = Track(fds, SealedExecutable.Create(_store.DirOf(options.Id)));
            Mark($"sealed executable ready ({SealedExecutable.LastKind})");
            var (parentSock, childSock) = Sys.SocketPair();
            Track(fds, parentSock);
            Track(fds, childSock);

            // The fds init inherits: everything else is close-on-exec.
            Sys.SetCloexec(childSock, false);
            Sys.SetCloexec(fifoFd, false);
            if (consoleFd >= 0) Sys.SetCloexec(consoleFd, false);

            var joins = new List<(int Fd, int Type, string Path)>();
            foreach (var (type, path) in namespaces.Joins)
                joins.Add((Track(fds, OpenNamespace(type, path)), (int)NamespacePlan.Flags[type], path));

            idmapped = IdMappedMounts.Prepare(spec, namespaces);
            if (idmapped.Fds.Count > 0) Mark($"{idmapped.Fds.Count} id-mapped mount(s) prepared");

            var config = new InitConfig
            {
                IdMappedMountFds = idmapped.Fds.Count > 0 ? new Dictionary<int, int>(idmapped.Fds) : null,
                ContainerId = options.Id,
                Bundle = bundle,
                Rootfs = rootfs,
                NoPivot = options.NoPivot,
                NoNewKeyring = options.NoNewKeyring,
                FifoFd = fifoFd,
                ConsoleSocketFd = consoleFd,
                PreserveFds = options.PreserveFds,
                InUserNamespace = namespaces.Has("user"),
                NewCgroupNamespace = namespaces.NewCgroup,
                CgroupPaths = state.CgroupPaths,
                Spec = spec,
                Seccomp = seccomp,
            };

            using var child = new CloneChild(childSock, exeFd, new[] { "csrun", "init" },
                new[] { $"{InitSocketEnv}={childSock}" }, joins, (long)namespaces.UnshareFlags, namespaces.NewUser, (long)namespaces.EarlyUnshareFlags, namespaces.ForkAfterGo,
                closeInChild: parentSock);

            int savedPidNs = -1;
            if (namespaces.PidNamespacePath is { } pidNsPath)
            {
                savedPidNs = Track(fds, Sys.Open("/proc/self/ns/pid", K.O_RDONLY));
                int target = Track(fds, OpenNamespace("pid", pidNsPath));
                Sys.Setns(target, (int)K.CLONE_NEWPID, pidNsPath);
            }

            // Init is born in this process's cgroup, not the container's (no CLONE_INTO_CGROUP):
            // it moves once its runtime is up, below.
            pid = Clone3.Clone(namespaces.CloneFlags, -1, out pidfd);
            if (pid == 0) child.RunInChild();

            if (savedPidNs >= 0) Sys.Setns(savedPidNs, (int)K.CLONE_NEWPID, "/proc/self/ns/pid");
            Mark($"cloned init {pid} {Clone3.DescribeFlags(namespaces.CloneFlags)}");
            Native.Close(childSock);
            fds.Remove(childSock);
            if (namespaces.NewUser) IdMapWriter.Write(pid, spec.Linux!, options.RootlessEuid);
            // A new network namespace exists with the clone child (init, which waits for "G",
            // has not started); one given by path is joined only later, so its path is used.
            if (spec.Linux?.NetDevices is { Count: > 0 } netDevices)
            {
                string netnsPath = namespaces.Joins.FirstOrDefault(j => j.Type == "network").Path ?? $"/proc/{pid}/ns/net";
                NetDeviceMover.MoveInto(netDevices, netnsPath);
                Mark($"{netDevices.Count} network device(s) moved");
            }
            using var channel = new SyncChannel(parentSock);
            fds.Remove(parentSock);
            if (namespaces.NewTime)
            {
                WaitFor(channel, child, pidfd, SyncMessage.ChildUnshared);
                if (spec.Linux?.TimeOffsets is { Count: > 0 } offsets) WriteTimeOffsets(pid, offsets);
            }
            // From "G" on, init starts (its own exec and runtime start-up) while this process
            // records it and writes the cgroup limits. Should csrun die meanwhile, init sees the
            // sync socket close before its config comes, and exits.
            Sys.WriteAll(parentSock, "G"u8, "sync socket");
            if (!namespaces.ForkAfterGo)
            {
                state.InitPid = pid;
                state.InitStartTime = Procfs.ReadStat(pid)?.StartTime ?? 0;
                _store.Save(state);
            }
            else
            {
                byte[] pidPayload = WaitFor(channel, child, pidfd, SyncMessage.ChildPid);
                int middlePidfd = pidfd;
                pid = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(pidPayload);
                // The grandchild is csrun's own child (CLONE_PARENT): its pid is stable until reaped.
                pidfd = Sys.PidfdOpen(pid);
                Sys.WaitPidfd(middlePidfd);
                Native.Close(middlePidfd);
                state.InitPid = pid;
                state.InitStartTime = Procfs.ReadStat(pid)?.StartTime ?? 0;
                _store.Save(state);
            }
            // The limits are written while init's runtime starts (it runs from here on, outside
            // the container's cgroup until the move below): on two cores that hides most of it.
            cgroup.Apply(spec.Linux?.Resources, spec.Linux?.Devices);
            Mark("cgroup configured");
            config.HookState = HookState(state, pid, "creating");
            channel.Send(SyncMessage.Config, InitConfigCodec.Encode(config));
            // Memory stays charged to the cgroup where it was touched: moving init only now keeps
            // its runtime's start-up out of the container's memory limit. The container process
            // is still in its cgroup long before it runs (this precedes hooks and exec.fifo).
            WaitFor(channel, child, pidfd, SyncMessage.InitStarted);
            Mark("init started");
            cgroup.Join(pid);
            Mark("init joined its cgroup");
            primer?.Dispose();
            rdt?.Apply(pid);
            if (cgroup.Paths.Count != state.CgroupPaths.Count)
            {
                // A rootless cgroup that refused the move was left out: state names only the joined.
                state.CgroupPaths = new Dictionary<string, string>(cgroup.Paths);
                _store.Save(state);
            }
            // As runc and crun: init must not keep the affinity of whoever ran csrun, only the
            // container's cpuset (execCPUAffinity is for exec alone).
            ProcessAttributes.TryResetAffinity(pid);
            channel.Send(SyncMessage.CgroupJoined, ReadOnlySpan<byte>.Empty);
            if (spec.Hooks is { } hooks && (hooks.Prestart is { Count: > 0 } || hooks.CreateRuntime is { Count: > 0 }))
            {
                WaitFor(channel, child, pidfd, SyncMessage.RunHooks);
                byte[] hookState = JsonSerializer.SerializeToUtf8Bytes(config.HookState, HookStateJsonContext.Default.SpecState);
                HookRunner.RunAll("prestart", hooks.Prestart, hookState);
                HookRunner.RunAll("createRuntime", hooks.CreateRuntime, hookState);
                channel.Send(SyncMessage.HooksDone, ReadOnlySpan<byte>.Empty);
            }
            while (true)
            {
                WaitFor(channel, child, pidfd, SyncMessage.Ready, SyncMessage.SeccompListener, out byte got);
                if (got == SyncMessage.Ready) break;
                HandOverListener(channel, seccomp, pid, HookState(state, pid, "creating"));
            }
            Mark("init ready");

            if (options.PidFile is not null) WritePidFile(options.PidFile, pid);
            state.Ready = true;
            _store.Save(state);
            return new Created(pid, pidfd, state);
        }
        catch (Exception e)
        {
            // An init killed by the kernel for memory says only "exited": say why, as runc does.
            bool oom = e is InitFailedException && cgroup is not null && OomKilled(cgroup);
            // init may be reaped already (it died first and its status was collected): a second
            // wait must not replace the error, nor skip the cleanup below.
            Sys.KillReapAndClose(pidfd);
            try { cgroup?.Destroy(cgroupsCreated); } catch (Exception) { /* the first error is the one to report */ }
            try { ResctrlGroup.Remove(state.IntelRdtPath); } catch (IOException) { /* as above */ }
            // A failed create continues the lifecycle at "destroy" and then the poststop hooks
            // (runtime-spec lifecycle steps 12-13; runc runs them on every failed create too).
            if (spec.Hooks?.Poststop is { Count: > 0 } poststop)
            {
                try { HookRunner.RunAll("poststop", poststop, JsonSerializer.SerializeToUtf8Bytes(HookState(state, 0, "stopped"), HookStateJsonContext.Default.SpecState)); }
                catch (HookFailedException hookError) { Warnings.Add(hookError.Message); }
            }
            _store.Remove(options.Id);
            if (oom) throw new InitFailedException($"container init was OOM-killed (memory limit too low?): {e.Message}");
            throw;
        }
        finally
        {
            primer?.Dispose();
            idmapped?.Dispose();
            foreach (int fd in fds) Native.Close(fd);
        }
    }

    public static SpecState HookState(ContainerState state, int pid, string status) => new()
    {
        OciVersion = state.OciVersion,
        Id = state.Id,
        Pid = pid,
        Status = status,
        Bundle = state.Bundle,
        Rootfs = state.Rootfs,
        Created = state.Created,
        Owner = state.Owner,
        Annotations = state.Annotations is { Count: > 0 } ? state.Annotations : null,
    };

    private static bool OomKilled(ICgroupManager cgroup)
    {
        try { return CgroupStats.OomKills(cgroup.Paths) > 0; }
        catch (IOException) { return false; }
    }

    private static int Track(List<int> fds, int fd)
    {
        fds.Add(fd);
        return fd;
    }

    private static int OpenNamespace(string type, string path)
    {
        int fd = Sys.TryOpen(path, K.O_RDONLY, out int errno);
        if (fd < 0) throw new SyscallException("open", $"{path} ({type} namespace)", errno);
        return fd;
    }

    /// <summary>Init loaded a filter with a notify listener: the agent gets it, init goes on.</summary>
    private static void HandOverListener(SyncChannel channel, SeccompPlan? seccomp, int pid, SpecState state)
    {
        int fd = channel.ReceivedFd;
        try
        {
            if (fd < 0 || seccomp is null) throw new InitFailedException("sync socket: init sent a seccomp listener message without the fd");
            ListenerHandoff.Send(seccomp, fd, pid, state);
        }
        finally { Sys.Close(fd); }
        channel.Send(SyncMessage.SeccompDone, ReadOnlySpan<byte>.Empty);
    }

    private static byte[] WaitFor(SyncChannel channel, CloneChild child, int pidfd, byte expected) =>
        WaitFor(channel, child, pidfd, expected, expected, out _);

    private static byte[] WaitFor(SyncChannel channel, CloneChild child, int pidfd, byte expected, byte alsoExpected, out byte type)
    {
        while (true)
        {
            WaitForMessageOrDeadInit(channel, pidfd);
            if (!channel.TryReceive(out type, out byte[] payload))
            {
                int status = Sys.WaitPidfd(pidfd);
                throw new InitFailedException($"container init exited before it was ready (exit status {status})");
            }
            if (type == expected || type == alsoExpected) return payload;
            // Only a listener message may carry an fd: never keep one that came otherwise.
            Sys.Close(channel.ReceivedFd);
            switch (type)
            {
                case SyncMessage.ChildError:
                    throw new InitFailedException(child.Describe(payload));
                case SyncMessage.InitError:
                    throw new InitFailedException(Encoding.UTF8.GetString(payload));
                default:
                    throw new InitFailedException($"sync socket: unexpected message type {type} from init");
            }
        }
    }

    /// <summary>
    /// Init is a multi-threaded .NET process: when a seccomp filter of the container kills its
    /// main thread (KILL_THREAD, what SCMP_ACT_KILL means), the other threads live on, holding
    /// the sync socket open, and the pidfd never reports an exit. A main thread that is a
    /// zombie while no message or end of stream comes is that case: report it, and the
    /// failure path's SIGKILL takes the whole process.
    /// </summary>
    private static void WaitForMessageOrDeadInit(SyncChannel channel, int pidfd)
    {
        int pid = -1;
        while (!channel.WaitReadable(200))
        {
            if (pid < 0) pid = Sys.PidOfPidfd(pidfd);
            if (Procfs.ReadStat(pid) is { State: not ('Z' or 'X') }) continue;
            // A whole process exiting shows a zombie main thread just before its fds close.
            if (channel.WaitReadable(500)) return;
            throw new InitFailedException("container init's main thread died before it was ready, its other threads still running " +
                "(a seccomp rule that kills threads, hit by the runtime before the container process started? check linux.seccomp)");
        }
    }

    private static void WriteTimeOffsets(int pid, Dictionary<string, LinuxTimeOffset> offsets)
    {
        var sb = new StringBuilder();
        foreach (var (clock, offset) in offsets)
            sb.Append(clock).Append(' ').Append(offset.Secs).Append(' ').Append(offset.Nanosecs).Append('\n');
        Sys.WriteFile($"/proc/{pid}/timens_offsets", sb.ToString());
    }

    /// <summary>Digits only, no newline, renamed into place: what containerd and conmon parse.</summary>
    public static void WritePidFile(string path, int pid)
    {
        string full = Path.GetFullPath(path);
        string tmp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + ".tmp");
        Sys.ReplaceFile(full, tmp, Encoding.UTF8.GetBytes(pid.ToString()));
    }
}

/// <summary>Init (or the clone child) reported a failure: the message is the one line to show.</summary>
public sealed class InitFailedException : Exception
{
    public InitFailedException(string message) : base(message) { }
}
