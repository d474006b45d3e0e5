using Xunit;
using Csrun.Runtime.Spec;

namespace Csrun.Tests.Spec;

public sealed class SpecNameTableTests
{
    [Theory]
    [InlineData("CAP_CHOWN", 0)]
    [InlineData("CAP_KILL", 5)]
    [InlineData("CAP_NET_BIND_SERVICE", 10)]
    [InlineData("CAP_SYS_ADMIN", 21)]
    [InlineData("CAP_MKNOD", 27)]
    [InlineData("CAP_AUDIT_WRITE", 29)]
    [InlineData("CAP_SETFCAP", 31)]
    [InlineData("CAP_AUDIT_READ", 37)]
    [InlineData("CAP_PERFMON", 38)]
    [InlineData("CAP_BPF", 39)]
    [InlineData("CAP_CHECKPOINT_RESTORE", 40)]
    public void Capabilities_HaveKernelNumbers(string name, int number)
    {
        Assert.True(LinuxCapabilityNames.TryGetNumber(name, out int n));
        Assert.Equal(number, n);
        Assert.Equal(number, LinuxCapabilityNames.Lookup(name));
        Assert.Equal(name, LinuxCapabilityNames.NameOf(number));
    }

    [Fact]
    public void Capabilities_TableIsComplete()
    {
        Assert.Equal(41, LinuxCapabilityNames.All.Count);
        Assert.Equal(LinuxCapabilityNames.LastKnown + 1, LinuxCapabilityNames.Numbers.Count);
        Assert.Null(LinuxCapabilityNames.Lookup("CAP_TEST"));
        Assert.Null(LinuxCapabilityNames.Lookup("cap_chown"));
        Assert.Null(LinuxCapabilityNames.NameOf(41));
    }

    [Theory]
    [InlineData("RLIMIT_CPU", 0)]
    [InlineData("RLIMIT_CORE", 4)]
    [InlineData("RLIMIT_NPROC", 6)]
    [InlineData("RLIMIT_NOFILE", 7)]
    [InlineData("RLIMIT_MEMLOCK", 8)]
    [InlineData("RLIMIT_AS", 9)]
    [InlineData("RLIMIT_RTTIME", 15)]
    public void Rlimits_HaveKernelNumbers(string name, int number)
    {
        Assert.True(LinuxRlimitNames.TryGetResource(name, out int n));
        Assert.Equal(number, n);
        Assert.Equal(number, LinuxRlimitNames.Lookup(name));
    }

    [Fact]
    public void Rlimits_TableIsComplete()
    {
        Assert.Equal(16, LinuxRlimitNames.All.Count);
        Assert.False(LinuxRlimitNames.TryGetResource("RLIMIT_FOO", out _));
    }

    [Fact]
    public void MountOptions_ClassifyBindAndIdmap()
    {
        Assert.True(MountOptionNames.IsBind(["ro", "rbind"]));
        Assert.False(MountOptionNames.IsBind(["ro"]));
        Assert.False(MountOptionNames.IsBind(null));
        Assert.True(MountOptionNames.IsIdMap(["bind", "ridmap"]));
        Assert.True(MountOptionNames.IsKnown("rnosymfollow"));
        Assert.False(MountOptionNames.IsKnown("size=1m"));
        Assert.Equal(MountOptionNames.All.OrderBy(x => x, StringComparer.Ordinal), MountOptionNames.All);
    }

    [Theory]
    [InlineData("0", new[] { 0 })]
    [InlineData("0-3,7", new[] { 0, 1, 2, 3, 7 })]
    [InlineData(" 2 , 1,,1 ", new[] { 1, 2 })]
    [InlineData("5-5", new[] { 5 })]
    public void CpuList_Parses(string text, int[] expected)
    {
        Assert.True(CpuList.TryParse(text, out List<int> ids, out string? error), error);
        Assert.Equal(expected, ids);
    }

    [Fact]
    public void CpuList_ToMask_SetsBitNOfWordNDiv64()
    {
        Assert.Equal(new ulong[] { 0 }, CpuList.ToMask([]));
        Assert.Equal(new ulong[] { 0b1011 }, CpuList.ToMask([0, 1, 3]));
        Assert.Equal(new ulong[] { 1UL << 63, 1 }, CpuList.ToMask([63, 64]));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("1-")]
    [InlineData("-1")]
    [InlineData("3-1")]
    [InlineData(",")]
    [InlineData("70000")]
    public void CpuList_RejectsGarbage(string text)
    {
        Assert.False(CpuList.TryParse(text, out _, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
