using Csrun.Runtime.Security;
using Csrun.Runtime.Linux;
using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Rootfs;

/// <summary>
/// Builds the container's filesystem view inside init's new mount namespace: root propagation,
/// the mounts list, /dev, then pivot_root (or MS_MOVE + chroot with --no-pivot), and after it
/// the masked and read-only paths. Every path inside the rootfs is looked up and created
/// through <see cref="RootDir"/> (openat2 RESOLVE_IN_ROOT, no magic links) and mounted on
/// through its fd, never by path (CVE-2021-30465 class); /proc must be procfs (runc's rules).
/// Every error names the mount and the path.
/// </summary>
public sealed class RootfsBuilder
{
    private readonly RuntimeSpec _spec;
    private readonly bool _selinuxEnabled = LsmLabels.SelinuxEnabled();
    private readonly string _rootfs;
    private readonly bool _inUserNamespace;
    private readonly bool _newCgroupNamespace;
    private readonly IReadOnlyDictionary<string, string> _cgroupPaths;
    private readonly TrustedProc _proc;
    /// <summary>mounts[] index -> detached id-mapped tree from the parent (IdMappedMounts).</summary>
    private readonly IReadOnlyDictionary<int, int> _idmappedTrees;

    /// <summary>lxcfs-style files a mount may cover below /proc (runc's list); nothing else.</summary>
    private static readonly string[] ProcMountsAllowed =
    {
        "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps", "/proc/uptime",
        "/proc/loadavg", "/proc/slabinfo", "/proc/sys/kernel/ns_last_pid", "/proc/sys/crypto/fips_enabled",
    };

    public RootfsBuilder(RuntimeSpec spec, string rootfs, bool inUserNamespace, bool newCgroupNamespace,
        IReadOnlyDictionary<string, string> cgroupPaths, TrustedProc proc, IReadOnlyDictionary<int, int>? idmappedTrees = null)
    {
        _idmappedTrees = idmappedTrees ?? new Dictionary<int, int>();
        _spec = spec;
        _rootfs = rootfs;
        _inUserNamespace = inUserNamespace;
        _newCgroupNamespace = newCgroupNamespace;
        _cgroupPaths = cgroupPaths;
        _proc = proc;
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

        // Opened after the bind: lookups from it land on the new mount, not on the one below.
        using var root = new RootDir(_rootfs, _proc);
        var mounts = _spec.Mounts ?? new();
        for (int i = 0; i < mounts.Count; i++)
            MountOne(root, mounts[i], _idmappedTrees.TryGetValue(i, out int tree) ? tree : -1);

        if (SetupDev)
        {
            foreach (var device in DeviceNodes.Defaults)
                if (!(_spec.Linux?.Devices ?? new()).Any(d => d.Path == device.Path))
                    DeviceNodes.Create(root, _proc, device, _inUserNamespace);
            foreach (var device in _spec.Linux?.Devices ?? new())
                DeviceNodes.Create(root, _proc, device, _inUserNamespace);
            DeviceNodes.LinkPtmx(root);
            DeviceNodes.CreateSymlinks(root);
        }

        if (_spec.Process?.Cwd is { Length: > 0 } cwd)
        {
            int fd;
            try { fd = root.MkdirAll(cwd, 0x1ed); }
            catch (SyscallException e) when (e.Errno == Errno.ELOOP)
            {
                throw new InvalidOperationException($"process.cwd {cwd}: {e.Message} (magic links such as /proc/self/fd/N are refused)");
            }
            catch (SyscallException e) when (e.Errno == Errno.ENOTDIR)
            {
                // runc's wording, with the path the config gave rather than the host's view of it
                throw new SyscallException("mkdir", cwd, e.Errno);
            }
            Native.Close(fd);
        }
    }

    private void MountOne(RootDir root, SpecMount mount, int idmappedTree)
    {
        string destination = mount.Destination!;
        var options = MountOptions.Parse(mount.Options, mount.Type);
        string what = $"mounts: {mount.Source ?? mount.Type} on {destination}";
        try
        {
            if (options.IsBind) MountBind(root, mount, options, what, idmappedTree);
            else if (mount.Type == "cgroup") MountCgroup(root, mount, options, what);
            else
            {
                if (mount.Type is "proc" or "sysfs") RequireOrdinaryDirectory(root, destination, mount.Type);
                // A tmpfs over a directory of the image keeps that directory's mode, whatever
                // its mode= option says: runc does so, and images rely on it (docker's
                // --tmpfs /run stays 0755 rather than tmpfs's 1777). With tmpcopyup the image's
                // directory, still reachable through the fd taken before the mount, is copied in.
                bool existing = mount.Type == "tmpfs" && root.DirectoryExists(destination);
                int fd = root.MkdirAll(destination, 0x1ed);
                try
                {
                    CheckTarget(root, fd, mount, options, what);
                    uint? existingMode = existing ? SysAt.Stat(fd, root.Show(destination)).Mode & 0xfff : null;
                    string? data = LsmLabels.WithMountLabel(options.DataString, mount.Type!, _spec.Linux?.MountLabel, _selinuxEnabled);
                    _proc.Mount(mount.Source ?? mount.Type, fd, mount.Type, options.Flags, data, root.Show(destination));
                    if (existing)
                    {
                        int tmpfs = root.Open(destination, K.O_PATH | K.O_DIRECTORY);
                        try
                        {
                            // fd still names the image's directory under the new tmpfs
                            if (options.TmpCopyUp) TmpCopyUp.Copy($"/proc/self/fd/{fd}", $"/proc/self/fd/{tmpfs}");
                            if (existingMode is { } mode) _proc.Chmod(tmpfs, mode, root.Show(destination));
                        }
                        finally { Native.Close(tmpfs); }
                    }
                }
                finally { Native.Close(fd); }
            }
            if (options.HasRecursiveAttributes)
            {
                // rro, rnosuid...: on the mount just made and every mount below it (submounts
                // of an rbind), which a remount cannot reach.
                int top = root.Open(destination, K.O_PATH);
                try { MountApi.SetAttributes(top, options.RecursiveSet, options.RecursiveClear, recursive: true, root.Show(destination)); }
                finally { Native.Close(top); }
            }
            if (options.Propagation.Count > 0)
            {
                int top = root.Open(destination, K.O_PATH);
                try
                {
                    foreach (ulong p in options.Propagation)
                        _proc.Mount(null, top, null, p, null, root.Show(destination));
                }
                finally { Native.Close(top); }
            }
        }
        catch (SyscallException e)
        {
            throw new SyscallException(e.Syscall, $"{e.Path} ({what})", e.Errno);
        }
    }

    /// <summary>
    /// The checks between finding a mount's target and mounting on it: the fd is inside the
    /// rootfs (as the kernel names it), and what it resolved to obeys runc's /proc rules: only a
    /// procfs on /proc itself, and below /proc only the lxcfs files, so no mount can put a
    /// fake file where csrun or the container expects procfs.
    /// </summary>
    private static void CheckTarget(RootDir root, int fd, SpecMount mount, MountOptions options, string what)
    {
        root.CheckInside(fd, what);
        string resolved = root.InRootPath(fd);
        if (resolved == "/proc")
        {
            if (mount.Type == "proc" && !options.IsBind) return;
            if (options.IsBind && mount.Source is { } source && IsProcfs(source)) return;
            throw new InvalidOperationException($"{what}: \"{resolved}\" cannot be mounted because it is not of type proc");
        }
        if (resolved.StartsWith("/proc/", StringComparison.Ordinal) && Array.IndexOf(ProcMountsAllowed, resolved) < 0)
            throw new InvalidOperationException($"{what}: \"{resolved}\" cannot be mounted because it is inside /proc");
    }

    private static bool IsProcfs(string path)
    {
        int fd = Sys.TryOpen(path, K.O_PATH, out _);
        if (fd < 0) return false;
        try { return SysAt.FsType(fd, path) == K.PROC_SUPER_MAGIC; }
        finally { Native.Close(fd); }
    }

    /// <summary>procfs and sysfs go on a real directory (or a missing one), never through a
    /// symlink the image planted where they belong (runc refuses the same).</summary>
    private static void RequireOrdinaryDirectory(RootDir root, string destination, string type)
    {
        int fd = root.TryOpen(destination, K.O_PATH | K.O_NOFOLLOW, out int errno);
        if (fd < 0)
        {
            if (errno == Errno.ENOENT) return;
            throw new SyscallException("openat2", $"{root.Show(destination)} (inside the rootfs)", errno);
        }
        try
        {
            if (!SysAt.Stat(fd, destination).IsDirectory)
                throw new InvalidOperationException($"filesystem \"{type}\" must be mounted on ordinary directory ({destination} in the rootfs is not one)");
        }
        finally { Native.Close(fd); }
    }

    private void MountBind(RootDir root, SpecMount mount, MountOptions options, string what, int idmappedTree)
    {
        string source = mount.Source ?? throw new ArgumentException($"mounts: bind mount on {mount.Destination} needs a source");
        if (!Path.IsPathRooted(source)) source = Path.GetFullPath(source);
        string destination = mount.Destination!;
        int fd;
        if (Directory.Exists(source)) fd = root.MkdirAll(destination, 0x1ed);
        else
        {
            if (!File.Exists(source)) throw new SyscallException("stat", source, Errno.ENOENT);
            fd = root.CreateFile(destination, 0x1a4);
        }
        try
        {
            CheckTarget(root, fd, mount, options, what);
            ulong below = SysAt.Stat(fd, destination).MountId;
            if (idmappedTree >= 0)
            {
                // The parent's id-mapped clone of the source, attached on exactly this fd.
                try { MountApi.MoveOnto(idmappedTree, fd, $"{source} (id-mapped) to {root.Show(destination)}"); }
                finally { Native.Close(idmappedTree); }
            }
            else _proc.Mount(source, fd, "bind", options.Flags & (K.MS_BIND | K.MS_REC), null, root.Show(destination));
            // Flags other than bind/rec only take effect on a remount of the bind mount.
            ulong extra = options.Flags & ~(K.MS_BIND | K.MS_REC | K.MS_REMOUNT);
            if (extra != 0)
            {
                int top = OpenNewMount(root, destination, below);
                try { Remount(top, extra | K.MS_BIND, root.Show(destination)); }
                finally { Native.Close(top); }
            }
        }
        finally { Native.Close(fd); }
    }

    /// <summary>Opens what a path shows once something was mounted on it, and checks that it
    /// is a new mount (not the one that was there before): the mount is where it was meant to be.</summary>
    private static int OpenNewMount(RootDir root, string path, ulong mountIdBefore, ulong extraResolve = 0)
    {
        int top = root.Open(path, K.O_PATH, extraResolve);
        if (SysAt.Stat(top, path).MountId == mountIdBefore)
        {
            Native.Close(top);
            throw new InvalidOperationException($"{root.Show(path)}: the mount just made is not at this path any more (the rootfs changed during set-up)");
        }
        return top;
    }

    /// <summary>A bind remount that keeps the flags the kernel locks in a user namespace.</summary>
    private void Remount(int fd, ulong flags, string shown)
    {
        try { _proc.Mount(null, fd, null, flags | K.MS_REMOUNT, null, shown); }
        catch (SyscallException e) when (e.Errno == Errno.EPERM)
        {
            _proc.Mount(null, fd, null, flags | K.MS_REMOUNT | StatVfs.LockedFlags(fd, shown), null, shown);
        }
    }

    /// <summary>
    /// The container's own cgroups at the destination: on a v2 host a cgroup2 mount (namespaced
    /// when the container has a cgroup namespace, else its cgroup bind-mounted); on v1/hybrid a
    /// tmpfs with one entry per hierarchy, the same way.
    /// </summary>
    private void MountCgroup(RootDir root, SpecMount mount, MountOptions options, string what)
    {
        string destination = mount.Destination!;
        int fd = root.MkdirAll(destination, 0x1ed);
        try
        {
            CheckTarget(root, fd, mount, options, what);
            ulong below = SysAt.Stat(fd, destination).MountId;
            ulong flags = options.Flags & ~K.MS_RDONLY;
            string shown = root.Show(destination);
            bool unifiedHost = _cgroupPaths.Count == 1 && _cgroupPaths.ContainsKey("");
            if (unifiedHost)
            {
                if (_newCgroupNamespace) _proc.Mount("cgroup2", fd, "cgroup2", options.Flags, null, shown);
                else
                {
                    _proc.Mount(_cgroupPaths[""], fd, "bind", K.MS_BIND | K.MS_REC, null, shown);
                    int top = OpenNewMount(root, destination, below);
                    try { Remount(top, K.MS_BIND | (options.Flags & ~(K.MS_BIND | K.MS_REC)), shown); }
                    finally { Native.Close(top); }
                }
                return;
            }
            _proc.Mount("tmpfs", fd, "tmpfs", flags | K.MS_NOSUID | K.MS_NODEV | K.MS_NOEXEC, "mode=755", shown);
            int tmpfs = OpenNewMount(root, destination, below);
            try
            {
                foreach (var (key, hostDir) in _cgroupPaths)
                {
                    string name = key == "" ? "unified" : key.StartsWith("name=", StringComparison.Ordinal) ? key.Substring(5) : key;
                    string subPath = destination.TrimEnd('/') + "/" + name;
                    string subShown = root.Show(subPath);
                    int sub = root.MkdirAll(subPath, 0x1ed);
                    try
                    {
                        root.CheckInside(sub, what);
                        ulong subBelow = SysAt.Stat(sub, subPath).MountId;
                        if (_newCgroupNamespace)
                        {
                            if (key == "") _proc.Mount("cgroup2", sub, "cgroup2", flags, null, subShown);
                            else _proc.Mount("cgroup", sub, "cgroup", flags, key.StartsWith("name=", StringComparison.Ordinal) ? "none," + key : key, subShown);
                        }
                        else
                        {
                            _proc.Mount(hostDir, sub, "bind", K.MS_BIND | K.MS_REC, null, subShown);
                        }
                        if ((options.Flags & K.MS_RDONLY) != 0)
                        {
                            int subTop = OpenNewMount(root, subPath, subBelow);
                            try { Remount(subTop, K.MS_BIND | K.MS_RDONLY | (flags & ~(K.MS_BIND | K.MS_REC)), subShown); }
                            finally { Native.Close(subTop); }
                        }
                    }
                    finally { Native.Close(sub); }
                }
                if ((options.Flags & K.MS_RDONLY) != 0)
                    _proc.Mount(null, tmpfs, null, K.MS_REMOUNT | K.MS_RDONLY | flags | K.MS_NOSUID | K.MS_NODEV | K.MS_NOEXEC, null, shown);
            }
            finally { Native.Close(tmpfs); }
        }
        finally { Native.Close(fd); }
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

    /// <summary>
    /// After the switch: read-only and masked paths, then a read-only root. Each path is
    /// resolved inside the new root with no symlink and no magic link in it
    /// (RESOLVE_NO_SYMLINKS): a symlink the image put there is not followed, so it cannot turn a
    /// mask or a read-only bind onto something else (a volume from the host, say); such a path,
    /// like a missing one, is left alone. Masks bind the container's /dev/null only once it is
    /// checked to be the null device.
    /// </summary>
    public void Finish()
    {
        using var root = new RootDir("/", _proc);
        foreach (var path in _spec.Linux?.ReadonlyPaths ?? new())
        {
            int fd = OpenPlainPath(root, path, "linux.readonlyPaths");
            if (fd < 0) continue;
            try
            {
                ulong below = SysAt.Stat(fd, path).MountId;
                _proc.Mount(null, fd, "bind", K.MS_BIND | K.MS_REC, null, path, sourceFd: fd);
                int top = OpenNewMount(root, path, below, K.RESOLVE_NO_SYMLINKS);
                try { Remount(top, K.MS_BIND | K.MS_RDONLY | K.MS_REC, path); }
                finally { Native.Close(top); }
            }
            finally { Native.Close(fd); }
        }
        int devNull = -1;
        try
        {
            foreach (var path in _spec.Linux?.MaskedPaths ?? new())
            {
                int fd = OpenPlainPath(root, path, "linux.maskedPaths");
                if (fd < 0) continue;
                try
                {
                    if (SysAt.Stat(fd, path).IsDirectory) _proc.Mount("tmpfs", fd, "tmpfs", K.MS_RDONLY, null, path);
                    else
                    {
                        if (devNull < 0) devNull = OpenDevNull(root);
                        _proc.Mount("/dev/null", fd, "bind", K.MS_BIND, null, path, sourceFd: devNull);
                    }
                }
                finally { Native.Close(fd); }
            }
        }
        finally { Sys.Close(devNull); }
        if (_spec.Root?.Readonly == true)
        {
            int top = root.Open("/", K.O_PATH | K.O_DIRECTORY);
            try { Remount(top, K.MS_BIND | K.MS_RDONLY, "/"); }
            finally { Native.Close(top); }
        }
    }

    /// <summary>An O_PATH fd of a masked or read-only path, or -1 when it is missing or goes
    /// through a symlink (not followed on purpose).</summary>
    private static int OpenPlainPath(RootDir root, string path, string setting)
    {
        // RESOLVE_NO_SYMLINKS: ELOOP for a symlink anywhere, the last component included.
        int fd = root.TryOpen(path, K.O_PATH, out int errno, K.RESOLVE_NO_SYMLINKS);
        if (fd >= 0) return fd;
        if (errno is Errno.ENOENT or Errno.ELOOP or Errno.ENOTDIR) return -1;
        throw new SyscallException("openat2", $"{path} ({setting})", errno);
    }

    private static int OpenDevNull(RootDir root)
    {
        int fd = root.Open("/dev/null", K.O_PATH, K.RESOLVE_NO_SYMLINKS);
        var st = SysAt.Stat(fd, "/dev/null");
        if (st.Type != K.S_IFCHR || st.RdevMajor != 1 || st.RdevMinor != 3)
        {
            Native.Close(fd);
            throw new InvalidOperationException("linux.maskedPaths: the container's /dev/null is not the null device (c 1:3): refusing to bind it over masked files");
        }
        return fd;
    }
}
