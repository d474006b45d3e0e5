using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>A value of linux.netDevices: the interface's name inside the container.</summary>
public sealed class LinuxNetDevice
{
    /// <summary>Null or empty keeps the host name; a trailing "%d" lets the kernel pick.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }
}
