namespace Csrun.Runtime.Spec;

public static partial class SpecValidator
{
    // blkio.weight's range; runc converts it to cgroup v2 io.weight assuming the same range.
    private const int MinBlkioWeight = 10;
    private const int MaxBlkioWeight = 1000;

    private static void CheckResources(LinuxResources? resources)
    {
        if (resources is null)
            return;
        const string path = "linux.resources";
        CheckDeviceRules(resources.Devices, SpecPath.Field(path, "devices"));
        CheckMemory(resources.Memory, SpecPath.Field(path, "memory"));
        CheckCpu(resources.Cpu, SpecPath.Field(path, "cpu"));
        CheckBlockIO(resources.BlockIO, SpecPath.Field(path, "blockIO"));
        CheckHugepageLimits(resources.HugepageLimits, SpecPath.Field(path, "hugepageLimits"));
        CheckNetwork(resources.Network, SpecPath.Field(path, "network"));
        CheckRdma(resources.Rdma, SpecPath.Field(path, "rdma"));
        CheckUnified(resources.Unified, SpecPath.Field(path, "unified"));
    }

    private static void CheckDeviceRules(List<LinuxDeviceCgroup>? rules, string path)
    {
        if (rules is null)
            return;
        for (int i = 0; i < rules.Count; i++)
        {
            string entryPath = SpecPath.Index(path, i);
            LinuxDeviceCgroup? rule = rules[i];
            if (rule is null)
                throw NullEntry(entryPath);
            if (!string.IsNullOrEmpty(rule.Type) && rule.Type is not ("a" or "b" or "c"))
                throw Fail(SpecPath.Field(entryPath, "type"), $"unknown device type {SpecPath.Quote(rule.Type)}, expected a, b or c");
            string accessPath = SpecPath.Field(entryPath, "access");
            if (string.IsNullOrEmpty(rule.Access))
                throw Fail(accessPath, "required: a combination of r, w and m");
            foreach (char c in rule.Access)
                if (c is not ('r' or 'w' or 'm'))
                    throw Fail(accessPath, $"{SpecPath.Quote(rule.Access)} may only contain r, w and m");
        }
    }

    // -1 means unlimited; the swap rules are runc's ConvertMemorySwapToCgroupV2Value, which
    // also matches what cgroup v1 accepts for memsw.
    private static void CheckMemory(LinuxMemory? memory, string path)
    {
        if (memory is null)
            return;
        CheckLimitValue(memory.Limit, SpecPath.Field(path, "limit"));
        CheckLimitValue(memory.Reservation, SpecPath.Field(path, "reservation"));
        CheckLimitValue(memory.Swap, SpecPath.Field(path, "swap"));

        long limit = memory.Limit ?? 0;
        long swap = memory.Swap ?? 0;
        if (swap != 0 && swap != -1)
        {
            if (limit == 0 || limit == -1)
                throw Fail(SpecPath.Field(path, "swap"), "cannot limit swap without also setting memory.limit");
            if (swap < limit)
                throw Fail(SpecPath.Field(path, "swap"), $"memory+swap limit {swap} must be greater than or equal to memory.limit {limit}");
        }

        // ulong.MaxValue is how Go configs spell -1 ("leave unchanged") for this unsigned field.
        if (memory.Swappiness is ulong swappiness && swappiness > 100 && swappiness != ulong.MaxValue)
            throw Fail(SpecPath.Field(path, "swappiness"), $"must be between 0 and 100, got {swappiness}");
    }

    private static void CheckLimitValue(long? value, string path)
    {
        if (value is long v && v < -1)
            throw Fail(path, $"must be a byte count or -1 (unlimited), got {v}");
    }

    private static void CheckCpu(LinuxCpu? cpu, string path)
    {
        if (cpu is null)
            return;
        if (cpu.Burst is ulong burst && cpu.Quota is long quota && quota > 0 && burst > (ulong)quota)
            throw Fail(SpecPath.Field(path, "burst"), $"{burst} must not be larger than quota {quota}");
        if (cpu.Idle is long idle && idle is not (0 or 1))
            throw Fail(SpecPath.Field(path, "idle"), $"must be 0 or 1, got {idle}");
    }

    private static void CheckBlockIO(LinuxBlockIO? blockIO, string path)
    {
        if (blockIO is null)
            return;
        CheckWeight(blockIO.Weight, SpecPath.Field(path, "weight"));
        CheckWeight(blockIO.LeafWeight, SpecPath.Field(path, "leafWeight"));
        if (blockIO.WeightDevice is { } devices)
        {
            string listPath = SpecPath.Field(path, "weightDevice");
            for (int i = 0; i < devices.Count; i++)
            {
                string entryPath = SpecPath.Index(listPath, i);
                LinuxWeightDevice? device = devices[i];
                if (device is null)
                    throw NullEntry(entryPath);
                if (device.Weight is null && device.LeafWeight is null)
                    throw Fail(entryPath, "must set weight, leafWeight or both");
                CheckWeight(device.Weight, SpecPath.Field(entryPath, "weight"));
                CheckWeight(device.LeafWeight, SpecPath.Field(entryPath, "leafWeight"));
            }
        }
        CheckThrottleList(blockIO.ThrottleReadBpsDevice, SpecPath.Field(path, "throttleReadBpsDevice"));
        CheckThrottleList(blockIO.ThrottleWriteBpsDevice, SpecPath.Field(path, "throttleWriteBpsDevice"));
        CheckThrottleList(blockIO.ThrottleReadIOPSDevice, SpecPath.Field(path, "throttleReadIOPSDevice"));
        CheckThrottleList(blockIO.ThrottleWriteIOPSDevice, SpecPath.Field(path, "throttleWriteIOPSDevice"));
    }

    // 0 is how runc spells "unset", so only non-zero values are range-checked.
    private static void CheckWeight(ushort? weight, string path)
    {
        if (weight is ushort w && w != 0 && (w < MinBlkioWeight || w > MaxBlkioWeight))
            throw Fail(path, $"must be between {MinBlkioWeight} and {MaxBlkioWeight}, got {w}");
    }

    private static void CheckThrottleList(List<LinuxThrottleDevice>? list, string path)
    {
        if (list is null)
            return;
        for (int i = 0; i < list.Count; i++)
            if (list[i] is null)
                throw NullEntry(SpecPath.Index(path, i));
    }

    private static void CheckHugepageLimits(List<LinuxHugepageLimit>? limits, string path)
    {
        if (limits is null)
            return;
        for (int i = 0; i < limits.Count; i++)
        {
            string entryPath = SpecPath.Index(path, i);
            LinuxHugepageLimit? limit = limits[i];
            if (limit is null)
                throw NullEntry(entryPath);
            string sizePath = SpecPath.Field(entryPath, "pageSize");
            if (string.IsNullOrEmpty(limit.PageSize))
                throw Missing(sizePath);
            if (!IsHugepageSize(limit.PageSize))
                throw Fail(sizePath, $"{SpecPath.Quote(limit.PageSize)} is not a page size such as \"2MB\" or \"1GB\"");
        }
    }

    // "<digits><K|M|G|T|P>B", the names the hugetlb controller files use.
    private static bool IsHugepageSize(string size)
    {
        if (size.Length < 3 || size[^1] != 'B' || "KMGTP".IndexOf(size[^2]) < 0)
            return false;
        ReadOnlySpan<char> digits = size.AsSpan(0, size.Length - 2);
        foreach (char c in digits)
            if (c is < '0' or > '9')
                return false;
        return digits[0] != '0';
    }

    private static void CheckNetwork(LinuxNetwork? network, string path)
    {
        if (network?.Priorities is not { } priorities)
            return;
        string listPath = SpecPath.Field(path, "priorities");
        for (int i = 0; i < priorities.Count; i++)
        {
            string entryPath = SpecPath.Index(listPath, i);
            if (priorities[i] is null)
                throw NullEntry(entryPath);
            if (string.IsNullOrEmpty(priorities[i].Name))
                throw Missing(SpecPath.Field(entryPath, "name"));
        }
    }

    private static void CheckRdma(Dictionary<string, LinuxRdma>? rdma, string path)
    {
        if (rdma is null)
            return;
        foreach ((string device, LinuxRdma? limits) in rdma)
        {
            string entryPath = SpecPath.Key(path, device);
            if (device.Length == 0)
                throw Fail(entryPath, "device names must not be empty");
            if (limits is null)
                throw NullEntry(entryPath);
            if (limits.HcaHandles is null && limits.HcaObjects is null)
                throw Fail(entryPath, "must set hcaHandles, hcaObjects or both");
        }
    }

    // Keys are file names inside the container's cgroup directory; anything else could
    // write outside it.
    private static void CheckUnified(Dictionary<string, string>? unified, string path)
    {
        if (unified is null)
            return;
        foreach (string key in unified.Keys)
        {
            string entryPath = SpecPath.Key(path, key);
            if (key.Length == 0 || key is "." or "..")
                throw Fail(entryPath, "must be a cgroup file name");
            if (key.Contains('/') || key.Contains('\0'))
                throw Fail(entryPath, $"{SpecPath.Quote(key)} must be a plain file name without \"/\"");
        }
    }
}
