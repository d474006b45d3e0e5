namespace Csrun.Runtime.Spec;

/// <summary>
/// RLIMIT_* names and their resource numbers for the generic Linux ABI (x86, arm, riscv, ...).
/// MIPS, SPARC and Alpha number a few differently; csrun does not target them.
/// </summary>
public static class LinuxRlimitNames
{
    private static readonly string[] ByNumber =
    [
        "RLIMIT_CPU",        // 0
        "RLIMIT_FSIZE",
        "RLIMIT_DATA",
        "RLIMIT_STACK",
        "RLIMIT_CORE",
        "RLIMIT_RSS",        // 5
        "RLIMIT_NPROC",
        "RLIMIT_NOFILE",
        "RLIMIT_MEMLOCK",
        "RLIMIT_AS",
        "RLIMIT_LOCKS",      // 10
        "RLIMIT_SIGPENDING",
        "RLIMIT_MSGQUEUE",
        "RLIMIT_NICE",
        "RLIMIT_RTPRIO",
        "RLIMIT_RTTIME",     // 15
    ];

    private static readonly Dictionary<string, int> NumberByName = BuildIndex();

    public static IReadOnlyList<string> All => ByNumber;

    public static IReadOnlyDictionary<string, int> Numbers => NumberByName;

    public static bool TryGetResource(string? name, out int resource)
    {
        if (name is null)
        {
            resource = -1;
            return false;
        }
        return NumberByName.TryGetValue(name, out resource);
    }

    /// <summary>The resource number for a name, or null when unknown.</summary>
    public static int? Lookup(string name) => NumberByName.TryGetValue(name, out int n) ? n : null;

    private static Dictionary<string, int> BuildIndex()
    {
        var index = new Dictionary<string, int>(ByNumber.Length, StringComparer.Ordinal);
        for (int i = 0; i < ByNumber.Length; i++)
            index.Add(ByNumber[i], i);
        return index;
    }
}
