using System.Buffers.Binary;

namespace Csrun.Runtime.Linux;

/// <summary>
/// The rtnetlink link and address requests moving a network device needs: find a link by
/// name, set it down, list and add its addresses, move (and rename) it into another network
/// namespace in one RTM_NEWLINK.
/// </summary>
public static class NetLinks
{
    private const ushort RTM_NEWLINK = 16, RTM_GETLINK = 18, RTM_NEWADDR = 20, RTM_GETADDR = 22;
    private const ushort IFLA_IFNAME = 3, IFLA_NET_NS_FD = 28;
    private const ushort IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_FLAGS = 8;
    private const uint IFF_UP = 1, IFA_F_PERMANENT = 0x80;
    private const byte RT_SCOPE_UNIVERSE = 0;
    private const int IfInfoSize = 16, IfAddrSize = 8;

    /// <summary>One address of a link, as the kernel lists it.</summary>
    public readonly record struct Address(byte Family, byte PrefixLength, uint Flags, byte Scope, byte[] Local)
    {
        /// <summary>The addresses the runtime-spec (and runc) carry over: permanent, global scope.</summary>
        public bool IsPermanentGlobal => (Flags & IFA_F_PERMANENT) != 0 && Scope == RT_SCOPE_UNIVERSE;

        public override string ToString() => $"{new System.Net.IPAddress(Local)}/{PrefixLength}";
    }

    private static byte[] IfInfo(int index, uint flags = 0, uint change = 0)
    {
        var b = new byte[IfInfoSize];
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4), index);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(12), change);
        return b;
    }

    /// <summary>The interface index of <paramref name="name"/>, or -1 with ENODEV as the errno.</summary>
    public static int TryIndexOf(NetlinkSocket socket, string name, out int errno) => TryIndexOf(socket, name, out errno, out _);

    /// <summary>Also the link's IFF_* flags (IsUp tells IFF_UP).</summary>
    public static int TryIndexOf(NetlinkSocket socket, string name, out int errno, out uint flags)
    {
        flags = 0;
        var body = new List<byte>(IfInfo(0));
        NetlinkSocket.AddString(body, IFLA_IFNAME, name);
        try
        {
            var replies = socket.Request(RTM_GETLINK, 0, body.ToArray(), $"RTM_GETLINK {name}");
            errno = 0;
            foreach (byte[] reply in replies)
                if (reply.Length >= IfInfoSize)
                {
                    flags = BinaryPrimitives.ReadUInt32LittleEndian(reply.AsSpan(8));
                    return BinaryPrimitives.ReadInt32LittleEndian(reply.AsSpan(4));
                }
            errno = Errno.ENODEV;
            return -1;
        }
        catch (SyscallException e) when (e.Errno == Errno.ENODEV)
        {
            errno = e.Errno;
            return -1;
        }
    }

    public static bool IsUp(uint flags) => (flags & IFF_UP) != 0;

    public static void SetUp(NetlinkSocket socket, int index, bool up, string shown)
    {
        socket.Request(RTM_NEWLINK, 0, IfInfo(index, up ? IFF_UP : 0, IFF_UP), $"RTM_NEWLINK {shown} {(up ? "up" : "down")}");
    }

    public static List<Address> AddressesOf(NetlinkSocket socket, int index, string shown)
    {
        var result = new List<Address>();
        var request = new byte[IfAddrSize]; // AF_UNSPEC: every family
        foreach (byte[] reply in socket.Request(RTM_GETADDR, NetlinkSocket.NLM_F_DUMP, request, $"RTM_GETADDR {shown}"))
        {
            if (reply.Length < IfAddrSize || BinaryPrimitives.ReadInt32LittleEndian(reply.AsSpan(4)) != index) continue;
            var attributes = NetlinkSocket.Attributes(reply, IfAddrSize);
            // IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on point-to-point links.
            byte[]? local = attributes.GetValueOrDefault(IFA_LOCAL) ?? attributes.GetValueOrDefault(IFA_ADDRESS);
            if (local is null) continue;
            // IFA_FLAGS holds all 32 flag bits; the header only the low 8.
            uint flags = attributes.TryGetValue(IFA_FLAGS, out byte[]? f) && f.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(f) : reply[2];
            result.Add(new Address(reply[0], reply[1], flags, reply[3], local));
        }
        return result;
    }

    /// <summary>Moves the link into the network namespace <paramref name="netnsFd"/> and names
    /// it <paramref name="newName"/> there, in one request (no clash with a host name in between).</summary>
    public static void MoveToNamespace(NetlinkSocket socket, int index, string newName, int netnsFd, string shown)
    {
        var body = new List<byte>(IfInfo(index));
        NetlinkSocket.AddString(body, IFLA_IFNAME, newName);
        NetlinkSocket.AddUInt32(body, IFLA_NET_NS_FD, (uint)netnsFd);
        socket.Request(RTM_NEWLINK, 0, body.ToArray(), $"RTM_NEWLINK {shown} (IFLA_NET_NS_FD, IFLA_IFNAME {newName})");
    }

    public static void AddAddress(NetlinkSocket socket, int index, Address address, string shown)
    {
        var body = new List<byte> { address.Family, address.PrefixLength, 0, address.Scope };
        Span<byte> idx = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(idx, index);
        body.AddRange(idx.ToArray());
        NetlinkSocket.AddAttribute(body, IFA_LOCAL, address.Local);
        NetlinkSocket.AddAttribute(body, IFA_ADDRESS, address.Local);
        socket.Request(RTM_NEWADDR, NetlinkSocket.NLM_F_CREATE | NetlinkSocket.NLM_F_EXCL, body.ToArray(), $"RTM_NEWADDR {address} on {shown}");
    }
}
