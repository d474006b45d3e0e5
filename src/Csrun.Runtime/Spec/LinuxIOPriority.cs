using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>process.ioPriority: ioprio_set(2) class and level.</summary>
public sealed class LinuxIOPriority
{
    /// <summary>IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE.</summary>
    [JsonPropertyName("class")]
    public string? Class { get; set; }

    /// <summary>0 (highest) to 7 (lowest).</summary>
    [JsonPropertyName("priority")]
    public int Priority { get; set; }
}
