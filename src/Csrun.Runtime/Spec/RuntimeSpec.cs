using System.Text.Json;
using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>
/// The root of an OCI runtime-spec v1.3.0 config.json. Property order follows the Go
/// struct in specs-go so that written files read like the ones runc produces.
/// </summary>
/// <remarks>
/// Platform sections csrun never acts on (solaris, windows, vm, zos, freebsd) are kept as
/// raw JSON so a config carrying them still round-trips without loss.
/// </remarks>
public sealed class RuntimeSpec
{
    [JsonPropertyName("ociVersion")]
    public string? OciVersion { get; set; }

    [JsonPropertyName("process")]
    public SpecProcess? Process { get; set; }

    [JsonPropertyName("root")]
    public SpecRoot? Root { get; set; }

    [JsonPropertyName("hostname")]
    public string? Hostname { get; set; }

    [JsonPropertyName("domainname")]
    public string? Domainname { get; set; }

    [JsonPropertyName("mounts")]
    public List<SpecMount>? Mounts { get; set; }

    [JsonPropertyName("hooks")]
    public SpecHooks? Hooks { get; set; }

    [JsonPropertyName("annotations")]
    public Dictionary<string, string>? Annotations { get; set; }

    [JsonPropertyName("linux")]
    public LinuxSpec? Linux { get; set; }

    [JsonPropertyName("solaris")]
    public JsonElement? Solaris { get; set; }

    [JsonPropertyName("windows")]
    public JsonElement? Windows { get; set; }

    [JsonPropertyName("vm")]
    public JsonElement? Vm { get; set; }

    [JsonPropertyName("zos")]
    public JsonElement? Zos { get; set; }

    [JsonPropertyName("freebsd")]
    public JsonElement? FreeBsd { get; set; }
}
