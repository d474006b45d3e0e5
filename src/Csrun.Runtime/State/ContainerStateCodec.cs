using Csrun.Runtime.Spec;

namespace Csrun.Runtime.State;

/// <summary>
/// state.bin: <see cref="ContainerState"/> in <see cref="CompactSpec"/>'s binary form. Every
/// csrun command but create starts by loading it, and System.Text.Json's metadata for the
/// state's type graph (the process spec, hooks, seccomp plan) cost about a quarter of `exec`'s
/// CPU time; this reads it in microseconds. A leading format byte lets a later csrun refuse
/// (or convert) an older layout instead of misreading it.
/// </summary>
public static class ContainerStateCodec
{
    private const byte Format = 1;

    public static byte[] Encode(ContainerState s)
    {
        var w = new CompactWriter();
        w.U8(Format);
        w.Str(s.OciVersion);
        w.Str(s.Id);
        w.Str(s.Bundle);
        w.Str(s.Rootfs);
        w.Time(s.Created);
        w.Str(s.Owner);
        w.Dict(s.Annotations);
        w.Bool(s.Ready);
        w.I32(s.CreatorPid);
        w.U64(s.CreatorStartTime);
        w.I32(s.InitPid);
        w.U64(s.InitStartTime);
        w.Bool(s.OwnPidNamespace);
        w.Dict(s.CgroupPaths);
        w.Strs(s.CgroupsCreated);
        w.List(s.Devices, CompactSpec.WriteDevice);
        w.Obj(s.Personality, CompactSpec.WritePersonality);
        w.Obj(s.MemoryPolicy, CompactSpec.WriteMemoryPolicy);
        w.Str(s.IntelRdtPath);
        w.Obj(s.Hooks, CompactSpec.WriteHooks);
        w.Obj(s.Process, CompactSpec.WriteProcess);
        w.Obj(s.Seccomp, CompactSpec.WriteSeccompPlan);
        w.Strs(s.NamespaceTypes);
        return w.ToArray();
    }

    /// <summary>A truncated, corrupt or foreign file is an <see cref="InvalidDataException"/>.</summary>
    public static ContainerState Decode(byte[] data)
    {
        var r = new CompactReader(data);
        byte format = r.U8();
        if (format != Format) throw new InvalidDataException($"unknown state format {format}");
        var s = new ContainerState
        {
            OciVersion = r.Str() ?? "",
            Id = r.Str() ?? "",
            Bundle = r.Str() ?? "",
            Rootfs = r.Str() ?? "",
            Created = r.Time(),
            Owner = r.Str() ?? "",
            Annotations = r.Dict(),
            Ready = r.Bool(),
            CreatorPid = r.I32(),
            CreatorStartTime = r.U64(),
            InitPid = r.I32(),
            InitStartTime = r.U64(),
            OwnPidNamespace = r.Bool(),
            CgroupPaths = r.Dict() ?? new(),
            CgroupsCreated = r.Strs() ?? new(),
            Devices = r.List(CompactSpec.ReadDevice),
            Personality = r.Obj(CompactSpec.ReadPersonality),
            MemoryPolicy = r.Obj(CompactSpec.ReadMemoryPolicy),
            IntelRdtPath = r.Str(),
            Hooks = r.Obj(CompactSpec.ReadHooks),
            Process = r.Obj(CompactSpec.ReadProcess),
            Seccomp = r.Obj(CompactSpec.ReadSeccompPlan),
            NamespaceTypes = r.Strs() ?? new(),
        };
        if (!r.AtEnd) throw new InvalidDataException("trailing bytes");
        return s;
    }
}
