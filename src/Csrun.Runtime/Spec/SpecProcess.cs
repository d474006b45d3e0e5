using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>The container process (config.md "Process", "POSIX process", "Linux Process").</summary>
public sealed class SpecProcess
{
    // Go omits false booleans (omitempty); WhenWritingDefault keeps written files identical.
    [JsonPropertyName("terminal")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Terminal { get; set; }

    [JsonPropertyName("consoleSize")]
    public SpecConsoleSize? ConsoleSize { get; set; }

    /// <summary>REQUIRED by the spec; nullable so a missing object can be reported.</summary>
    [JsonPropertyName("user")]
    public SpecUser? User { get; set; }

    [JsonPropertyName("args")]
    public List<string>? Args { get; set; }

    /// <summary>Windows only; carried for round-tripping.</summary>
    [JsonPropertyName("commandLine")]
    public string? CommandLine { get; set; }

    [JsonPropertyName("env")]
    public List<string>? Env { get; set; }

    [JsonPropertyName("cwd")]
    public string? Cwd { get; set; }

    [JsonPropertyName("capabilities")]
    public LinuxCapabilities? Capabilities { get; set; }

    [JsonPropertyName("rlimits")]
    public List<PosixRlimit>? Rlimits { get; set; }

    [JsonPropertyName("noNewPrivileges")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool NoNewPrivileges { get; set; }

    [JsonPropertyName("apparmorProfile")]
    public string? ApparmorProfile { get; set; }

    /// <summary>Null means "leave oom_score_adj alone", which differs from 0.</summary>
    [JsonPropertyName("oomScoreAdj")]
    public int? OomScoreAdj { get; set; }

    [JsonPropertyName("scheduler")]
    public LinuxScheduler? Scheduler { get; set; }

    [JsonPropertyName("selinuxLabel")]
    public string? SelinuxLabel { get; set; }

    [JsonPropertyName("ioPriority")]
    public LinuxIOPriority? IOPriority { get; set; }

    [JsonPropertyName("execCPUAffinity")]
    public LinuxCpuAffinity? ExecCpuAffinity { get; set; }
}
