using Csrun.Runtime.Seccomp;
using Xunit;
using static Csrun.Tests.Seccomp.SeccompTestKit;

namespace Csrun.Tests.Seccomp;

public sealed class SeccompActionTests
{
    public static TheoryData<string, uint?, uint> RuleActions => new()
    {
        { "SCMP_ACT_ALLOW", null, Allow },
        { "SCMP_ACT_KILL", null, KillThread },
        { "SCMP_ACT_KILL_THREAD", null, KillThread },
        { "SCMP_ACT_KILL_PROCESS", null, KillProcess },
        { "SCMP_ACT_TRAP", null, Trap },
        { "SCMP_ACT_ERRNO", null, Errno(1) },
        { "SCMP_ACT_ERRNO", 13u, Errno(13) },
        { "SCMP_ACT_ERRNO", 0u, Errno(0) },
        { "SCMP_ACT_ERRNO", 0x12345u, Errno(0x2345) },   // SECCOMP_RET_DATA is 16 bits
        { "SCMP_ACT_TRACE", null, Trace(1) },
        { "SCMP_ACT_TRACE", 77u, Trace(77) },
        { "SCMP_ACT_LOG", null, Log },
        { "SCMP_ACT_NOTIFY", null, Notify },
    };

    [Theory]
    [MemberData(nameof(RuleActions))]
    public void RuleActionReturnValue(string action, uint? errno, uint expected)
    {
        // A default nothing above resolves to, so no rule is skipped as equal to it.
        var profile = Profile("SCMP_ACT_ERRNO", 99, Rule(action, errno, ["getpid"]));
        var filter = Compile(profile);
        Assert.Equal(Hex(expected), Hex(Run(filter, SeccompArch.X86_64, "getpid")));
        Assert.Equal(Hex(expected), Hex(Run(filter, SeccompArch.X86, "getpid")));
        // read's number is below getpid's, so the ENOSYS stub does not answer for it.
        Assert.Equal(Hex(Errno(99)), Hex(Run(filter, SeccompArch.X86_64, "read")));
    }

    public static TheoryData<string, uint?, uint> DefaultActions => new()
    {
        { "SCMP_ACT_ALLOW", null, Allow },
        { "SCMP_ACT_KILL", null, KillThread },
        { "SCMP_ACT_KILL_THREAD", null, KillThread },
        { "SCMP_ACT_KILL_PROCESS", null, KillProcess },
        { "SCMP_ACT_TRAP", null, Trap },
        { "SCMP_ACT_ERRNO", null, Errno(1) },
        { "SCMP_ACT_ERRNO", 38u, Errno(38) },
        { "SCMP_ACT_ERRNO", 95u, Errno(95) },
        { "SCMP_ACT_TRACE", null, Trace(1) },
        { "SCMP_ACT_TRACE", 5u, Trace(5) },
        { "SCMP_ACT_LOG", null, Log },
    };

    [Theory]
    [MemberData(nameof(DefaultActions))]
    public void DefaultActionReturnValue(string action, uint? errno, uint expected)
    {
        var profile = Profile(action, errno, Rule("SCMP_ACT_NOTIFY", "getpid"));
        profile.ListenerPath = "/run/listener.sock";
        var filter = Compile(profile);
        Assert.Equal(Hex(expected), Hex(Run(filter, SeccompArch.X86_64, "close")));
        Assert.Equal(Hex(expected), Hex(Run(filter, SeccompArch.X86_64, "read")));
        Assert.Equal(Hex(expected), Hex(Run(filter, SeccompArch.X86, "read")));
        Assert.Equal(Hex(Notify), Hex(Run(filter, SeccompArch.X86_64, "getpid")));
    }

    [Fact]
    public void NoRulesAtAll()
    {
        var filter = Compile(new Csrun.Runtime.Spec.LinuxSeccomp { DefaultAction = "SCMP_ACT_ERRNO", DefaultErrnoRet = 12 });
        Assert.Equal(Hex(Errno(12)), Hex(Run(filter, SeccompArch.X86_64, "read")));
        Assert.Equal(Hex(Errno(12)), Hex(RunNr(filter, SeccompArch.X86_64, 0x3fffffff)));
        // Only the native architecture is in the filter when none is listed.
        Assert.Equal(Hex(KillThread), Hex(Run(filter, SeccompArch.X86, "read")));
    }

    [Fact]
    public void UnvalidatedNamesStillGiveASpecError()
    {
        // The validator runs first; the compiler still names the field if handed a bad profile.
        var badDefault = Profile("SCMP_ACT_PANIC", null);
        var error = Assert.Throws<Csrun.Runtime.Spec.SpecException>(() => SeccompCompiler.Compile(badDefault, SeccompArch.X86_64));
        Assert.Equal("linux.seccomp.defaultAction", error.JsonPath);
        Assert.Equal("linux.seccomp.defaultAction: unknown action \"SCMP_ACT_PANIC\"", error.Message);

        var badOp = Profile("SCMP_ACT_ERRNO", null, Rule("SCMP_ACT_ALLOW", "read"),
            Rule("SCMP_ACT_ALLOW", null, ["write"], Arg(0, "SCMP_CMP_EQ", 1), Arg(1, "SCMP_CMP_SIMILAR", 1)));
        error = Assert.Throws<Csrun.Runtime.Spec.SpecException>(() => SeccompCompiler.Compile(badOp, SeccompArch.X86_64));
        Assert.Equal("linux.seccomp.syscalls[1].args[1].op", error.JsonPath);

        var badIndex = Profile("SCMP_ACT_ERRNO", null, Rule("SCMP_ACT_ALLOW", null, ["write"], Arg(6, "SCMP_CMP_EQ", 1)));
        error = Assert.Throws<Csrun.Runtime.Spec.SpecException>(() => SeccompCompiler.Compile(badIndex, SeccompArch.X86_64));
        Assert.Equal("linux.seccomp.syscalls[0].args[0].index", error.JsonPath);
    }
}
