namespace Csrun.Runtime.Spec;

/// <summary>
/// CAP_* names known to csrun and their numbers (linux/capability.h), up to
/// CAP_CHECKPOINT_RESTORE. Whether the running kernel supports a number is a separate,
/// runtime question (/proc/sys/kernel/cap_last_cap).
/// </summary>
public static class LinuxCapabilityNames
{
    public const int LastKnown = 40;

    // Index = capability number, so the table doubles as number -> name.
    private static readonly string[] ByNumber =
    [
        "CAP_CHOWN",              // 0
        "CAP_DAC_OVERRIDE",
        "CAP_DAC_READ_SEARCH",
        "CAP_FOWNER",
        "CAP_FSETID",
        "CAP_KILL",               // 5
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETPCAP",
        "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE",   // 10
        "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN",
        "CAP_NET_RAW",
        "CAP_IPC_LOCK",
        "CAP_IPC_OWNER",          // 15
        "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO",
        "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT",          // 20
        "CAP_SYS_ADMIN",
        "CAP_SYS_BOOT",
        "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME",           // 25
        "CAP_SYS_TTY_CONFIG",
        "CAP_MKNOD",
        "CAP_LEASE",
        "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL",      // 30
        "CAP_SETFCAP",
        "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN",
        "CAP_SYSLOG",
        "CAP_WAKE_ALARM",         // 35
        "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ",
        "CAP_PERFMON",
        "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE", // 40
    ];

    private static readonly Dictionary<string, int> NumberByName = BuildIndex();

    /// <summary>All names in number order.</summary>
    public static IReadOnlyList<string> All => ByNumber;

    /// <summary>Name to number; names are case-sensitive, as in runc.</summary>
    public static IReadOnlyDictionary<string, int> Numbers => NumberByName;

    public static bool TryGetNumber(string? name, out int number)
    {
        if (name is null)
        {
            number = -1;
            return false;
        }
        return NumberByName.TryGetValue(name, out number);
    }

    /// <summary>The number for a name, or null when unknown (fits Func&lt;string, int?&gt;).</summary>
    public static int? Lookup(string name) => NumberByName.TryGetValue(name, out int n) ? n : null;

    public static string? NameOf(int number) =>
        number >= 0 && number < ByNumber.Length ? ByNumber[number] : null;

    private static Dictionary<string, int> BuildIndex()
    {
        var index = new Dictionary<string, int>(ByNumber.Length, StringComparer.Ordinal);
        for (int i = 0; i < ByNumber.Length; i++)
            index.Add(ByNumber[i], i);
        return index;
    }
}
