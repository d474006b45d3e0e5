using System.Buffers.Binary;
using System.Text;

namespace Csrun.Runtime.Linux;

/// <summary>
/// A NETLINK_ROUTE socket: requests built from a fixed header and rtattrs, answered by an
/// acknowledgement, one reply or a dump. The socket belongs to the network namespace it was
/// made in (see <see cref="OpenIn"/>). Errors carry the request and the kernel's errno.
/// </summary>
public sealed class NetlinkSocket : IDisposable
{
    private const int AF_NETLINK = 16, SOCK_RAW = 3, NETLINK_ROUTE = 0;
    public const ushort NLM_F_REQUEST = 1, NLM_F_ACK = 4, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400, NLM_F_DUMP = 0x300;
    private const ushort NLMSG_ERROR = 2, NLMSG_DONE = 3;
    private const int HeaderSize = 16;

    private readonly int _fd;
    private uint _seq;

    private NetlinkSocket(int fd) => _fd = fd;

    /// <summary>A socket in this thread's network namespace.</summary>
    public static unsafe NetlinkSocket Open()
    {
        int fd = Native.Socket(AF_NETLINK, SOCK_RAW | K.SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0) throw Sys.Fail("socket", "AF_NETLINK NETLINK_ROUTE");
        return new NetlinkSocket(fd);
    }

    /// <summary>A socket in the network namespace <paramref name="netnsFd"/>: this thread
    /// enters it for the socket() call only (a network namespace is per thread).</summary>
    public static NetlinkSocket OpenIn(int netnsFd, string shown)
    {
        int own = Sys.Open("/proc/thread-self/ns/net", K.O_RDONLY);
        try
        {
            Sys.Setns(netnsFd, (int)K.CLONE_NEWNET, shown);
            try { return Open(); }
            finally { Sys.Setns(own, (int)K.CLONE_NEWNET, "/proc/thread-self/ns/net (back)"); }
        }
        finally { Native.Close(own); }
    }

    /// <summary>One request; returns the payloads of the replies (none for a plain ack). A
    /// negative error from the kernel throws with <paramref name="what"/>.</summary>
    public List<byte[]> Request(ushort type, ushort flags, ReadOnlySpan<byte> body, string what)
    {
        uint seq = ++_seq;
        var message = new byte[HeaderSize + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), type);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(6), (ushort)(flags | NLM_F_REQUEST | NLM_F_ACK));
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), seq);
        body.CopyTo(message.AsSpan(HeaderSize));
        Sys.WriteAll(_fd, message, "netlink socket");

        var replies = new List<byte[]>();
        var buffer = new byte[64 * 1024];
        bool dump = (flags & NLM_F_DUMP) == NLM_F_DUMP;
        while (true)
        {
            int n = Sys.Read(_fd, buffer, "netlink socket");
            int offset = 0;
            while (offset + HeaderSize <= n)
            {
                int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(offset));
                ushort replyType = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(offset + 4));
                uint replySeq = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(offset + 8));
                if (length < HeaderSize || offset + length > n) throw new InvalidOperationException($"netlink {what}: malformed reply");
                var payload = buffer.AsSpan(offset + HeaderSize, length - HeaderSize);
                offset += Align(length);
                if (replySeq != seq) continue;
                if (replyType == NLMSG_ERROR)
                {
                    int error = BinaryPrimitives.ReadInt32LittleEndian(payload);
                    if (error < 0) throw new SyscallException("netlink", what, -error);
                    return replies; // the ack ends every request
                }
                if (replyType == NLMSG_DONE)
                {
                    if (payload.Length >= 4 && BinaryPrimitives.ReadInt32LittleEndian(payload) is int done and < 0)
                        throw new SyscallException("netlink", what, -done);
                    if (dump) return replies;
                    continue;
                }
                replies.Add(payload.ToArray());
            }
        }
    }

    public static int Align(int length) => (length + 3) & ~3;

    /// <summary>Appends an rtattr (type, payload, padding) to a message body.</summary>
    public static void AddAttribute(List<byte> body, ushort type, ReadOnlySpan<byte> value)
    {
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(header.Slice(2), type);
        body.AddRange(header.ToArray());
        body.AddRange(value.ToArray());
        while (body.Count % 4 != 0) body.Add(0);
    }

    public static void AddString(List<byte> body, ushort type, string value) =>
        AddAttribute(body, type, Encoding.UTF8.GetBytes(value + "\0"));

    public static void AddUInt32(List<byte> body, ushort type, uint value)
    {
        Span<byte> v = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(v, value);
        AddAttribute(body, type, v);
    }

    /// <summary>The rtattrs of a reply after its fixed header of <paramref name="fixedSize"/> bytes.</summary>
    public static Dictionary<ushort, byte[]> Attributes(byte[] payload, int fixedSize)
    {
        var result = new Dictionary<ushort, byte[]>();
        int offset = Align(fixedSize);
        while (offset + 4 <= payload.Length)
        {
            ushort length = BinaryPrimitives.ReadUInt16LittleEndian(payload.AsSpan(offset));
            ushort type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(payload.AsSpan(offset + 2)) & 0x3fff);
            if (length < 4 || offset + length > payload.Length) break;
            result[type] = payload.AsSpan(offset + 4, length - 4).ToArray();
            offset += Align(length);
        }
        return result;
    }

    public void Dispose() => Native.Close(_fd);
}
