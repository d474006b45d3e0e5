using Xunit;
using Csrun.Runtime.Spec;

namespace Csrun.Tests.Spec;

public sealed class SpecValidatorProcessTests : ValidatorTestBase
{
    [Fact]
    public void User_Required()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.User = new SpecUser { Uid = 1000, Gid = 1000, AdditionalGids = [10], Umask = 18 };
        AssertValid(spec);
        spec.Process.User = null;
        AssertInvalid(spec, "process.user", "required field is missing");
    }

    [Fact]
    public void Args_MustBeNonEmpty()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.Args = ["/bin/echo", "", "x"];
        AssertValid(spec);
        spec.Process.Args = [];
        AssertInvalid(spec, "process.args", "at least one entry");
        spec.Process.Args = null;
        AssertInvalid(spec, "process.args", "at least one entry");
    }

    [Fact]
    public void Args_FirstEntryMustNameAProgram()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.Args = ["", "x"];
        AssertInvalid(spec, "process.args[0]", "must not be empty");
    }

    [Fact]
    public void Args_MustNotContainNul()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.Args = ["sh", "a\0b"];
        AssertInvalid(spec, "process.args[1]", "NUL");
    }

    [Fact]
    public void Cwd_MustBeAbsoluteWhenSet()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.Cwd = "/home/user";
        AssertValid(spec);
        spec.Process.Cwd = null;
        AssertValid(spec);
        spec.Process.Cwd = "home/user";
        var ex = AssertInvalid(spec, "process.cwd");
        Assert.Equal("process.cwd: must be an absolute path, got \"home/user\"", ex.Message);
    }

    [Fact]
    public void Env_MustBeKeyValue()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.Env = ["A=1", "EMPTY=", "EQ=a=b"];
        AssertValid(spec);
        spec.Process.Env.Add("JUSTNAME");
        AssertInvalid(spec, "process.env[3]", "\"JUSTNAME\" is not of the form KEY=VALUE");
    }

    [Fact]
    public void Env_NameMustNotBeEmpty()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.Env = ["=value"];
        AssertInvalid(spec, "process.env[0]", "empty variable name");
    }

    [Fact]
    public void Rlimits_TypeMustBeKnown()
    {
        RuntimeSpec spec = Valid();
        foreach (string name in LinuxRlimitNames.All)
        {
            spec.Process!.Rlimits = [new PosixRlimit { Type = name, Soft = 1, Hard = 2 }];
            AssertValid(spec);
        }
        spec.Process!.Rlimits = [new PosixRlimit { Type = "RLIMIT_NOFILE", Soft = 1, Hard = 1 }, new PosixRlimit { Type = "RLIMIT_FOO", Soft = 1, Hard = 1 }];
        var ex = AssertInvalid(spec, "process.rlimits[1].type");
        Assert.Equal("process.rlimits[1].type: unknown rlimit \"RLIMIT_FOO\"", ex.Message);
    }

    [Fact]
    public void Rlimits_TypeIsCaseSensitive()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.Rlimits = [new PosixRlimit { Type = "rlimit_nofile", Soft = 1, Hard = 1 }];
        AssertInvalid(spec, "process.rlimits[0].type", "unknown rlimit");
    }

    [Fact]
    public void Rlimits_TypeRequired()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.Rlimits = [new PosixRlimit { Soft = 1, Hard = 1 }];
        AssertInvalid(spec, "process.rlimits[0].type", "required");
    }

    [Fact]
    public void Rlimits_NoDuplicates()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.Rlimits =
        [
            new PosixRlimit { Type = "RLIMIT_NOFILE", Soft = 1, Hard = 1 },
            new PosixRlimit { Type = "RLIMIT_CORE", Soft = 1, Hard = 1 },
        ];
        AssertValid(spec);
        spec.Process.Rlimits.Add(new PosixRlimit { Type = "RLIMIT_NOFILE", Soft = 2, Hard = 2 });
        AssertInvalid(spec, "process.rlimits[2].type", "duplicate rlimit \"RLIMIT_NOFILE\", already set by process.rlimits[0]");
    }

    [Fact]
    public void Rlimits_SoftAtMostHard()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.Rlimits = [new PosixRlimit { Type = "RLIMIT_NOFILE", Soft = 1024, Hard = 1024 }];
        AssertValid(spec);
        spec.Process.Rlimits[0].Soft = 2048;
        AssertInvalid(spec, "process.rlimits[0].soft", "soft limit 2048 is greater than hard limit 1024");
    }

    [Theory]
    [InlineData("bounding")]
    [InlineData("effective")]
    [InlineData("inheritable")]
    [InlineData("permitted")]
    [InlineData("ambient")]
    public void Capabilities_MustBeKnownNames(string set)
    {
        RuntimeSpec spec = Valid();
        List<string> names = [.. LinuxCapabilityNames.All];
        var caps = new LinuxCapabilities();
        spec.Process!.Capabilities = caps;
        switch (set)
        {
            case "bounding": caps.Bounding = names; break;
            case "effective": caps.Effective = names; break;
            case "inheritable": caps.Inheritable = names; break;
            case "permitted": caps.Permitted = names; break;
            case "ambient": caps.Ambient = names; break;
        }
        AssertValid(spec);
        names.Add("CAP_TEST");
        var ex = AssertInvalid(spec, $"process.capabilities.{set}[41]");
        Assert.Equal($"process.capabilities.{set}[41]: unknown capability \"CAP_TEST\"", ex.Message);
    }

    [Fact]
    public void Capabilities_WithoutPrefix_AreRejected()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.Capabilities!.Bounding = ["chown"];
        AssertInvalid(spec, "process.capabilities.bounding[0]", "unknown capability");
    }

    [Fact]
    public void OomScoreAdj_InKernelRange()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.OomScoreAdj = -1000;
        AssertValid(spec);
        spec.Process.OomScoreAdj = 1000;
        AssertValid(spec);
        spec.Process.OomScoreAdj = 1001;
        AssertInvalid(spec, "process.oomScoreAdj", "between -1000 and 1000, got 1001");
    }

    [Fact]
    public void Scheduler_PolicyRequiredAndKnown()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.Scheduler = new LinuxScheduler { Policy = "SCHED_BATCH", Nice = 5 };
        AssertValid(spec);
        spec.Process.Scheduler.Policy = null;
        AssertInvalid(spec, "process.scheduler.policy", "required");
        spec.Process.Scheduler.Policy = "SCHED_FAST";
        AssertInvalid(spec, "process.scheduler.policy", "unknown policy \"SCHED_FAST\"");
    }

    [Fact]
    public void Scheduler_FlagsKnown()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.Scheduler = new LinuxScheduler { Policy = "SCHED_OTHER", Flags = ["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_UTIL_CLAMP_MAX"] };
        AssertValid(spec);
        spec.Process.Scheduler.Flags.Add("SCHED_FLAG_BOGUS");
        AssertInvalid(spec, "process.scheduler.flags[2]", "unknown scheduler flag");
    }

    [Fact]
    public void Scheduler_NiceRangeForOtherAndBatch()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.Scheduler = new LinuxScheduler { Policy = "SCHED_OTHER", Nice = -20 };
        AssertValid(spec);
        spec.Process.Scheduler.Nice = 20;
        AssertInvalid(spec, "process.scheduler.nice", "between -20 and 19");
    }

    [Fact]
    public void Scheduler_PriorityOnlyForRealtime()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.Scheduler = new LinuxScheduler { Policy = "SCHED_FIFO", Priority = 50 };
        AssertValid(spec);
        spec.Process.Scheduler.Policy = "SCHED_OTHER";
        AssertInvalid(spec, "process.scheduler.priority", "SCHED_FIFO or SCHED_RR");
    }

    [Fact]
    public void Scheduler_DeadlineParametersOnlyForDeadline()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.Scheduler = new LinuxScheduler { Policy = "SCHED_DEADLINE", Runtime = 1, Deadline = 2, Period = 3 };
        AssertValid(spec);
        spec.Process.Scheduler.Policy = "SCHED_RR";
        AssertInvalid(spec, "process.scheduler", "only be set for SCHED_DEADLINE");
    }

    [Fact]
    public void Scheduler_RealtimePriorityBetween1And99()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.Scheduler = new LinuxScheduler { Policy = "SCHED_RR", Priority = 99 };
        AssertValid(spec);
        spec.Process.Scheduler.Priority = 100;
        AssertInvalid(spec, "process.scheduler.priority", "between 1 and 99 for SCHED_RR, got 100");
        spec.Process.Scheduler.Priority = 0;
        AssertInvalid(spec, "process.scheduler.priority", "between 1 and 99");
    }

    [Fact]
    public void Scheduler_DeadlineNeedsRuntimeUpToDeadlineUpToPeriod()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.Scheduler = new LinuxScheduler { Policy = "SCHED_DEADLINE", Runtime = 100000, Deadline = 100000 };
        AssertValid(spec);
        spec.Process.Scheduler.Runtime = 200000;
        AssertInvalid(spec, "process.scheduler.runtime", "must not exceed deadline (200000 > 100000)");
        spec.Process.Scheduler.Runtime = 1000;
        spec.Process.Scheduler.Period = 50000;
        AssertInvalid(spec, "process.scheduler.deadline", "must not exceed period");
        spec.Process.Scheduler = new LinuxScheduler { Policy = "SCHED_DEADLINE" };
        AssertInvalid(spec, "process.scheduler.deadline", "greater than 0");
    }

    [Fact]
    public void IOPriority_ClassKnown()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.IOPriority = new LinuxIOPriority { Class = "IOPRIO_CLASS_RT", Priority = 0 };
        AssertValid(spec);
        spec.Process.IOPriority.Class = "IOPRIO_CLASS_NONE";
        AssertInvalid(spec, "process.ioPriority.class", "unknown class");
        spec.Process.IOPriority.Class = null;
        AssertInvalid(spec, "process.ioPriority.class", "required");
    }

    [Fact]
    public void IOPriority_LevelZeroToSeven()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.IOPriority = new LinuxIOPriority { Class = "IOPRIO_CLASS_BE", Priority = 7 };
        AssertValid(spec);
        spec.Process.IOPriority.Priority = 8;
        AssertInvalid(spec, "process.ioPriority.priority", "between 0 and 7, got 8");
    }

    [Fact]
    public void ExecCpuAffinity_ListSyntax()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.ExecCpuAffinity = new LinuxCpuAffinity { Initial = "0-3, 7,", Final = "" };
        AssertValid(spec);
        spec.Process.ExecCpuAffinity.Final = "3-1";
        AssertInvalid(spec, "process.execCPUAffinity.final", "reversed");
        spec.Process.ExecCpuAffinity.Final = null;
        spec.Process.ExecCpuAffinity.Initial = "zero";
        AssertInvalid(spec, "process.execCPUAffinity.initial", "invalid list");
    }

    [Fact]
    public void ValidateProcess_UsesTheGivenPathPrefix()
    {
        var process = new SpecProcess { User = new SpecUser(), Args = ["ls"], Cwd = "/" };
        Assert.Empty(SpecValidator.ValidateProcess(process, ""));
        process.Cwd = "tmp";
        var ex = Assert.Throws<SpecException>(() => SpecValidator.ValidateProcess(process, ""));
        Assert.Equal("cwd", ex.JsonPath);
        ex = Assert.Throws<SpecException>(() => SpecValidator.ValidateProcess(process));
        Assert.Equal("process.cwd", ex.JsonPath);
    }
}
