using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>process.user: the ids the container process runs as.</summary>
public sealed class SpecUser
{
    [JsonPropertyName("uid")]
    public uint Uid { get; set; }

    [JsonPropertyName("gid")]
    public uint Gid { get; set; }

    /// <summary>Null means "inherit the runtime's umask", which differs from 0.</summary>
    [JsonPropertyName("umask")]
    public uint? Umask { get; set; }

    [JsonPropertyName("additionalGids")]
    public List<uint>? AdditionalGids { get; set; }

    /// <summary>Windows only; carried for round-tripping.</summary>
    [JsonPropertyName("username")]
    public string? Username { get; set; }
}
