using Csrun.Runtime.Linux;

namespace Csrun.Runtime.Rootfs;

/// <summary>
/// The "tmpcopyup" mount option (a runc extension podman uses for --read-only, --tmpfs and
/// --mount type=tmpfs): the new tmpfs starts with a copy of what the image had at its mount
/// point. The directory is held by an O_PATH fd before the tmpfs covers it, and copied from
/// /proc/self/fd/N afterwards: no scratch mount elsewhere. Copied are entry types (directories,
/// regular files, symlinks, device nodes, fifos, sockets), contents, owners and modes.
/// </summary>
internal static class TmpCopyUp
{
    private const uint S_IFMT = 0xf000, S_IFDIR = 0x4000, S_IFREG = 0x8000, S_IFLNK = 0xa000;

    private readonly record struct Meta(uint Mode, uint Uid, uint Gid, ulong Rdev);

    private static Meta Lstat(string path)
    {
        var st = SysAt.Lstat(path);
        return new Meta(st.Mode, st.Uid, st.Gid, DeviceNodes.MakeDev(st.RdevMajor, st.RdevMinor));
    }

    /// <summary>Copies the entries of directory <paramref name="from"/> (the image's, reached
    /// through an fd held before the tmpfs covered it) into <paramref name="to"/> (the new tmpfs).</summary>
    public static void Copy(string from, string to) => CopyEntries(from, to);

    private static void CopyEntries(string from, string to)
    {
        foreach (string src in Directory.EnumerateFileSystemEntries(from))
        {
            string dst = Path.Combine(to, Path.GetFileName(src));
            Meta m = Lstat(src);
            uint perm = m.Mode & 0xfff;
            switch (m.Mode & S_IFMT)
            {
                case S_IFDIR:
                    if (!Sys.TryMkdir(dst, 0x1c0, out int errno)) throw new SyscallException("mkdir", dst, errno);
                    CopyEntries(src, dst);
                    break;
                case S_IFREG:
                    CopyFile(src, dst);
                    break;
                case S_IFLNK:
                    string link = new FileInfo(src).LinkTarget ?? throw new SyscallException("readlink", src, Errno.EINVAL);
                    if (!Sys.TrySymlink(link, dst, out int serr)) throw new SyscallException("symlink", dst, serr);
                    break;
                default: // character and block devices, fifos, sockets
                    Sys.Mknod(dst, m.Mode & (S_IFMT | 0xfff), m.Rdev);
                    break;
            }
            Sys.Lchown(dst, m.Uid, m.Gid);
            // after chown (which clears set-id bits), and never through a symlink
            if ((m.Mode & S_IFMT) != S_IFLNK) Sys.Chmod(dst, perm);
        }
    }

    private static void CopyFile(string src, string dst)
    {
        int inFd = Sys.Open(src, K.O_RDONLY | K.O_CLOEXEC | K.O_NOFOLLOW);
        try
        {
            int outFd = Sys.Open(dst, K.O_WRONLY | K.O_CREAT | K.O_EXCL | K.O_CLOEXEC, 0x180);
            try { Sys.CopyContents(inFd, outFd, dst); }
            finally { Sys.Close(outFd); }
        }
        finally { Sys.Close(inFd); }
    }
}
