using System.Text;

namespace Csrun.Runtime.Linux;

/// <summary>Sends and receives a single file descriptor over a unix socket with SCM_RIGHTS.</summary>
public static unsafe class FdPassing
{
    public static int ConnectUnix(string path)
    {
        int fd = Native.Socket(K.AF_UNIX, K.SOCK_STREAM | K.SOCK_CLOEXEC, 0);
        if (fd < 0) throw Sys.Fail("socket", path);
        byte[] pathBytes = Encoding.UTF8.GetBytes(path);
        if (pathBytes.Length >= 108) { Native.Close(fd); throw new SyscallException("connect", path, Errno.ERANGE); }
        byte* addr = stackalloc byte[110];
        new Span<byte>(addr, 110).Clear();
        *(ushort*)addr = K.AF_UNIX;
        pathBytes.CopyTo(new Span<byte>(addr + 2, 108));
        if (Native.Connect(fd, addr, 2 + pathBytes.Length + 1) < 0)
        {
            var ex = Sys.Fail("connect", path);
            Native.Close(fd);
            throw ex;
        }
        return fd;
    }

    /// <summary>One sendmsg carrying <paramref name="data"/> and exactly one fd, as containerd,
    /// conmon and podman expect from a console socket.</summary>
    public static void SendFd(int socket, int fdToSend, ReadOnlySpan<byte> data, string what)
    {
        byte dummy = 0;
        fixed (byte* d = data.Length == 0 ? new ReadOnlySpan<byte>(ref dummy) : data)
        {
            var iov = new Native.IoVec { Base = d, Len = (nuint)Math.Max(1, data.Length) };
            // cmsghdr: len (8), level (4), type (4), then the int, padded to 8.
            byte* control = stackalloc byte[24];
            new Span<byte>(control, 24).Clear();
            *(ulong*)control = 20;
            *(int*)(control + 8) = K.SOL_SOCKET;
            *(int*)(control + 12) = K.SCM_RIGHTS;
            *(int*)(control + 16) = fdToSend;
            var msg = new Native.MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = 24 };
            while (true)
            {
                if (Native.SendMsg(socket, &msg, K.MSG_NOSIGNAL) >= 0) return;
                if (Sys.LastErrno != Errno.EINTR) throw Sys.Fail("sendmsg", what);
            }
        }
    }

    /// <summary>Receives one message with one fd (or -1 if none came).</summary>
    public static int ReceiveFd(int socket, Span<byte> data, out int received, string what)
    {
        fixed (byte* d = data)
        {
            var iov = new Native.IoVec { Base = d, Len = (nuint)data.Length };
            byte* control = stackalloc byte[64];
            new Span<byte>(control, 64).Clear();
            var msg = new Native.MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = 64 };
            nint n;
            do n = Native.RecvMsg(socket, &msg, K.MSG_CMSG_CLOEXEC); while (n < 0 && Sys.LastErrno == Errno.EINTR);
            if (n < 0) throw Sys.Fail("recvmsg", what);
            received = (int)n;
            if (msg.ControlLen >= 20 && *(int*)(control + 8) == K.SOL_SOCKET && *(int*)(control + 12) == K.SCM_RIGHTS)
                return *(int*)(control + 16);
            return -1;
        }
    }
}
