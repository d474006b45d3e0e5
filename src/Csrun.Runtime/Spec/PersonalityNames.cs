namespace Csrun.Runtime.Spec;

/// <summary>linux.personality's domains and their personality(2) numbers
/// (include/uapi/linux/personality.h: PER_LINUX, PER_LINUX32).</summary>
public static class PersonalityNames
{
    public static readonly IReadOnlyDictionary<string, uint> Domains = new Dictionary<string, uint>(StringComparer.Ordinal)
    {
        ["LINUX"] = 0x0000, ["LINUX32"] = 0x0008,
    };
}
