using System.Text;
using System.Text.Json;
using Csrun.Runtime.Hooks;
using Csrun.Runtime.Linux;
using Csrun.Runtime.Rootfs;
using Csrun.Runtime.Security;
using Csrun.Runtime.Spec;
using Csrun.Runtime.Terminal;

namespace Csrun.Runtime.Process;

/// <summary>
/// `csrun init`: pid 1 of the container, exec'd from the sealed memfd inside the new
/// namespaces. It builds the container's world from the config the parent sent, reports ready,
/// waits on exec.fifo for `start`, and execs the container process. Any failure goes back to
/// the parent as one line.
/// </summary>
public static unsafe class InitProcess
{
    public static int Run()
    {
        string? sockText = Environment.GetEnvironmentVariable(ContainerCreator.InitSocketEnv);
        if (sockText is null || !int.TryParse(sockText, out int sock))
        {
            Console.Error.WriteLine("csrun init: this command is internal: csrun runs it inside a new container");
            return 1;
        }
        using var channel = new SyncChannel(sock);
        try
        {
            if (!channel.TryReceive(out byte type, out byte[] payload) || type != SyncMessage.Config)
                return 1;
            var config = InitConfigCodec.Decode(payload);
            Sys.SetCloexec(sock, true);
            PrefaultBeforeJoin();
            EnterCgroup(config, channel);
            RunContainer(config, channel);
            return 127; // not reached: RunContainer execs or throws
        }
        catch (Exception e)
        {
            try { channel.Send(SyncMessage.InitError, Encoding.UTF8.GetBytes(OneLine(e))); }
            catch (Exception) { /* the parent is gone: nobody to tell */ }
            return 1;
        }
    }

    /// <summary>The parent moves init into the container's cgroup now that the runtime's start-up
    /// (charged where init was born) is over; a new cgroup namespace is made after the move, so
    /// the container's view is rooted at its own cgroup.</summary>
    private static void EnterCgroup(InitConfig config, SyncChannel channel)
    {
        channel.Send(SyncMessage.InitStarted, ReadOnlySpan<byte>.Empty);
        if (!channel.TryReceive(out byte type, out _) || type != SyncMessage.CgroupJoined)
            throw new InvalidOperationException("the parent stopped before moving init into the container's cgroup");
        if (config.NewCgroupNamespace && Native.Unshare((int)K.CLONE_NEWCGROUP) < 0)
            throw Sys.Fail("unshare", "(cgroup namespace)");
    }

    /// <summary>
    /// A page is charged to the memory cgroup of the process that first touches it. Init's
    /// heap and stack pages used after the move would count against the container's limit
    /// (measured: ~140 KiB of anonymous memory, what put csrun's memory floor above crun's):
    /// touch them now, outside. The heap: garbage allocated and collected leaves gen0's pages
    /// resident for the allocations that follow; the stack: a deep frame's pages stay mapped.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void PrefaultBeforeJoin()
    {
        var garbage = new object[48];
        for (int i = 0; i < garbage.Length; i++) garbage[i] = new byte[4000];
        GC.KeepAlive(garbage);
        garbage = null;
        GC.Collect(0, GCCollectionMode.Forced, blocking: true, compacting: true);
        TouchStack();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void TouchStack()
    {
        const int Size = 64 * 1024;
        byte* block = stackalloc byte[Size];
        for (int i = 0; i < Size; i += 4096) System.Threading.Volatile.Write(ref block[i], 1);
    }

    private static string OneLine(Exception e) => e.Message.Replace('\n', ' ');

    private static void RunContainer(InitConfig config, SyncChannel channel)
    {
        var spec = config.Spec;
        var process = spec.Process!;
        // No PR_SET_PDEATHSIG: create exits while init waits for start. A parent that dies during
        // set-up is seen as a broken sync socket, and init exits then.
        // exec.fifo is reopened through procfs once the rootfs is "/", where the container may
        // have no /proc: keep a handle on this one. It is close-on-exec, and the container
        // process never sees it. Every procfs write and every mount goes through it too (see
        // TrustedProc): never through a /proc of the container's making.
        var proc = TrustedProc.Open();
        int procFd = proc.Fd;

        var rootfs = new RootfsBuilder(spec, config.Rootfs, config.InUserNamespace, config.NewCgroupNamespace, config.CgroupPaths, proc, config.IdMappedMountFds);
        bool hasMountNs = (spec.Linux?.Namespaces ?? new()).Any(n => n.Type == "mount");
        if (hasMountNs) rootfs.Prepare();
        RunCreateHooks(config, channel);
        if (hasMountNs) rootfs.SwitchRoot(config.NoPivot);
        else
        {
            Sys.Chroot(config.Rootfs);
            Sys.Chdir("/");
        }

        if (!config.NoNewKeyring) JoinSessionKeyring(config.ContainerId);

        if (process.Terminal && config.ConsoleSocketFd >= 0)
            ConsoleSetup.CreateAndSend(config.ConsoleSocketFd, process.ConsoleSize);

        if (spec.Hostname is { Length: > 0 } hostname) Sys.Sethostname(hostname);
        if (spec.Domainname is { Length: > 0 } domain) Sys.Setdomainname(domain);
        // Sysctls go in before readonlyPaths (runc's order): docker and podman list /proc/sys
        // there and still set sysctls such as net.ipv4.ip_unprivileged_port_start.
        foreach (var (key, value) in spec.Linux?.Sysctl ?? new())
            proc.WriteFile("sys/" + key.Replace('.', '/'), value, "/proc/sys/" + key.Replace('.', '/'), beneath: "sys");

        if (hasMountNs) rootfs.Finish();
        // Where runc applies them: before no_new_privs and the user switch; they take effect at
        // the container process's execve.
        LsmLabels.ApplyOnExec(procFd, process.ApparmorProfile, process.SelinuxLabel);

        foreach (var rlimit in process.Rlimits ?? new())
            Rlimits.Set(rlimit.Type!, rlimit.Soft, rlimit.Hard);
        if (process.OomScoreAdj is int oom)
        {
            try { proc.WriteFile("self/oom_score_adj", oom.ToString(), "/proc/self/oom_score_adj"); }
            catch (SyscallException e) when (e.Errno is Errno.EACCES or Errno.EPERM)
            {
                // The kernel lets only CAP_SYS_RESOURCE (in the host's user namespace) go below
                // the value csrun was started with: a rootless container never can.
                throw new SyscallException(e.Syscall, $"{e.Path} (process.oomScoreAdj {oom} is below the caller's own; lowering it needs CAP_SYS_RESOURCE on the host)", e.Errno);
            }
        }
        // While init is still root (runc's order): real-time policies and the RT I/O class need
        // privileges the container process may not keep. execve keeps all four.
        ProcessAttributesPlan.From(process, spec.Linux?.Personality, spec.Linux?.MemoryPolicy).ApplyToCallingThread();

        var env = PasswdFile.EnvironmentWithHome(process.Env, process.User?.Uid ?? 0, "/etc/passwd");
        var caps = Capabilities.FromSpec(process.Capabilities);

        // Without no_new_privs the kernel lets only CAP_SYS_ADMIN load a filter: load it while
        // init still has every capability. With it, load it as late as possible (runc's order).
        if (config.Seccomp is { } early && !process.NoNewPrivileges) InstallSeccomp(early, channel);

        caps?.DropBounding();
        SwitchUser(process.User ?? new SpecUser(), caps is not null);
        caps?.ApplyProcessSets();
        if (process.User?.Umask is uint umask) Native.Umask(umask);
        if (process.NoNewPrivileges) Sys.Prctl(K.PR_SET_NO_NEW_PRIVS, 1, "PR_SET_NO_NEW_PRIVS");

        string cwd = process.Cwd is { Length: > 0 } d ? d : "/";
        WorkingDirectory.Enter(cwd);

        string executable = ExecutableLookup.Find(process.Args![0], env);

        // Everything not asked for is closed at exec (CVE-2024-21626 class): stdio and
        // --preserve-fds survive, the sync socket and the fifo do not.
        Sys.CloseRangeCloexec((uint)(3 + config.PreserveFds));

        if (config.Seccomp is { } late && process.NoNewPrivileges) InstallSeccomp(late, channel);
        channel.Send(SyncMessage.Ready, ReadOnlySpan<byte>.Empty);
        int fifo = WaitForStart(procFd, config.FifoFd);
        proc.Dispose();
        try
        {
            if (spec.Hooks?.StartContainer is { Count: > 0 } startHooks)
                HookRunner.RunAll("startContainer", startHooks, HookStateJson(config, "created"));
        }
        catch (Exception e)
        {
            // `start` is reading the fifo: tell it why the container will not run.
            Sys.WriteAll(fifo, Encoding.UTF8.GetBytes("E" + OneLine(e)), "exec.fifo");
            throw;
        }
        Sys.WriteAll(fifo, "0"u8, "exec.fifo");
        Native.Close(fifo);

        Exec(executable, process.Args!, env);
    }

    /// <summary>Loads the filter. A notify listener goes to the parent, which hands it to the
    /// agent; init closes its copy once the parent is done, so the container never holds it.</summary>
    private static void InstallSeccomp(Csrun.Runtime.Seccomp.SeccompPlan plan, SyncChannel channel)
    {
        int listener = SeccompFilter.Install(plan.Program, plan.Flags);
        if (listener < 0) return;
        try
        {
            channel.SendWithFd(SyncMessage.SeccompListener, ReadOnlySpan<byte>.Empty, listener);
            if (!channel.TryReceive(out byte type, out _) || type != SyncMessage.SeccompDone)
                throw new InvalidOperationException("the parent stopped while handing the seccomp listener to the agent");
        }
        finally { Native.Close(listener); }
    }

    /// <summary>A session keyring of the container's own, so it never shares the host's keys
    /// (runc does the same unless --no-new-keyring).</summary>
    private static void JoinSessionKeyring(string id)
    {
        const long SYS_keyctl = 250, KEYCTL_JOIN_SESSION_KEYRING = 1, KEYCTL_SETPERM = 5;
        long serial;
        fixed (byte* name = Sys.Z("_ses." + id))
            serial = Native.Syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, (long)name, 0, 0, 0, 0);
        if (serial < 0)
        {
            // Kernels without keyrings, or a user namespace that may not have one: runc goes on too.
            if (Sys.LastErrno is Errno.ENOSYS or Errno.EPERM or Errno.EACCES) return;
            throw Sys.Fail("keyctl(KEYCTL_JOIN_SESSION_KEYRING)", "_ses." + id);
        }
        // Possessor all; user view, read, search and link (runc adds search too): processes
        // that switch uid inside the container can still use the keyring they possess.
        Native.Syscall(SYS_keyctl, KEYCTL_SETPERM, serial, 0x3f1b0000, 0, 0, 0);
    }

    private static void SwitchUser(SpecUser user, bool keepCaps)
    {
        if (keepCaps) Sys.Prctl(K.PR_SET_KEEPCAPS, 1, "PR_SET_KEEPCAPS");
        var groups = user.AdditionalGids ?? new List<uint>();
        fixed (uint* g = groups.ToArray())
        {
            // setgroups is refused in a user namespace whose setgroups file says deny: only an
            // error when groups were asked for.
            if (Native.SetGroups(groups.Count, g) < 0 && (groups.Count > 0 || Sys.LastErrno != Errno.EPERM))
            {
                int errno = Sys.LastErrno;
                if (errno == Errno.EPERM && SetgroupsDenied())
                    throw new SyscallException("setgroups", $"{string.Join(',', groups)} (process.user.additionalGids: /proc/self/setgroups is \"deny\", as the kernel requires when a rootless container maps only its caller's gid; map a range from /etc/subgid to have groups)", errno);
                throw new SyscallException("setgroups", string.Join(',', groups), errno);
            }
        }
        if (Native.SetResGid(user.Gid, user.Gid, user.Gid) < 0) throw Sys.Fail("setresgid", user.Gid.ToString());
        if (Native.SetResUid(user.Uid, user.Uid, user.Uid) < 0) throw Sys.Fail("setresuid", user.Uid.ToString());
        if (keepCaps) Sys.Prctl(K.PR_SET_KEEPCAPS, 0, "PR_SET_KEEPCAPS");
    }

    private static bool SetgroupsDenied()
    {
        try { return File.ReadAllText("/proc/self/setgroups").Trim() == "deny"; }
        catch (IOException) { return false; }
    }

    /// <summary>Blocks until `start` opens exec.fifo; returns the fifo open for writing.</summary>
    private static int WaitForStart(int procFd, int fifoFd)
    {
        int fd;
        fixed (byte* path = Sys.Z($"self/fd/{fifoFd}"))
        {
            do fd = Native.OpenAt(procFd, path, K.O_WRONLY | K.O_CLOEXEC, 0); while (fd < 0 && Sys.LastErrno == Errno.EINTR);
        }
        if (fd < 0) throw Sys.Fail("open", $"/proc/self/fd/{fifoFd} (exec.fifo)");
        Native.Close(fifoFd);
        return fd;
    }

    /// <summary>prestart and createRuntime run in the parent (runtime namespaces), then
    /// createContainer here, in the container's namespaces before pivot_root.</summary>
    private static void RunCreateHooks(InitConfig config, SyncChannel channel)
    {
        var hooks = config.Spec.Hooks;
        if (hooks is null) return;
        if (hooks.Prestart is { Count: > 0 } || hooks.CreateRuntime is { Count: > 0 })
        {
            channel.Send(SyncMessage.RunHooks, ReadOnlySpan<byte>.Empty);
            if (!channel.TryReceive(out byte type, out _) || type != SyncMessage.HooksDone)
                throw new InvalidOperationException("the parent stopped while running createRuntime hooks");
        }
        if (hooks.CreateContainer is { Count: > 0 })
            HookRunner.RunAll("createContainer", hooks.CreateContainer, HookStateJson(config, "creating"));
    }

    /// <summary>The state for createContainer and startContainer, which run in the container's
    /// namespaces: the spec wants the pid as the container sees it (1 in a new pid namespace).</summary>
    private static byte[] HookStateJson(InitConfig config, string status)
    {
        var state = config.HookState ?? new Csrun.Runtime.State.SpecState();
        state.Status = status;
        state.Pid = Environment.ProcessId;
        return JsonSerializer.SerializeToUtf8Bytes(state, Csrun.Runtime.State.HookStateJsonContext.Default.SpecState);
    }

    private static void Exec(string path, List<string> args, List<string> env)
    {
        byte[][] argBytes = args.Select(Sys.Z).ToArray();
        byte[][] envBytes = env.Select(Sys.Z).ToArray();
        var handles = new List<System.Runtime.InteropServices.GCHandle>();
        byte** argv = stackalloc byte*[argBytes.Length + 1];
        byte** envp = stackalloc byte*[envBytes.Length + 1];
        for (int i = 0; i < argBytes.Length; i++)
        {
            var h = System.Runtime.InteropServices.GCHandle.Alloc(argBytes[i], System.Runtime.InteropServices.GCHandleType.Pinned);
            handles.Add(h);
            argv[i] = (byte*)h.AddrOfPinnedObject();
        }
        argv[argBytes.Length] = null;
        for (int i = 0; i < envBytes.Length; i++)
        {
            var h = System.Runtime.InteropServices.GCHandle.Alloc(envBytes[i], System.Runtime.InteropServices.GCHandleType.Pinned);
            handles.Add(h);
            envp[i] = (byte*)h.AddrOfPinnedObject();
        }
        envp[envBytes.Length] = null;
        fixed (byte* p = Sys.Z(path))
            Native.Execve(p, argv, envp);
        int errno = Sys.LastErrno;
        // exec failed after "ready": the parent is gone, so the only witness is stderr.
        string message = $"csrun: exec {path}: {SyscallException.Describe(errno)}\n";
        byte[] m = Encoding.UTF8.GetBytes(message);
        fixed (byte* mp = m) Native.Write(2, mp, m.Length);
        Native.Exit(127);
    }
}
