using Csrun.Runtime.Seccomp;
using Csrun.Runtime.Spec;
using Xunit;
using static Csrun.Tests.Seccomp.SeccompTestKit;

namespace Csrun.Tests.Seccomp;

/// <summary>runc's patchbpf stub: syscalls newer than every name in the profile get ENOSYS.</summary>
public sealed class SeccompEnosysStubTests
{
    private static LinuxSeccomp WithDefault(string action, uint? errno) =>
        Profile(action, errno,
            Rule("SCMP_ACT_ALLOW", "read", "write", "clone"),
            Rule("SCMP_ACT_ALLOW", null, ["personality"], Arg(0, "SCMP_CMP_EQ", 0)));

    [Theory]
    [InlineData("SCMP_ACT_ERRNO", null)]
    [InlineData("SCMP_ACT_ERRNO", 1u)]
    [InlineData("SCMP_ACT_ERRNO", 95u)]
    [InlineData("SCMP_ACT_KILL", null)]
    [InlineData("SCMP_ACT_KILL_PROCESS", null)]
    [InlineData("SCMP_ACT_TRAP", null)]
    public void NewerSyscallsGetEnosys(string action, uint? errno)
    {
        SeccompAction.TryGetReturnValue(action, errno, out uint defaultReturn);
        var filter = Compile(WithDefault(action, errno));

        // personality is the largest named number on each arch (135 on x86_64, 136 on x86).
        uint max64 = Nr(SeccompArch.X86_64, "personality");
        Assert.Equal(Allow, Run(filter, SeccompArch.X86_64, "personality", 0));
        Assert.Equal(defaultReturn, Run(filter, SeccompArch.X86_64, "personality", 1));
        Assert.Equal(defaultReturn, RunNr(filter, SeccompArch.X86_64, max64 - 1));
        Assert.Equal(Enosys, RunNr(filter, SeccompArch.X86_64, max64 + 1));
        Assert.Equal(Enosys, Run(filter, SeccompArch.X86_64, "clone3"));
        Assert.Equal(Enosys, RunNr(filter, SeccompArch.X86_64, X32Bit - 1));

        uint max32 = Nr(SeccompArch.X86, "personality");
        Assert.Equal(defaultReturn, RunNr(filter, SeccompArch.X86, max32 - 1));
        Assert.Equal(Enosys, RunNr(filter, SeccompArch.X86, max32 + 1));
        Assert.Equal(Enosys, RunNr(filter, SeccompArch.X86, 0xffffffff));

        // x32 compares the number with bit 30 set.
        uint maxX32 = Nr(SeccompArch.X32, "personality");
        Assert.Equal(X32Bit | 135, maxX32);
        Assert.Equal(defaultReturn, RunNr(filter, SeccompArch.X32, maxX32 - 1));
        Assert.Equal(Enosys, RunNr(filter, SeccompArch.X32, maxX32 + 1));
        Assert.Equal(Enosys, Run(filter, SeccompArch.X32, "clone3"));
    }

    [Theory]
    [InlineData("SCMP_ACT_ALLOW", null)]
    [InlineData("SCMP_ACT_LOG", null)]
    [InlineData("SCMP_ACT_TRACE", null)]
    [InlineData("SCMP_ACT_TRACE", 38u)]
    [InlineData("SCMP_ACT_ERRNO", 38u)]
    public void NoStubWhenTheDefaultAlreadyFits(string action, uint? errno)
    {
        SeccompAction.TryGetReturnValue(action, errno, out uint defaultReturn);
        var profile = WithDefault(action, errno);
        // Something that differs from every default above, so the rules are not skipped.
        profile.Syscalls!.Add(Rule("SCMP_ACT_KILL_PROCESS", "getpid"));
        var filter = Compile(profile);
        Assert.Equal(defaultReturn, Run(filter, SeccompArch.X86_64, "clone3"));
        Assert.Equal(defaultReturn, RunNr(filter, SeccompArch.X86_64, 1000));
        Assert.Equal(defaultReturn, RunNr(filter, SeccompArch.X86, 1000));
        Assert.Equal(defaultReturn, RunNr(filter, SeccompArch.X32, X32Bit | 1000));
        Assert.Equal(KillProcess, Run(filter, SeccompArch.X86_64, "getpid"));
    }

    [Fact]
    public void SkippedRulesStillRaiseTheBound()
    {
        // The clone3 rule repeats the default and is dropped, but runc's stub counts every
        // name of the profile: clone3 and below get the default, not ENOSYS.
        var filter = Compile(Profile("SCMP_ACT_ERRNO", null,
            Rule("SCMP_ACT_ALLOW", "read"),
            Rule("SCMP_ACT_ERRNO", "clone3")));
        Assert.Equal(Eperm, Run(filter, SeccompArch.X86_64, "clone3"));
        Assert.Equal(Eperm, RunNr(filter, SeccompArch.X86_64, 300));
        Assert.Equal(Enosys, RunNr(filter, SeccompArch.X86_64, Nr(SeccompArch.X86_64, "clone3") + 1));
    }

    [Fact]
    public void BoundIsPerArchitecture()
    {
        // socketcall is x86-only and large there; x86_64's bound stays at read.
        var filter = Compile(Profile("SCMP_ACT_ERRNO", null,
            Rule("SCMP_ACT_ALLOW", "read", "socketcall")));
        Assert.Equal(Enosys, Run(filter, SeccompArch.X86_64, "write"));
        Assert.Equal(Eperm, Run(filter, SeccompArch.X86, "write"));
        Assert.Equal(Enosys, RunNr(filter, SeccompArch.X86, Nr(SeccompArch.X86, "socketcall") + 1));
    }

    [Fact]
    public void NoStubForAnArchitectureWithoutNames()
    {
        // No name of the profile exists on x86: its section answers the default for everything.
        var filter = Compile(Profile("SCMP_ACT_ERRNO", null, Rule("SCMP_ACT_ALLOW", "accept")));
        Assert.Equal(Eperm, RunNr(filter, SeccompArch.X86, 5000));
        Assert.Equal(Eperm, RunNr(filter, SeccompArch.X86, 0));
        Assert.Equal(Allow, Run(filter, SeccompArch.X86_64, "accept"));
        Assert.Equal(Enosys, RunNr(filter, SeccompArch.X86_64, Nr(SeccompArch.X86_64, "accept") + 1));
    }
}
