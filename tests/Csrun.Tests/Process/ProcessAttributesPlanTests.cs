using Csrun.Runtime.Linux;
using Csrun.Runtime.Process;
using Csrun.Runtime.Spec;
using Xunit;

namespace Csrun.Tests.Process;

/// <summary>The spec's names turned into the numbers the kernel takes (uapi headers).</summary>
public sealed class ProcessAttributesPlanTests
{
    [Fact]
    public void Nothing_Configured_Is_Empty()
    {
        var plan = ProcessAttributesPlan.From(new SpecProcess(), null, null);
        Assert.True(plan.IsEmpty);
        Assert.Null(plan.Scheduler);
        Assert.Null(plan.MemoryPolicyNodes);
    }

    [Fact]
    public void Scheduler_Becomes_A_Sched_Attr()
    {
        var process = new SpecProcess
        {
            Scheduler = new LinuxScheduler
            {
                Policy = "SCHED_DEADLINE", Flags = ["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_DL_OVERRUN"],
                Runtime = 10, Deadline = 20, Period = 30,
            },
        };
        SchedAttr attr = ProcessAttributesPlan.From(process, null, null).Scheduler!.Value;
        Assert.Equal(6u, attr.Policy);
        Assert.Equal(0x05ul, attr.Flags);
        Assert.Equal((10ul, 20ul, 30ul), (attr.Runtime, attr.Deadline, attr.Period));
        Assert.Equal((uint)SchedAttr.SizeVer1, attr.Size);

        process.Scheduler = new LinuxScheduler { Policy = "SCHED_BATCH", Nice = -5 };
        attr = ProcessAttributesPlan.From(process, null, null).Scheduler!.Value;
        Assert.Equal((3u, -5, 0ul), (attr.Policy, attr.Nice, attr.Flags));
    }

    [Fact]
    public unsafe void Sched_Attr_Has_The_Kernels_Ver1_Layout()
    {
        Assert.Equal(SchedAttr.SizeVer1, sizeof(SchedAttr));
        SchedAttr a = default;
        Assert.Equal(16, (int)((byte*)&a.Nice - (byte*)&a));
        Assert.Equal(24, (int)((byte*)&a.Runtime - (byte*)&a));
        Assert.Equal(48, (int)((byte*)&a.UtilMin - (byte*)&a));
    }

    [Theory]
    [InlineData("IOPRIO_CLASS_RT", 0, (1 << 13) | 0)]
    [InlineData("IOPRIO_CLASS_BE", 4, (2 << 13) | 4)]
    [InlineData("IOPRIO_CLASS_IDLE", 7, (3 << 13) | 7)]
    public void IOPriority_Is_Class_Shifted_By_13_Plus_Level(string ioClass, int level, int expected)
    {
        var process = new SpecProcess { IOPriority = new LinuxIOPriority { Class = ioClass, Priority = level } };
        Assert.Equal(expected, ProcessAttributesPlan.From(process, null, null).IOPriority);
    }

    [Theory]
    [InlineData("LINUX", 0u)]
    [InlineData("LINUX32", 8u)]
    public void Personality_Domains(string domain, uint expected) =>
        Assert.Equal(expected, ProcessAttributesPlan.From(null, new LinuxPersonality { Domain = domain }, null).Personality);

    [Fact]
    public void Memory_Policy_Mode_Carries_Its_Flags_And_The_Node_Mask()
    {
        var policy = new LinuxMemoryPolicy { Mode = "MPOL_INTERLEAVE", Nodes = "0-1,3", Flags = ["MPOL_F_STATIC_NODES"] };
        var plan = ProcessAttributesPlan.From(null, null, policy);
        Assert.Equal(3 | (1 << 15), plan.MemoryPolicyMode);
        Assert.Equal(new ulong[] { 0b1011 }, plan.MemoryPolicyNodes);

        plan = ProcessAttributesPlan.From(null, null, new LinuxMemoryPolicy { Mode = "MPOL_LOCAL" });
        Assert.Equal(4, plan.MemoryPolicyMode);
        Assert.Null(plan.MemoryPolicyNodes);
    }

    [Fact]
    public void Set_Mempolicy_Maxnode_Is_One_More_Than_The_Mask_Bits() =>
        Assert.Equal(129, ProcessAttributes.MaxNode(2));
}
