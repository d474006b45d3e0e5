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
    /// refused, bind-mounts the host's node onto an empty file instead.</summary>
    public static void Create(string rootfs, LinuxDevice device, bool bindInstead)
    {
        string dest = SecurePath.Join(rootfs, device.Path!);
        Sys.MkdirAll(Path.GetDirectoryName(dest)!, 0x1ed);
        if (bindInstead)
        {
            if (!File.Exists(dest)) File.WriteAllBytes(dest, Array.Empty<byte>());
            Sys.Mount(device.Path, dest, "bind", K.MS_BIND, null);
            return;
        }
        uint type = device.Type switch
        {
            "b" => K.S_IFBLK,
            "p" => K.S_IFIFO,
            _ => K.S_IFCHR,
        };
        uint mode = (device.FileMode ?? 0x1b6) & 0xfff;
        try { File.Delete(dest); } catch (IOException) { }
        Sys.Mknod(dest, type | mode, MakeDev(device.Major, device.Minor));
        // mknod's mode is filtered by the umask: set it exactly.
        Sys.Chmod(dest, mode);
        Sys.Chown(dest, device.Uid ?? 0, device.Gid ?? 0);
    }

    public static void CreateSymlinks(string rootfs)
    {
        var links = new List<(string Target, string Link)>
        {
            ("/proc/self/fd", "/dev/fd"), ("/proc/self/fd/0", "/dev/stdin"),
            ("/proc/self/fd/1", "/dev/stdout"), ("/proc/self/fd/2", "/dev/stderr"),
        };
        if (File.Exists("/proc/kcore")) links.Add(("/proc/kcore", "/dev/core"));
        foreach (var (target, link) in links)
        {
            string at = SecurePath.Join(rootfs, link);
            if (!Sys.TrySymlink(target, at, out int errno) && errno != Errno.EEXIST)
                throw new SyscallException("symlink", $"{target} {at}", errno);
        }
    }

    /// <summary>/dev/ptmx must be the container's devpts multiplexer, not the host's.</summary>
    public static void LinkPtmx(string rootfs)
    {
        string ptmx = SecurePath.Join(rootfs, "/dev/ptmx");
        try { File.Delete(ptmx); } catch (IOException) { }
        if (!Sys.TrySymlink("pts/ptmx", ptmx, out int errno) && errno != Errno.EEXIST)
            throw new SyscallException("symlink", $"pts/ptmx {ptmx}", errno);
    }
}
