using Xunit;
using Csrun.Runtime.Seccomp;

namespace Csrun.Tests.Seccomp;

/// <summary>
/// The expected numbers are the architectures' published ABIs (syscall(2) tables, man pages),
/// not read back from the generated file, so a generator that mis-evaluates or mis-selects
/// macros fails here.
/// </summary>
public sealed class SyscallTableTests
{
    private const int X32 = 0x40000000;

    [Theory]
    [InlineData(SeccompArch.X86_64, "read", 0)]
    [InlineData(SeccompArch.X86_64, "write", 1)]
    [InlineData(SeccompArch.X86_64, "open", 2)]
    [InlineData(SeccompArch.X86_64, "socket", 41)]
    [InlineData(SeccompArch.X86_64, "clone", 56)]
    [InlineData(SeccompArch.X86_64, "execve", 59)]
    [InlineData(SeccompArch.X86_64, "personality", 135)]
    [InlineData(SeccompArch.X86_64, "_sysctl", 156)]
    [InlineData(SeccompArch.X86_64, "unshare", 272)]
    [InlineData(SeccompArch.X86_64, "seccomp", 317)]
    [InlineData(SeccompArch.X86_64, "clone3", 435)]
    [InlineData(SeccompArch.X86, "read", 3)]
    [InlineData(SeccompArch.X86, "open", 5)]
    [InlineData(SeccompArch.X86, "socketcall", 102)]
    [InlineData(SeccompArch.X86, "clone", 120)]
    [InlineData(SeccompArch.X86, "_llseek", 140)]
    [InlineData(SeccompArch.X86, "_newselect", 142)]
    [InlineData(SeccompArch.X86, "mmap2", 192)]
    [InlineData(SeccompArch.X86, "socket", 359)]
    [InlineData(SeccompArch.X86, "clone3", 435)]
    [InlineData(SeccompArch.X32, "read", X32 + 0)]
    [InlineData(SeccompArch.X32, "write", X32 + 1)]
    [InlineData(SeccompArch.X32, "openat", X32 + 257)]
    [InlineData(SeccompArch.X32, "clone3", X32 + 435)]
    [InlineData(SeccompArch.X32, "rt_sigaction", X32 + 512)]
    [InlineData(SeccompArch.X32, "ioctl", X32 + 514)]
    [InlineData(SeccompArch.X32, "execve", X32 + 520)]
    [InlineData(SeccompArch.Aarch64, "renameat", 38)]
    [InlineData(SeccompArch.Aarch64, "openat", 56)]
    [InlineData(SeccompArch.Aarch64, "lseek", 62)]
    [InlineData(SeccompArch.Aarch64, "read", 63)]
    [InlineData(SeccompArch.Aarch64, "newfstatat", 79)]
    [InlineData(SeccompArch.Aarch64, "fstat", 80)]
    [InlineData(SeccompArch.Aarch64, "clone", 220)]
    [InlineData(SeccompArch.Aarch64, "execve", 221)]
    [InlineData(SeccompArch.Aarch64, "mmap", 222)]
    [InlineData(SeccompArch.Aarch64, "fadvise64", 223)]
    [InlineData(SeccompArch.Aarch64, "clone3", 435)]
    [InlineData(SeccompArch.Arm, "fork", 2)]
    [InlineData(SeccompArch.Arm, "read", 3)]
    [InlineData(SeccompArch.Arm, "open", 5)]
    [InlineData(SeccompArch.Arm, "clone", 120)]
    [InlineData(SeccompArch.Arm, "ugetrlimit", 191)]
    [InlineData(SeccompArch.Arm, "mmap2", 192)]
    [InlineData(SeccompArch.Arm, "arm_fadvise64_64", 270)]
    [InlineData(SeccompArch.Arm, "socket", 281)]
    [InlineData(SeccompArch.Arm, "arm_sync_file_range", 341)]
    [InlineData(SeccompArch.Arm, "sync_file_range2", 341)]
    [InlineData(SeccompArch.Arm, "clone3", 435)]
    [InlineData(SeccompArch.Arm, "breakpoint", 0xf0001)]
    [InlineData(SeccompArch.Arm, "cacheflush", 0xf0002)]
    [InlineData(SeccompArch.Arm, "usr26", 0xf0003)]
    [InlineData(SeccompArch.Arm, "usr32", 0xf0004)]
    [InlineData(SeccompArch.Arm, "set_tls", 0xf0005)]
    [InlineData(SeccompArch.Arm, "get_tls", 0xf0006)]
    [InlineData(SeccompArch.Riscv64, "openat", 56)]
    [InlineData(SeccompArch.Riscv64, "read", 63)]
    [InlineData(SeccompArch.Riscv64, "fstat", 80)]
    [InlineData(SeccompArch.Riscv64, "clone", 220)]
    [InlineData(SeccompArch.Riscv64, "mmap", 222)]
    [InlineData(SeccompArch.Riscv64, "riscv_flush_icache", 259)]
    [InlineData(SeccompArch.Riscv64, "clone3", 435)]
    public void KnownSyscall_HasItsAbiNumber(SeccompArch arch, string name, int expected)
    {
        Assert.True(SyscallTable.TryGetNumber(arch, name, out int number), $"{arch} has no {name}");
        Assert.Equal(expected, number);
    }

    // Calls an architecture's ABI never had, or that its 64-bit (or EABI) numbering leaves out:
    // a profile naming them must be skipped for that architecture, not given some number.
    [Theory]
    [InlineData(SeccompArch.X86_64, "socketcall")]
    [InlineData(SeccompArch.X86_64, "mmap2")]
    [InlineData(SeccompArch.X86_64, "_llseek")]
    [InlineData(SeccompArch.X86_64, "breakpoint")]
    [InlineData(SeccompArch.X86, "newfstatat")]
    [InlineData(SeccompArch.X32, "_sysctl")]
    [InlineData(SeccompArch.X32, "socketcall")]
    [InlineData(SeccompArch.Aarch64, "open")]
    [InlineData(SeccompArch.Aarch64, "stat")]
    [InlineData(SeccompArch.Aarch64, "fork")]
    [InlineData(SeccompArch.Aarch64, "mmap2")]
    [InlineData(SeccompArch.Aarch64, "fcntl64")]
    [InlineData(SeccompArch.Arm, "socketcall")]
    [InlineData(SeccompArch.Arm, "time")]
    [InlineData(SeccompArch.Arm, "getrlimit")]
    [InlineData(SeccompArch.Riscv64, "open")]
    [InlineData(SeccompArch.Riscv64, "renameat")]
    [InlineData(SeccompArch.Riscv64, "stat")]
    public void SyscallMissingFromTheAbi_IsNotFound(SeccompArch arch, string name)
    {
        Assert.False(SyscallTable.TryGetNumber(arch, name, out _));
        Assert.False(SyscallTable.For(arch).ContainsKey(name));
    }

    public static TheoryData<SeccompArch> AllArches() => new(Enum.GetValues<SeccompArch>());

    [Theory]
    [MemberData(nameof(AllArches))]
    public void NamesThatAreNoSyscall_AreNotFound(SeccompArch arch)
    {
        foreach (var name in new[] { "", "no_such_syscall", "READ", " read", "__NR_read",
                     "syscalls", "arch_specific_syscall", "SYSCALL_BASE", "ARM_NR_BASE", "3264_fcntl" })
            Assert.False(SyscallTable.TryGetNumber(arch, name, out _), $"{arch}: \"{name}\" found");
    }

    [Theory]
    [MemberData(nameof(AllArches))]
    public void EveryArchitecture_HasAFullTable(SeccompArch arch)
    {
        var table = SyscallTable.For(arch);
        // Every kernel ABI here has well over 250 calls; far fewer means the headers were misread.
        Assert.True(table.Count > 250, $"{arch}: only {table.Count} syscalls");
        Assert.True(SyscallTable.TryGetNumber(arch, "exit_group", out _));
        Assert.True(SyscallTable.TryGetNumber(arch, "clone3", out _));
        Assert.Same(table, SyscallTable.For(arch));
    }

    // Two names on one number mean a parse bug unless the kernel itself defines an alias; the
    // one alias in these headers is arm's sync_file_range2, #defined as __NR_arm_sync_file_range.
    [Theory]
    [MemberData(nameof(AllArches))]
    public void NumbersAreUnique_ExceptKernelAliases(SeccompArch arch)
    {
        var shared = SyscallTable.For(arch)
            .GroupBy(e => e.Value)
            .Where(g => g.Count() > 1)
            .Select(g => string.Join(",", g.Select(e => e.Key).Order(StringComparer.Ordinal)))
            .Order(StringComparer.Ordinal)
            .ToArray();
        string[] expected = arch == SeccompArch.Arm ? ["arm_sync_file_range,sync_file_range2"] : [];
        Assert.Equal(expected, shared);
    }

    [Theory]
    [MemberData(nameof(AllArches))]
    public void NumbersAreInTheArchitecturesRange(SeccompArch arch)
    {
        foreach (var (name, number) in SyscallTable.For(arch))
        {
            if (arch == SeccompArch.X32)
            {
                // Without the bit the number would be an x86_64 call on the same AUDIT_ARCH.
                Assert.True(((uint)number & SeccompArchitectures.X32SyscallBit) != 0, $"x32 {name} = {number:x}");
                Assert.InRange(number & ~X32, 0, 1023);
            }
            else if (arch == SeccompArch.Arm && number >= 0xf0000)
            {
                Assert.Contains(name, new[] { "breakpoint", "cacheflush", "usr26", "usr32", "set_tls", "get_tls" });
                Assert.InRange(number, 0xf0001, 0xf0006);
            }
            else
            {
                Assert.InRange(number, 0, 1023);
            }
        }
    }
}
