using System.Text;

namespace Csrun.Runtime.Linux;

/// <summary>
/// The /proc init found when it started, before any mount of the container's making existed,
/// checked to be a real procfs (fstatfs: PROC_SUPER_MAGIC). Everything init writes to procfs
/// (sysctls, oom_score_adj, LSM exec labels) and every /proc/self/fd path it mounts through
/// goes through this handle, never through the container's /proc, which the image or the
/// mounts list can fake (CVE-2019-16884, CVE-2019-19921 class). Every fd opened below it is
/// checked again with fstatfs before it is written to.
/// </summary>
public sealed unsafe class TrustedProc : IDisposable
{
    public int Fd { get; private set; }

    private TrustedProc(int fd) => Fd = fd;

    public static TrustedProc Open()
    {
        int fd = Sys.Open("/proc", K.O_PATH | K.O_DIRECTORY);
        try
        {
            RequireProcfs(fd, "/proc");
            return new TrustedProc(fd);
        }
        catch
        {
            Native.Close(fd);
            throw;
        }
    }

    /// <summary>Throws unless <paramref name="fd"/> is on procfs.</summary>
    public static void RequireProcfs(int fd, string what)
    {
        long type = SysAt.FsType(fd, what);
        if (type != K.PROC_SUPER_MAGIC)
            throw new InvalidOperationException($"fstatfs {what}: not on procfs (filesystem type 0x{type:x}, want 0x{K.PROC_SUPER_MAGIC:x}): refusing to use it");
    }

    /// <summary>Writes a procfs file in one write(2): <paramref name="relative"/> is below
    /// /proc (e.g. "self/oom_score_adj"); <paramref name="beneath"/>, when given, is a directory
    /// below /proc the path must stay inside (e.g. "sys" for sysctls).</summary>
    public void WriteFile(string relative, string content, string shown, string? beneath = null)
    {
        int dir = Fd;
        string path = relative;
        if (beneath is not null)
        {
            dir = SysAt.TryOpenAt2(Fd, beneath, K.O_PATH | K.O_DIRECTORY, K.RESOLVE_BENEATH | K.RESOLVE_NO_MAGICLINKS, out int derr);
            if (dir < 0) throw new SyscallException("openat2", "/proc/" + beneath, derr);
            path = relative.Substring(beneath.Length).TrimStart('/');
        }
        try
        {
            int fd = SysAt.TryOpenAt2(dir, path, K.O_WRONLY, K.RESOLVE_BENEATH | K.RESOLVE_NO_MAGICLINKS, out int errno);
            if (fd < 0) throw new SyscallException("open", shown, errno);
            try
            {
                RequireProcfs(fd, shown);
                Sys.WriteAll(fd, Encoding.UTF8.GetBytes(content), shown);
            }
            finally { Native.Close(fd); }
        }
        finally
        {
            if (dir != Fd) Native.Close(dir);
        }
    }

    /// <summary>The path the kernel has for an fd, as this process sees it (readlink of
    /// /proc/self/fd/N through this procfs).</summary>
    public string PathOf(int fd)
    {
        string? target = SysAt.ReadLinkAt(Fd, $"self/fd/{fd}", out int errno);
        if (target is null) throw new SyscallException("readlink", $"/proc/self/fd/{fd}", errno);
        return target;
    }

    /// <summary>
    /// mount(2) onto exactly the file <paramref name="targetFd"/> refers to: the target is
    /// /proc/self/fd/N resolved from this procfs (the working directory is moved there for the
    /// call and back), so no path, symlink or rename in the container can redirect it. A
    /// <paramref name="sourceFd"/> (for bind mounts) is passed the same way.
    /// <paramref name="shownTarget"/> names the target in errors.
    /// </summary>
    public void Mount(string? source, int targetFd, string? fstype, ulong flags, string? data, string shownTarget, int sourceFd = -1)
    {
        int saved = Sys.Open(".", K.O_PATH | K.O_DIRECTORY);
        try
        {
            SysAt.Fchdir(Fd, "/proc (trusted)");
            try
            {
                string target = $"self/fd/{targetFd}";
                string? src = sourceFd >= 0 ? $"self/fd/{sourceFd}" : source;
                fixed (byte* s = src is null ? null : Sys.Z(src))
                fixed (byte* t = Sys.Z(target))
                fixed (byte* f = fstype is null ? null : Sys.Z(fstype))
                fixed (byte* d = string.IsNullOrEmpty(data) ? null : Sys.Z(data))
                {
                    if (Native.Mount(s, t, f, flags, d) < 0)
                        throw new SyscallException("mount", $"{source ?? "none"} to {shownTarget} (type {fstype ?? "none"}, flags 0x{flags:x}{(string.IsNullOrEmpty(data) ? "" : ", data " + data)})", Sys.LastErrno);
                }
            }
            finally
            {
                if (Native.Fchdir(saved) < 0) throw Sys.Fail("fchdir", "back to the working directory");
            }
        }
        finally { Native.Close(saved); }
    }

    /// <summary>fchmodat through /proc/self/fd/N: chmod of the file an O_PATH fd holds.</summary>
    public void Chmod(int fd, uint mode, string shown)
    {
        fixed (byte* p = Sys.Z($"self/fd/{fd}"))
            if (Native.FchmodAt(Fd, p, mode, 0) < 0) throw Sys.Fail("chmod", shown);
    }

    public void Dispose()
    {
        if (Fd >= 0) Native.Close(Fd);
        Fd = -1;
    }
}
