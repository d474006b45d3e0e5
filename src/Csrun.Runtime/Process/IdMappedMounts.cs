using Csrun.Runtime.Linux;
using Csrun.Runtime.Rootfs;
using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Process;

/// <summary>
/// The parent's half of id-mapped mounts (idmap / ridmap, mounts[].uidMappings): for each such
/// bind mount, a detached clone of its source (open_tree OPEN_TREE_CLONE, with submounts for
/// rbind or ridmap) with MOUNT_ATTR_IDMAP set from a user namespace, made before the clone and
/// inherited by init, which attaches it with move_mount onto the target's fd. The parent does
/// it because the kernel wants CAP_SYS_ADMIN over the filesystem's own user namespace (the
/// host's), which init in a user namespace of its own does not have.
/// The user namespace, as in runc: one with the mount's own mappings; else the container's
/// when it joins one by path; else one with linux.uidMappings/gidMappings, the maps the
/// container's new user namespace gets (an idmapped mount uses only a namespace's maps).
/// </summary>
public sealed class IdMappedMounts : IDisposable
{
    private readonly Dictionary<int, int> _trees = new();

    /// <summary>mounts[] index -> the detached mount's fd (not close-on-exec: init inherits it).</summary>
    public Dictionary<int, int> Fds => _trees;

    public static IdMappedMounts Prepare(RuntimeSpec spec, NamespacePlan namespaces)
    {
        var result = new IdMappedMounts();
        var usernsByMaps = new Dictionary<string, int>();
        try
        {
            var mounts = spec.Mounts ?? new();
            for (int i = 0; i < mounts.Count; i++)
            {
                var mount = mounts[i];
                var options = MountOptions.Parse(mount.Options, mount.Type);
                if (!options.IdMap) continue;
                string what = $"mounts[{i}]";
                int userns = UserNamespaceFor(mount, spec, namespaces, usernsByMaps, what);
                string source = Path.GetFullPath(mount.Source!);
                bool recursiveTree = (options.Flags & K.MS_REC) != 0 || options.RecursiveIdMap;
                int tree = MountApi.OpenTreeClone(source, recursiveTree, what);
                result._trees[i] = tree;
                try { MountApi.SetAttributes(tree, K.MOUNT_ATTR_IDMAP, 0, options.RecursiveIdMap, $"{source} ({what}, MOUNT_ATTR_IDMAP)", userns); }
                catch (SyscallException e) when (e.Errno == Errno.EINVAL)
                {
                    // What the kernel answers for a filesystem without idmapped mounts (tmpfs
                    // before Linux 6.3, most network filesystems): say so rather than "invalid argument".
                    throw new SyscallException(e.Syscall, $"{e.Path}: the filesystem of {source} does not support idmapped mounts on this kernel?", e.Errno);
                }
                Sys.SetCloexec(tree, false);
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
        finally
        {
            // The mounts hold their namespace: the fds are not needed once the attribute is set.
            foreach (int fd in usernsByMaps.Values) Native.Close(fd);
        }
    }

    private static int UserNamespaceFor(SpecMount mount, RuntimeSpec spec, NamespacePlan namespaces, Dictionary<string, int> cache, string what)
    {
        List<LinuxIdMapping>? uids = mount.UidMappings, gids = mount.GidMappings;
        if (uids is not { Count: > 0 })
        {
            var joined = namespaces.Joins.FirstOrDefault(j => j.Type == "user");
            if (joined.Path is { } path)
            {
                if (cache.TryGetValue("path:" + path, out int known)) return known;
                int fd = Sys.TryOpen(path, K.O_RDONLY | K.O_CLOEXEC, out int errno);
                if (fd < 0) throw new SyscallException("open", $"{path} (user namespace for {what})", errno);
                cache["path:" + path] = fd;
                return fd;
            }
            uids = spec.Linux?.UidMappings;
            gids = spec.Linux?.GidMappings;
        }
        string uidMap = IdMapText.Format(uids), gidMap = IdMapText.Format(gids);
        string key = uidMap + "|" + gidMap;
        if (cache.TryGetValue(key, out int existing)) return existing;
        int userns = UserNamespaceFactory.Create(uidMap, gidMap, $"user namespace for {what}");
        cache[key] = userns;
        return userns;
    }

    /// <summary>Closes this process's copies (init has its own after the clone).</summary>
    public void Dispose()
    {
        foreach (int fd in _trees.Values) Native.Close(fd);
        _trees.Clear();
    }
}
