namespace Csrun.Runtime.Spec;

/// <summary>
/// Mount option strings csrun interprets itself (the spec's Linux mount option table plus
/// the recursive and extension options runc accepts). Anything else is filesystem data.
/// </summary>
public static class MountOptionNames
{
    /// <summary>Options that change mount(2) flags.</summary>
    public static readonly IReadOnlyList<string> Flags =
    [
        "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec",
        "iversion", "lazytime", "loud", "mand", "noatime", "nodev", "nodiratime", "noexec",
        "noiversion", "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid",
        "nosymfollow", "rbind", "relatime", "remount", "ro", "rw", "silent", "strictatime",
        "suid", "symfollow", "sync",
    ];

    /// <summary>Propagation types; also the values allowed for linux.rootfsPropagation.</summary>
    public static readonly IReadOnlyList<string> Propagation =
        ["private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable"];

    /// <summary>mount_setattr(2) attributes applied recursively.</summary>
    public static readonly IReadOnlyList<string> RecursiveAttributes =
    [
        "rro", "rrw", "rnosuid", "rsuid", "rnodev", "rdev", "rnoexec", "rexec",
        "rnodiratime", "rdiratime", "rrelatime", "rnorelatime", "rnoatime", "ratime",
        "rstrictatime", "rnostrictatime", "rnosymfollow", "rsymfollow",
    ];

    /// <summary>Options handled by the runtime rather than the kernel.</summary>
    public static readonly IReadOnlyList<string> Extensions = ["tmpcopyup", "idmap", "ridmap"];

    private static readonly HashSet<string> Known = BuildKnown();

    /// <summary>Every option above, sorted, as `csrun features` reports them.</summary>
    public static IReadOnlyList<string> All { get; } = BuildSortedAll();

    public static bool IsKnown(string option) => Known.Contains(option);

    public static bool IsPropagation(string? value)
    {
        if (value is null)
            return false;
        for (int i = 0; i < Propagation.Count; i++)
            if (string.Equals(Propagation[i], value, StringComparison.Ordinal))
                return true;
        return false;
    }

    /// <summary>True when the options make this a bind mount, which is how the spec defines one.</summary>
    public static bool IsBind(List<string>? options) => HasAny(options, "bind", "rbind");

    /// <summary>True when the options request an id-mapped mount.</summary>
    public static bool IsIdMap(List<string>? options) => HasAny(options, "idmap", "ridmap");

    private static bool HasAny(List<string>? options, string a, string b)
    {
        if (options is null)
            return false;
        foreach (string? o in options)
            if (o == a || o == b)
                return true;
        return false;
    }

    private static HashSet<string> BuildKnown()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        set.UnionWith(Flags);
        set.UnionWith(Propagation);
        set.UnionWith(RecursiveAttributes);
        set.UnionWith(Extensions);
        return set;
    }

    private static string[] BuildSortedAll()
    {
        var all = new string[Known.Count];
        Known.CopyTo(all);
        Array.Sort(all, StringComparer.Ordinal);
        return all;
    }
}
