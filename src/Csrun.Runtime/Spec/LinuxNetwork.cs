using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>linux.resources.network (net_cls / net_prio on cgroup v1).</summary>
public sealed class LinuxNetwork
{
    [JsonPropertyName("classID")]
    public uint? ClassId { get; set; }

    [JsonPropertyName("priorities")]
    public List<LinuxInterfacePriority>? Priorities { get; set; }
}
