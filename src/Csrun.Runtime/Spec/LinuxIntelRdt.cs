using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>linux.intelRdt: resctrl class of service and schemata.</summary>
public sealed class LinuxIntelRdt
{
    /// <summary>resctrl group name; "/" means the root (default) group.</summary>
    [JsonPropertyName("closID")]
    public string? ClosId { get; set; }

    [JsonPropertyName("schemata")]
    public List<string>? Schemata { get; set; }

    [JsonPropertyName("l3CacheSchema")]
    public string? L3CacheSchema { get; set; }

    [JsonPropertyName("memBwSchema")]
    public string? MemBwSchema { get; set; }

    [JsonPropertyName("enableMonitoring")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool EnableMonitoring { get; set; }
}
