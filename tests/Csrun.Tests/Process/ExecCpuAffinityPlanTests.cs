using Csrun.Runtime.Linux;
using Csrun.Runtime.Process;
using Csrun.Runtime.Spec;
using Xunit;

namespace Csrun.Tests.Process;

/// <summary>runc's execCPUAffinity semantics: initial before the cgroup, final before execve,
/// a reset to every CPU when neither is given.</summary>
public sealed class ExecCpuAffinityPlanTests
{
    [Fact]
    public void Neither_Given_Resets_To_Every_Cpu_Before_Exec()
    {
        foreach (var affinity in new[] { null, new LinuxCpuAffinity(), new LinuxCpuAffinity { Initial = "", Final = "" } })
        {
            var plan = ExecCpuAffinityPlan.From(affinity);
            Assert.Null(plan.Initial);
            Assert.True(plan.ResetsBeforeExec);
            Assert.All(plan.BeforeExec!, word => Assert.Equal(ulong.MaxValue, word));
        }
    }

    [Fact]
    public void Initial_Only_Leaves_The_Kernels_Answer_After_The_Cgroup_Move()
    {
        var plan = ExecCpuAffinityPlan.From(new LinuxCpuAffinity { Initial = "1" });
        Assert.Equal(0b10ul, plan.Initial![0]);
        Assert.Null(plan.BeforeExec);
        Assert.False(plan.ResetsBeforeExec);
    }

    [Fact]
    public void Final_Is_Set_Before_Exec_In_A_Mask_As_Long_As_The_Kernel_Wants()
    {
        var plan = ExecCpuAffinityPlan.From(new LinuxCpuAffinity { Initial = "0", Final = "0-1,65" });
        Assert.Equal(ProcessAttributes.CpuMaskWords, plan.BeforeExec!.Length);
        Assert.Equal(ProcessAttributes.CpuMaskWords, plan.Initial!.Length);
        Assert.Equal(0b11ul, plan.BeforeExec[0]);
        Assert.Equal(0b10ul, plan.BeforeExec[1]);
        Assert.False(plan.ResetsBeforeExec);
    }
}
