using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>One hook command.</summary>
public sealed class SpecHook
{
    [JsonPropertyName("path")]
    public string? Path { get; set; }

    [JsonPropertyName("args")]
    public List<string>? Args { get; set; }

    [JsonPropertyName("env")]
    public List<string>? Env { get; set; }

    /// <summary>Seconds; when set it must be greater than zero.</summary>
    [JsonPropertyName("timeout")]
    public int? Timeout { get; set; }
}
