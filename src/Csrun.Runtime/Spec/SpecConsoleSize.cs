using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>process.consoleSize (the Go "Box"); only meaningful when process.terminal is true.</summary>
public sealed class SpecConsoleSize
{
    [JsonPropertyName("height")]
    public uint Height { get; set; }

    [JsonPropertyName("width")]
    public uint Width { get; set; }
}
