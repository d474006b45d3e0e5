using System.Runtime.InteropServices;
using System.Text;

namespace Csrun.Runtime.Linux;

/// <summary>
/// Managed wrappers over <see cref="Native"/> that throw <see cref="SyscallException"/> naming
/// the call and the path. Not for use in a clone child (they allocate).
/// </summary>
public static unsafe class Sys
{
    public static int LastErrno => Marshal.GetLastPInvokeError();

    /// <summary>A NUL-terminated UTF-8 copy of a string, for pinning.</summary>
    public static byte[] Z(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }

    public static SyscallException Fail(string syscall, string? path) => new(syscall, path, LastErrno);

    public static int Open(string path, int flags, uint mode = 0)
    {
        fixed (byte* p = Z(path))
        {
            int fd;
            do fd = Native.Open(p, flags | K.O_CLOEXEC, mode); while (fd < 0 && LastErrno == Errno.EINTR);
            if (fd < 0) throw Fail("open", path);
            return fd;
        }
    }

    public static int TryOpen(string path, int flags, out int errno, uint mode = 0)
    {
        fixed (byte* p = Z(path))
        {
            int fd;
            do fd = Native.Open(p, flags | K.O_CLOEXEC, mode); while (fd < 0 && LastErrno == Errno.EINTR);
            errno = fd < 0 ? LastErrno : 0;
            return fd;
        }
    }

    public static void Close(int fd)
    {
        if (fd >= 0) Native.Close(fd);
    }

    public static void WriteAll(int fd, ReadOnlySpan<byte> data, string what)
    {
        fixed (byte* p = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                nint n = Native.Write(fd, p + done, data.Length - done);
                if (n < 0)
                {
                    if (LastErrno == Errno.EINTR) continue;
                    throw Fail("write", what);
                }
                done += (int)n;
            }
        }
    }

    /// <summary>Reads up to buffer.Length bytes; returns 0 at end of file.</summary>
    public static int Read(int fd, Span<byte> buffer, string what)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = Native.Read(fd, p, buffer.Length);
                if (n >= 0) return (int)n;
                if (LastErrno != Errno.EINTR) throw Fail("read", what);
            }
        }
    }

    public static void ReadExactly(int fd, Span<byte> buffer, string what)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = Read(fd, buffer.Slice(done), what);
            if (n == 0) throw new EndOfStreamException($"read {what}: unexpected end of stream");
            done += n;
        }
    }

    /// <summary>Writes a small control file (cgroup, /proc) in one write(2), as the kernel wants.</summary>
    public static void WriteFile(string path, string content)
    {
        int fd = Open(path, K.O_WRONLY | K.O_TRUNC);
        try { WriteAll(fd, Encoding.UTF8.GetBytes(content), path); }
        finally { Native.Close(fd); }
    }

    /// <summary>Replaces <paramref name="path"/> with new content through a temporary file and
    /// rename(2), so readers see the old file or the new one, never a part. Plain system calls:
    /// File.WriteAllBytes and File.Move cost twice as many (fstatfs, flock, lseek, lstat).</summary>
    public static void ReplaceFile(string path, string tmpPath, ReadOnlySpan<byte> content)
    {
        int fd = Open(tmpPath, K.O_WRONLY | K.O_CREAT | K.O_TRUNC | K.O_NOFOLLOW, 0x1b6 /* 0666, less the umask */);
        try { WriteAll(fd, content, tmpPath); }
        finally { Native.Close(fd); }
        fixed (byte* from = Z(tmpPath))
        fixed (byte* to = Z(path))
        {
            if (Native.Rename(from, to) < 0) throw Fail("rename", $"{tmpPath} -> {path}");
        }
    }

    /// <summary>Copies everything from <paramref name="inFd"/>'s offset to its end into
    /// <paramref name="outFd"/>, in the kernel (sendfile).</summary>
    public static void CopyContents(int inFd, int outFd, string what)
    {
        while (true)
        {
            nint n = Native.SendFile(outFd, inFd, null, 1 << 30);
            if (n == 0) return;
            if (n < 0)
            {
                if (LastErrno == Errno.EINTR) continue;
                throw Fail("sendfile", what);
            }
        }
    }

    public static void SetCloexec(int fd, bool on)
    {
        int flags = Native.Fcntl(fd, K.F_GETFD, 0);
        if (flags < 0) throw Fail("fcntl", $"fd {fd}");
        flags = on ? flags | K.FD_CLOEXEC : flags & ~K.FD_CLOEXEC;
        if (Native.Fcntl(fd, K.F_SETFD, flags) < 0) throw Fail("fcntl", $"fd {fd}");
    }

    public static (int, int) SocketPair()
    {
        int* sv = stackalloc int[2];
        if (Native.SocketPair(K.AF_UNIX, K.SOCK_STREAM | K.SOCK_CLOEXEC, 0, sv) < 0) throw Fail("socketpair", null);
        return (sv[0], sv[1]);
    }

    public static void Mount(string? source, string target, string? fstype, ulong flags, string? data)
    {
        fixed (byte* s = source is null ? null : Z(source))
        fixed (byte* t = Z(target))
        fixed (byte* f = fstype is null ? null : Z(fstype))
        fixed (byte* d = string.IsNullOrEmpty(data) ? null : Z(data))
        {
            if (Native.Mount(s, t, f, flags, d) < 0)
                throw new SyscallException("mount", $"{source ?? "none"} to {target} (type {fstype ?? "none"}, flags 0x{flags:x}{(string.IsNullOrEmpty(data) ? "" : ", data " + data)})", LastErrno);
        }
    }

    public static void Umount(string target, int flags)
    {
        fixed (byte* t = Z(target))
            if (Native.Umount2(t, flags) < 0) throw Fail("umount2", target);
    }

    public static void Chdir(string path)
    {
        fixed (byte* p = Z(path))
            if (Native.Chdir(p) < 0) throw Fail("chdir", path);
    }

    public static void Chroot(string path)
    {
        fixed (byte* p = Z(path))
            if (Native.Chroot(p) < 0) throw Fail("chroot", path);
    }

    public static void PivotRoot(string newRoot, string putOld)
    {
        fixed (byte* n = Z(newRoot))
        fixed (byte* o = Z(putOld))
            if (Native.Syscall(Native.SYS_pivot_root, (long)n, (long)o, 0, 0, 0, 0) < 0) throw Fail("pivot_root", newRoot);
    }

    public static bool TryMkdir(string path, uint mode, out int errno)
    {
        fixed (byte* p = Z(path))
        {
            int rc = Native.Mkdir(p, mode);
            errno = rc < 0 ? LastErrno : 0;
            return rc == 0;
        }
    }

    /// <summary>mkdir -p; existing directories are fine.</summary>
    public static void MkdirAll(string path, uint mode)
    {
        if (TryMkdir(path, mode, out int errno) || errno == Errno.EEXIST) return;
        if (errno != Errno.ENOENT) throw new SyscallException("mkdir", path, errno);
        string? parent = Path.GetDirectoryName(path.TrimEnd('/'));
        if (parent is null || parent == path) throw new SyscallException("mkdir", path, errno);
        MkdirAll(parent, mode);
        if (!TryMkdir(path, mode, out errno) && errno != Errno.EEXIST) throw new SyscallException("mkdir", path, errno);
    }

    public static void Mknod(string path, uint mode, ulong dev)
    {
        fixed (byte* p = Z(path))
            if (Native.Mknod(p, mode, dev) < 0) throw Fail("mknod", path);
    }

    public static void Mkfifo(string path, uint mode)
    {
        fixed (byte* p = Z(path))
            if (Native.Mkfifo(p, mode) < 0) throw Fail("mkfifo", path);
    }

    public static void Chown(string path, uint uid, uint gid)
    {
        fixed (byte* p = Z(path))
            if (Native.Chown(p, uid, gid) < 0) throw Fail("chown", path);
    }

    public static void Lchown(string path, uint uid, uint gid)
    {
        fixed (byte* p = Z(path))
            if (Native.Lchown(p, uid, gid) < 0) throw Fail("lchown", path);
    }

    /// <summary>The effective uid and gid: what the kernel checks, and what runc's rootless checks look at.</summary>
    public static uint Euid => Native.GetEuid();
    public static uint Egid => Native.GetEgid();

    public static void Chmod(string path, uint mode)
    {
        fixed (byte* p = Z(path))
            if (Native.Chmod(p, mode) < 0) throw Fail("chmod", path);
    }

    public static bool TrySymlink(string target, string linkPath, out int errno)
    {
        fixed (byte* t = Z(target))
        fixed (byte* l = Z(linkPath))
        {
            int rc = Native.Symlink(t, l);
            errno = rc < 0 ? LastErrno : 0;
            return rc == 0;
        }
    }

    public static void Sethostname(string name)
    {
        byte[] b = Encoding.UTF8.GetBytes(name);
        fixed (byte* p = b)
            if (Native.SetHostname(p, b.Length) < 0) throw Fail("sethostname", name);
    }

    public static void Setdomainname(string name)
    {
        byte[] b = Encoding.UTF8.GetBytes(name);
        fixed (byte* p = b)
            if (Native.SetDomainname(p, b.Length) < 0) throw Fail("setdomainname", name);
    }

    public static void Setns(int fd, int nstype, string path)
    {
        if (Native.Syscall(Native.SYS_setns, fd, nstype, 0, 0, 0, 0) < 0) throw Fail("setns", path);
    }

    public static void Prctl(int option, ulong a2, string what, ulong a3 = 0)
    {
        if (Native.Prctl(option, a2, a3, 0, 0) < 0) throw Fail("prctl", what);
    }

    public static void CloseRangeCloexec(uint first)
    {
        if (Native.Syscall(Native.SYS_close_range, first, uint.MaxValue, K.CLOSE_RANGE_CLOEXEC, 0, 0, 0) < 0)
            throw Fail("close_range", null);
    }

    public static int PidfdOpen(int pid)
    {
        long fd = Native.Syscall(Native.SYS_pidfd_open, pid, 0, 0, 0, 0, 0);
        if (fd < 0) throw Fail("pidfd_open", $"pid {pid}");
        Native.Fcntl((int)fd, K.F_SETFD, K.FD_CLOEXEC);
        return (int)fd;
    }

    /// <summary>Returns false when the process is already gone (ESRCH).</summary>
    public static bool PidfdSendSignal(int pidfd, int sig)
    {
        if (Native.Syscall(Native.SYS_pidfd_send_signal, pidfd, sig, 0, 0, 0, 0) == 0) return true;
        if (LastErrno == Errno.ESRCH) return false;
        throw Fail("pidfd_send_signal", $"signal {sig}");
    }

    /// <summary>The pid (in this process's pid namespace) a pidfd refers to: the "Pid:" line
    /// of its fdinfo; -1 once the process is reaped.</summary>
    public static int PidOfPidfd(int pidfd)
    {
        foreach (string line in File.ReadLines($"/proc/self/fdinfo/{pidfd}"))
            if (line.StartsWith("Pid:", StringComparison.Ordinal))
                return int.Parse(line.AsSpan(4).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        throw new SyscallException("read", $"/proc/self/fdinfo/{pidfd} (no Pid: line)", Errno.EINVAL);
    }

    /// <summary>For failure paths: SIGKILLs the process behind a pidfd, reaps it and closes the
    /// pidfd, never throwing (it may be gone and reaped already, ECHILD).</summary>
    public static void KillReapAndClose(int pidfd)
    {
        if (pidfd < 0) return;
        try
        {
            PidfdSendSignal(pidfd, K.SIGKILL);
            WaitPidfd(pidfd);
        }
        catch (SyscallException) { /* already reaped: nothing left to wait for */ }
        Native.Close(pidfd);
    }

    /// <summary>Blocks until the process behind a pidfd exits and reaps it. Returns a shell-style
    /// exit code: the status, or 128 + signal when killed.</summary>
    public static int WaitPidfd(int pidfd)
    {
        byte* info = stackalloc byte[128];
        while (true)
        {
            new Span<byte>(info, 128).Clear();
            if (Native.Syscall(Native.SYS_waitid, K.P_PIDFD, pidfd, (long)info, K.WEXITED, 0, 0) == 0)
                return DecodeSiginfo(info);
            if (LastErrno == Errno.EINTR) continue;
            throw Fail("waitid", null);
        }
    }

    /// <summary>Reaps a child by pid if it has exited; returns null while it still runs.</summary>
    public static int? TryReap(int pid)
    {
        byte* info = stackalloc byte[128];
        new Span<byte>(info, 128).Clear();
        if (Native.Syscall(Native.SYS_waitid, K.P_PID, pid, (long)info, K.WEXITED | K.WNOHANG, 0, 0) < 0) return null;
        int reapedPid = *(int*)(info + 16);
        return reapedPid == 0 ? null : DecodeSiginfo(info);
    }

    private static int DecodeSiginfo(byte* info)
    {
        // siginfo_t: si_signo, si_errno, si_code, pad, then si_pid, si_uid, si_status.
        int code = *(int*)(info + 8);
        int status = *(int*)(info + 24);
        return code == K.CLD_EXITED ? status : 128 + status;
    }
}
