using Csrun.Runtime.Seccomp;
using Csrun.Runtime.Spec;
using Xunit;
using static Csrun.Tests.Seccomp.SeccompTestKit;

namespace Csrun.Tests.Seccomp;

public sealed class SeccompFlagsTests
{
    private const uint Tsync = 1, LogFlag = 2, SpecAllow = 4, NewListener = 8, TsyncEsrch = 16, WaitKillableRecv = 32;

    private static LinuxSeccomp WithFlags(bool notify, params string[]? flags)
    {
        var profile = Profile("SCMP_ACT_ERRNO", null, Rule("SCMP_ACT_ALLOW", "read"));
        if (notify)
        {
            profile.Syscalls!.Add(Rule("SCMP_ACT_NOTIFY", "mount"));
            profile.ListenerPath = "/run/notify.sock";
        }
        profile.Flags = flags is null ? null : [.. flags];
        return profile;
    }

    [Theory]
    [InlineData(false, new string[0], 0u)]
    [InlineData(false, new[] { "SECCOMP_FILTER_FLAG_TSYNC" }, Tsync)]
    [InlineData(false, new[] { "SECCOMP_FILTER_FLAG_LOG" }, LogFlag)]
    [InlineData(false, new[] { "SECCOMP_FILTER_FLAG_SPEC_ALLOW" }, SpecAllow)]
    [InlineData(false, new[] { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" }, 0u)]
    [InlineData(false, new[] { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW" }, Tsync | LogFlag | SpecAllow)]
    [InlineData(true, new string[0], NewListener)]
    [InlineData(true, new[] { "SECCOMP_FILTER_FLAG_TSYNC" }, Tsync | NewListener | TsyncEsrch)]
    [InlineData(true, new[] { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" }, NewListener | WaitKillableRecv)]
    [InlineData(true, new[] { "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "SECCOMP_FILTER_FLAG_TSYNC" }, LogFlag | NewListener | WaitKillableRecv | Tsync | TsyncEsrch)]
    public void Flags(bool notify, string[] flags, uint expected)
    {
        CompiledFilter filter = Compile(WithFlags(notify, flags));
        Assert.Equal(expected, filter.Flags);
        Assert.Equal(notify, filter.NeedsListener);
    }

    [Fact]
    public void NullFlagsAddNothing() => Assert.Equal(0u, Compile(WithFlags(false, null)).Flags);

    [Fact]
    public void NotifyRuleThatNeverReachesTheFilterNeedsNoListener()
    {
        var profile = Profile("SCMP_ACT_ERRNO", null, Rule("SCMP_ACT_NOTIFY", "not_a_syscall"));
        profile.ListenerPath = "/run/notify.sock";
        CompiledFilter filter = Compile(profile);
        Assert.False(filter.NeedsListener);
        Assert.Equal(0u, filter.Flags);
    }

    [Fact]
    public void NotifyRuleIsInTheProgram()
    {
        CompiledFilter filter = Compile(WithFlags(true));
        Assert.Equal(Notify, Run(filter, SeccompArch.X86_64, "mount"));
        Assert.Equal(Notify, Run(filter, SeccompArch.X86, "mount"));
    }
}
