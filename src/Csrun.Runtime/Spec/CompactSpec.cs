using System.Buffers.Binary;
using System.Text;
using Csrun.Runtime.Seccomp;
using Csrun.Runtime.State;

namespace Csrun.Runtime.Spec;

/// <summary>
/// A compact binary form of the spec model, for csrun's own hand-offs (init's config, the state
/// file), where System.Text.Json's first-call metadata cost (milliseconds per process) buys
/// nothing. Fields go in declaration order: strings as int32 byte count (-1 for null) and UTF-8,
/// numbers little-endian at their width, optional values and objects behind a presence byte,
/// lists and maps as int32 count (-1 for null) and items. Writer and reader are the same binary
/// (or, for the state file, a csrun of the same format version), so there are no field tags.
/// Unit tests fill every property of the model by reflection: a property added to the model
/// fails them until it is added here.
/// </summary>
internal static class CompactSpec
{
    public static void WriteSpec(CompactWriter w, RuntimeSpec s)
    {
        w.Str(s.OciVersion);
        w.Obj(s.Process, WriteProcess);
        w.Obj(s.Root, (w, r) => { w.Str(r.Path); w.Bool(r.Readonly); });
        w.Str(s.Hostname);
        w.Str(s.Domainname);
        w.List(s.Mounts, (w, m) =>
        {
            w.Str(m.Destination);
            w.Str(m.Type);
            w.Str(m.Source);
            w.Strs(m.Options);
            w.List(m.UidMappings, WriteIdMapping);
            w.List(m.GidMappings, WriteIdMapping);
        });
        w.Obj(s.Hooks, WriteHooks);
        w.Dict(s.Annotations);
        w.Obj(s.Linux, WriteLinux);
    }

    public static RuntimeSpec ReadSpec(CompactReader r) => new()
    {
        OciVersion = r.Str(),
        Process = r.Obj(ReadProcess),
        Root = r.Obj(r => new SpecRoot { Path = r.Str(), Readonly = r.Bool() }),
        Hostname = r.Str(),
        Domainname = r.Str(),
        Mounts = r.List(r => new SpecMount
        {
            Destination = r.Str(),
            Type = r.Str(),
            Source = r.Str(),
            Options = r.Strs(),
            UidMappings = r.List(ReadIdMapping),
            GidMappings = r.List(ReadIdMapping),
        }),
        Hooks = r.Obj(ReadHooks),
        Annotations = r.Dict(),
        Linux = r.Obj(ReadLinux),
    };

    public static void WriteProcess(CompactWriter w, SpecProcess p)
    {
        w.Bool(p.Terminal);
        w.Obj(p.ConsoleSize, (w, c) => { w.U32(c.Height); w.U32(c.Width); });
        w.Obj(p.User, (w, u) =>
        {
            w.U32(u.Uid);
            w.U32(u.Gid);
            w.OptU32(u.Umask);
            w.List(u.AdditionalGids, (w, g) => w.U32(g));
            w.Str(u.Username);
        });
        w.Strs(p.Args);
        w.Str(p.CommandLine);
        w.Strs(p.Env);
        w.Str(p.Cwd);
        w.Obj(p.Capabilities, (w, c) =>
        {
            w.Strs(c.Bounding);
            w.Strs(c.Effective);
            w.Strs(c.Inheritable);
            w.Strs(c.Permitted);
            w.Strs(c.Ambient);
        });
        w.List(p.Rlimits, (w, l) => { w.Str(l.Type); w.U64(l.Hard); w.U64(l.Soft); });
        w.Bool(p.NoNewPrivileges);
        w.Str(p.ApparmorProfile);
        w.OptI32(p.OomScoreAdj);
        w.Obj(p.Scheduler, (w, s) =>
        {
            w.Str(s.Policy);
            w.I32(s.Nice);
            w.I32(s.Priority);
            w.Strs(s.Flags);
            w.U64(s.Runtime);
            w.U64(s.Deadline);
            w.U64(s.Period);
        });
        w.Str(p.SelinuxLabel);
        w.Obj(p.IOPriority, (w, i) => { w.Str(i.Class); w.I32(i.Priority); });
        w.Obj(p.ExecCpuAffinity, (w, a) => { w.Str(a.Initial); w.Str(a.Final); });
    }

    public static SpecProcess ReadProcess(CompactReader r) => new()
    {
        Terminal = r.Bool(),
        ConsoleSize = r.Obj(r => new SpecConsoleSize { Height = r.U32(), Width = r.U32() }),
        User = r.Obj(r => new SpecUser
        {
            Uid = r.U32(),
            Gid = r.U32(),
            Umask = r.OptU32(),
            AdditionalGids = r.List(r => r.U32()),
            Username = r.Str(),
        }),
        Args = r.Strs(),
        CommandLine = r.Str(),
        Env = r.Strs(),
        Cwd = r.Str(),
        Capabilities = r.Obj(r => new LinuxCapabilities
        {
            Bounding = r.Strs(),
            Effective = r.Strs(),
            Inheritable = r.Strs(),
            Permitted = r.Strs(),
            Ambient = r.Strs(),
        }),
        Rlimits = r.List(r => new PosixRlimit { Type = r.Str(), Hard = r.U64(), Soft = r.U64() }),
        NoNewPrivileges = r.Bool(),
        ApparmorProfile = r.Str(),
        OomScoreAdj = r.OptI32(),
        Scheduler = r.Obj(r => new LinuxScheduler
        {
            Policy = r.Str(),
            Nice = r.I32(),
            Priority = r.I32(),
            Flags = r.Strs(),
            Runtime = r.U64(),
            Deadline = r.U64(),
            Period = r.U64(),
        }),
        SelinuxLabel = r.Str(),
        IOPriority = r.Obj(r => new LinuxIOPriority { Class = r.Str(), Priority = r.I32() }),
        ExecCpuAffinity = r.Obj(r => new LinuxCpuAffinity { Initial = r.Str(), Final = r.Str() }),
    };

    public static void WriteLinux(CompactWriter w, LinuxSpec l)
    {
        w.List(l.UidMappings, WriteIdMapping);
        w.List(l.GidMappings, WriteIdMapping);
        w.Dict(l.Sysctl);
        w.Str(l.CgroupsPath);
        w.List(l.Namespaces, (w, n) => { w.Str(n.Type); w.Str(n.Path); });
        w.List(l.Devices, WriteDevice);
        w.Map(l.NetDevices, (w, d) => w.Str(d.Name));
        w.Str(l.RootfsPropagation);
        w.Strs(l.MaskedPaths);
        w.Strs(l.ReadonlyPaths);
        w.Str(l.MountLabel);
        w.Obj(l.IntelRdt, (w, i) =>
        {
            w.Str(i.ClosId);
            w.Strs(i.Schemata);
            w.Str(i.L3CacheSchema);
            w.Str(i.MemBwSchema);
            w.Bool(i.EnableMonitoring);
        });
        w.Obj(l.MemoryPolicy, WriteMemoryPolicy);
        w.Obj(l.Personality, WritePersonality);
        w.Map(l.TimeOffsets, (w, t) => { w.I64(t.Secs); w.U32(t.Nanosecs); });
    }

    public static LinuxSpec ReadLinux(CompactReader r) => new()
    {
        UidMappings = r.List(ReadIdMapping),
        GidMappings = r.List(ReadIdMapping),
        Sysctl = r.Dict(),
        CgroupsPath = r.Str(),
        Namespaces = r.List(r => new LinuxNamespace { Type = r.Str(), Path = r.Str() }),
        Devices = r.List(ReadDevice),
        NetDevices = r.Map(r => new LinuxNetDevice { Name = r.Str() }),
        RootfsPropagation = r.Str(),
        MaskedPaths = r.Strs(),
        ReadonlyPaths = r.Strs(),
        MountLabel = r.Str(),
        IntelRdt = r.Obj(r => new LinuxIntelRdt
        {
            ClosId = r.Str(),
            Schemata = r.Strs(),
            L3CacheSchema = r.Str(),
            MemBwSchema = r.Str(),
            EnableMonitoring = r.Bool(),
        }),
        MemoryPolicy = r.Obj(ReadMemoryPolicy),
        Personality = r.Obj(ReadPersonality),
        TimeOffsets = r.Map(r => new LinuxTimeOffset { Secs = r.I64(), Nanosecs = r.U32() }),
    };

    public static void WriteMemoryPolicy(CompactWriter w, LinuxMemoryPolicy m) { w.Str(m.Mode); w.Str(m.Nodes); w.Strs(m.Flags); }
    public static LinuxMemoryPolicy ReadMemoryPolicy(CompactReader r) => new() { Mode = r.Str(), Nodes = r.Str(), Flags = r.Strs() };
    public static void WritePersonality(CompactWriter w, LinuxPersonality p) { w.Str(p.Domain); w.Strs(p.Flags); }
    public static LinuxPersonality ReadPersonality(CompactReader r) => new() { Domain = r.Str(), Flags = r.Strs() };

    public static void WriteDevice(CompactWriter w, LinuxDevice d)
    {
        w.Str(d.Path);
        w.Str(d.Type);
        w.I64(d.Major);
        w.I64(d.Minor);
        w.OptU32(d.FileMode);
        w.OptU32(d.Uid);
        w.OptU32(d.Gid);
    }

    public static LinuxDevice ReadDevice(CompactReader r) => new()
    {
        Path = r.Str(),
        Type = r.Str(),
        Major = r.I64(),
        Minor = r.I64(),
        FileMode = r.OptU32(),
        Uid = r.OptU32(),
        Gid = r.OptU32(),
    };

    public static void WriteIdMapping(CompactWriter w, LinuxIdMapping m)
    {
        w.U32(m.ContainerId);
        w.U32(m.HostId);
        w.U32(m.Size);
    }

    public static LinuxIdMapping ReadIdMapping(CompactReader r) => new() { ContainerId = r.U32(), HostId = r.U32(), Size = r.U32() };

    public static void WriteHooks(CompactWriter w, SpecHooks h)
    {
        w.List(h.Prestart, WriteHook);
        w.List(h.CreateRuntime, WriteHook);
        w.List(h.CreateContainer, WriteHook);
        w.List(h.StartContainer, WriteHook);
        w.List(h.Poststart, WriteHook);
        w.List(h.Poststop, WriteHook);
    }

    public static SpecHooks ReadHooks(CompactReader r) => new()
    {
        Prestart = r.List(ReadHook),
        CreateRuntime = r.List(ReadHook),
        CreateContainer = r.List(ReadHook),
        StartContainer = r.List(ReadHook),
        Poststart = r.List(ReadHook),
        Poststop = r.List(ReadHook),
    };

    public static void WriteHook(CompactWriter w, SpecHook h)
    {
        w.Str(h.Path);
        w.Strs(h.Args);
        w.Strs(h.Env);
        w.OptI32(h.Timeout);
    }

    public static SpecHook ReadHook(CompactReader r) => new() { Path = r.Str(), Args = r.Strs(), Env = r.Strs(), Timeout = r.OptI32() };

    public static void WriteSeccompPlan(CompactWriter w, SeccompPlan p)
    {
        w.Bytes(p.Program);
        w.U32(p.Flags);
        w.Bool(p.NeedsListener);
        w.Str(p.ListenerPath);
        w.Str(p.ListenerMetadata);
    }

    public static SeccompPlan ReadSeccompPlan(CompactReader r) => new()
    {
        Program = r.Bytes() ?? Array.Empty<byte>(),
        Flags = r.U32(),
        NeedsListener = r.Bool(),
        ListenerPath = r.Str(),
        ListenerMetadata = r.Str(),
    };

    public static void WriteSpecState(CompactWriter w, SpecState s)
    {
        w.Str(s.OciVersion);
        w.Str(s.Id);
        w.I32(s.Pid);
        w.Str(s.Status);
        w.Str(s.Bundle);
        w.Str(s.Rootfs);
        w.Time(s.Created);
        w.Str(s.Owner);
        w.Dict(s.Annotations);
    }

    public static SpecState ReadSpecState(CompactReader r) => new()
    {
        OciVersion = r.Str() ?? "",
        Id = r.Str() ?? "",
        Pid = r.I32(),
        Status = r.Str() ?? "",
        Bundle = r.Str() ?? "",
        Rootfs = r.Str() ?? "",
        Created = r.Time(),
        Owner = r.Str() ?? "",
        Annotations = r.Dict(),
    };
}

internal sealed class CompactWriter
{
    private byte[] _buf = new byte[4096];
    private int _len;

    private Span<byte> Grow(int n)
    {
        if (_len + n > _buf.Length) Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _len + n));
        var s = _buf.AsSpan(_len, n);
        _len += n;
        return s;
    }

    public byte[] ToArray() => _buf.AsSpan(0, _len).ToArray();
    public void U8(byte v) => Grow(1)[0] = v;
    public void Bool(bool v) => U8(v ? (byte)1 : (byte)0);
    public void I32(int v) => BinaryPrimitives.WriteInt32LittleEndian(Grow(4), v);
    public void U32(uint v) => BinaryPrimitives.WriteUInt32LittleEndian(Grow(4), v);
    public void I64(long v) => BinaryPrimitives.WriteInt64LittleEndian(Grow(8), v);
    public void U64(ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(Grow(8), v);

    public void Time(DateTime t)
    {
        I64(t.Ticks);
        U8((byte)t.Kind);
    }

    public void OptI32(int? v)
    {
        Bool(v.HasValue);
        if (v is int x) I32(x);
    }

    public void OptU32(uint? v)
    {
        Bool(v.HasValue);
        if (v is uint x) U32(x);
    }

    public void Str(string? s)
    {
        if (s is null) { I32(-1); return; }
        int n = Encoding.UTF8.GetByteCount(s);
        I32(n);
        Encoding.UTF8.GetBytes(s, Grow(n));
    }

    public void Bytes(byte[]? b)
    {
        if (b is null) { I32(-1); return; }
        I32(b.Length);
        b.CopyTo(Grow(b.Length));
    }

    public void Obj<T>(T? o, Action<CompactWriter, T> write) where T : class
    {
        Bool(o is not null);
        if (o is not null) write(this, o);
    }

    public void List<T>(List<T>? items, Action<CompactWriter, T> write)
    {
        if (items is null) { I32(-1); return; }
        I32(items.Count);
        foreach (var item in items) write(this, item);
    }

    public void Strs(List<string>? items) => List(items, (w, s) => w.Str(s));

    public void Map<T>(Dictionary<string, T>? map, Action<CompactWriter, T> write)
    {
        if (map is null) { I32(-1); return; }
        I32(map.Count);
        foreach (var (k, v) in map)
        {
            Str(k);
            write(this, v);
        }
    }

    public void Dict(Dictionary<string, string>? map) => Map(map, (w, v) => w.Str(v));
}

internal sealed class CompactReader
{
    private readonly byte[] _buf;
    private int _pos;

    public CompactReader(byte[] buf) => _buf = buf;

    public bool AtEnd => _pos == _buf.Length;

    private static InvalidDataException Truncated() => new("compact data: truncated or corrupt");

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || _pos + n > _buf.Length) throw Truncated();
        var s = _buf.AsSpan(_pos, n);
        _pos += n;
        return s;
    }

    public byte U8() => Take(1)[0];
    public bool Bool() => U8() != 0;
    public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
    public long I64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));
    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public DateTime Time()
    {
        long ticks = I64();
        byte kind = U8();
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks || kind > 2) throw Truncated();
        return new DateTime(ticks, (DateTimeKind)kind);
    }
    public int? OptI32() => Bool() ? I32() : null;
    public uint? OptU32() => Bool() ? U32() : null;

    public string? Str()
    {
        int n = I32();
        return n < 0 ? null : Encoding.UTF8.GetString(Take(n));
    }

    public byte[]? Bytes()
    {
        int n = I32();
        return n < 0 ? null : Take(n).ToArray();
    }

    public T? Obj<T>(Func<CompactReader, T> read) where T : class => Bool() ? read(this) : null;

    public List<T>? List<T>(Func<CompactReader, T> read)
    {
        int n = I32();
        if (n < 0) return null;
        if (n > _buf.Length - _pos) throw Truncated();
        var list = new List<T>(n);
        for (int i = 0; i < n; i++) list.Add(read(this));
        return list;
    }

    public List<string>? Strs() => List(r => r.Str()!);

    public Dictionary<string, T>? Map<T>(Func<CompactReader, T> read)
    {
        int n = I32();
        if (n < 0) return null;
        if (n > _buf.Length - _pos) throw Truncated();
        var map = new Dictionary<string, T>(n);
        for (int i = 0; i < n; i++)
        {
            string key = Str() ?? throw Truncated();
            map[key] = read(this);
        }
        return map;
    }

    public Dictionary<string, string>? Dict() => Map(r => r.Str()!);
}
