using System.Runtime.InteropServices;
using System.Text;

namespace Csrun.Runtime.Linux;

/// <summary>
/// File-descriptor-relative system calls (openat2, mkdirat, mknodat, statx on an O_PATH fd...):
/// what race-free work inside a container's rootfs is built from. Errors carry the call, the
/// path and the errno, like <see cref="Sys"/>.
/// </summary>
public static unsafe class SysAt
{
    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags, Mode, Resolve;
    }

    /// <summary>What statx says about an fd.</summary>
    public readonly record struct FileStat(uint Mode, uint RdevMajor, uint RdevMinor, ulong MountId, ulong Ino, uint DevMajor, uint DevMinor, uint Uid = 0, uint Gid = 0)
    {
        public uint Type => Mode & K.S_IFMT;
        public bool IsDirectory => Type == K.S_IFDIR;
        public bool IsSymlink => Type == K.S_IFLNK;
    }

    /// <summary>openat2(2); returns the fd or -1 with <paramref name="errno"/> set. Retries
    /// EINTR, and EAGAIN, which RESOLVE_IN_ROOT returns when a rename raced with "..".</summary>
    public static int TryOpenAt2(int dirfd, string path, int flags, ulong resolve, out int errno, uint mode = 0)
    {
        var how = new OpenHow { Flags = (ulong)(flags | K.O_CLOEXEC), Mode = mode, Resolve = resolve };
        fixed (byte* p = Sys.Z(path))
        {
            for (int attempt = 0; ; attempt++)
            {
                long fd = Native.Syscall(Native.SYS_openat2, dirfd, (long)p, (long)&how, sizeof(OpenHow), 0, 0);
                if (fd >= 0) { errno = 0; return (int)fd; }
                errno = Sys.LastErrno;
                if (errno == Errno.EINTR || (errno == Errno.EAGAIN && attempt < 32)) continue;
                return -1;
            }
        }
    }

    public static int TryMkdirAt(int dirfd, string name, uint mode)
    {
        fixed (byte* p = Sys.Z(name))
            return Native.MkdirAt(dirfd, p, mode) == 0 ? 0 : Sys.LastErrno;
    }

    public static int TryMknodAt(int dirfd, string name, uint mode, ulong dev)
    {
        fixed (byte* p = Sys.Z(name))
            return Native.MknodAt(dirfd, p, mode, dev) == 0 ? 0 : Sys.LastErrno;
    }

    public static int TrySymlinkAt(string target, int dirfd, string name)
    {
        fixed (byte* t = Sys.Z(target))
        fixed (byte* p = Sys.Z(name))
            return Native.SymlinkAt(t, dirfd, p) == 0 ? 0 : Sys.LastErrno;
    }

    public static int TryUnlinkAt(int dirfd, string name, int flags = 0)
    {
        fixed (byte* p = Sys.Z(name))
            return Native.UnlinkAt(dirfd, p, flags) == 0 ? 0 : Sys.LastErrno;
    }

    /// <summary>openat(2) (no resolve restrictions: for a single name below a trusted dir fd).</summary>
    public static int TryOpenAt(int dirfd, string name, int flags, uint mode, out int errno)
    {
        fixed (byte* p = Sys.Z(name))
        {
            int fd;
            do fd = Native.OpenAt(dirfd, p, flags | K.O_CLOEXEC, mode); while (fd < 0 && Sys.LastErrno == Errno.EINTR);
            errno = fd < 0 ? Sys.LastErrno : 0;
            return fd;
        }
    }

    /// <summary>readlinkat(2); null (with <paramref name="errno"/>) when it fails.</summary>
    public static string? ReadLinkAt(int dirfd, string path, out int errno)
    {
        byte* buf = stackalloc byte[4096];
        nint n;
        fixed (byte* p = Sys.Z(path))
            n = Native.ReadLinkAt(dirfd, p, buf, 4096);
        if (n < 0) { errno = Sys.LastErrno; return null; }
        errno = 0;
        return Encoding.UTF8.GetString(buf, (int)n);
    }

    /// <summary>statx(2) of the fd itself (AT_EMPTY_PATH: works on O_PATH fds).</summary>
    public static FileStat Stat(int fd, string what)
    {
        byte empty = 0;
        return Statx(fd, &empty, K.AT_EMPTY_PATH | K.AT_SYMLINK_NOFOLLOW, what);
    }

    /// <summary>lstat(2) by path, through statx: the link itself, never its target.</summary>
    public static FileStat Lstat(string path)
    {
        fixed (byte* p = Sys.Z(path))
            return Statx(K.AT_FDCWD, p, K.AT_SYMLINK_NOFOLLOW, path);
    }

    private static FileStat Statx(int dirfd, byte* path, int flags, string what)
    {
        const int STATX_BASIC_STATS = 0x7ff, STATX_MNT_ID = 0x1000;
        byte* buf = stackalloc byte[256];
        if (Native.Syscall(Native.SYS_statx, dirfd, (long)path, flags, STATX_BASIC_STATS | STATX_MNT_ID, (long)buf, 0) < 0)
            throw Sys.Fail("statx", what);
        // struct statx: uid @20, gid @24, mode (u16) @28, ino @32, rdev @128/@132, dev @136/@140, mnt_id @144
        return new FileStat(
            Mode: *(ushort*)(buf + 28),
            RdevMajor: *(uint*)(buf + 128), RdevMinor: *(uint*)(buf + 132),
            MountId: *(ulong*)(buf + 144),
            Ino: *(ulong*)(buf + 32),
            DevMajor: *(uint*)(buf + 136), DevMinor: *(uint*)(buf + 140),
            Uid: *(uint*)(buf + 20), Gid: *(uint*)(buf + 24));
    }

    /// <summary>The filesystem type of the fd's file (statfs f_type: PROC_SUPER_MAGIC, ...).</summary>
    public static long FsType(int fd, string what)
    {
        byte* buf = stackalloc byte[128];
        if (Native.Fstatfs(fd, buf) < 0) throw Sys.Fail("fstatfs", what);
        return *(long*)buf;
    }

    public static void Fchown(int fd, uint uid, uint gid, string what)
    {
        byte empty = 0;
        if (Native.FchownAt(fd, &empty, uid, gid, K.AT_EMPTY_PATH | K.AT_SYMLINK_NOFOLLOW) < 0) throw Sys.Fail("fchownat", what);
    }

    public static void Fchdir(int fd, string what)
    {
        if (Native.Fchdir(fd) < 0) throw Sys.Fail("fchdir", what);
    }

    /// <summary>getcwd(2), or null when the kernel has no path for the working directory from
    /// this process's root (ENOENT, or its "(unreachable)" prefix): it is outside the root.</summary>
    public static string? WorkingDirectoryInsideRoot(out int errno)
    {
        byte* buf = stackalloc byte[4096];
        if (Native.Getcwd(buf, 4096) == null) { errno = Sys.LastErrno; return null; }
        errno = 0;
        string cwd = Marshal.PtrToStringUTF8((nint)buf) ?? "";
        if (!cwd.StartsWith('/')) { errno = Errno.ENOENT; return null; }
        return cwd;
    }
}
