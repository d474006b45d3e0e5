using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>One rule of linux.seccomp.syscalls.</summary>
public sealed class LinuxSyscall
{
    [JsonPropertyName("names")]
    public List<string>? Names { get; set; }

    [JsonPropertyName("action")]
    public string? Action { get; set; }

    /// <summary>Only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE.</summary>
    [JsonPropertyName("errnoRet")]
    public uint? ErrnoRet { get; set; }

    [JsonPropertyName("args")]
    public List<LinuxSeccompArg>? Args { get; set; }
}
