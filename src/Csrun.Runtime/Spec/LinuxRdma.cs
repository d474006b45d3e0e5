using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>A value of linux.resources.rdma; at least one limit must be given.</summary>
public sealed class LinuxRdma
{
    [JsonPropertyName("hcaHandles")]
    public uint? HcaHandles { get; set; }

    [JsonPropertyName("hcaObjects")]
    public uint? HcaObjects { get; set; }
}
