using Csrun.Runtime.Seccomp;
using Xunit;
using static Csrun.Tests.Seccomp.SeccompTestKit;

namespace Csrun.Tests.Seccomp;

/// <summary>How several rules for one syscall combine, and which rules drop out.</summary>
public sealed class SeccompRuleTests
{
    private const string Errno_ = "SCMP_ACT_ERRNO", Allow_ = "SCMP_ACT_ALLOW";

    [Fact]
    public void FirstMatchingConditionalRuleWins()
    {
        var filter = Compile(Profile(Errno_, null,
            Rule(Errno_, 11, ["personality"], Arg(0, "SCMP_CMP_GT", 10)),
            Rule(Allow_, null, ["personality"], Arg(0, "SCMP_CMP_GT", 5)),
            Rule("SCMP_ACT_TRAP", null, ["personality"], Arg(0, "SCMP_CMP_GE", 0))));
        foreach (SeccompArch arch in new[] { SeccompArch.X86_64, SeccompArch.X86 })
        {
            Assert.Equal(Errno(11), Run(filter, arch, "personality", 11));
            Assert.Equal(Allow, Run(filter, arch, "personality", 10));
            Assert.Equal(Allow, Run(filter, arch, "personality", 6));
            Assert.Equal(Trap, Run(filter, arch, "personality", 5));
            Assert.Equal(Trap, Run(filter, arch, "personality", 0));
        }
    }

    [Fact]
    public void NoConditionalMatchFallsToDefault()
    {
        var filter = Compile(Profile(Errno_, 3,
            Rule(Allow_, null, ["personality"], Arg(0, "SCMP_CMP_EQ", 8)),
            Rule(Allow_, null, ["personality"], Arg(0, "SCMP_CMP_EQ", 0xffffffff))));
        Assert.Equal(Allow, Run(filter, SeccompArch.X86_64, "personality", 8));
        Assert.Equal(Allow, Run(filter, SeccompArch.X86_64, "personality", 0xffffffff));
        Assert.Equal(Errno(3), Run(filter, SeccompArch.X86_64, "personality", 9));
        Assert.Equal(Errno(3), Run(filter, SeccompArch.X86_64, "personality", 0x1ffffffff));
    }

    [Fact]
    public void UnconditionalRuleSubsumesConditionalOnes()
    {
        // libseccomp: once a syscall has an unconditional rule its conditional rules are gone,
        // whichever comes first in the profile.
        var filter = Compile(Profile(Errno_, null,
            Rule("SCMP_ACT_TRAP", null, ["personality"], Arg(0, "SCMP_CMP_EQ", 1)),
            Rule("SCMP_ACT_LOG", "personality"),
            Rule(Allow_, "personality"),
            Rule("SCMP_ACT_KILL_PROCESS", null, ["personality"], Arg(0, "SCMP_CMP_EQ", 2))));
        Assert.Equal(Log, Run(filter, SeccompArch.X86_64, "personality", 1));
        Assert.Equal(Log, Run(filter, SeccompArch.X86_64, "personality", 2));
        Assert.Equal(Log, Run(filter, SeccompArch.X86_64, "personality", 3));
        Assert.Equal(Log, Run(filter, SeccompArch.X86, "personality", 1));
    }

    [Fact]
    public void RepeatedArgumentIndexSplitsTheRule()
    {
        // runc's old behaviour: arg0 == 1 AND arg0 == 2 would never match; it becomes
        // two rules, one per condition, so either value matches.
        var filter = Compile(Profile(Errno_, null,
            Rule(Allow_, null, ["personality"], Arg(0, "SCMP_CMP_EQ", 1), Arg(0, "SCMP_CMP_EQ", 2), Arg(1, "SCMP_CMP_EQ", 7))));
        Assert.Equal(Allow, Run(filter, SeccompArch.X86_64, "personality", 1, 0));
        Assert.Equal(Allow, Run(filter, SeccompArch.X86_64, "personality", 2, 0));
        Assert.Equal(Allow, Run(filter, SeccompArch.X86_64, "personality", 3, 7));
        Assert.Equal(Eperm, Run(filter, SeccompArch.X86_64, "personality", 3, 8));
    }

    [Fact]
    public void DistinctIndexesStayAnded()
    {
        var filter = Compile(Profile(Errno_, null,
            Rule(Allow_, null, ["personality"], Arg(0, "SCMP_CMP_EQ", 1), Arg(1, "SCMP_CMP_EQ", 7))));
        Assert.Equal(Allow, Run(filter, SeccompArch.X86_64, "personality", 1, 7));
        Assert.Equal(Eperm, Run(filter, SeccompArch.X86_64, "personality", 1, 0));
        Assert.Equal(Eperm, Run(filter, SeccompArch.X86_64, "personality", 0, 7));
    }

    [Fact]
    public void RuleEqualToDefaultIsSkipped()
    {
        // ERRNO without errnoRet is EPERM, which is what the default resolves to: runc drops
        // that rule, so the later conditional ALLOW is what decides personality.
        var filter = Compile(Profile(Errno_, 1,
            Rule(Errno_, "personality"),
            Rule(Allow_, null, ["personality"], Arg(0, "SCMP_CMP_EQ", 4))));
        Assert.Equal(Allow, Run(filter, SeccompArch.X86_64, "personality", 4));
        Assert.Equal(Eperm, Run(filter, SeccompArch.X86_64, "personality", 5));

        // With a different errno it is not the default and decides.
        filter = Compile(Profile(Errno_, 1,
            Rule(Errno_, 2, ["personality"]),
            Rule(Allow_, null, ["personality"], Arg(0, "SCMP_CMP_EQ", 4))));
        Assert.Equal(Errno(2), Run(filter, SeccompArch.X86_64, "personality", 4));
    }

    [Fact]
    public void UnknownNamesAreSkippedPerArchitecture()
    {
        // accept exists on x86_64 and x32 only, socketcall on x86 only; not_a_syscall nowhere.
        Assert.False(SyscallTable.TryGetNumber(SeccompArch.X86, "accept", out _));
        Assert.False(SyscallTable.TryGetNumber(SeccompArch.X86_64, "socketcall", out _));
        var filter = Compile(Profile(Errno_, null,
            Rule(Allow_, "not_a_syscall", "accept", "socketcall", "getpid")));
        Assert.Equal(Allow, Run(filter, SeccompArch.X86_64, "accept"));
        Assert.Equal(Allow, Run(filter, SeccompArch.X32, "accept"));
        Assert.Equal(Allow, Run(filter, SeccompArch.X86, "socketcall"));
        Assert.Equal(Allow, Run(filter, SeccompArch.X86, "getpid"));
        Assert.Equal(Allow, Run(filter, SeccompArch.X86_64, "getpid"));
    }

    [Fact]
    public void ConsecutiveNumbersWithTheSameVerdictShareALeaf()
    {
        // read, write, open, close are 0..3 on x86_64: one interval, so no longer than read alone.
        static Csrun.Runtime.Spec.LinuxSeccomp NativeOnly(params string[] names) =>
            new() { DefaultAction = Errno_, DefaultErrnoRet = 38, Syscalls = [Rule(Allow_, names)] };
        var four = Compile(NativeOnly("read", "write", "open", "close"));
        var one = Compile(NativeOnly("read"));
        Assert.Equal(one.Program.Length, four.Program.Length);
        for (uint nr = 0; nr < 4; nr++)
            Assert.Equal(Allow, RunNr(four, SeccompArch.X86_64, nr));
        Assert.Equal(Enosys, RunNr(four, SeccompArch.X86_64, 4));
    }
}
