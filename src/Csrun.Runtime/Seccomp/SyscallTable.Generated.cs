// Seed only: replaced by the output of tools/gen-syscall-tables.sh.
namespace Csrun.Runtime.Seccomp;

public static partial class SyscallTable
{
    private static partial (string Name, int Number)[] Entries(SeccompArch arch) => arch switch
    {
        SeccompArch.X86_64 => [("read", 0), ("write", 1), ("open", 2), ("close", 3), ("getpid", 39), ("socket", 41), ("clone", 56), ("personality", 135), ("unshare", 272), ("clone3", 435)],
        _ => [],
    };
}
