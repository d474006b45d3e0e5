using System.Buffers.Binary;
using System.Text;
using Csrun.Runtime.Seccomp;
using Csrun.Runtime.Spec;
using Csrun.Runtime.State;

namespace Csrun.Runtime.Process;

/// <summary>
/// The compact binary form of <see cref="InitConfig"/> that create sends init on the sync
/// socket. Init used to get JSON: System.Text.Json builds its metadata for the whole spec type
/// graph on the first call in a process (about 2.5 ms to write it in the parent, 3 ms to read
/// it in init, for a 3 KB config); this costs microseconds on both sides and keeps init free
/// of System.Text.Json on its default path.
/// </summary>
/// <remarks>
/// Fields go in declaration order: strings as int32 byte count (-1 for null) and UTF-8, numbers
/// little-endian at their width, optional values and objects behind a presence byte, lists and
/// dictionaries as int32 count (-1 for null) and items. The parent and init are the same binary,
/// so there is no versioning beyond a magic byte.
///
/// Every property of the spec model is carried, except what init never reads because the parent
/// has done it: linux.resources (cgroups), linux.seccomp as a profile (the compiled
/// <see cref="SeccompPlan"/> goes instead) and the non-Linux platform sections. A unit test
/// fills every property of the model and checks it survives, so a property added to the model
/// fails that test until it is added here (or to <see cref="ParentOnly"/>).
/// </remarks>
public static class InitConfigCodec
{
    private const byte Magic = 0xC5;

    /// <summary>"Type.Property" names init does not get (null after decoding).</summary>
    public static readonly IReadOnlyList<string> ParentOnly = new[]
    {
        "LinuxSpec.Resources", "LinuxSpec.Seccomp",
        "RuntimeSpec.Solaris", "RuntimeSpec.Windows", "RuntimeSpec.Vm", "RuntimeSpec.Zos", "RuntimeSpec.FreeBsd",
    };

    public static byte[] Encode(InitConfig c)
    {
        var w = new Writer();
        w.U8(Magic);
        w.Str(c.ContainerId);
        w.Str(c.Bundle);
        w.Str(c.Rootfs);
        w.Bool(c.NoPivot);
        w.Bool(c.NoNewKeyring);
        w.I32(c.FifoFd);
        w.I32(c.ConsoleSocketFd);
        w.I32(c.PreserveFds);
        w.Bool(c.InUserNamespace);
        w.Bool(c.NewCgroupNamespace);
        w.Dict(c.CgroupPaths);
        WriteSpec(w, c.Spec);
        w.Obj(c.Seccomp, (w, p) =>
        {
            w.Bytes(p.Program);
            w.U32(p.Flags);
            w.Bool(p.NeedsListener);
            w.Str(p.ListenerPath);
            w.Str(p.ListenerMetadata);
        });
        w.Obj(c.HookState, (w, s) =>
        {
            w.Str(s.OciVersion);
            w.Str(s.Id);
            w.I32(s.Pid);
            w.Str(s.Status);
            w.Str(s.Bundle);
            w.Str(s.Rootfs);
            w.I64(s.Created.Ticks);
            w.U8((byte)s.Created.Kind);
            w.Str(s.Owner);
            w.Dict(s.Annotations);
        });
        return w.ToArray();
    }

    /// <summary>Decodes what <see cref="Encode"/> wrote; a truncated or foreign payload is an
    /// <see cref="InvalidDataException"/>.</summary>
    public static InitConfig Decode(ReadOnlySpan<byte> data)
    {
        var r = new Reader(data.ToArray());
        if (r.U8() != Magic) throw new InvalidDataException("init config: not csrun's binary form");
        var c = new InitConfig
        {
            ContainerId = r.Str() ?? "",
            Bundle = r.Str() ?? "",
            Rootfs = r.Str() ?? "",
            NoPivot = r.Bool(),
            NoNewKeyring = r.Bool(),
            FifoFd = r.I32(),
            ConsoleSocketFd = r.I32(),
            PreserveFds = r.I32(),
            InUserNamespace = r.Bool(),
            NewCgroupNamespace = r.Bool(),
            CgroupPaths = r.Dict() ?? new(),
            Spec = ReadSpec(r),
            Seccomp = r.Obj(r => new SeccompPlan
            {
                Program = r.Bytes() ?? Array.Empty<byte>(),
                Flags = r.U32(),
                NeedsListener = r.Bool(),
                ListenerPath = r.Str(),
                ListenerMetadata = r.Str(),
            }),
            HookState = r.Obj(r =>
            {
                var s = new SpecState
                {
                    OciVersion = r.Str() ?? "",
                    Id = r.Str() ?? "",
                    Pid = r.I32(),
                    Status = r.Str() ?? "",
                    Bundle = r.Str() ?? "",
                    Rootfs = r.Str() ?? "",
                };
                long ticks = r.I64();
                s.Created = new DateTime(ticks, (DateTimeKind)r.U8());
                s.Owner = r.Str() ?? "";
                s.Annotations = r.Dict();
                return s;
            }),
        };
        if (!r.AtEnd) throw new InvalidDataException("init config: trailing bytes");
        return c;
    }

    private static void WriteSpec(Writer w, RuntimeSpec s)
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
        w.Obj(s.Hooks, (w, h) =>
        {
            w.List(h.Prestart, WriteHook);
            w.List(h.CreateRuntime, WriteHook);
            w.List(h.CreateContainer, WriteHook);
            w.List(h.StartContainer, WriteHook);
            w.List(h.Poststart, WriteHook);
            w.List(h.Poststop, WriteHook);
        });
        w.Dict(s.Annotations);
        w.Obj(s.Linux, WriteLinux);
    }

    private static RuntimeSpec ReadSpec(Reader r) => new()
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
        Hooks = r.Obj(r => new SpecHooks
        {
            Prestart = r.List(ReadHook),
            CreateRuntime = r.List(ReadHook),
            CreateContainer = r.List(ReadHook),
            StartContainer = r.List(ReadHook),
            Poststart = r.List(ReadHook),
            Poststop = r.List(ReadHook),
        }),
        Annotations = r.Dict(),
        Linux = r.Obj(ReadLinux),
    };

    private static void WriteProcess(Writer w, SpecProcess p)
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

    private static SpecProcess ReadProcess(Reader r) => new()
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

    private static void WriteLinux(Writer w, LinuxSpec l)
    {
        w.List(l.UidMappings, WriteIdMapping);
        w.List(l.GidMappings, WriteIdMapping);
        w.Dict(l.Sysctl);
        w.Str(l.CgroupsPath);
        w.List(l.Namespaces, (w, n) => { w.Str(n.Type); w.Str(n.Path); });
        w.List(l.Devices, (w, d) =>
        {
            w.Str(d.Path);
            w.Str(d.Type);
            w.I64(d.Major);
            w.I64(d.Minor);
            w.OptU32(d.FileMode);
            w.OptU32(d.Uid);
            w.OptU32(d.Gid);
        });
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
        w.Obj(l.MemoryPolicy, (w, m) => { w.Str(m.Mode); w.Str(m.Nodes); w.Strs(m.Flags); });
        w.Obj(l.Personality, (w, p) => { w.Str(p.Domain); w.Strs(p.Flags); });
        w.Map(l.TimeOffsets, (w, t) => { w.I64(t.Secs); w.U32(t.Nanosecs); });
    }

    private static LinuxSpec ReadLinux(Reader r) => new()
    {
        UidMappings = r.List(ReadIdMapping),
        GidMappings = r.List(ReadIdMapping),
        Sysctl = r.Dict(),
        CgroupsPath = r.Str(),
        Namespaces = r.List(r => new LinuxNamespace { Type = r.Str(), Path = r.Str() }),
        Devices = r.List(r => new LinuxDevice
        {
            Path = r.Str(),
            Type = r.Str(),
            Major = r.I64(),
            Minor = r.I64(),
            FileMode = r.OptU32(),
            Uid = r.OptU32(),
            Gid = r.OptU32(),
        }),
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
        MemoryPolicy = r.Obj(r => new LinuxMemoryPolicy { Mode = r.Str(), Nodes = r.Str(), Flags = r.Strs() }),
        Personality = r.Obj(r => new LinuxPersonality { Domain = r.Str(), Flags = r.Strs() }),
        TimeOffsets = r.Map(r => new LinuxTimeOffset { Secs = r.I64(), Nanosecs = r.U32() }),
    };

    private static void WriteIdMapping(Writer w, LinuxIdMapping m)
    {
        w.U32(m.ContainerId);
        w.U32(m.HostId);
        w.U32(m.Size);
    }

    private static LinuxIdMapping ReadIdMapping(Reader r) => new() { ContainerId = r.U32(), HostId = r.U32(), Size = r.U32() };

    private static void WriteHook(Writer w, SpecHook h)
    {
        w.Str(h.Path);
        w.Strs(h.Args);
        w.Strs(h.Env);
        w.OptI32(h.Timeout);
    }

    private static SpecHook ReadHook(Reader r) => new() { Path = r.Str(), Args = r.Strs(), Env = r.Strs(), Timeout = r.OptI32() };

    private sealed class Writer
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

        public void Obj<T>(T? o, Action<Writer, T> write) where T : class
        {
            Bool(o is not null);
            if (o is not null) write(this, o);
        }

        public void List<T>(List<T>? items, Action<Writer, T> write)
        {
            if (items is null) { I32(-1); return; }
            I32(items.Count);
            foreach (var item in items) write(this, item);
        }

        public void Strs(List<string>? items) => List(items, (w, s) => w.Str(s));

        public void Map<T>(Dictionary<string, T>? map, Action<Writer, T> write)
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

    private sealed class Reader
    {
        private readonly byte[] _buf;
        private int _pos;

        public Reader(byte[] buf) => _buf = buf;

        public bool AtEnd => _pos == _buf.Length;

        private ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || _pos + n > _buf.Length) throw new InvalidDataException("init config: truncated");
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

        public T? Obj<T>(Func<Reader, T> read) where T : class => Bool() ? read(this) : null;

        public List<T>? List<T>(Func<Reader, T> read)
        {
            int n = I32();
            if (n < 0) return null;
            if (n > _buf.Length - _pos) throw new InvalidDataException("init config: truncated");
            var list = new List<T>(n);
            for (int i = 0; i < n; i++) list.Add(read(this));
            return list;
        }

        public List<string>? Strs() => List(r => r.Str()!);

        public Dictionary<string, T>? Map<T>(Func<Reader, T> read)
        {
            int n = I32();
            if (n < 0) return null;
            if (n > _buf.Length - _pos) throw new InvalidDataException("init config: truncated");
            var map = new Dictionary<string, T>(n);
            for (int i = 0; i < n; i++)
            {
                string key = Str() ?? throw new InvalidDataException("init config: null key");
                map[key] = read(this);
            }
            return map;
        }

        public Dictionary<string, string>? Dict() => Map(r => r.Str()!);
    }
}
