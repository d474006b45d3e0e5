using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;

namespace Csrun.IntegrationTests.Harness;

/// <summary>
/// A seccomp notify agent for tests: listens on a unix socket (the profile's listenerPath),
/// receives each ContainerProcessState JSON with its notify fd (SCM_RIGHTS), and answers every
/// notification with <see cref="Decide"/>. Written from the kernel's seccomp_unotify(2) ABI.
/// </summary>
public sealed unsafe partial class SeccompAgent : IDisposable
{
    private const int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000, SOL_SOCKET = 1, SCM_RIGHTS = 1, SHUT_RDWR = 2;
    private const uint NOTIF_RECV = 0xC0502100, NOTIF_SEND = 0xC0182101;   // _IOWR('!', 0/1, ...)
    private const short POLLIN = 1, POLLHUP = 0x10;

    private readonly int _listenFd;
    private readonly Thread _acceptThread;
    private volatile bool _stopping;

    public string SocketPath { get; }
    /// <summary>The JSON documents received with each fd, in order.</summary>
    public ConcurrentQueue<string> States { get; } = new();
    /// <summary>(pid, syscall nr) of every notification answered.</summary>
    public ConcurrentQueue<(int Pid, int Nr)> Notifications { get; } = new();
    /// <summary>syscall nr -> (return value, errno); errno 0 makes the syscall "succeed" with the value.</summary>
    public Func<int, (long Value, int Errno)> Decide { get; init; } = _ => (0, 0);

    public SeccompAgent(string socketPath)
    {
        SocketPath = socketPath;
        _listenFd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (_listenFd < 0) throw new InvalidOperationException($"socket: errno {Marshal.GetLastPInvokeError()}");
        byte* addr = stackalloc byte[110];
        new Span<byte>(addr, 110).Clear();
        *(ushort*)addr = AF_UNIX;
        Encoding.UTF8.GetBytes(socketPath).CopyTo(new Span<byte>(addr + 2, 107));
        if (bind(_listenFd, addr, 110) < 0 || listen(_listenFd, 8) < 0)
            throw new InvalidOperationException($"bind/listen {socketPath}: errno {Marshal.GetLastPInvokeError()}");
        _acceptThread = new Thread(AcceptLoop) { IsBackground = true, Name = "seccomp-agent" };
        _acceptThread.Start();
    }

    private void AcceptLoop()
    {
        while (!_stopping)
        {
            int conn = accept4(_listenFd, null, null, SOCK_CLOEXEC);
            if (conn < 0) { if (_stopping) return; continue; }
            byte[] data = new byte[65536];
            int notifyFd = ReceiveFd(conn, data, out int n);
            close(conn);
            if (n > 0) States.Enqueue(Encoding.UTF8.GetString(data, 0, n));
            if (notifyFd >= 0) new Thread(() => Serve(notifyFd)) { IsBackground = true }.Start();
        }
    }

    private void Serve(int notifyFd)
    {
        byte* req = stackalloc byte[80];   // struct seccomp_notif
        byte* resp = stackalloc byte[24];  // struct seccomp_notif_resp
        try
        {
            while (!_stopping)
            {
                var pfd = new PollFd { Fd = notifyFd, Events = POLLIN };
                int ready = poll(&pfd, 1, 200);
                if (ready == 0) continue;
                if (ready < 0 || (pfd.REvents & POLLHUP) != 0) return;   // every filtered task is gone
                new Span<byte>(req, 80).Clear();
                if (ioctl(notifyFd, NOTIF_RECV, req) < 0) continue;       // the task died meanwhile
                ulong id = *(ulong*)req;
                int pid = *(int*)(req + 8);
                int nr = *(int*)(req + 16);                                 // seccomp_data.nr
                Notifications.Enqueue((pid, nr));
                var (value, errno) = Decide(nr);
                new Span<byte>(resp, 24).Clear();
                *(ulong*)resp = id;
                *(long*)(resp + 8) = value;
                *(int*)(resp + 16) = -errno;
                ioctl(notifyFd, NOTIF_SEND, resp);
            }
        }
        finally { close(notifyFd); }
    }

    private static int ReceiveFd(int sock, byte[] data, out int received)
    {
        fixed (byte* d = data)
        {
            var iov = new IoVec { Base = d, Len = (nuint)data.Length };
            byte* control = stackalloc byte[64];
            new Span<byte>(control, 64).Clear();
            var msg = new MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = 64 };
            nint n = recvmsg(sock, &msg, 0x40000000 /* MSG_CMSG_CLOEXEC */);
            received = (int)Math.Max(0, n);
            if (n > 0 && msg.ControlLen >= 20 && *(int*)(control + 8) == SOL_SOCKET && *(int*)(control + 12) == SCM_RIGHTS)
                return *(int*)(control + 16);
            return -1;
        }
    }

    public void Dispose()
    {
        _stopping = true;
        shutdown(_listenFd, SHUT_RDWR);   // wakes the blocked accept
        _acceptThread.Join(TimeSpan.FromSeconds(5));
        close(_listenFd);
        try { File.Delete(SocketPath); } catch (IOException) { }
    }

    [StructLayout(LayoutKind.Sequential)] private struct IoVec { public void* Base; public nuint Len; }
    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name; public uint NameLen; public IoVec* Iov; public nuint IovLen;
        public void* Control; public nuint ControlLen; public int Flags;
    }
    [StructLayout(LayoutKind.Sequential)] private struct PollFd { public int Fd; public short Events; public short REvents; }

    [LibraryImport("libc", SetLastError = true)] private static partial int socket(int domain, int type, int protocol);
    [LibraryImport("libc", SetLastError = true)] private static partial int bind(int fd, byte* addr, int len);
    [LibraryImport("libc", SetLastError = true)] private static partial int listen(int fd, int backlog);
    [LibraryImport("libc", SetLastError = true)] private static partial int accept4(int fd, byte* addr, int* len, int flags);
    [LibraryImport("libc", SetLastError = true)] private static partial nint recvmsg(int fd, MsgHdr* msg, int flags);
    [LibraryImport("libc", SetLastError = true)] private static partial int ioctl(int fd, uint request, void* arg);
    [LibraryImport("libc", SetLastError = true)] private static partial int poll(PollFd* fds, ulong n, int timeout);
    [LibraryImport("libc")] private static partial int shutdown(int fd, int how);
    [LibraryImport("libc")] private static partial int close(int fd);
}
