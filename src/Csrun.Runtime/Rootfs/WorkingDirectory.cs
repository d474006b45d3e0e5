using Csrun.Runtime.Linux;

namespace Csrun.Runtime.Rootfs;

/// <summary>
/// process.cwd inside the container (CVE-2024-21626): the directory is opened with
/// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) from "/", so /proc/self/fd/N (a leaked fd
/// to a host directory) is refused rather than followed, then entered with fchdir; and the
/// kernel is asked afterwards whether the working directory has a path from the root at all.
/// </summary>
public static class WorkingDirectory
{
    public static void Enter(string cwd)
    {
        int root = Sys.Open("/", K.O_PATH | K.O_DIRECTORY);
        int fd;
        int errno;
        try { fd = SysAt.TryOpenAt2(root, cwd, K.O_PATH | K.O_DIRECTORY, RootDir.Resolve, out errno); }
        finally { Native.Close(root); }
        if (fd < 0)
        {
            string why = errno == Errno.ELOOP ? $"{cwd} (process.cwd: magic links such as /proc/self/fd/N are refused)" : cwd;
            throw new SyscallException("chdir", why, errno);
        }
        try { SysAt.Fchdir(fd, cwd); }
        finally { Native.Close(fd); }
        if (SysAt.WorkingDirectoryInsideRoot(out _) is null)
            throw new InvalidOperationException($"chdir {cwd}: the working directory is outside the container's root: refusing to run the container process there");
    }
}
