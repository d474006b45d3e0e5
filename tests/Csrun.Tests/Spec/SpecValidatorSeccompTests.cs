using Xunit;
using Csrun.Runtime.Spec;

namespace Csrun.Tests.Spec;

public sealed class SpecValidatorSeccompTests : ValidatorTestBase
{
    private static RuntimeSpec WithSeccomp(LinuxSeccomp seccomp)
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.Seccomp = seccomp;
        return spec;
    }

    private static LinuxSeccomp Good() => new()
    {
        DefaultAction = "SCMP_ACT_ERRNO",
        DefaultErrnoRet = 1,
        Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        Flags = ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
        Syscalls =
        [
            new LinuxSyscall { Names = ["read", "write"], Action = "SCMP_ACT_ALLOW" },
            new LinuxSyscall
            {
                Names = ["personality"], Action = "SCMP_ACT_ALLOW",
                Args = [new LinuxSeccompArg { Index = 0, Value = 0xffffffff, Op = "SCMP_CMP_EQ" }],
            },
            new LinuxSyscall { Names = ["ptrace"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 38 },
        ],
    };

    [Fact]
    public void GoodProfile_IsValid() => AssertValid(WithSeccomp(Good()));

    [Fact]
    public void EmptySeccomp_MeansNoFilter()
    {
        AssertValid(WithSeccomp(new LinuxSeccomp()));
        AssertValid(WithSeccomp(new LinuxSeccomp { Architectures = ["SCMP_ARCH_X86_64"] }));
    }

    [Fact]
    public void DefaultAction_RequiredWhenRulesGiven()
    {
        LinuxSeccomp s = Good();
        s.DefaultAction = null;
        s.DefaultErrnoRet = null;
        AssertInvalid(WithSeccomp(s), "linux.seccomp.defaultAction", "required");
    }

    [Fact]
    public void DefaultAction_Known()
    {
        LinuxSeccomp s = Good();
        s.DefaultAction = "SCMP_ACT_PANIC";
        AssertInvalid(WithSeccomp(s), "linux.seccomp.defaultAction", "unknown action \"SCMP_ACT_PANIC\"");
    }

    [Fact]
    public void DefaultAction_NotNotify()
    {
        LinuxSeccomp s = Good();
        s.DefaultErrnoRet = null;
        s.DefaultAction = "SCMP_ACT_NOTIFY";
        s.ListenerPath = "/run/agent.sock";
        AssertInvalid(WithSeccomp(s), "linux.seccomp.defaultAction", "cannot be the default action");
    }

    [Fact]
    public void DefaultErrnoRet_OnlyWithErrnoOrTrace()
    {
        LinuxSeccomp s = Good();
        s.DefaultAction = "SCMP_ACT_TRACE";
        AssertValid(WithSeccomp(s));
        s.DefaultAction = "SCMP_ACT_KILL_PROCESS";
        AssertInvalid(WithSeccomp(s), "linux.seccomp.defaultErrnoRet", "only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
    }

    [Fact]
    public void Architectures_Known()
    {
        LinuxSeccomp s = Good();
        s.Architectures = [.. SeccompNames.Architectures];
        AssertValid(WithSeccomp(s));
        s.Architectures.Add("SCMP_ARCH_VAX");
        AssertInvalid(WithSeccomp(s), $"linux.seccomp.architectures[{SeccompNames.Architectures.Count}]", "unknown architecture");
    }

    [Fact]
    public void Flags_Known()
    {
        LinuxSeccomp s = Good();
        s.Flags = [.. SeccompNames.Flags];
        AssertValid(WithSeccomp(s));
        s.Flags = ["SECCOMP_FILTER_FLAG_NEW_LISTENER"];
        AssertInvalid(WithSeccomp(s), "linux.seccomp.flags[0]", "unknown seccomp flag");
    }

    [Fact]
    public void ListenerMetadata_NeedsListenerPath()
    {
        LinuxSeccomp s = Good();
        s.ListenerMetadata = "meta";
        AssertInvalid(WithSeccomp(s), "linux.seccomp.listenerMetadata", "without listenerPath");
        s.ListenerPath = "/run/agent.sock";
        AssertValid(WithSeccomp(s));
    }

    [Fact]
    public void NotifyRule_NeedsListenerPath()
    {
        LinuxSeccomp s = Good();
        s.Syscalls!.Add(new LinuxSyscall { Names = ["mkdir"], Action = "SCMP_ACT_NOTIFY" });
        AssertInvalid(WithSeccomp(s), "linux.seccomp.listenerPath", "required when a rule uses SCMP_ACT_NOTIFY");
        s.ListenerPath = "/run/agent.sock";
        AssertValid(WithSeccomp(s));
    }

    [Fact]
    public void NotifyRule_NotForWrite()
    {
        LinuxSeccomp s = Good();
        s.ListenerPath = "/run/agent.sock";
        s.Syscalls!.Add(new LinuxSyscall { Names = ["mkdir", "write"], Action = "SCMP_ACT_NOTIFY" });
        AssertInvalid(WithSeccomp(s), "linux.seccomp.syscalls[3].names[1]", "cannot be used for the write syscall");
    }

    [Fact]
    public void SyscallNames_AtLeastOne()
    {
        LinuxSeccomp s = Good();
        s.Syscalls![0].Names = [];
        AssertInvalid(WithSeccomp(s), "linux.seccomp.syscalls[0].names", "at least one syscall name");
        s.Syscalls[0].Names = ["read", ""];
        AssertInvalid(WithSeccomp(s), "linux.seccomp.syscalls[0].names[1]", "must not be empty");
    }

    [Fact]
    public void SyscallAction_RequiredAndKnown()
    {
        LinuxSeccomp s = Good();
        s.Syscalls![1].Action = "ALLOW";
        AssertInvalid(WithSeccomp(s), "linux.seccomp.syscalls[1].action", "unknown action \"ALLOW\"");
        s.Syscalls[1].Action = null;
        AssertInvalid(WithSeccomp(s), "linux.seccomp.syscalls[1].action", "required");
    }

    [Fact]
    public void SyscallErrnoRet_OnlyWithErrnoOrTrace()
    {
        LinuxSeccomp s = Good();
        s.Syscalls![0].ErrnoRet = 1;
        AssertInvalid(WithSeccomp(s), "linux.seccomp.syscalls[0].errnoRet", "not SCMP_ACT_ALLOW");
    }

    [Fact]
    public void SyscallArgs_IndexBelowSix()
    {
        LinuxSeccomp s = Good();
        s.Syscalls![1].Args![0].Index = 5;
        AssertValid(WithSeccomp(s));
        s.Syscalls[1].Args![0].Index = 6;
        AssertInvalid(WithSeccomp(s), "linux.seccomp.syscalls[1].args[0].index", "between 0 and 5, got 6");
    }

    [Fact]
    public void SyscallArgs_OperatorKnown()
    {
        LinuxSeccomp s = Good();
        foreach (string op in SeccompNames.Operators)
        {
            s.Syscalls![1].Args![0].Op = op;
            AssertValid(WithSeccomp(s));
        }
        s.Syscalls![1].Args![0].Op = "SCMP_CMP_LIKE";
        AssertInvalid(WithSeccomp(s), "linux.seccomp.syscalls[1].args[0].op", "unknown operator");
        s.Syscalls[1].Args![0].Op = null;
        AssertInvalid(WithSeccomp(s), "linux.seccomp.syscalls[1].args[0].op", "required");
    }
}
