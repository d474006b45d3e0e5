using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>One rule of linux.resources.devices.</summary>
public sealed class LinuxDeviceCgroup
{
    [JsonPropertyName("allow")]
    public bool Allow { get; set; }

    /// <summary>"a", "c" or "b"; unset means "a".</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    /// <summary>Unset means every major (the "*" of the cgroup v1 file).</summary>
    [JsonPropertyName("major")]
    public long? Major { get; set; }

    [JsonPropertyName("minor")]
    public long? Minor { get; set; }

    /// <summary>Any combination of "r", "w" and "m".</summary>
    [JsonPropertyName("access")]
    public string? Access { get; set; }
}
