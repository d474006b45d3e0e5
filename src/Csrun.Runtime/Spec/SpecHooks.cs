using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>hooks: commands run at lifecycle points, in the listed order per phase.</summary>
public sealed class SpecHooks
{
    /// <summary>Deprecated by the spec but still honoured by runtimes, runc included.</summary>
    [JsonPropertyName("prestart")]
    public List<SpecHook>? Prestart { get; set; }

    [JsonPropertyName("createRuntime")]
    public List<SpecHook>? CreateRuntime { get; set; }

    [JsonPropertyName("createContainer")]
    public List<SpecHook>? CreateContainer { get; set; }

    [JsonPropertyName("startContainer")]
    public List<SpecHook>? StartContainer { get; set; }

    [JsonPropertyName("poststart")]
    public List<SpecHook>? Poststart { get; set; }

    [JsonPropertyName("poststop")]
    public List<SpecHook>? Poststop { get; set; }
}
