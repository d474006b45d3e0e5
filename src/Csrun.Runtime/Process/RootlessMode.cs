using Csrun.Runtime.Linux;

namespace Csrun.Runtime.Process;

/// <summary>
/// runc's two notions of "rootless", which differ when root runs inside a user namespace:
/// <see cref="Euid"/> (csrun's euid is not 0: the config must bring a user namespace, and id
/// maps beyond the caller's own ids need newuidmap/newgidmap) and <see cref="Cgroups"/>
/// (cgroup permission errors are ignored when the container needs no cgroup: `--rootless`).
/// </summary>
public readonly record struct RootlessMode(bool Euid, bool Cgroups)
{
    public static RootlessMode NotRootless => new(false, false);

    /// <summary>The mode of this process for the global `--rootless` value (null: not given).</summary>
    public static RootlessMode Detect(string? flag)
    {
        bool euid = Native.GetEuid() != 0;
        return new RootlessMode(euid, ParseFlag(flag) ?? (euid || Procfs.InChildUserNamespace()));
    }

    /// <summary>`--rootless true|false|auto` as runc parses it (Go's strconv.ParseBool words);
    /// null for auto or absent.</summary>
    public static bool? ParseFlag(string? value) => value?.ToLowerInvariant() switch
    {
        null or "" or "auto" => null,
        "1" or "t" or "true" => true,
        "0" or "f" or "false" => false,
        _ => throw new ArgumentException($"invalid value \"{value}\" for flag --rootless: use true, false or auto"),
    };
}
