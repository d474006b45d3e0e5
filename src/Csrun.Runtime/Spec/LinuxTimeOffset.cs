using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>A value of linux.timeOffsets: how far the container's clock is shifted.</summary>
public sealed class LinuxTimeOffset
{
    [JsonPropertyName("secs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Secs { get; set; }

    /// <summary>Must stay below one second: the kernel refuses larger values.</summary>
    [JsonPropertyName("nanosecs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public uint Nanosecs { get; set; }
}
