using System.Buffers.Binary;

namespace Csrun.Runtime.Linux;

/// <summary>
/// Framed messages over one end of a socketpair between csrun and its init: a 4-byte length,
/// a 1-byte type, then the payload. Both ends block; the peer's death is an end of stream.
/// </summary>
public sealed class SyncChannel : IDisposable
{
    public const int MaxPayload = 64 << 20;

    public int Fd { get; private set; }

    public SyncChannel(int fd) => Fd = fd;

    /// <summary>The fd that came with the last message (SCM_RIGHTS), or -1; the receiver owns it.</summary>
    public int ReceivedFd { get; private set; } = -1;

    public void Send(byte type, ReadOnlySpan<byte> payload) => Sys.WriteAll(Fd, Frame(type, payload), "sync socket");

    /// <summary>One message carrying one fd: the fd rides on the frame's first bytes, which the
    /// receiver reads with recvmsg.</summary>
    public void SendWithFd(byte type, ReadOnlySpan<byte> payload, int fd)
    {
        byte[] frame = Frame(type, payload);
        FdPassing.SendFd(Fd, fd, frame.AsSpan(0, 5), "sync socket");
        Sys.WriteAll(Fd, frame.AsSpan(5), "sync socket");
    }

    private static byte[] Frame(byte type, ReadOnlySpan<byte> payload)
    {
        byte[] frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, 1 + payload.Length);
        frame[4] = type;
        payload.CopyTo(frame.AsSpan(5));
        return frame;
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for a message (or the peer's end of
    /// stream); false when none came in time.</summary>
    public unsafe bool WaitReadable(int timeoutMs)
    {
        var pfd = new Native.PollFd { Fd = Fd, Events = Native.POLLIN };
        int n = Native.Poll(&pfd, 1, timeoutMs);
        if (n < 0 && Sys.LastErrno != Errno.EINTR) throw Sys.Fail("poll", "sync socket");
        return n != 0;
    }

    /// <summary>Receives one message; returns false when the peer closed its end.</summary>
    public bool TryReceive(out byte type, out byte[] payload)
    {
        Span<byte> header = stackalloc byte[5];
        int got = 0;
        ReceivedFd = -1;
        while (got < header.Length)
        {
            int fd = FdPassing.ReceiveFd(Fd, header.Slice(got), out int n, "sync socket");
            if (fd >= 0) ReceivedFd = fd;
            if (n == 0)
            {
                if (got == 0) { type = 0; payload = Array.Empty<byte>(); return false; }
                throw new EndOfStreamException("sync socket: message cut short");
            }
            got += n;
        }
        int length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < 1 || length > MaxPayload) throw new InvalidDataException($"sync socket: bad frame length {length}");
        type = header[4];
        payload = new byte[length - 1];
        Sys.ReadExactly(Fd, payload, "sync socket");
        return true;
    }

    public void Dispose()
    {
        Sys.Close(Fd);
        Fd = -1;
    }
}
