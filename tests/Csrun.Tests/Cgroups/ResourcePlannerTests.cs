using Csrun.Runtime.Cgroups;
using Csrun.Runtime.Spec;
using Xunit;

namespace Csrun.Tests.Cgroups;

public class ResourcePlannerTests
{
    private static LinuxResources Sample() => new()
    {
        Memory = new LinuxMemory { Limit = 104857600, Reservation = 52428800, Swap = 209715200, Swappiness = 10, DisableOomKiller = true },
        Cpu = new LinuxCpu { Shares = 1024, Quota = 50000, Period = 100000, Cpus = "0-1", Mems = "0" },
        Pids = new LinuxPids { Limit = 42 },
    };

    [Fact]
    public void V1WritesRuncsFilesInOrder()
    {
        var s = ResourcePlanner.ForV1(Sample(), null);
        string F(string file) => s.Single(x => x.File == file).Value;
        Assert.Equal("104857600", F("memory.limit_in_bytes"));
        Assert.Equal("52428800", F("memory.soft_limit_in_bytes"));
        Assert.Equal("209715200", F("memory.memsw.limit_in_bytes"));
        Assert.Equal("1", F("memory.oom_control"));
        Assert.Equal("1024", F("cpu.shares"));
        Assert.Equal("42", F("pids.max"));
        Assert.Equal("0-1", F("cpuset.cpus"));
        // memsw must not be set before the memory limit, nor the quota before the period.
        Assert.True(s.FindIndex(x => x.File == "memory.limit_in_bytes") < s.FindIndex(x => x.File == "memory.memsw.limit_in_bytes"));
        Assert.True(s.FindIndex(x => x.File == "cpu.cfs_period_us") < s.FindIndex(x => x.File == "cpu.cfs_quota_us"));
    }

    [Fact]
    public void V2ConvertsSharesSwapAndQuota()
    {
        var s = ResourcePlanner.ForV2(Sample());
        string F(string file) => s.Single(x => x.File == file).Value;
        Assert.Equal("104857600", F("memory.max"));
        Assert.Equal("104857600", F("memory.swap.max"));
        Assert.Equal("39", F("cpu.weight"));
        Assert.Equal("50000 100000", F("cpu.max"));
        Assert.Equal("42", F("pids.max"));
    }

    [Theory]
    [InlineData(2UL, 1UL)]
    [InlineData(1024UL, 39UL)]
    [InlineData(262144UL, 10000UL)]
    public void SharesToWeightMatchesRunc(ulong shares, ulong weight) => Assert.Equal(weight, ResourcePlanner.SharesToWeight(shares));

    [Fact]
    public void UnlimitedValues()
    {
        var r = new LinuxResources { Memory = new LinuxMemory { Limit = -1, Swap = -1 }, Pids = new LinuxPids { Limit = 0 }, Cpu = new LinuxCpu { Quota = -1 } };
        var v2 = ResourcePlanner.ForV2(r);
        Assert.Equal("max", v2.Single(x => x.File == "memory.max").Value);
        Assert.Equal("max", v2.Single(x => x.File == "memory.swap.max").Value);
        Assert.Equal("max", v2.Single(x => x.File == "pids.max").Value);
        Assert.Equal("max 100000", v2.Single(x => x.File == "cpu.max").Value);
    }

    [Fact]
    public void UnlimitedMemoryWithoutSwapMeansUnlimitedSwapOnV2()
    {
        var v2 = ResourcePlanner.ForV2(new LinuxResources { Memory = new LinuxMemory { Limit = -1 } });
        Assert.Equal("max", v2.Single(x => x.File == "memory.swap.max").Value);
        Assert.DoesNotContain(ResourcePlanner.ForV2(new LinuxResources { Memory = new LinuxMemory { Limit = 100 } }), x => x.File == "memory.swap.max");
    }

    [Theory]
    [InlineData(2UL, 1UL)]
    [InlineData(1024UL, 39UL)]
    [InlineData(512UL, 20UL)]
    [InlineData(262144UL, 10000UL)]
    public void SharesConvertWithRunc115sLinearFormula(ulong shares, ulong weight) =>
        Assert.Equal(weight, ResourcePlanner.SharesToWeight(shares));

    [Fact]
    public void SwapBelowLimitIsRefusedOnV2() =>
        Assert.Throws<ArgumentException>(() => ResourcePlanner.ForV2(new LinuxResources { Memory = new LinuxMemory { Limit = 200, Swap = 100 } }));

    [Fact]
    public void DevicesDenyAllThenAllowRulesAndDefaults()
    {
        var rules = new List<LinuxDeviceCgroup>
        {
            new() { Allow = false, Access = "rwm" },
            new() { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rw" },
            new() { Allow = true, Type = "b", Major = 8, Access = "r" },
        };
        var s = ResourcePlanner.DeviceRules(rules, new[] { new LinuxDevice { Path = "/dev/fuse", Type = "c", Major = 10, Minor = 229 } }).ToList();
        Assert.Equal(("devices.deny", "a"), (s[0].File, s[0].Value));
        Assert.Equal(("devices.deny", "a"), (s[1].File, s[1].Value));
        Assert.Equal(("devices.allow", "c 1:3 rw"), (s[2].File, s[2].Value));
        Assert.Equal(("devices.allow", "b 8:* r"), (s[3].File, s[3].Value));
        Assert.Equal(("devices.allow", "c 10:229 rwm"), (s[4].File, s[4].Value));
        Assert.Contains(s, x => x.Value == "c 136:* rwm");
    }

    [Fact]
    public void UnifiedNeedsV2AndValidKeys()
    {
        Assert.Throws<ArgumentException>(() => ResourcePlanner.ForV1(new LinuxResources { Unified = new() { ["memory.high"] = "1M" } }, null));
        Assert.Throws<ArgumentException>(() => ResourcePlanner.ForV2(new LinuxResources { Unified = new() { ["../x"] = "1" } }));
        var ok = ResourcePlanner.ForV2(new LinuxResources { Unified = new() { ["memory.high"] = "1048576" } });
        Assert.Equal(new CgroupSetting("memory", "memory.high", "1048576"), ok.Single());
    }
}

public class FifoDeviceRuleTests
{
    [Fact]
    public void FifosGetNoDeviceCgroupRule()
    {
        var rules = ResourcePlanner.DeviceRules(null, new[] { new LinuxDevice { Path = "/dev/f", Type = "p", Major = 8, Minor = 666 } }).ToList();
        Assert.DoesNotContain(rules, r => r.Value.Contains("8:666"));
        Assert.DoesNotContain(rules, r => r.Value.StartsWith("p "));
    }
}
