namespace Csrun.Runtime.Spec;

/// <summary>The namespace type strings of runtime-spec v1.3.0.</summary>
public static class LinuxNamespaceTypes
{
    public const string Pid = "pid";
    public const string Network = "network";
    public const string Mount = "mount";
    public const string Ipc = "ipc";
    public const string Uts = "uts";
    public const string User = "user";
    public const string Cgroup = "cgroup";
    public const string Time = "time";

    /// <summary>All types, sorted, in the form `csrun features` reports them.</summary>
    public static readonly IReadOnlyList<string> All =
        [Cgroup, Ipc, Mount, Network, Pid, Time, User, Uts];

    public static bool IsKnown(string? type) => type switch
    {
        Pid or Network or Mount or Ipc or Uts or User or Cgroup or Time => true,
        _ => false,
    };
}
