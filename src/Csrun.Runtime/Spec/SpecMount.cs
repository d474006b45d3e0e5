using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>One entry of mounts[]; applied in the listed order.</summary>
public sealed class SpecMount
{
    [JsonPropertyName("destination")]
    public string? Destination { get; set; }

    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("source")]
    public string? Source { get; set; }

    [JsonPropertyName("options")]
    public List<string>? Options { get; set; }

    /// <summary>Id-mapped mount: must be given together with <see cref="GidMappings"/>.</summary>
    [JsonPropertyName("uidMappings")]
    public List<LinuxIdMapping>? UidMappings { get; set; }

    [JsonPropertyName("gidMappings")]
    public List<LinuxIdMapping>? GidMappings { get; set; }
}
