using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>One uid/gid map line: <see cref="Size"/> ids from <see cref="ContainerId"/> map to <see cref="HostId"/>.</summary>
public sealed class LinuxIdMapping
{
    [JsonPropertyName("containerID")]
    public uint ContainerId { get; set; }

    [JsonPropertyName("hostID")]
    public uint HostId { get; set; }

    [JsonPropertyName("size")]
    public uint Size { get; set; }
}
