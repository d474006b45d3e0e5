using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>linux.memoryPolicy: set_mempolicy(2) mode, node list and flags.</summary>
public sealed class LinuxMemoryPolicy
{
    /// <summary>An MPOL_* mode name.</summary>
    [JsonPropertyName("mode")]
    public string? Mode { get; set; }

    /// <summary>Node list such as "0-3,7".</summary>
    [JsonPropertyName("nodes")]
    public string? Nodes { get; set; }

    [JsonPropertyName("flags")]
    public List<string>? Flags { get; set; }
}
