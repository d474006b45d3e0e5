namespace Csrun.Runtime.Seccomp;

/// <summary>
/// Syscall name -> number per architecture, from the kernel's headers. The data is generated
/// (SyscallTable.Generated.cs, by src/Csrun.Runtime/Seccomp/gen-syscall-tables.sh); this file
/// is the lookup.
/// </summary>
public static partial class SyscallTable
{
    private static readonly Dictionary<string, int>?[] Tables = new Dictionary<string, int>?[Enum.GetValues<SeccompArch>().Length];

    /// <summary>False when the architecture has no syscall of that name (runc skips those).</summary>
    public static bool TryGetNumber(SeccompArch arch, string name, out int number) =>
        For(arch).TryGetValue(name, out number);

    public static IReadOnlyDictionary<string, int> For(SeccompArch arch)
    {
        var table = Tables[(int)arch];
        if (table is null)
        {
            var entries = Entries(arch);
            table = new Dictionary<string, int>(entries.Length, StringComparer.Ordinal);
            foreach (var (name, number) in entries)
                table.TryAdd(name, number);
            Tables[(int)arch] = table;
        }
        return table;
    }

    /// <summary>Generated: every (name, number) of the architecture.</summary>
    private static partial (string Name, int Number)[] Entries(SeccompArch arch);
}
