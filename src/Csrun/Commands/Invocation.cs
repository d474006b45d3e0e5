using Csrun.Cli;
using Csrun.Runtime.Process;
using Csrun.Runtime.State;

namespace Csrun.Commands;

/// <summary>What every command gets: its parsed line, the log, and the state store.</summary>
public sealed class Invocation
{
    public required CommandLine Line { get; init; }
    public required Log Log { get; init; }
    public required StateStore Store { get; init; }
    public required RootlessMode Rootless { get; init; }

    /// <summary>The container id argument, validated like runc does.</summary>
    public string Id()
    {
        string id = Line.Args.Count > 0 ? Line.Args[0] : "";
        if (ContainerId.Check(id) is { } problem) throw new UsageException(problem);
        return id;
    }
}
