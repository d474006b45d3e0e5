namespace Csrun.Runtime.Spec;

/// <summary>linux.memoryPolicy's modes and flags and the numbers set_mempolicy(2) takes
/// (include/uapi/linux/mempolicy.h): the flags are or-ed into the mode argument.</summary>
public static class MemoryPolicyNames
{
    public static readonly IReadOnlyDictionary<string, int> Modes = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["MPOL_DEFAULT"] = 0, ["MPOL_PREFERRED"] = 1, ["MPOL_BIND"] = 2, ["MPOL_INTERLEAVE"] = 3,
        ["MPOL_LOCAL"] = 4, ["MPOL_PREFERRED_MANY"] = 5, ["MPOL_WEIGHTED_INTERLEAVE"] = 6,
    };

    public static readonly IReadOnlyDictionary<string, int> Flags = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["MPOL_F_NUMA_BALANCING"] = 1 << 13, ["MPOL_F_RELATIVE_NODES"] = 1 << 14, ["MPOL_F_STATIC_NODES"] = 1 << 15,
    };

    /// <summary>Modes whose node list must be empty, and those that need at least one node
    /// (runc's validator; MPOL_PREFERRED takes either: empty means "allocate locally").</summary>
    public static bool ForbidsNodes(string mode) => mode is "MPOL_DEFAULT" or "MPOL_LOCAL";

    public static bool NeedsNodes(string mode) =>
        mode is "MPOL_BIND" or "MPOL_INTERLEAVE" or "MPOL_WEIGHTED_INTERLEAVE" or "MPOL_PREFERRED_MANY";

    public static IReadOnlyList<string> SortedModes => Modes.Keys.Order(StringComparer.Ordinal).ToList();

    public static IReadOnlyList<string> SortedFlags => Flags.Keys.Order(StringComparer.Ordinal).ToList();
}
