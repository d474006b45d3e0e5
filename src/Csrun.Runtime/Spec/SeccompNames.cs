namespace Csrun.Runtime.Spec;

/// <summary>The seccomp vocabulary runtime-spec v1.3.0 defines (libseccomp 2.6 names).</summary>
public static class SeccompNames
{
    public const string ActKill = "SCMP_ACT_KILL";
    public const string ActKillProcess = "SCMP_ACT_KILL_PROCESS";
    public const string ActKillThread = "SCMP_ACT_KILL_THREAD";
    public const string ActTrap = "SCMP_ACT_TRAP";
    public const string ActErrno = "SCMP_ACT_ERRNO";
    public const string ActTrace = "SCMP_ACT_TRACE";
    public const string ActAllow = "SCMP_ACT_ALLOW";
    public const string ActLog = "SCMP_ACT_LOG";
    public const string ActNotify = "SCMP_ACT_NOTIFY";

    public static readonly IReadOnlyList<string> Actions =
        [ActAllow, ActErrno, ActKill, ActKillProcess, ActKillThread, ActLog, ActNotify, ActTrace, ActTrap];

    public static readonly IReadOnlyList<string> Operators =
        ["SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"];

    public static readonly IReadOnlyList<string> Architectures =
    [
        "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
        "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
        "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
        "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64",
        "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
        "SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64",
    ];

    /// <summary>TSYNC is listed by the spec though csrun, like runc, always syncs threads anyway.</summary>
    public static readonly IReadOnlyList<string> Flags =
    [
        "SECCOMP_FILTER_FLAG_TSYNC",
        "SECCOMP_FILTER_FLAG_LOG",
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
    ];

    public static bool IsAction(string? name) => Contains(Actions, name);
    public static bool IsOperator(string? name) => Contains(Operators, name);
    public static bool IsArchitecture(string? name) => Contains(Architectures, name);
    public static bool IsFlag(string? name) => Contains(Flags, name);

    /// <summary>Only these actions carry an errno back to the caller.</summary>
    public static bool AcceptsErrno(string? action) => action is ActErrno or ActTrace;

    // The lists are tiny; a linear scan beats hashing and keeps the table declarative.
    private static bool Contains(IReadOnlyList<string> list, string? name)
    {
        if (name is null)
            return false;
        for (int i = 0; i < list.Count; i++)
            if (string.Equals(list[i], name, StringComparison.Ordinal))
                return true;
        return false;
    }
}
