using System.Text;
using Csrun.Runtime.Cgroups;
using Csrun.Runtime.Linux;
using Csrun.Runtime.Rootfs;
using Csrun.Runtime.Seccomp;
using Csrun.Runtime.Security;
using Csrun.Runtime.Spec;
using Csrun.Runtime.State;

namespace Csrun.Runtime.Process;

/// <summary>
/// `exec`: a new process inside a running container, in all its namespaces and its cgroup,
/// with the user, capabilities, rlimits and no_new_privs its process spec asks for. The csrun
/// process stays quiet until its clone; the children are <see cref="ExecChild"/>.
/// </summary>
public sealed class ContainerExecutor
{
    private readonly StateStore _store;

    public ContainerExecutor(StateStore store) => _store = store;

    public sealed class Options
    {
        public required string Id { get; init; }
        public required SpecProcess Process { get; init; }
        public string? PidFile { get; init; }
        public string? ConsoleSocket { get; init; }
        public bool IgnorePaused { get; init; }
        public int PreserveFds { get; init; }
        /// <summary>`--cgroup`: controller ("" for all) to a sub-cgroup to join (see <see cref="SubCgroups"/>).</summary>
        public IReadOnlyDictionary<string, string>? SubCgroups { get; init; }
    }

    /// <summary>The started process: its pid and a pidfd to wait on (the caller owns it).</summary>
    public readonly record struct Started(int Pid, int PidFd);

    public Started Exec(Options o)
    {
        var state = _store.Load(o.Id);
        var status = _store.StatusOf(state);
        // runc's words for a stopped container.
        if (status == ContainerStatus.Stopped) throw new InvalidOperationException("cannot exec in a stopped container");
        if (status == ContainerStatus.Creating) throw new InvalidOperationException("container not running");
        if (status == ContainerStatus.Paused && !o.IgnorePaused)
            throw new InvalidOperationException("cannot exec in a paused container (use --ignore-paused to override)");

        var process = o.Process;
        var fds = new List<int>();
        int middlePidfd = -1, pidfd = -1, pid = 0;
        try
        {
            int initPidfd = Track(fds, Sys.PidfdOpen(state.InitPid));
            // The pidfd pins the pid: check it is still the container's init.
            if (!Procfs.IsAlive(state.InitPid, state.InitStartTime)) throw new InvalidOperationException("cannot exec in a stopped container");
            string root = $"/proc/{state.InitPid}/root";

            var env = PasswdFile.EnvironmentWithHome(process.Env, process.User?.Uid ?? 0, SecurePath.Join(root, "/etc/passwd"));
            string cwd = process.Cwd is { Length: > 0 } c ? c : "/";
            string path = ExecutableLookup.Find(process.Args![0], env, root, cwd);

            var caps = Capabilities.FromSpec(process.Capabilities);
            var attributes = ProcessAttributesPlan.From(process, state.Personality, state.MemoryPolicy);
            var affinity = ExecCpuAffinityPlan.From(process.ExecCpuAffinity);
            var rlimits = new List<(int, ulong, ulong)>();
            foreach (var r in process.Rlimits ?? new())
                rlimits.Add((Rlimits.Resources.TryGetValue(r.Type!, out int res) ? res : throw new ArgumentException($"process.rlimits: unknown rlimit type \"{r.Type}\""), r.Soft, r.Hard));

            // Before the terminal: nothing is sent to the console socket for an exec that cannot start.
            var cgroupPaths = SubCgroups.Apply(state.CgroupPaths, o.SubCgroups ?? new Dictionary<string, string>());
            SubCgroups.RequireExisting(state.CgroupPaths, cgroupPaths);
            int nsFlags = 0;
            foreach (var type in state.NamespaceTypes)
                nsFlags |= (int)NamespacePlan.Flags[type];

            int ttyFd = -1;
            if (process.Terminal)
            {
                if (o.ConsoleSocket is null)
                    throw new InvalidOperationException("process.terminal is true: a --console-socket is required");
                ttyFd = Track(fds, OpenTerminal(root, o.ConsoleSocket));
            }

            var cgroup = CgroupFsManager.FromPaths(cgroupPaths);
            // In a paused container the process joins the (frozen) cgroup last, right before
            // execve, and then freezes with the rest until resume.
            bool joinLate = status == ContainerStatus.Paused && cgroupPaths.Count > 0;
            int cgroupFd = cgroupPaths.Count > 0 && !joinLate ? cgroup.OpenForClone() : -1;
            if (cgroupFd >= 0) Track(fds, cgroupFd);

            var (parentSock, childSock) = Sys.SocketPair();
            Track(fds, parentSock);
            Track(fds, childSock);

            using var child = new ExecChild(new ExecChild.Settings
            {
                SyncFd = childSock,
                ParentSyncFd = parentSock,
                InitPidfd = initPidfd,
                NamespaceFlags = nsFlags,
                TtyFd = ttyFd,
                PreserveFds = o.PreserveFds,
                WaitBeforeExec = joinLate,
                Path = path,
                Args = process.Args!,
                Env = env,
                Cwd = cwd,
                Uid = process.User?.Uid ?? 0,
                Gid = process.User?.Gid ?? 0,
                Umask = process.User?.Umask,
                Groups = process.User?.AdditionalGids ?? new List<uint>(),
                Rlimits = rlimits,
                NoNewPrivs = process.NoNewPrivileges,
                Capabilities = caps,
                Seccomp = state.Seccomp,
                AppArmorProfile = process.ApparmorProfile,
                SelinuxLabel = process.SelinuxLabel,
                Attributes = attributes.IsEmpty ? null : attributes,
                Affinity = affinity,
            });

            int middle = CloneWithInitialAffinity(child, affinity, cgroupFd, out middlePidfd);

            Native.Close(childSock);
            fds.Remove(childSock);
            if (cgroupFd < 0 && cgroupPaths.Count > 0 && !joinLate) cgroup.Join(middle);
            using var channel = new SyncChannel(parentSock);
            fds.Remove(parentSock);
            Sys.WriteAll(parentSock, "G"u8, "sync socket");

            // One loop for everything the children say, in whatever order it comes: the middle
            // child's pid report, the grandchild's ReadyToExec (paused container) and seccomp
            // listener, an error frame; the end of the stream is a successful execve (the
            // socket is close-on-exec).
            bool readyToExec = false, joined = !joinLate;
            int listenerFd = -1;
            try
            {
                while (channel.TryReceive(out byte type, out byte[] payload))
                {
                    switch (type)
                    {
                        case SyncMessage.ChildError:
                            throw new InvalidOperationException(ExecChild.Describe(payload, path, cwd));
                        case SyncMessage.ChildPid:
                            pid = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(payload);
                            pidfd = Sys.PidfdOpen(pid);
                            Sys.WaitPidfd(middlePidfd);
                            Native.Close(middlePidfd);
                            middlePidfd = -1;
                            break;
                        case SyncMessage.ReadyToExec when joinLate:
                            readyToExec = true;
                            break;
                        case SyncMessage.SeccompListener when state.Seccomp is not null && channel.ReceivedFd >= 0:
                            listenerFd = channel.ReceivedFd;
                            break;
                        default:
                            Sys.Close(channel.ReceivedFd);
                            throw new InvalidOperationException($"exec: unexpected message {type} from the joining process");
                    }
                    if (pid == 0) continue;
                    if (listenerFd >= 0)
                    {
                        ListenerHandoff.Send(state.Seccomp!, listenerFd, pid, ContainerCreator.HookState(state, state.InitPid, "running"));
                        Native.Close(listenerFd);
                        listenerFd = -1;
                        Sys.WriteAll(channel.Fd, "G"u8, "sync socket");
                    }
                    if (readyToExec && !joined)
                    {
                        cgroup.Join(pid);
                        joined = true;
                        Sys.WriteAll(channel.Fd, "G"u8, "sync socket");
                        // It freezes with the container as it joins: its execve (and the end
                        // of the stream) comes only after resume.
                        break;
                    }
                }
            }
            finally { Sys.Close(listenerFd); }
            if (pid == 0 || !joined) throw new InvalidOperationException("exec: the joining process exited unexpectedly");

            if (o.PidFile is not null) ContainerCreator.WritePidFile(o.PidFile, pid);
            return new Started(pid, pidfd);
        }
        catch
        {
            Sys.KillReapAndClose(middlePidfd);
            Sys.KillReapAndClose(pidfd);
            throw;
        }
        finally
        {
            foreach (int fd in fds) Native.Close(fd);
        }
    }

    /// <summary>
    /// The clone, with execCPUAffinity.initial on this (the cloning) thread for its duration: the
    /// child inherits it before it is in the container's cgroup, and csrun gets its own back.
    /// </summary>
    private static int CloneWithInitialAffinity(ExecChild child, ExecCpuAffinityPlan affinity, int cgroupFd, out int pidfd)
    {
        ulong[]? own = null;
        if (affinity.Initial is { } initial)
        {
            own = ProcessAttributes.GetAffinity(ExecCpuAffinityPlan.InitialField);
            ProcessAttributes.SetAffinity(0, initial, ExecCpuAffinityPlan.InitialField);
        }
        try
        {
            int pid = Clone3.Clone(0, cgroupFd, out pidfd);
            if (pid == 0) child.RunInChild();
            return pid;
        }
        // A failed restore only leaves csrun itself on fewer CPUs: nothing to report.
        finally { if (own is not null) ProcessAttributes.TrySetAffinity(0, own); }
    }

    /// <summary>A pty from the container's own devpts (through /proc/PID/root), its master sent
    /// to the console socket; returns the slave for the process.</summary>
    private static int OpenTerminal(string root, string consoleSocket)
    {
        var pty = Pty.Open(root);
        try
        {
            int socket = FdPassing.ConnectUnix(consoleSocket);
            try { FdPassing.SendFd(socket, pty.Master, Encoding.UTF8.GetBytes(pty.SlaveName), "console socket"); }
            finally { Native.Close(socket); }
            return pty.Slave;
        }
        catch
        {
            Native.Close(pty.Slave);
            throw;
        }
        finally
        {
            Native.Close(pty.Master);
        }
    }

    private static int Track(List<int> fds, int fd)
    {
        fds.Add(fd);
        return fd;
    }
}
