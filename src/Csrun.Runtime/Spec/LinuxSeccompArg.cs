using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>An argument comparison inside a seccomp rule.</summary>
public sealed class LinuxSeccompArg
{
    /// <summary>0 to 5: syscalls have at most six arguments.</summary>
    [JsonPropertyName("index")]
    public uint Index { get; set; }

    [JsonPropertyName("value")]
    public ulong Value { get; set; }

    [JsonPropertyName("valueTwo")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong ValueTwo { get; set; }

    [JsonPropertyName("op")]
    public string? Op { get; set; }
}
