using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>One entry of linux.namespaces: create a new namespace, or join <see cref="Path"/>.</summary>
public sealed class LinuxNamespace
{
    /// <summary>One of <see cref="LinuxNamespaceTypes"/>.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("path")]
    public string? Path { get; set; }
}
