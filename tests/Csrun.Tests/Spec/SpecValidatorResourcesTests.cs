using Xunit;
using Csrun.Runtime.Spec;

namespace Csrun.Tests.Spec;

public sealed class SpecValidatorResourcesTests : ValidatorTestBase
{
    private static LinuxResources Resources(RuntimeSpec spec) => spec.Linux!.Resources!;

    [Fact]
    public void DeviceRules_TypeAorBorC()
    {
        RuntimeSpec spec = Valid();
        Resources(spec).Devices!.Add(new LinuxDeviceCgroup { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" });
        Resources(spec).Devices!.Add(new LinuxDeviceCgroup { Allow = true, Type = "a", Access = "r" });
        AssertValid(spec);
        Resources(spec).Devices![2].Type = "p";
        AssertInvalid(spec, "linux.resources.devices[2].type", "expected a, b or c");
    }

    [Fact]
    public void DeviceRules_AccessRequiredAndRwm()
    {
        RuntimeSpec spec = Valid();
        Resources(spec).Devices![0].Access = "";
        AssertInvalid(spec, "linux.resources.devices[0].access", "required");
        Resources(spec).Devices![0].Access = "rwx";
        AssertInvalid(spec, "linux.resources.devices[0].access", "may only contain r, w and m");
        Resources(spec).Devices![0].Access = "mr";
        AssertValid(spec);
    }

    [Fact]
    public void Memory_SwapAtLeastLimit()
    {
        RuntimeSpec spec = Valid();
        Resources(spec).Memory = new LinuxMemory { Limit = 1 << 20, Swap = 2 << 20, Reservation = 1 << 19 };
        AssertValid(spec);
        Resources(spec).Memory!.Swap = 1 << 19;
        AssertInvalid(spec, "linux.resources.memory.swap", "must be greater than or equal to memory.limit");
        Resources(spec).Memory!.Swap = -1;
        AssertValid(spec);
    }

    [Fact]
    public void Memory_SwapNeedsLimit()
    {
        RuntimeSpec spec = Valid();
        Resources(spec).Memory = new LinuxMemory { Swap = 1 << 20 };
        AssertInvalid(spec, "linux.resources.memory.swap", "without also setting memory.limit");
        Resources(spec).Memory!.Limit = -1;
        AssertInvalid(spec, "linux.resources.memory.swap");
        Resources(spec).Memory!.Swap = 0;
        AssertValid(spec);
    }

    [Fact]
    public void Memory_NegativeOnlyMinusOne()
    {
        RuntimeSpec spec = Valid();
        Resources(spec).Memory = new LinuxMemory { Limit = -1 };
        AssertValid(spec);
        Resources(spec).Memory!.Limit = -2;
        AssertInvalid(spec, "linux.resources.memory.limit", "-1 (unlimited)");
    }

    [Fact]
    public void Memory_SwappinessUpTo100()
    {
        RuntimeSpec spec = Valid();
        Resources(spec).Memory = new LinuxMemory { Swappiness = 100 };
        AssertValid(spec);
        Resources(spec).Memory!.Swappiness = ulong.MaxValue; // Go's -1
        AssertValid(spec);
        Resources(spec).Memory!.Swappiness = 101;
        AssertInvalid(spec, "linux.resources.memory.swappiness", "between 0 and 100");
    }

    [Fact]
    public void Cpu_BurstAtMostQuota()
    {
        RuntimeSpec spec = Valid();
        Resources(spec).Cpu = new LinuxCpu { Quota = 50000, Period = 100000, Burst = 50000, Cpus = "0-1" };
        AssertValid(spec);
        Resources(spec).Cpu!.Burst = 50001;
        AssertInvalid(spec, "linux.resources.cpu.burst", "must not be larger than quota");
        Resources(spec).Cpu!.Quota = -1;
        AssertValid(spec);
    }

    [Fact]
    public void Cpu_IdleZeroOrOne()
    {
        RuntimeSpec spec = Valid();
        Resources(spec).Cpu = new LinuxCpu { Idle = 1 };
        AssertValid(spec);
        Resources(spec).Cpu!.Idle = 2;
        AssertInvalid(spec, "linux.resources.cpu.idle", "must be 0 or 1");
    }

    [Fact]
    public void BlockIO_WeightRange()
    {
        RuntimeSpec spec = Valid();
        Resources(spec).BlockIO = new LinuxBlockIO { Weight = 10, LeafWeight = 1000 };
        AssertValid(spec);
        Resources(spec).BlockIO!.Weight = 0; // unset, as runc reads it
        AssertValid(spec);
        Resources(spec).BlockIO!.Weight = 5;
        AssertInvalid(spec, "linux.resources.blockIO.weight", "between 10 and 1000, got 5");
        Resources(spec).BlockIO!.Weight = null;
        Resources(spec).BlockIO!.LeafWeight = 1001;
        AssertInvalid(spec, "linux.resources.blockIO.leafWeight");
    }

    [Fact]
    public void BlockIO_WeightDeviceNeedsAWeight()
    {
        RuntimeSpec spec = Valid();
        Resources(spec).BlockIO = new LinuxBlockIO
        {
            WeightDevice = [new LinuxWeightDevice { Major = 8, Minor = 0, LeafWeight = 300 }],
            ThrottleReadBpsDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 600 }],
        };
        AssertValid(spec);
        Resources(spec).BlockIO!.WeightDevice!.Add(new LinuxWeightDevice { Major = 8, Minor = 16 });
        AssertInvalid(spec, "linux.resources.blockIO.weightDevice[1]", "must set weight, leafWeight or both");
    }

    [Fact]
    public void HugepageLimits_PageSizeFormat()
    {
        RuntimeSpec spec = Valid();
        Resources(spec).HugepageLimits = [new LinuxHugepageLimit { PageSize = "2MB", Limit = 1 }, new LinuxHugepageLimit { PageSize = "1GB", Limit = 1 }];
        AssertValid(spec);
        Resources(spec).HugepageLimits!.Add(new LinuxHugepageLimit { PageSize = "2M", Limit = 1 });
        AssertInvalid(spec, "linux.resources.hugepageLimits[2].pageSize", "is not a page size");
        Resources(spec).HugepageLimits![2].PageSize = null;
        AssertInvalid(spec, "linux.resources.hugepageLimits[2].pageSize", "required");
    }

    [Fact]
    public void Network_PriorityNamesRequired()
    {
        RuntimeSpec spec = Valid();
        Resources(spec).Network = new LinuxNetwork { ClassId = 0x100001, Priorities = [new LinuxInterfacePriority { Name = "eth0", Priority = 5 }] };
        AssertValid(spec);
        Resources(spec).Network!.Priorities!.Add(new LinuxInterfacePriority { Priority = 1 });
        AssertInvalid(spec, "linux.resources.network.priorities[1].name", "required");
    }

    [Fact]
    public void Rdma_NeedsALimit()
    {
        RuntimeSpec spec = Valid();
        Resources(spec).Rdma = new() { ["mlx5_1"] = new LinuxRdma { HcaHandles = 3 } };
        AssertValid(spec);
        Resources(spec).Rdma!["mlx4_0"] = new LinuxRdma();
        AssertInvalid(spec, "linux.resources.rdma[\"mlx4_0\"]", "must set hcaHandles, hcaObjects or both");
    }

    [Fact]
    public void Unified_KeysArePlainFileNames()
    {
        RuntimeSpec spec = Valid();
        Resources(spec).Unified = new() { ["memory.high"] = "1G", ["io.max"] = "8:0 rbps=1" };
        AssertValid(spec);
        Resources(spec).Unified!["../../cgroup.procs"] = "1";
        AssertInvalid(spec, "linux.resources.unified[\"../../cgroup.procs\"]", "without \"/\"");
    }
}
