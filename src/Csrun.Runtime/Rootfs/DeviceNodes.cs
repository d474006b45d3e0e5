using Csrun.Runtime.Linux;
using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Rootfs;

/// <summary>The default devices every container gets, linux.devices, and the /dev symlinks.</summary>
public static class DeviceNodes
{
    public static readonly IReadOnlyList<LinuxDevice> Defaults = new[]
    {
        Char("/dev/null", 1, 3), Char("/dev/zero", 1, 5), Char("/dev/full", 1, 7),
        Char("/dev/random", 1, 8), Char("/dev/urandom", 1, 9), Char("/dev/tty", 5, 0),
    };

    private static LinuxDevice Char(string path, long major, long minor) =>
        new() { Path = path, Type = "c", Major = major, Minor = minor, FileMode = 0x1b6 /* 0666 */, Uid = 0, Gid = 0 };

    public static ulong MakeDev(long major, long minor) =>
        ((ulong)(major & 0xfff) << 8) | ((ulong)(minor & 0xff)) | ((ulong)(minor & ~0xffL) << 12) | ((ulong)(major & ~0xfffL) << 32);

    /// <summary>Creates one device node under the rootfs; in a user namespace, where mknod is
    /// refused, bind-mounts the host's node onto an empty file instead. The node is made with
    /// mknodat in the directory the path resolved to inside the root, then checked (through an
    /// O_PATH fd that does not follow symlinks) to be what was made before its mode and owner
    /// are set, so a symlink raced into its place cannot send the chmod/chown elsewhere.</summary>
    public static void Create(RootDir root, TrustedProc proc, LinuxDevice device, bool bindInstead)
    {
        string path = device.Path!;
        if (bindInstead)
        {
            int target = root.CreateFile(path, 0x1a4);
            try
            {
                root.CheckInside(target, $"linux.devices {path}");
                proc.Mount(path, target, "bind", K.MS_BIND, null, root.Show(path));
            }
            finally { Native.Close(target); }
            return;
        }
        uint type = device.Type switch
        {
            "b" => K.S_IFBLK,
            "p" => K.S_IFIFO,
            _ => K.S_IFCHR,
        };
        uint mode = (device.FileMode ?? 0x1b6) & 0xfff;
        var (parent, name) = root.MkdirParent(path, 0x1ed);
        try
        {
            SysAt.TryUnlinkAt(parent, name);
            int err = SysAt.TryMknodAt(parent, name, type | mode, MakeDev(device.Major, device.Minor));
            if (err != 0) throw new SyscallException("mknod", root.Show(path), err);
            int fd = SysAt.TryOpenAt(parent, name, K.O_PATH | K.O_NOFOLLOW, 0, out err);
            if (fd < 0) throw new SyscallException("open", root.Show(path), err);
            try
            {
                if (SysAt.Stat(fd, root.Show(path)).Type != type)
                    throw new InvalidOperationException($"linux.devices {path}: {root.Show(path)} changed after mknod: refusing to chmod it");
                // mknod's mode is filtered by the umask: set it exactly.
                proc.Chmod(fd, mode, root.Show(path));
                SysAt.Fchown(fd, device.Uid ?? 0, device.Gid ?? 0, root.Show(path));
            }
            finally { Native.Close(fd); }
        }
        finally { Native.Close(parent); }
    }

    public static void CreateSymlinks(RootDir root)
    {
        var links = new List<(string Target, string Link)>
        {
            ("/proc/self/fd", "/dev/fd"), ("/proc/self/fd/0", "/dev/stdin"),
            ("/proc/self/fd/1", "/dev/stdout"), ("/proc/self/fd/2", "/dev/stderr"),
        };
        if (File.Exists("/proc/kcore")) links.Add(("/proc/kcore", "/dev/core"));
        foreach (var (target, link) in links)
            Symlink(root, target, link);
    }

    /// <summary>/dev/ptmx must be the container's devpts multiplexer, not the host's.</summary>
    public static void LinkPtmx(RootDir root)
    {
        var (parent, name) = root.MkdirParent("/dev/ptmx", 0x1ed);
        try { SysAt.TryUnlinkAt(parent, name); }
        finally { Native.Close(parent); }
        Symlink(root, "pts/ptmx", "/dev/ptmx");
    }

    private static void Symlink(RootDir root, string target, string link)
    {
        var (parent, name) = root.MkdirParent(link, 0x1ed);
        try
        {
            int errno = SysAt.TrySymlinkAt(target, parent, name);
            if (errno != 0 && errno != Errno.EEXIST)
                throw new SyscallException("symlink", $"{target} {root.Show(link)}", errno);
        }
        finally { Native.Close(parent); }
    }
}
