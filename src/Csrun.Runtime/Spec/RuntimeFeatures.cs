using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

// The document `csrun features` prints (runtime-spec features.md, specs-go/features).
// It is a sibling of config.json in the spec, so it lives with the config model and shares
// its serializer context. Tri-state flags are bool? because "unknown" differs from false.

/// <summary>Root of the features document.</summary>
public sealed class RuntimeFeatures
{
    [JsonPropertyName("ociVersionMin")]
    public string? OciVersionMin { get; set; }

    [JsonPropertyName("ociVersionMax")]
    public string? OciVersionMax { get; set; }

    [JsonPropertyName("hooks")]
    public List<string>? Hooks { get; set; }

    [JsonPropertyName("mountOptions")]
    public List<string>? MountOptions { get; set; }

    [JsonPropertyName("linux")]
    public LinuxFeatures? Linux { get; set; }

    [JsonPropertyName("annotations")]
    public Dictionary<string, string>? Annotations { get; set; }

    [JsonPropertyName("potentiallyUnsafeConfigAnnotations")]
    public List<string>? PotentiallyUnsafeConfigAnnotations { get; set; }
}

public sealed class LinuxFeatures
{
    [JsonPropertyName("namespaces")]
    public List<string>? Namespaces { get; set; }

    [JsonPropertyName("capabilities")]
    public List<string>? Capabilities { get; set; }

    [JsonPropertyName("cgroup")]
    public CgroupFeatures? Cgroup { get; set; }

    [JsonPropertyName("seccomp")]
    public SeccompFeatures? Seccomp { get; set; }

    [JsonPropertyName("apparmor")]
    public EnabledFeature? Apparmor { get; set; }

    [JsonPropertyName("selinux")]
    public EnabledFeature? Selinux { get; set; }

    [JsonPropertyName("intelRdt")]
    public IntelRdtFeatures? IntelRdt { get; set; }

    [JsonPropertyName("memoryPolicy")]
    public MemoryPolicyFeatures? MemoryPolicy { get; set; }

    [JsonPropertyName("mountExtensions")]
    public MountExtensionsFeatures? MountExtensions { get; set; }

    [JsonPropertyName("netDevices")]
    public EnabledFeature? NetDevices { get; set; }
}

public sealed class CgroupFeatures
{
    [JsonPropertyName("v1")]
    public bool? V1 { get; set; }

    [JsonPropertyName("v2")]
    public bool? V2 { get; set; }

    [JsonPropertyName("systemd")]
    public bool? Systemd { get; set; }

    [JsonPropertyName("systemdUser")]
    public bool? SystemdUser { get; set; }

    [JsonPropertyName("rdma")]
    public bool? Rdma { get; set; }
}

public sealed class SeccompFeatures
{
    [JsonPropertyName("enabled")]
    public bool? Enabled { get; set; }

    [JsonPropertyName("actions")]
    public List<string>? Actions { get; set; }

    [JsonPropertyName("operators")]
    public List<string>? Operators { get; set; }

    [JsonPropertyName("archs")]
    public List<string>? Archs { get; set; }

    [JsonPropertyName("knownFlags")]
    public List<string>? KnownFlags { get; set; }

    [JsonPropertyName("supportedFlags")]
    public List<string>? SupportedFlags { get; set; }
}

/// <summary>The {"enabled": bool} shape shared by apparmor, selinux, netDevices and idmap.</summary>
public sealed class EnabledFeature
{
    [JsonPropertyName("enabled")]
    public bool? Enabled { get; set; }
}

public sealed class IntelRdtFeatures
{
    [JsonPropertyName("enabled")]
    public bool? Enabled { get; set; }

    [JsonPropertyName("schemata")]
    public bool? Schemata { get; set; }

    [JsonPropertyName("monitoring")]
    public bool? Monitoring { get; set; }
}

public sealed class MemoryPolicyFeatures
{
    [JsonPropertyName("modes")]
    public List<string>? Modes { get; set; }

    [JsonPropertyName("flags")]
    public List<string>? Flags { get; set; }
}

public sealed class MountExtensionsFeatures
{
    [JsonPropertyName("idmap")]
    public EnabledFeature? IdMap { get; set; }
}
