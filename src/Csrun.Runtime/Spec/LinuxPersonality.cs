using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>linux.personality: execution domain for personality(2).</summary>
public sealed class LinuxPersonality
{
    /// <summary>"LINUX" or "LINUX32".</summary>
    [JsonPropertyName("domain")]
    public string? Domain { get; set; }

    /// <summary>The spec defines no flags yet; runc ignores them with a warning.</summary>
    [JsonPropertyName("flags")]
    public List<string>? Flags { get; set; }
}
