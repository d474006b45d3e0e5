using Csrun.Cli;
using Csrun.Commands;
using Csrun.Runtime.Process;
using Csrun.Runtime.State;

namespace Csrun;

public static class Program
{
    public static int Main(string[] args)
    {
        // `csrun init` is pid 1 inside a new container, exec'd by csrun itself.
        if (args.Length == 1 && args[0] == "init" && Environment.GetEnvironmentVariable(ContainerCreator.InitSocketEnv) is not null)
            return InitProcess.Run();

        CommandLine line;
        try { line = CommandLine.Parse(args); }
        catch (UsageException e)
        {
            Log.WriteStderr(e.Message + "\n");
            return 1;
        }
        var log = new Log(line.GlobalValue("log"), line.GlobalValue("log-format"), line.HasGlobal("debug"));
        try
        {
            // exec's children enter the container before they exec: they must run from a
            // sealed view of csrun, never from the host binary (CVE-2019-5736). The state root
            // is the overlay's empty layer (a missing one means the memfd copy).
            if (line.Command?.Name == "exec" && !line.HasGlobal("help") && !line.Has("help"))
                Csrun.Runtime.Linux.SealedExecutable.ReexecSealedIfNeeded(StateRootOf(line));
            return Dispatch(line, log);
        }
        catch (Exception e)
        {
            log.Error(ErrorText.Of(e));
            return 1;
        }
    }

    private static string StateRootOf(CommandLine line) =>
        line.GlobalValue("root") is { Length: > 0 } root ? Path.GetFullPath(root) : StateRoot.Default();

    private static int Dispatch(CommandLine line, Log log)
    {
        if (line.HasGlobal("version")) { Output.Out(InfoCommands.VersionText()); return 0; }
        var command = line.Command;
        if (command is null || command.Name == "help" || line.HasGlobal("help"))
        {
            var about = command?.Name == "help" && line.Args.Count > 0 ? CommandTable.Find(line.Args[0]) : command?.Name == "help" ? null : command;
            Output.Out(InfoCommands.HelpText(about));
            return 0;
        }
        if (line.Has("help")) { Output.Out(InfoCommands.HelpText(command)); return 0; }

        if (line.Args.Count < command.MinArgs || line.Args.Count > command.MaxArgs)
        {
            string count = command.MinArgs == command.MaxArgs ? $"exactly {command.MinArgs}" : command.MaxArgs == int.MaxValue ? $"at least {command.MinArgs}" : $"{command.MinArgs} to {command.MaxArgs}";
            throw new UsageException($"csrun: \"{command.Name}\" requires {count} argument(s)");
        }
        if (command.NotYet is not null)
            throw new UsageException($"csrun {command.Name}: not implemented yet: {command.NotYet}");
        foreach (var (name, _) in line.Flags)
            if (Array.Find(command.Flags, f => f.Name == name)?.NotYet is { } why)
                throw new UsageException($"csrun {command.Name} --{name}: not implemented yet: {why}");
        if (line.HasGlobal("systemd-cgroup"))
            throw new UsageException("--systemd-cgroup: the systemd cgroup driver is not supported yet; use the default cgroupfs driver");

        RootlessMode rootless;
        try { rootless = RootlessMode.Detect(line.GlobalValue("rootless")); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        var inv = new Invocation
        {
            Line = line,
            Log = log,
            Store = new StateStore(StateRootOf(line)),
            Rootless = rootless,
        };
        return command.Name switch
        {
            "create" => LifecycleCommands.Create(inv),
            "start" => LifecycleCommands.Start(inv),
            "run" => LifecycleCommands.Run(inv),
            "kill" => LifecycleCommands.Kill(inv),
            "delete" => LifecycleCommands.Delete(inv),
            "state" => InfoCommands.State(inv),
            "list" => InfoCommands.List(inv),
            "spec" => InfoCommands.Spec(inv),
            "exec" => ExecCommand.Run(inv),
            "features" => FeaturesCommand.Run(inv),
            "events" => EventsCommand.Run(inv),
            "pause" => CgroupCommands.Pause(inv),
            "resume" => CgroupCommands.Resume(inv),
            "ps" => CgroupCommands.Ps(inv),
            "update" => CgroupCommands.Update(inv),
            _ => throw new UsageException($"csrun {command.Name}: not implemented yet"),
        };
    }
}
