using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>root: the container's root filesystem on the host.</summary>
public sealed class SpecRoot
{
    /// <summary>Absolute, or relative to the bundle directory.</summary>
    [JsonPropertyName("path")]
    public string? Path { get; set; }

    [JsonPropertyName("readonly")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Readonly { get; set; }
}
