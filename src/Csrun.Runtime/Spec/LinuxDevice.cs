using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>One entry of linux.devices: a device node that must exist in the container.</summary>
public sealed class LinuxDevice
{
    [JsonPropertyName("path")]
    public string? Path { get; set; }

    /// <summary>"c", "b", "u" (unbuffered char) or "p" (fifo).</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("major")]
    public long Major { get; set; }

    [JsonPropertyName("minor")]
    public long Minor { get; set; }

    /// <summary>Decimal in JSON (e.g. 438 for 0666).</summary>
    [JsonPropertyName("fileMode")]
    public uint? FileMode { get; set; }

    [JsonPropertyName("uid")]
    public uint? Uid { get; set; }

    [JsonPropertyName("gid")]
    public uint? Gid { get; set; }
}
