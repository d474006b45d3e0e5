using System.Runtime.InteropServices;
using System.Text;

namespace Csrun.Runtime.Linux;

/// <summary>A listening AF_UNIX stream socket bound to a path: bind, listen, accept with a timeout.</summary>
public static unsafe partial class UnixListener
{
    private const int ENAMETOOLONG = 36;

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    private static partial int Bind(int fd, byte* addr, int addrlen);

    [LibraryImport("libc", EntryPoint = "listen", SetLastError = true)]
    private static partial int ListenNative(int fd, int backlog);

    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    private static partial int Accept4(int fd, void* addr, void* addrlen, int flags);

    /// <summary>A close-on-exec socket listening on <paramref name="path"/> (which must not exist).</summary>
    public static int Listen(string path, int backlog = 1)
    {
        byte[] pathBytes = Encoding.UTF8.GetBytes(path);
        if (pathBytes.Length >= 108) throw new SyscallException("bind", path, ENAMETOOLONG);
        int fd = Native.Socket(K.AF_UNIX, K.SOCK_STREAM | K.SOCK_CLOEXEC, 0);
        if (fd < 0) throw Sys.Fail("socket", path);
        byte* addr = stackalloc byte[110];
        new Span<byte>(addr, 110).Clear();
        *(ushort*)addr = K.AF_UNIX;
        pathBytes.CopyTo(new Span<byte>(addr + 2, 108));
        if (Bind(fd, addr, 2 + pathBytes.Length + 1) < 0)
        {
            var ex = Sys.Fail("bind", path);
            Native.Close(fd);
            throw ex;
        }
        if (ListenNative(fd, backlog) < 0)
        {
            var ex = Sys.Fail("listen", path);
            Native.Close(fd);
            throw ex;
        }
        return fd;
    }

    /// <summary>The next connection (close-on-exec); ETIMEDOUT after <paramref name="timeoutMs"/>.</summary>
    public static int Accept(int listener, int timeoutMs, string path)
    {
        WaitReadable(listener, timeoutMs, "accept", path);
        while (true)
        {
            int fd = Accept4(listener, null, null, K.SOCK_CLOEXEC);
            if (fd >= 0) return fd;
            if (Sys.LastErrno != Errno.EINTR) throw Sys.Fail("accept", path);
        }
    }

    /// <summary>Polls <paramref name="fd"/> for input; fails as "<paramref name="syscall"/> PATH:
    /// connection timed out" when nothing comes in time.</summary>
    public static void WaitReadable(int fd, int timeoutMs, string syscall, string path)
    {
        long deadline = Environment.TickCount64 + timeoutMs;
        var pfd = new Native.PollFd { Fd = fd, Events = Native.POLLIN };
        while (true)
        {
            int remaining = (int)Math.Max(0, deadline - Environment.TickCount64);
            pfd.REvents = 0;
            int n = Native.Poll(&pfd, 1, remaining);
            if (n > 0) return;
            if (n < 0 && Sys.LastErrno != Errno.EINTR) throw Sys.Fail("poll", path);
            if (n == 0) throw new SyscallException(syscall, path, Errno.ETIMEDOUT);
        }
    }
}
