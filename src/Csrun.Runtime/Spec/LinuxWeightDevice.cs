using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>A per-device weight; at least one of the two weights must be given.</summary>
public sealed class LinuxWeightDevice
{
    // Go embeds LinuxBlockIODevice, which flattens major/minor into this object.
    [JsonPropertyName("major")]
    public long Major { get; set; }

    [JsonPropertyName("minor")]
    public long Minor { get; set; }

    [JsonPropertyName("weight")]
    public ushort? Weight { get; set; }

    [JsonPropertyName("leafWeight")]
    public ushort? LeafWeight { get; set; }
}
