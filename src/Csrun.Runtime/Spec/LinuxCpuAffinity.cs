using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>process.execCPUAffinity: CPU lists ("0-3,7") for processes started by exec.</summary>
public sealed class LinuxCpuAffinity
{
    /// <summary>Affinity before the process joins the container cgroup.</summary>
    [JsonPropertyName("initial")]
    public string? Initial { get; set; }

    /// <summary>Affinity after it joined; empty means "let the kernel decide".</summary>
    [JsonPropertyName("final")]
    public string? Final { get; set; }
}
