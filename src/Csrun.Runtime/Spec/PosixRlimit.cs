using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>One entry of process.rlimits.</summary>
public sealed class PosixRlimit
{
    /// <summary>An RLIMIT_* name; see <see cref="LinuxRlimitNames"/>.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("hard")]
    public ulong Hard { get; set; }

    [JsonPropertyName("soft")]
    public ulong Soft { get; set; }
}
