using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>A net_prio entry: traffic priority for one host interface.</summary>
public sealed class LinuxInterfacePriority
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("priority")]
    public uint Priority { get; set; }
}
