using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Process;

/// <summary>
/// The compact binary form of <see cref="InitConfig"/> that create sends init on the sync
/// socket. Init used to get JSON: System.Text.Json builds its metadata for the whole spec type
/// graph on the first call in a process (about 2.5 ms to write it in the parent, 3 ms to read
/// it in init, for a 3 KB config); this costs microseconds on both sides and keeps init free
/// of System.Text.Json on its default path.
/// </summary>
/// <remarks>
/// The encoding is <see cref="CompactSpec"/>'s; the parent and init are the same binary, so
/// there is no versioning beyond a magic byte.
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
        var w = new CompactWriter();
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
        w.Obj(c.IdMappedMountFds, WriteIntMap);
        CompactSpec.WriteSpec(w, c.Spec);
        w.Obj(c.Seccomp, CompactSpec.WriteSeccompPlan);
        w.Obj(c.HookState, CompactSpec.WriteSpecState);
        return w.ToArray();
    }

    /// <summary>Decodes what <see cref="Encode"/> wrote; a truncated or foreign payload is an
    /// <see cref="InvalidDataException"/>.</summary>
    public static InitConfig Decode(ReadOnlySpan<byte> data)
    {
        var r = new CompactReader(data.ToArray());
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
            IdMappedMountFds = r.Obj(ReadIntMap),
            Spec = CompactSpec.ReadSpec(r),
            Seccomp = r.Obj(CompactSpec.ReadSeccompPlan),
            HookState = r.Obj(CompactSpec.ReadSpecState),
        };
        if (!r.AtEnd) throw new InvalidDataException("init config: trailing bytes");
        return c;
    }

    private static void WriteIntMap(CompactWriter w, Dictionary<int, int> map)
    {
        w.I32(map.Count);
        foreach (var (key, value) in map)
        {
            w.I32(key);
            w.I32(value);
        }
    }

    private static Dictionary<int, int> ReadIntMap(CompactReader r)
    {
        int count = r.I32();
        if (count < 0) throw new InvalidDataException("init config: negative map size");
        var map = new Dictionary<int, int>(count);
        for (int i = 0; i < count; i++)
        {
            int key = r.I32();
            map[key] = r.I32();
        }
        return map;
    }
}
