using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>
/// Source-generated (NativeAOT safe) serializer metadata for config.json and the features
/// document. Reading ignores unknown fields and, like Go's encoding/json that runc uses,
/// matches property names case-insensitively. Writing omits nulls and indents with tabs,
/// as `runc spec` does.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = true,
    WriteIndented = true,
    IndentCharacter = '\t',
    IndentSize = 1,
    MaxDepth = SpecJsonContext.MaxJsonDepth)]
[JsonSerializable(typeof(RuntimeSpec))]
[JsonSerializable(typeof(RuntimeFeatures))]
[JsonSerializable(typeof(LinuxResources))]
public sealed partial class SpecJsonContext : JsonSerializerContext
{
    /// <summary>Shared with the syntax pre-check in <see cref="SpecLoader"/> so both agree.</summary>
    public const int MaxJsonDepth = 64;
}
