using System.Text.Json.Serialization;

namespace Csrun.Runtime.Spec;

/// <summary>One entry of linux.resources.hugepageLimits.</summary>
public sealed class LinuxHugepageLimit
{
    /// <summary>"&lt;size&gt;&lt;unit&gt;B", e.g. "2MB" or "1GB".</summary>
    [JsonPropertyName("pageSize")]
    public string? PageSize { get; set; }

    [JsonPropertyName("limit")]
    public ulong Limit { get; set; }
}
