using Csrun.Runtime.Seccomp;
using Csrun.Runtime.Spec;
using Xunit;
using static Csrun.Tests.Seccomp.SeccompTestKit;

namespace Csrun.Tests.Seccomp;

/// <summary>Which architectures get a section, and what the others get.</summary>
public sealed class SeccompArchitectureTests
{
    private static LinuxSeccomp AllowGetpid(params string[] architectures) => new()
    {
        DefaultAction = "SCMP_ACT_ERRNO",
        DefaultErrnoRet = 38,   // no ENOSYS stub: the default answers for every other number
        Architectures = [.. architectures],
        Syscalls = [Rule("SCMP_ACT_ALLOW", "getpid")],
    };

    [Fact]
    public void UnlistedArchitectureIsKilled()
    {
        var filter = Compile(AllowGetpid("SCMP_ARCH_X86_64"));
        Assert.Equal(Allow, Run(filter, SeccompArch.X86_64, "getpid"));
        Assert.Equal(KillThread, Run(filter, SeccompArch.X86, "getpid"));
        Assert.Equal(KillThread, Run(filter, SeccompArch.Aarch64, "getpid"));
        Assert.Equal(KillThread, BpfInterpreter.Run(filter.Program, 0x12345678, 39));
    }

    [Fact]
    public void NativeIsAlwaysIncluded()
    {
        var filter = Compile(AllowGetpid("SCMP_ARCH_X86"), SeccompArch.Aarch64);
        Assert.Equal(Allow, Run(filter, SeccompArch.Aarch64, "getpid"));
        Assert.Equal(Allow, Run(filter, SeccompArch.X86, "getpid"));
        Assert.Equal(KillThread, Run(filter, SeccompArch.X86_64, "getpid"));
        Assert.Equal(KillThread, Run(filter, SeccompArch.Arm, "getpid"));
    }

    [Fact]
    public void ArchitecturesWithoutTablesAreIgnored()
    {
        var filter = Compile(AllowGetpid("SCMP_ARCH_MIPS", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390X", "SCMP_ARCH_X86_64"));
        var plain = Compile(AllowGetpid("SCMP_ARCH_X86_64"));
        Assert.Equal(plain.Program, filter.Program);
    }

    [Fact]
    public void EveryArchitectureWithATable()
    {
        var filter = Compile(AllowGetpid("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
            "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_RISCV64"));
        foreach (SeccompArch arch in Enum.GetValues<SeccompArch>())
        {
            Assert.Equal(Allow, Run(filter, arch, "getpid"));
            Assert.Equal(Enosys, Run(filter, arch, "getppid"));
        }
    }

    [Fact]
    public void X32NumbersAreABadArchitectureUnlessX32IsListed()
    {
        var filter = Compile(AllowGetpid("SCMP_ARCH_X86_64"));
        Assert.Equal(Allow, Run(filter, SeccompArch.X86_64, "getpid"));
        Assert.Equal(KillThread, Run(filter, SeccompArch.X32, "getpid"));
        Assert.Equal(KillThread, RunNr(filter, SeccompArch.X86_64, X32Bit));
        Assert.Equal(KillThread, RunNr(filter, SeccompArch.X86_64, 0xffffffff));
        Assert.Equal(Enosys, RunNr(filter, SeccompArch.X86_64, X32Bit - 1));
    }

    [Fact]
    public void X32Listed()
    {
        var filter = Compile(AllowGetpid("SCMP_ARCH_X86_64", "SCMP_ARCH_X32"));
        Assert.Equal(Allow, Run(filter, SeccompArch.X86_64, "getpid"));
        Assert.Equal(Allow, Run(filter, SeccompArch.X32, "getpid"));
        Assert.Equal(X32Bit | 39, Nr(SeccompArch.X32, "getpid"));
        Assert.Equal(Enosys, Run(filter, SeccompArch.X32, "getppid"));
        Assert.Equal(Enosys, RunNr(filter, SeccompArch.X86_64, X32Bit));
        // x32 rules only see numbers with the bit: 39 without it is x86_64's getpid.
        Assert.Equal(Allow, RunNr(filter, SeccompArch.X86_64, 39));
    }

    [Fact]
    public void X32WithoutX86_64()
    {
        // Only possible when csrun itself is not x86_64: the x86_64 numbers are then foreign.
        var filter = Compile(AllowGetpid("SCMP_ARCH_X32"), SeccompArch.Aarch64);
        Assert.Equal(Allow, Run(filter, SeccompArch.X32, "getpid"));
        Assert.Equal(KillThread, Run(filter, SeccompArch.X86_64, "getpid"));
        Assert.Equal(Allow, Run(filter, SeccompArch.Aarch64, "getpid"));
    }

    [Fact]
    public void X32RulesAreSeparateFromX86_64Rules()
    {
        var profile = AllowGetpid("SCMP_ARCH_X86_64", "SCMP_ARCH_X32");
        // _sysctl exists on x86_64 only; x32's number table has no such entry.
        profile.Syscalls!.Add(Rule("SCMP_ACT_TRAP", "_sysctl"));
        var filter = Compile(profile);
        Assert.Equal(Trap, Run(filter, SeccompArch.X86_64, "_sysctl"));
        Assert.Equal(Errno(38), RunNr(filter, SeccompArch.X32, X32Bit | Nr(SeccompArch.X86_64, "_sysctl")));
    }
}
