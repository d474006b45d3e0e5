using System.Text;

namespace Csrun.ManagerTests.Harness.Cri;

/// <summary>
/// Just enough protocol-buffers wire format for the CRI calls the tests make: varints (wire
/// type 0) and length-delimited fields (type 2: strings, bytes, sub-messages, map entries).
/// Fields left at their default are not written, as proto3 does.
/// </summary>
public sealed class ProtoWriter
{
    private readonly MemoryStream _buf = new();

    public byte[] ToArray() => _buf.ToArray();

    private void RawVarint(ulong v)
    {
        while (v >= 0x80)
        {
            _buf.WriteByte((byte)(v | 0x80));
            v >>= 7;
        }
        _buf.WriteByte((byte)v);
    }

    private void Tag(int field, int wireType) => RawVarint((ulong)((field << 3) | wireType));

    public ProtoWriter Varint(int field, long value)
    {
        if (value == 0) return this;
        Tag(field, 0);
        RawVarint((ulong)value);
        return this;
    }

    public ProtoWriter Bool(int field, bool value) => Varint(field, value ? 1 : 0);

    public ProtoWriter Bytes(int field, byte[] value)
    {
        Tag(field, 2);
        RawVarint((ulong)value.Length);
        _buf.Write(value);
        return this;
    }

    public ProtoWriter String(int field, string? value) =>
        string.IsNullOrEmpty(value) ? this : Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoWriter Strings(int field, IEnumerable<string> values)
    {
        foreach (string v in values) Bytes(field, Encoding.UTF8.GetBytes(v));
        return this;
    }

    public ProtoWriter Message(int field, ProtoWriter sub) => Bytes(field, sub.ToArray());

    /// <summary>map&lt;string,string&gt;: one entry message {1: key, 2: value} per pair.</summary>
    public ProtoWriter Map(int field, IReadOnlyDictionary<string, string> map)
    {
        foreach (var (k, v) in map) Message(field, new ProtoWriter().String(1, k).String(2, v));
        return this;
    }
}

/// <summary>A decoded message: its fields by number (repeated ones keep every occurrence).</summary>
public sealed class ProtoMessage
{
    private readonly List<(int Field, ulong Varint, byte[]? Bytes)> _fields = new();

    public static ProtoMessage Parse(ReadOnlySpan<byte> data)
    {
        var m = new ProtoMessage();
        int i = 0;
        while (i < data.Length)
        {
            ulong key = ReadVarint(data, ref i);
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: m._fields.Add((field, ReadVarint(data, ref i), null)); break;
                case 1: m._fields.Add((field, BitConverter.ToUInt64(data.Slice(i, 8)), null)); i += 8; break;
                case 5: m._fields.Add((field, BitConverter.ToUInt32(data.Slice(i, 4)), null)); i += 4; break;
                case 2:
                    int len = (int)ReadVarint(data, ref i);
                    m._fields.Add((field, 0, data.Slice(i, len).ToArray()));
                    i += len;
                    break;
                default: throw new InvalidDataException($"protobuf wire type {wire} not handled");
            }
        }
        return m;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> d, ref int i)
    {
        ulong v = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = d[i++];
            v |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return v;
        }
    }

    public long Varint(int field) => (long)(_fields.LastOrDefault(f => f.Field == field && f.Bytes is null).Varint);
    public byte[] Bytes(int field) => _fields.LastOrDefault(f => f.Field == field && f.Bytes is not null).Bytes ?? [];
    public string String(int field) => Encoding.UTF8.GetString(Bytes(field));
    public ProtoMessage Message(int field) => Parse(Bytes(field));
}
