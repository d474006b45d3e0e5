using Csrun.Runtime.Linux;

namespace Csrun.Runtime.Rootfs;

/// <summary>A mount's "options" list split into mount(2) flags, propagation changes and the
/// filesystem-specific data string, with runc's vocabulary. Pure logic.</summary>
public sealed class MountOptions
{
    public ulong Flags { get; private set; }
    /// <summary>Flags the options explicitly clear (rw, suid, dev...), needed for remounts.</summary>
    public ulong Cleared { get; private set; }
    public List<ulong> Propagation { get; } = new();
    public List<string> Data { get; } = new();
    public bool TmpCopyUp { get; private set; }
    public bool IdMap { get; private set; }
    public bool RecursiveIdMap { get; private set; }

    public bool IsBind => (Flags & K.MS_BIND) != 0;
    public string DataString => string.Join(',', Data);

    private static readonly Dictionary<string, (bool Clear, ulong Flag)> FlagOptions = new()
    {
        ["defaults"] = (false, 0), ["ro"] = (false, K.MS_RDONLY), ["rw"] = (true, K.MS_RDONLY),
        ["nosuid"] = (false, K.MS_NOSUID), ["suid"] = (true, K.MS_NOSUID),
        ["nodev"] = (false, K.MS_NODEV), ["dev"] = (true, K.MS_NODEV),
        ["noexec"] = (false, K.MS_NOEXEC), ["exec"] = (true, K.MS_NOEXEC),
        ["sync"] = (false, K.MS_SYNCHRONOUS), ["async"] = (true, K.MS_SYNCHRONOUS),
        ["dirsync"] = (false, K.MS_DIRSYNC), ["remount"] = (false, K.MS_REMOUNT),
        ["mand"] = (false, K.MS_MANDLOCK), ["nomand"] = (true, K.MS_MANDLOCK),
        ["noatime"] = (false, K.MS_NOATIME), ["atime"] = (true, K.MS_NOATIME),
        ["nodiratime"] = (false, K.MS_NODIRATIME), ["diratime"] = (true, K.MS_NODIRATIME),
        ["relatime"] = (false, K.MS_RELATIME), ["norelatime"] = (true, K.MS_RELATIME),
        ["strictatime"] = (false, K.MS_STRICTATIME), ["nostrictatime"] = (true, K.MS_STRICTATIME),
        ["bind"] = (false, K.MS_BIND), ["rbind"] = (false, K.MS_BIND | K.MS_REC),
        ["nosymfollow"] = (false, K.MS_NOSYMFOLLOW), ["symfollow"] = (true, K.MS_NOSYMFOLLOW),
        ["silent"] = (false, K.MS_SILENT), ["loud"] = (true, K.MS_SILENT),
        ["lazytime"] = (false, K.MS_LAZYTIME), ["nolazytime"] = (true, K.MS_LAZYTIME),
    };

    private static readonly Dictionary<string, ulong> PropagationOptions = new()
    {
        ["private"] = K.MS_PRIVATE, ["rprivate"] = K.MS_PRIVATE | K.MS_REC,
        ["shared"] = K.MS_SHARED, ["rshared"] = K.MS_SHARED | K.MS_REC,
        ["slave"] = K.MS_SLAVE, ["rslave"] = K.MS_SLAVE | K.MS_REC,
        ["unbindable"] = K.MS_UNBINDABLE, ["runbindable"] = K.MS_UNBINDABLE | K.MS_REC,
    };

    public static MountOptions Parse(IEnumerable<string>? options, string? type = null)
    {
        var result = new MountOptions();
        foreach (var option in options ?? Array.Empty<string>())
        {
            if (FlagOptions.TryGetValue(option, out var f))
            {
                if (f.Clear) { result.Flags &= ~f.Flag; result.Cleared |= f.Flag; }
                else { result.Flags |= f.Flag; result.Cleared &= ~f.Flag; }
            }
            else if (PropagationOptions.TryGetValue(option, out ulong p)) result.Propagation.Add(p);
            else if (option == "tmpcopyup") result.TmpCopyUp = true;
            else if (option == "idmap") result.IdMap = true;
            else if (option == "ridmap") { result.IdMap = true; result.RecursiveIdMap = true; }
            else if (option.Length > 0) result.Data.Add(option);
        }
        // A mount of type "bind" is a bind mount whatever its options say (runc does the same).
        if (type == "bind") result.Flags |= K.MS_BIND;
        return result;
    }

    /// <summary>Propagation flags from linux.rootfsPropagation; null when the value is unknown.</summary>
    public static ulong? RootPropagation(string? value) => value switch
    {
        null or "" => K.MS_SLAVE | K.MS_REC,
        _ when PropagationOptions.TryGetValue(value, out ulong p) => p,
        _ => null,
    };
}
