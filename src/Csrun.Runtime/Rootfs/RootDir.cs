using Csrun.Runtime.Linux;

namespace Csrun.Runtime.Rootfs;

/// <summary>
/// A container's root directory held as an O_PATH fd, and the only way csrun looks up, creates
/// and mounts on paths inside it (CVE-2021-30465 class). Every lookup is
/// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) from that fd: symlinks, absolute or
/// "../../", resolve as they would inside the container, magic links (/proc/self/fd/N,
/// /proc/PID/root) are refused, and a directory swapped for a symlink halfway through can only
/// lead somewhere else inside the root. What is found is kept as an fd, checked to be inside
/// the root through the trusted /proc, and mounted on through /proc/self/fd/N, so nothing can
/// move it between the check and the mount.
/// </summary>
public sealed class RootDir : IDisposable
{
    public const ulong Resolve = K.RESOLVE_IN_ROOT | K.RESOLVE_NO_MAGICLINKS;
    private const int MaxSymlinks = 40;

    private readonly TrustedProc _proc;

    /// <summary>The root as the kernel names it (symlinks in the bundle path resolved).</summary>
    public string Path { get; }
    public int Fd { get; private set; }

    public RootDir(string path, TrustedProc proc)
    {
        _proc = proc;
        Fd = Sys.Open(path, K.O_PATH | K.O_DIRECTORY);
        try { Path = proc.PathOf(Fd); }
        catch
        {
            Native.Close(Fd);
            throw;
        }
    }

    /// <summary>The host path of a path inside the root (for messages).</summary>
    public string Show(string inRoot) => Path == "/" ? "/" + inRoot.TrimStart('/') : Path + "/" + inRoot.TrimStart('/');

    /// <summary>Opens a path inside the root; -1 and <paramref name="errno"/> when it fails.</summary>
    public int TryOpen(string inRoot, int flags, out int errno, ulong extraResolve = 0) =>
        SysAt.TryOpenAt2(Fd, Relative(inRoot), flags, Resolve | extraResolve, out errno);

    /// <summary>True when a directory exists at the path inside the root.</summary>
    public bool DirectoryExists(string inRoot)
    {
        int fd = TryOpen(inRoot, K.O_PATH | K.O_DIRECTORY, out _);
        if (fd < 0) return false;
        Native.Close(fd);
        return true;
    }

    public int Open(string inRoot, int flags, ulong extraResolve = 0)
    {
        int fd = TryOpen(inRoot, flags, out int errno, extraResolve);
        if (fd < 0) throw new SyscallException("openat2", $"{Show(inRoot)} (inside the rootfs)", errno);
        return fd;
    }

    /// <summary>mkdir -p inside the root; returns an O_PATH fd of the directory.</summary>
    public int MkdirAll(string inRoot, uint mode) => MakePath(inRoot, fileLast: false, mode);

    /// <summary>Makes sure a non-directory exists at the path (an empty file is created, with
    /// its parent directories, when nothing is there); returns an O_PATH fd of it.</summary>
    public int CreateFile(string inRoot, uint mode) => MakePath(inRoot, fileLast: true, mode);

    /// <summary>The directory a path's last component is in, made if missing, and that
    /// component's name: for mknodat, symlinkat and unlinkat, which never follow it.</summary>
    public (int ParentFd, string Name) MkdirParent(string inRoot, uint mode)
    {
        string[] parts = Split(inRoot);
        if (parts.Length == 0 || parts[^1] == "..")
            throw new SyscallException("mkdir", Show(inRoot), Errno.EINVAL);
        string parent = string.Join('/', parts[..^1]);
        return (MkdirAll(parent, mode), parts[^1]);
    }

    /// <summary>Throws unless the fd's file is the root or below it, as the kernel names it.</summary>
    public void CheckInside(int fd, string what)
    {
        string real = _proc.PathOf(fd);
        if (!IsInside(real))
            throw new InvalidOperationException($"{what}: resolves to {real}, outside the rootfs {Path}: refusing to use it");
    }

    /// <summary>The fd's path relative to the root ("/" for the root itself).</summary>
    public string InRootPath(int fd)
    {
        string real = _proc.PathOf(fd);
        if (!IsInside(real)) throw new InvalidOperationException($"{real} is outside the rootfs {Path}");
        return Path == "/" ? real : real.Length == Path.Length ? "/" : real.Substring(Path.Length);
    }

    private bool IsInside(string real)
    {
        if (real.EndsWith(" (deleted)", StringComparison.Ordinal)) return false;
        return Path == "/" ? real.StartsWith('/') : real == Path || real.StartsWith(Path + "/", StringComparison.Ordinal);
    }

    /// <summary>
    /// Walks the path one component at a time from the root, the kernel resolving each prefix
    /// (RESOLVE_IN_ROOT). A missing component is created inside the directory its prefix
    /// resolved to (mkdirat / openat O_CREAT|O_EXCL|O_NOFOLLOW, which never follow a symlink);
    /// a dangling symlink is followed by rewriting the path, inside the root, as the container
    /// would see it.
    /// </summary>
    private int MakePath(string inRoot, bool fileLast, uint mode)
    {
        string path = inRoot;
        for (int links = 0; ; links++)
        {
            if (links > MaxSymlinks) throw new SyscallException("mkdir", $"{Show(inRoot)} (inside the rootfs)", Errno.ELOOP);
            string? rewritten = TryMakePath(path, fileLast, mode, out int fd);
            if (rewritten is null) return fd;
            path = rewritten;
        }
    }

    /// <summary>Returns null with the fd, or the path rewritten through a dangling symlink.</summary>
    private string? TryMakePath(string path, bool fileLast, uint mode, out int result)
    {
        string[] parts = Split(path);
        result = -1;
        int parent = SysAt.TryOpenAt2(Fd, ".", K.O_PATH | K.O_DIRECTORY, Resolve, out int perr);
        if (parent < 0) throw new SyscallException("openat2", Path, perr);
        try
        {
            for (int i = 0; i < parts.Length; i++)
            {
                bool last = i == parts.Length - 1;
                bool wantFile = last && fileLast;
                string prefix = string.Join('/', parts, 0, i + 1);
                int flags = K.O_PATH | (wantFile ? 0 : K.O_DIRECTORY);
                int fd = SysAt.TryOpenAt2(Fd, prefix, flags, Resolve, out int errno);
                if (fd < 0 && errno == Errno.ENOENT)
                {
                    string name = parts[i];
                    // Missing: a dangling symlink, or nothing at all.
                    string? link = SysAt.ReadLinkAt(parent, name, out int lerr);
                    if (link is not null)
                    {
                        string rest = string.Join('/', parts, i + 1, parts.Length - i - 1);
                        string baseDir = link.StartsWith('/') ? "" : InRootPath(parent);
                        return baseDir + "/" + link + (rest.Length > 0 ? "/" + rest : "");
                    }
                    int cerr = wantFile ? CreateEmptyFile(parent, name, mode) : SysAt.TryMkdirAt(parent, name, mode);
                    if (cerr != 0 && cerr != Errno.EEXIST)
                        throw new SyscallException(wantFile ? "create" : "mkdir", $"{Show(prefix)} (inside the rootfs)", cerr);
                    fd = SysAt.TryOpenAt2(Fd, prefix, flags, Resolve, out errno);
                }
                if (fd < 0) throw new SyscallException("openat2", $"{Show(prefix)} (inside the rootfs)", errno);
                Native.Close(parent);
                parent = fd;
            }
            result = parent;
            parent = -1;
            return null;
        }
        finally
        {
            if (parent >= 0) Native.Close(parent);
        }
    }

    private static int CreateEmptyFile(int dirFd, string name, uint mode)
    {
        int fd = SysAt.TryOpenAt(dirFd, name, K.O_WRONLY | K.O_CREAT | K.O_EXCL | K.O_NOFOLLOW, mode, out int errno);
        if (fd < 0) return errno;
        Native.Close(fd);
        return 0;
    }

    private static string[] Split(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();

    private static string Relative(string inRoot)
    {
        string r = string.Join('/', Split(inRoot));
        return r.Length == 0 ? "." : r;
    }

    public void Dispose()
    {
        if (Fd >= 0) Native.Close(Fd);
        Fd = -1;
    }
}
