using System.Text.Json;
using Csrun.Cli;
using Csrun.Runtime.Linux;
using Csrun.Runtime.Process;
using Csrun.Runtime.Security;
using Csrun.Runtime.Spec;
using Csrun.Runtime.State;
using Csrun.Runtime.Terminal;

namespace Csrun.Commands;

/// <summary>create, start, run, kill and delete.</summary>
public static class LifecycleCommands
{
    public static int Create(Invocation inv)
    {
        var (options, spec) = Prepare(inv);
        var creator = Creator(inv);
        ContainerCreator.Created created;
        try { created = creator.Create(options, spec); }
        finally { foreach (var warning in creator.Warnings) inv.Log.Warn(warning); }
        Sys.Close(created.PidFd);
        return 0;
    }

    private static ContainerCreator Creator(Invocation inv) =>
        new(inv.Store) { Trace = inv.Log.Debug ? inv.Log.DebugLine : null };

    public static int Start(Invocation inv)
    {
        new ContainerOperations(inv.Store).Start(inv.Id());
        return 0;
    }

    /// <summary>create + start, then (unless --detach) wait for the container process and
    /// delete the container, exiting with its status (128 + signal when killed).</summary>
    public static int Run(Invocation inv)
    {
        // A terminal and no --console-socket: csrun receives the pty itself and proxies it (runc).
        ConsoleSocketListener? console = null;
        var (options, spec) = Prepare(inv, spec =>
            (console = ConsoleSocketListener.ForForeground(spec.Process?.Terminal == true, null, inv.Line.Has("detach")))?.Path);
        using var _ = console;
        var ops = new ContainerOperations(inv.Store);
        var creator = Creator(inv);
        ContainerCreator.Created created;
        try { created = creator.Create(options, spec); }
        finally { foreach (var warning in creator.Warnings) inv.Log.Warn(warning); }
        TtyProxy? tty = null;
        try
        {
            if (console is not null) tty = TtyProxy.Attach(console.ReceiveMaster());
            console?.Dispose();
            ops.ReleaseInit(created.State);
            ops.RunPoststart(created.State);
        }
        catch
        {
            tty?.Dispose();
            ops.Destroy(created.State);
            Sys.Close(created.PidFd);
            throw;
        }
        if (inv.Line.Has("detach"))
        {
            Sys.Close(created.PidFd);
            return 0;
        }
        // Signals sent to a foreground run go to the container, as with runc; csrun stays to
        // wait and clean up. (Registering starts .NET's signal thread: fine, the clone is done.)
        using var forwarding = SignalForwarding.To(created.Pid);
        int status;
        using (tty) status = tty?.Run(created.PidFd) ?? Sys.WaitPidfd(created.PidFd);
        Sys.Close(created.PidFd);
        if (!inv.Line.Has("keep"))
        {
            using (inv.Store.Lock(options.Id))
                ops.Destroy(created.State);
            foreach (var warning in ops.Warnings) inv.Log.Warn(warning);
        }
        return status;
    }

    /// <param name="ownConsoleSocket">Without --console-socket: a socket path of csrun's own, or null.</param>
    private static (CreateOptions, RuntimeSpec) Prepare(Invocation inv, Func<RuntimeSpec, string?>? ownConsoleSocket = null)
    {
        string id = inv.Id();
        string bundle = inv.Line.Value("bundle") is { Length: > 0 } b ? b : Directory.GetCurrentDirectory();
        int preserveFds = 0;
        if (inv.Line.Value("preserve-fds") is { } pf && (!int.TryParse(pf, out preserveFds) || preserveFds < 0))
            throw new UsageException($"invalid value \"{pf}\" for flag --preserve-fds: must be a non-negative number");
        if (!Directory.Exists(bundle))
            throw new UsageException($"bundle {Path.GetFullPath(bundle)}: no such directory");
        // Everything is parsed and validated before anything on the system changes.
        var spec = SpecLoader.LoadFromBundle(bundle);
        foreach (var warning in SpecValidator.Validate(spec, bundle, rootless: inv.Rootless.Euid)) inv.Log.Warn(warning);
        UnsupportedFeatures.Check(spec);
        LsmLabels.Require(spec.Process?.ApparmorProfile, "process.apparmorProfile", spec.Process?.SelinuxLabel, "process.selinuxLabel");
        if (inv.Store.Exists(id)) throw new ContainerExistsException(id);
        // systemd socket activation, as runc does it: sockets handed to csrun at fds 3.. pass on
        // to the container, which is told with LISTEN_FDS and LISTEN_PID=1.
        if (SocketActivation.ListenFds() is int listenFds && listenFds > 0 && spec.Process is { } process)
        {
            process.Env ??= new List<string>();
            process.Env.Add($"LISTEN_FDS={listenFds}");
            process.Env.Add("LISTEN_PID=1");
            preserveFds += listenFds;
        }
        var options = new CreateOptions
        {
            Id = id,
            Bundle = bundle,
            PidFile = inv.Line.Value("pid-file"),
            ConsoleSocket = inv.Line.Value("console-socket") ?? ownConsoleSocket?.Invoke(spec),
            NoPivot = inv.Line.Has("no-pivot"),
            NoNewKeyring = inv.Line.Has("no-new-keyring"),
            PreserveFds = preserveFds,
            RootlessEuid = inv.Rootless.Euid,
            RootlessCgroups = inv.Rootless.Cgroups,
        };
        return (options, spec);
    }

    public static int Kill(Invocation inv)
    {
        string id = inv.Id();
        string signalText = inv.Line.Args.Count > 1 ? inv.Line.Args[1] : "SIGTERM";
        int signal = Signals.Parse(signalText) ?? throw new UsageException($"unknown signal \"{signalText}\"");
        new ContainerOperations(inv.Store).Kill(id, signal, inv.Line.Has("all"));
        return 0;
    }

    public static int Delete(Invocation inv)
    {
        string id = inv.Id();
        var ops = new ContainerOperations(inv.Store);
        try
        {
            ops.Delete(id, inv.Line.Has("force"));
            foreach (var warning in ops.Warnings) inv.Log.Warn(warning);
        }
        catch (ContainerNotFoundException) when (inv.Line.Has("force"))
        {
            // runc: --force on a container that is already gone succeeds quietly.
        }
        return 0;
    }
}
