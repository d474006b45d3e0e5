namespace Csrun.Runtime.Process;

public sealed class CreateOptions
{
    public required string Id { get; init; }
    public required string Bundle { get; init; }
    public string? PidFile { get; init; }
    public string? ConsoleSocket { get; init; }
    public bool NoPivot { get; init; }
    public bool NoNewKeyring { get; init; }
    public int PreserveFds { get; init; }
    /// <summary>csrun runs without euid 0 (runc's RootlessEUID): id maps need the kernel's
    /// unprivileged rules or newuidmap/newgidmap.</summary>
    public bool RootlessEuid { get; init; }
    /// <summary>`--rootless` (runc's RootlessCgroups): cgroup permission errors are ignored
    /// when the container needs no cgroup.</summary>
    public bool RootlessCgroups { get; init; }
}
