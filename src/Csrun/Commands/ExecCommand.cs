using Csrun.Cli;
using Csrun.Runtime.Cgroups;
using Csrun.Runtime.Linux;
using Csrun.Runtime.Process;
using Csrun.Runtime.Security;
using Csrun.Runtime.Spec;
using Csrun.Runtime.State;
using Csrun.Runtime.Terminal;

namespace Csrun.Commands;

/// <summary>`exec`: a process from --process FILE, or the container's own process spec with the
/// command line and flags applied, as runc builds it.</summary>
public static class ExecCommand
{
    public static int Run(Invocation inv)
    {
        string id = inv.Id();
        var line = inv.Line;
        int preserveFds = 0;
        if (line.Value("preserve-fds") is { } pf && (!int.TryParse(pf, out preserveFds) || preserveFds < 0))
            throw new UsageException($"invalid value \"{pf}\" for flag --preserve-fds: must be a non-negative number");

        var subCgroups = SubCgroups.Parse(line.Values("cgroup"));

        var state = inv.Store.Load(id);
        var process = BuildProcess(line, state);
        InheritContainerSettings(process, state);
        foreach (var warning in SpecValidator.ValidateProcess(process)) inv.Log.Warn(warning);
        ApplyLabels(line, process, state);

        // A terminal and no --console-socket: csrun receives the pty itself and proxies it (runc).
        using var console = ConsoleSocketListener.ForForeground(process.Terminal, line.Value("console-socket"), line.Has("detach"));
        var started = new ContainerExecutor(inv.Store).Exec(new ContainerExecutor.Options
        {
            Id = id,
            Process = process,
            PidFile = line.Value("pid-file"),
            ConsoleSocket = line.Value("console-socket") ?? console?.Path,
            IgnorePaused = line.Has("ignore-paused"),
            PreserveFds = preserveFds,
            SubCgroups = subCgroups,
        });
        if (line.Has("detach"))
        {
            Sys.Close(started.PidFd);
            return 0;
        }
        TtyProxy? tty = null;
        try
        {
            if (console is not null) tty = TtyProxy.Attach(console.ReceiveMaster());
            console?.Dispose();
        }
        catch
        {
            Sys.PidfdSendSignal(started.PidFd, K.SIGKILL);
            Sys.WaitPidfd(started.PidFd);
            Sys.Close(started.PidFd);
            throw;
        }
        using var forwarding = SignalForwarding.To(started.Pid);
        int status;
        using (tty) status = tty?.Run(started.PidFd) ?? Sys.WaitPidfd(started.PidFd);
        Sys.Close(started.PidFd);
        return status;
    }

    /// <summary>The AppArmor profile and SELinux label of the exec'd process: --apparmor /
    /// --process-label, else the process file's, else the container's (as runc inherits them);
    /// refused, naming where the value came from, when the host lacks the LSM.</summary>
    private static void ApplyLabels(CommandLine line, SpecProcess process, ContainerState state)
    {
        string profileFrom = "process.apparmorProfile", labelFrom = "process.selinuxLabel";
        if (line.Value("apparmor") is { Length: > 0 } profile) (process.ApparmorProfile, profileFrom) = (profile, "--apparmor");
        else if (process.ApparmorProfile is not { Length: > 0 })
            (process.ApparmorProfile, profileFrom) = (state.Process?.ApparmorProfile, "the container's process.apparmorProfile");
        if (line.Value("process-label") is { Length: > 0 } label) (process.SelinuxLabel, labelFrom) = (label, "--process-label");
        else if (process.SelinuxLabel is not { Length: > 0 })
            (process.SelinuxLabel, labelFrom) = (state.Process?.SelinuxLabel, "the container's process.selinuxLabel");
        LsmLabels.Require(process.ApparmorProfile, profileFrom, process.SelinuxLabel, labelFrom);
    }

    /// <summary>As runc's exec: a scheduler, I/O priority or exec CPU affinity the process does not
    /// set (--process file or command line) is the container's.</summary>
    private static void InheritContainerSettings(SpecProcess process, ContainerState state)
    {
        process.Scheduler ??= state.Process?.Scheduler;
        process.IOPriority ??= state.Process?.IOPriority;
        process.ExecCpuAffinity ??= state.Process?.ExecCpuAffinity;
    }

    private static SpecProcess BuildProcess(CommandLine line, ContainerState state)
    {
        if (line.Value("process") is { } file)
        {
            if (line.Args.Count > 1) throw new UsageException("exec: give the command in --process or on the command line, not both");
            return SpecLoader.ParseProcess(SpecLoader.ReadFile(file), file);
        }
        if (line.Args.Count < 2) throw new UsageException("exec: a command is required: csrun exec [options] <container-id> <command> [args...]");
        var base_ = state.Process ?? new SpecProcess();
        var p = new SpecProcess
        {
            Args = line.Args.Skip(1).ToList(),
            Env = new List<string>(base_.Env ?? new()),
            Cwd = line.Value("cwd") ?? base_.Cwd,
            User = new SpecUser
            {
                Uid = base_.User?.Uid ?? 0,
                Gid = base_.User?.Gid ?? 0,
                Umask = base_.User?.Umask,
                AdditionalGids = base_.User?.AdditionalGids is { } gids ? new List<uint>(gids) : null,
            },
            Capabilities = base_.Capabilities is { } c
                ? new LinuxCapabilities
                {
                    Bounding = c.Bounding?.ToList(), Effective = c.Effective?.ToList(), Inheritable = c.Inheritable?.ToList(),
                    Permitted = c.Permitted?.ToList(), Ambient = c.Ambient?.ToList(),
                }
                : null,
            Rlimits = base_.Rlimits,
            NoNewPrivileges = base_.NoNewPrivileges || line.Has("no-new-privs"),
            Terminal = line.Has("tty"),
            OomScoreAdj = base_.OomScoreAdj,
        };
        foreach (var e in line.Values("env")) p.Env!.Add(e);
        if (line.Value("user") is { } user)
        {
            var parts = user.Split(':');
            if (!uint.TryParse(parts[0], out uint uid) || (parts.Length > 1 && !uint.TryParse(parts[1], out _)) || parts.Length > 2)
                throw new UsageException($"--user {user}: expected <uid>[:<gid>] with numbers");
            p.User.Uid = uid;
            p.User.Gid = parts.Length > 1 ? uint.Parse(parts[1]) : 0;
        }
        foreach (var g in line.Values("additional-gids"))
            (p.User.AdditionalGids ??= new()).Add(uint.TryParse(g, out uint gid) ? gid : throw new UsageException($"--additional-gids {g}: expected a number"));
        foreach (var cap in line.Values("cap"))
        {
            p.Capabilities ??= new LinuxCapabilities();
            (p.Capabilities.Bounding ??= new()).Add(cap);
            (p.Capabilities.Effective ??= new()).Add(cap);
            (p.Capabilities.Permitted ??= new()).Add(cap);
        }
        return p;
    }
}
