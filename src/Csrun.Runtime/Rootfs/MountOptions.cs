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
    /// <summary>mount_setattr attributes the r* options set and clear on the mount and below it.</summary>
    public ulong RecursiveSet { get; private set; }
    public ulong RecursiveClear { get; private set; }
    public bool HasRecursiveAttributes => RecursiveSet != 0 || RecursiveClear != 0;

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

    /// <summary>runc's recursive options: mount_setattr(AT_RECURSIVE) attributes.</summary>
    private static readonly Dictionary<string, (bool Clear, ulong Attr)> RecursiveOptions = new()
    {
        ["rro"] = (false, K.MOUNT_ATTR_RDONLY), ["rrw"] = (true, K.MOUNT_ATTR_RDONLY),
        ["rnosuid"] = (false, K.MOUNT_ATTR_NOSUID), ["rsuid"] = (true, K.MOUNT_ATTR_NOSUID),
        ["rnodev"] = (false, K.MOUNT_ATTR_NODEV), ["rdev"] = (true, K.MOUNT_ATTR_NODEV),
        ["rnoexec"] = (false, K.MOUNT_ATTR_NOEXEC), ["rexec"] = (true, K.MOUNT_ATTR_NOEXEC),
        ["rnodiratime"] = (false, K.MOUNT_ATTR_NODIRATIME), ["rdiratime"] = (true, K.MOUNT_ATTR_NODIRATIME),
        ["rrelatime"] = (false, K.MOUNT_ATTR_RELATIME), ["rnorelatime"] = (true, K.MOUNT_ATTR_RELATIME),
        ["rnoatime"] = (false, K.MOUNT_ATTR_NOATIME), ["ratime"] = (true, K.MOUNT_ATTR_NOATIME),
        ["rstrictatime"] = (false, K.MOUNT_ATTR_STRICTATIME), ["rnostrictatime"] = (true, K.MOUNT_ATTR_STRICTATIME),
        ["rnosymfollow"] = (false, K.MOUNT_ATTR_NOSYMFOLLOW), ["rsymfollow"] = (true, K.MOUNT_ATTR_NOSYMFOLLOW),
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
            else if (RecursiveOptions.TryGetValue(option, out var r)) result.AddRecursive(r.Clear, r.Attr);
            else if (option == "tmpcopyup") result.TmpCopyUp = true;
            else if (option == "idmap") result.IdMap = true;
            else if (option == "ridmap") { result.IdMap = true; result.RecursiveIdMap = true; }
            else if (option.Length > 0) result.Data.Add(option);
        }
        // A mount of type "bind" is a bind mount whatever its options say (runc does the same).
        if (type == "bind") result.Flags |= K.MS_BIND;
        return result;
    }

    private void AddRecursive(bool clear, ulong attr)
    {
        // An access-time mode is one value of the __ATIME field, which the kernel only lets
        // clear as a whole (mount_setattr(2), EINVAL otherwise): setting a mode clears the field
        // first; clearing one (ratime, rnostrictatime) clears the field too, so the mode falls
        // back to relatime (0) unless another mode is set. rnorelatime, clearing 0, changes nothing.
        bool atime = (attr & K.MOUNT_ATTR__ATIME) == attr;
        if (clear)
        {
            RecursiveSet &= ~attr;
            if (!atime) RecursiveClear |= attr;
            else if (attr != 0) RecursiveClear |= K.MOUNT_ATTR__ATIME;
            return;
        }
        if (atime)
        {
            RecursiveSet = (RecursiveSet & ~K.MOUNT_ATTR__ATIME) | attr;
            RecursiveClear |= K.MOUNT_ATTR__ATIME;
            return;
        }
        RecursiveSet |= attr;
        RecursiveClear &= ~attr;
    }

    /// <summary>Propagation flags from linux.rootfsPropagation; null when the value is unknown.</summary>
    public static ulong? RootPropagation(string? value) => value switch
    {
        null or "" => K.MS_SLAVE | K.MS_REC,
        _ when PropagationOptions.TryGetValue(value, out ulong p) => p,
        _ => null,
    };
}
