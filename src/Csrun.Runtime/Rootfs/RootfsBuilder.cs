using Csrun.Runtime.Linux;
using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Rootfs;

/// <summary>
/// Builds the container's filesystem view inside init's new mount namespace: root propagation,
/// the mounts list, /dev, then pivot_root (or MS_MOVE + chroot with --no-pivot), and after it
/// the masked and read-only paths. Every error names the mount and the path.
/// </summary>
public sealed class RootfsBuilder
{
    private readonly RuntimeSpec _spec;
    private readonly string _rootfs;
    private readonly bool _inUserNamespace;
    private readonly bool _newCgroupNamespace;
    private readonly IReadOnlyDictionary<string, string> _cgroupPaths;

    public RootfsBuilder(RuntimeSpec spec, string rootfs, bool inUserNamespace, bool newCgroupNamespace,
        IReadOnlyDictionary<string, string> cgroupPaths)
    {
        _spec = spec;
        _rootfs = rootfs;
        _inUserNamespace = inUserNamespace;
        _newCgroupNamespace = newCgroupNamespace;
        _cgroupPaths = cgroupPaths;
    }

    private bool SetupDev => !(_spec.Mounts ?? new()).Any(m => m.Destination?.TrimEnd('/') == "/dev" && MountOptions.Parse(m.Options, m.Type).IsBind);

    /// <summary>Everything before pivot_root.</summary>
    public void Prepare()
    {
        ulong propagation = MountOptions.RootPropagation(_spec.Linux?.RootfsPropagation)
            ?? throw new ArgumentException($"linux.rootfsPropagation: unknown value \"{_spec.Linux?.RootfsPropagation}\"");
        Sys.Mount(null, "/", null, propagation, null);
        // pivot_root refuses a new root whose parent mount is shared (rootfsPropagation
        // "shared"): make that one mount private; the wanted propagation is applied to the new
        // "/" after the switch.
        MakeParentMountPrivate(_rootfs);
        // pivot_root needs the new root to be a mount point.
        Sys.Mount(_rootfs, _rootfs, "bind", K.MS_BIND | K.MS_REC, null);

        foreach (var mount in _spec.Mounts ?? new())
            MountOne(mount);

        if (SetupDev)
        {
            foreach (var device in DeviceNodes.Defaults)
                if (!(_spec.Linux?.Devices ?? new()).Any(d => d.Path == device.Path))
                    DeviceNodes.Create(_rootfs, device, _inUserNamespace);
            foreach (var device in _spec.Linux?.Devices ?? new())
                DeviceNodes.Create(_rootfs, device, _inUserNamespace);
            DeviceNodes.LinkPtmx(_rootfs);
            DeviceNodes.CreateSymlinks(_rootfs);
        }

        if (_spec.Process?.Cwd is { Length: > 0 } cwd)
            Sys.MkdirAll(SecurePath.Join(_rootfs, cwd), 0x1ed);
    }

    private void MountOne(SpecMount mount)
    {
        string destination = mount.Destination!;
        var options = MountOptions.Parse(mount.Options, mount.Type);
        string target = SecurePath.Join(_rootfs, destination);
        try
        {
            if (options.IsBind) MountBind(mount, options, target);
            else if (mount.Type == "cgroup") MountCgroup(options, target);
            else
            {
                // A tmpfs over a directory of the image keeps that directory's mode, whatever
                // its mode= option says: runc does so, and images rely on it (docker's
                // --tmpfs /run stays 0755 rather than tmpfs's 1777).
                bool existing = mount.Type == "tmpfs" && Directory.Exists(target);
                uint? existingMode = existing ? TmpCopyUp.PermissionsOf(target) : null;
                int held = existing && options.TmpCopyUp ? TmpCopyUp.Hold(target) : -1;
                try
                {
                    Sys.MkdirAll(target, 0x1ed);
                    Sys.Mount(mount.Source ?? mount.Type, target, mount.Type, options.Flags, options.DataString);
                }
                catch
                {
                    Sys.Close(held);
                    throw;
                }
                if (held >= 0) TmpCopyUp.CopyFrom(held, target);
                if (existingMode is { } mode) Sys.Chmod(target, mode);
            }
            foreach (ulong p in options.Propagation)
                Sys.Mount(null, target, null, p, null);
        }
        catch (SyscallException e)
        {
            throw new SyscallException(e.Syscall, $"{e.Path} (mounts: {mount.Source ?? mount.Type} on {destination})", e.Errno);
        }
    }

    private void MountBind(SpecMount mount, MountOptions options, string target)
    {
        string source = mount.Source ?? throw new ArgumentException($"mounts: bind mount on {mount.Destination} needs a source");
        if (!Path.IsPathRooted(source)) source = Path.GetFullPath(source);
        if (Directory.Exists(source)) Sys.MkdirAll(target, 0x1ed);
        else
        {
            if (!File.Exists(source)) throw new SyscallException("stat", source, Errno.ENOENT);
            Sys.MkdirAll(Path.GetDirectoryName(target)!, 0x1ed);
            if (!File.Exists(target) && !Directory.Exists(target)) File.WriteAllBytes(target, Array.Empty<byte>());
        }
        Sys.Mount(source, target, "bind", options.Flags & (K.MS_BIND | K.MS_REC), null);
        // Flags other than bind/rec only take effect on a remount of the bind mount.
        ulong extra = options.Flags & ~(K.MS_BIND | K.MS_REC | K.MS_REMOUNT);
        if (extra != 0) Remount(target, extra | K.MS_BIND);
    }

    /// <summary>A bind remount that keeps the flags the kernel locks in a user namespace.</summary>
    private static void Remount(string target, ulong flags)
    {
        try { Sys.Mount(null, target, null, flags | K.MS_REMOUNT, null); }
        catch (SyscallException e) when (e.Errno == Errno.EPERM)
        {
            Sys.Mount(null, target, null, flags | K.MS_REMOUNT | StatVfs.LockedFlags(target), null);
        }
    }

    /// <summary>
    /// The container's own cgroups at the destination: on a v2 host a cgroup2 mount (namespaced
    /// when the container has a cgroup namespace, else its cgroup bind-mounted); on v1/hybrid a
    /// tmpfs with one entry per hierarchy, the same way.
    /// </summary>
    private void MountCgroup(MountOptions options, string target)
    {
        Sys.MkdirAll(target, 0x1ed);
        ulong flags = options.Flags & ~K.MS_RDONLY;
        bool unifiedHost = _cgroupPaths.Count == 1 && _cgroupPaths.ContainsKey("");
        if (unifiedHost)
        {
            if (_newCgroupNamespace) Sys.Mount("cgroup2", target, "cgroup2", options.Flags, null);
            else
            {
                Sys.Mount(_cgroupPaths[""], target, "bind", K.MS_BIND | K.MS_REC, null);
                Remount(target, K.MS_BIND | (options.Flags & ~(K.MS_BIND | K.MS_REC)));
            }
            return;
        }
        Sys.Mount("tmpfs", target, "tmpfs", flags | K.MS_NOSUID | K.MS_NODEV | K.MS_NOEXEC, "mode=755");
        foreach (var (key, hostDir) in _cgroupPaths)
        {
            string name = key == "" ? "unified" : key.StartsWith("name=", StringComparison.Ordinal) ? key.Substring(5) : key;
            string sub = Path.Combine(target, name);
            Sys.MkdirAll(sub, 0x1ed);
            if (_newCgroupNamespace)
            {
                if (key == "") Sys.Mount("cgroup2", sub, "cgroup2", flags, null);
                else Sys.Mount("cgroup", sub, "cgroup", flags, key.StartsWith("name=", StringComparison.Ordinal) ? "none," + key : key);
            }
            else
            {
                Sys.Mount(hostDir, sub, "bind", K.MS_BIND | K.MS_REC, null);
            }
            if ((options.Flags & K.MS_RDONLY) != 0) Remount(sub, K.MS_BIND | K.MS_RDONLY | (flags & ~(K.MS_BIND | K.MS_REC)));
        }
        if ((options.Flags & K.MS_RDONLY) != 0) Sys.Mount(null, target, null, K.MS_REMOUNT | K.MS_RDONLY | flags | K.MS_NOSUID | K.MS_NODEV | K.MS_NOEXEC, null);
    }

    private static void MakeParentMountPrivate(string path)
    {
        string? best = null;
        bool shared = false;
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            int dash = Array.IndexOf(fields, "-");
            if (dash < 6) continue;
            string mountPoint = Cgroups.CgroupHierarchies.Unescape(fields[4]);
            bool contains = mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint + "/", StringComparison.Ordinal);
            if (!contains || (best is not null && mountPoint.Length < best.Length)) continue;
            best = mountPoint;
            shared = fields.Skip(6).Take(dash - 6).Any(f => f.StartsWith("shared:", StringComparison.Ordinal));
        }
        if (best is not null && shared) Sys.Mount(null, best, null, K.MS_PRIVATE, null);
    }

    /// <summary>Makes the rootfs "/": pivot_root with the old root detached, or for ramdisk
    /// roots (--no-pivot) MS_MOVE onto / and chroot.</summary>
    public void SwitchRoot(bool noPivot)
    {
        if (noPivot)
        {
            Sys.Chdir(_rootfs);
            Sys.Mount(_rootfs, "/", null, K.MS_MOVE, null);
            Sys.Chroot(".");
            Sys.Chdir("/");
            return;
        }
        int oldRoot = Sys.Open("/", K.O_DIRECTORY | K.O_RDONLY);
        int newRoot = Sys.Open(_rootfs, K.O_DIRECTORY | K.O_RDONLY);
        try
        {
            if (Native.Fchdir(newRoot) < 0) throw Sys.Fail("fchdir", _rootfs);
            // pivot_root(".", ".") stacks the old root on top of the new one: no directory needed.
            Sys.PivotRoot(".", ".");
            if (Native.Fchdir(oldRoot) < 0) throw Sys.Fail("fchdir", "old root");
            // Keep the unmount from propagating back to the host.
            Sys.Mount(null, ".", null, K.MS_SLAVE | K.MS_REC, null);
            Sys.Umount(".", K.MNT_DETACH);
            Sys.Chdir("/");
            if (!string.IsNullOrEmpty(_spec.Linux?.RootfsPropagation))
                Sys.Mount(null, "/", null, MountOptions.RootPropagation(_spec.Linux.RootfsPropagation)!.Value, null);
        }
        finally
        {
            Native.Close(oldRoot);
            Native.Close(newRoot);
        }
    }

    /// <summary>After the switch: read-only and masked paths, then a read-only root.</summary>
    public void Finish()
    {
        foreach (var path in _spec.Linux?.ReadonlyPaths ?? new())
        {
            if (!Exists(path)) continue;
            Sys.Mount(path, path, "bind", K.MS_BIND | K.MS_REC, null);
            Remount(path, K.MS_BIND | K.MS_RDONLY | K.MS_REC);
        }
        foreach (var path in _spec.Linux?.MaskedPaths ?? new())
        {
            if (!Exists(path)) continue;
            if (Directory.Exists(path)) Sys.Mount("tmpfs", path, "tmpfs", K.MS_RDONLY, null);
            else Sys.Mount("/dev/null", path, "bind", K.MS_BIND, null);
        }
        if (_spec.Root?.Readonly == true)
            Remount("/", K.MS_BIND | K.MS_RDONLY);
    }

    /// <summary>Any kind of file (File.Exists is true for device nodes and fifos too).</summary>
    private static bool Exists(string path) => File.Exists(path) || Directory.Exists(path);
}
