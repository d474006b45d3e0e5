using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>linux.seccomp: the syscall filter. Names follow libseccomp (SCMP_*).</summary>
public sealed class LinuxSeccomp
{
    [JsonPropertyName("defaultAction")]
    public string? DefaultAction { get; set; }

    [JsonPropertyName("defaultErrnoRet")]
    public uint? DefaultErrnoRet { get; set; }

    [JsonPropertyName("architectures")]
    public List<string>? Architectures { get; set; }

    /// <summary>SECCOMP_FILTER_FLAG_* names. Null and empty differ: runc adds SPEC_ALLOW only when null.</summary>
    [JsonPropertyName("flags")]
    public List<string>? Flags { get; set; }

    /// <summary>Unix socket that receives the notify fd when SCMP_ACT_NOTIFY is used.</summary>
    [JsonPropertyName("listenerPath")]
    public string? ListenerPath { get; set; }

    [JsonPropertyName("listenerMetadata")]
    public string? ListenerMetadata { get; set; }

    [JsonPropertyName("syscalls")]
    public List<LinuxSyscall>? Syscalls { get; set; }
}
