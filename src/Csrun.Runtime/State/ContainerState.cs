using System.Text.Json.Serialization;
using Csrun.Runtime.Spec;

namespace Csrun.Runtime.State;

/// <summary>What csrun keeps in ROOT/ID/state.json. Status is not stored: it is derived when read
/// from the init pid together with its start time, so a recycled pid never passes for the container.</summary>
public sealed class ContainerState
{
    [JsonPropertyName("ociVersion")] public string OciVersion { get; set; } = "";
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("bundle")] public string Bundle { get; set; } = "";
    [JsonPropertyName("rootfs")] public string Rootfs { get; set; } = "";
    [JsonPropertyName("created")] public DateTime Created { get; set; }
    [JsonPropertyName("owner")] public string Owner { get; set; } = "";
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }

    /// <summary>False until create has finished: the container is "creating".</summary>
    [JsonPropertyName("ready")] public bool Ready { get; set; }
    /// <summary>The csrun create (or run) process, to tell "creating" from a create that died.</summary>
    [JsonPropertyName("creatorPid")] public int CreatorPid { get; set; }
    [JsonPropertyName("creatorStartTime")] public ulong CreatorStartTime { get; set; }

    [JsonPropertyName("initPid")] public int InitPid { get; set; }
    [JsonPropertyName("initStartTime")] public ulong InitStartTime { get; set; }

    /// <summary>Whether the container has its own pid namespace: then killing init ends it all.</summary>
    [JsonPropertyName("ownPidNamespace")] public bool OwnPidNamespace { get; set; }

    [JsonPropertyName("cgroupPaths")] public Dictionary<string, string> CgroupPaths { get; set; } = new();
    /// <summary>Cgroup directories csrun made (and so removes), deepest last.</summary>
    [JsonPropertyName("cgroupsCreated")] public List<string> CgroupsCreated { get; set; } = new();

    /// <summary>linux.intelRdt: the resctrl group csrun made for the container (removed at
    /// delete); null when there is none or it is a shared closID.</summary>
    [JsonPropertyName("intelRdtPath"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? IntelRdtPath { get; set; }

    /// <summary>linux.devices: `update` of the device rules keeps access to these nodes.</summary>
    [JsonPropertyName("devices"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<LinuxDevice>? Devices { get; set; }

    [JsonPropertyName("hooks")] public SpecHooks? Hooks { get; set; }

    /// <summary>The container's process: `exec` starts from it (env, user, capabilities...).</summary>
    [JsonPropertyName("process")] public SpecProcess? Process { get; set; }

    /// <summary>linux.personality and linux.memoryPolicy: `exec` gives its process the same
    /// (runc's setns init applies the container's).</summary>
    [JsonPropertyName("personality"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LinuxPersonality? Personality { get; set; }

    [JsonPropertyName("memoryPolicy"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LinuxMemoryPolicy? MemoryPolicy { get; set; }

    /// <summary>The container's compiled seccomp filter: `exec` loads the same one.</summary>
    [JsonPropertyName("seccomp"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Csrun.Runtime.Seccomp.SeccompPlan? Seccomp { get; set; }

    /// <summary>Namespace types init lives in apart from the host's: `exec` joins these.</summary>
    [JsonPropertyName("namespaces")] public List<string> NamespaceTypes { get; set; } = new();
}

/// <summary>The runtime-spec state object that `csrun state` prints and hooks read.</summary>
public sealed class SpecState
{
    [JsonPropertyName("ociVersion")] public string OciVersion { get; set; } = "";
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("pid")] public int Pid { get; set; }
    [JsonPropertyName("status")] public string Status { get; set; } = "";
    [JsonPropertyName("bundle")] public string Bundle { get; set; } = "";
    [JsonPropertyName("rootfs")] public string Rootfs { get; set; } = "";
    [JsonPropertyName("created")] public DateTime Created { get; set; }
    [JsonPropertyName("owner")] public string Owner { get; set; } = "";
    [JsonPropertyName("annotations"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string>? Annotations { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(ContainerState))]
[JsonSerializable(typeof(SpecState))]
[JsonSerializable(typeof(List<SpecState>))]
public partial class StateJsonContext : JsonSerializerContext { }

/// <summary>The state as hooks get it on stdin: one line, as runc writes it.</summary>
[JsonSourceGenerationOptions(WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SpecState))]
public partial class HookStateJsonContext : JsonSerializerContext { }
