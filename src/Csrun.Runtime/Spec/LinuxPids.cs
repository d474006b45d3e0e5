using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>linux.resources.pids.</summary>
public sealed class LinuxPids
{
    /// <summary>Maximum number of tasks; 0 or -1 means no limit, as in runc.</summary>
    [JsonPropertyName("limit")]
    public long? Limit { get; set; }
}
