using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Cgroups;

/// <summary>
/// Turns linux.resources into the control-file writes for cgroup v1 or v2, in the order the
/// kernel accepts them, with runc's conversions (shares to weight, swap to swap.max, blkio
/// weight to io.weight). Pure logic: the managers write what it returns.
/// </summary>
public static class ResourcePlanner
{
    /// <summary>Devices every container may use, whatever its rules (runc's AllowedDevices).</summary>
    public static readonly IReadOnlyList<string> DefaultAllowedDevices = new[]
    {
        "c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
        "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm",
    };

    /// <summary>At create, the devices controller always gets deny-all plus the allowed list
    /// (runc's whitelist); an update touches device rules only when it carries some.</summary>
    public static List<CgroupSetting> ForV1(LinuxResources? r, IEnumerable<LinuxDevice>? devices, bool forCreate = true)
    {
        var s = new List<CgroupSetting>();
        if (r is null)
        {
            if (forCreate) s.AddRange(DeviceRules(null, devices));
            return s;
        }
        if (r.Memory is { } m)
        {
            if (m.Limit is long limit && limit != 0) s.Add(new("memory", "memory.limit_in_bytes", limit.ToString()));
            if (m.Reservation is long res && res != 0) s.Add(new("memory", "memory.soft_limit_in_bytes", res.ToString()));
            if (m.Swap is long swap && swap != 0) s.Add(new("memory", "memory.memsw.limit_in_bytes", swap.ToString()));
            if (m.Swappiness is ulong sw && sw <= 100) s.Add(new("memory", "memory.swappiness", sw.ToString()));
            else if (m.Swappiness is ulong bad) throw new ArgumentException($"linux.resources.memory.swappiness: {bad} is out of range 0-100");
            if (m.DisableOomKiller == true) s.Add(new("memory", "memory.oom_control", "1"));
        }
        if (r.Cpu is { } c)
        {
            if (c.Shares is ulong shares && shares != 0) s.Add(new("cpu", "cpu.shares", shares.ToString()));
            if (c.Period is ulong period && period != 0) s.Add(new("cpu", "cpu.cfs_period_us", period.ToString()));
            if (c.Quota is long quota && quota != 0) s.Add(new("cpu", "cpu.cfs_quota_us", quota.ToString()));
            if (c.Burst is ulong burst) s.Add(new("cpu", "cpu.cfs_burst_us", burst.ToString()));
            if (c.RealtimePeriod is ulong rtp && rtp != 0) s.Add(new("cpu", "cpu.rt_period_us", rtp.ToString()));
            if (c.RealtimeRuntime is long rtr && rtr != 0) s.Add(new("cpu", "cpu.rt_runtime_us", rtr.ToString()));
            if (c.Idle is long idle) s.Add(new("cpu", "cpu.idle", idle.ToString()));
            if (!string.IsNullOrEmpty(c.Cpus)) s.Add(new("cpuset", "cpuset.cpus", c.Cpus));
            if (!string.IsNullOrEmpty(c.Mems)) s.Add(new("cpuset", "cpuset.mems", c.Mems));
        }
        if (r.Pids is { Limit: long pids }) s.Add(new("pids", "pids.max", pids > 0 ? pids.ToString() : "max"));
        if (r.BlockIO is { } b)
        {
            if (b.Weight is ushort w && w != 0) s.Add(new("blkio", "blkio.weight", w.ToString()));
            if (b.LeafWeight is ushort lw && lw != 0) s.Add(new("blkio", "blkio.leaf_weight", lw.ToString()));
            foreach (var d in b.WeightDevice ?? new())
            {
                if (d.Weight is ushort dw) s.Add(new("blkio", "blkio.weight_device", $"{d.Major}:{d.Minor} {dw}"));
                if (d.LeafWeight is ushort dlw) s.Add(new("blkio", "blkio.leaf_weight_device", $"{d.Major}:{d.Minor} {dlw}"));
            }
            Throttle(s, b.ThrottleReadBpsDevice, "blkio.throttle.read_bps_device");
            Throttle(s, b.ThrottleWriteBpsDevice, "blkio.throttle.write_bps_device");
            Throttle(s, b.ThrottleReadIOPSDevice, "blkio.throttle.read_iops_device");
            Throttle(s, b.ThrottleWriteIOPSDevice, "blkio.throttle.write_iops_device");
        }
        foreach (var h in r.HugepageLimits ?? new())
            s.Add(new("hugetlb", $"hugetlb.{h.PageSize}.limit_in_bytes", h.Limit.ToString()));
        if (r.Network is { } n)
        {
            if (n.ClassId is uint id) s.Add(new("net_cls", "net_cls.classid", id.ToString()));
            foreach (var p in n.Priorities ?? new()) s.Add(new("net_prio", "net_prio.ifpriomap", $"{p.Name} {p.Priority}"));
        }
        foreach (var (device, limit) in r.Rdma ?? new())
            s.Add(new("rdma", "rdma.max", RdmaLine(device, limit)));
        if (r.Unified is { Count: > 0 })
            throw new ArgumentException("linux.resources.unified: needs a cgroup v2 host; this one runs cgroup v1");
        if (forCreate || r.Devices is not null) s.AddRange(DeviceRules(r.Devices, devices));
        return s;
    }

    /// <summary>v1 devices controller: deny everything, then allow what the spec and the
    /// defaults allow, in order.</summary>
    public static IEnumerable<CgroupSetting> DeviceRules(IEnumerable<LinuxDeviceCgroup>? rules, IEnumerable<LinuxDevice>? devices)
    {
        yield return new("devices", "devices.deny", "a");
        foreach (var rule in rules ?? Enumerable.Empty<LinuxDeviceCgroup>())
        {
            string line = DeviceRule(rule.Type, rule.Major, rule.Minor, rule.Access);
            // "a *:* rwm" on devices.allow would undo everything: the kernel wants plain "a".
            if (line.StartsWith("a ", StringComparison.Ordinal)) line = "a";
            yield return new("devices", rule.Allow ? "devices.allow" : "devices.deny", line);
        }
        // FIFOs ("p") are not devices to the kernel's device cgroup: only b and c get rules.
        foreach (var d in devices ?? Enumerable.Empty<LinuxDevice>())
            if (d.Type is "c" or "u" or "b")
                yield return new("devices", "devices.allow", DeviceRule(d.Type == "u" ? "c" : d.Type, d.Major, d.Minor, "rwm"));
        foreach (var line in DefaultAllowedDevices)
            yield return new("devices", "devices.allow", line);
    }

    public static string DeviceRule(string? type, long? major, long? minor, string? access)
    {
        string t = string.IsNullOrEmpty(type) ? "a" : type;
        string maj = major is long a && a >= 0 ? a.ToString() : "*";
        string min = minor is long b && b >= 0 ? b.ToString() : "*";
        return $"{t} {maj}:{min} {(string.IsNullOrEmpty(access) ? "rwm" : access)}";
    }

    public static List<CgroupSetting> ForV2(LinuxResources? r)
    {
        var s = new List<CgroupSetting>();
        if (r is null) return s;
        if (r.Memory is { } m)
        {
            long? limit = m.Limit;
            if (limit is long l && l != 0) s.Add(new("memory", "memory.max", l < 0 ? "max" : l.ToString()));
            if (m.Reservation is long res && res != 0) s.Add(new("memory", "memory.low", res < 0 ? "max" : res.ToString()));
            if (m.Swap is long swap && swap != 0) s.Add(new("memory", "memory.swap.max", SwapV2(swap, limit)));
            // runc: unlimited memory with swap unset means unlimited swap too (as on v1).
            else if (limit == -1) s.Add(new("memory", "memory.swap.max", "max"));
        }
        if (r.Cpu is { } c)
        {
            if (c.Shares is ulong shares && shares != 0) s.Add(new("cpu", "cpu.weight", SharesToWeight(shares).ToString()));
            if ((c.Quota is long q && q != 0) || (c.Period is ulong p && p != 0))
            {
                string quota = c.Quota is long qq && qq > 0 ? qq.ToString() : "max";
                ulong period = c.Period is ulong pp && pp != 0 ? pp : 100000;
                s.Add(new("cpu", "cpu.max", $"{quota} {period}"));
            }
            if (c.Burst is ulong burst) s.Add(new("cpu", "cpu.max.burst", burst.ToString()));
            if (c.Idle is long idle) s.Add(new("cpu", "cpu.idle", idle.ToString()));
            if (c.RealtimePeriod is ulong rtp && rtp != 0 || c.RealtimeRuntime is long rtr && rtr != 0)
                throw new ArgumentException("linux.resources.cpu.realtimeRuntime/realtimePeriod: cgroup v2 has no realtime cpu controller");
            if (!string.IsNullOrEmpty(c.Cpus)) s.Add(new("cpuset", "cpuset.cpus", c.Cpus));
            if (!string.IsNullOrEmpty(c.Mems)) s.Add(new("cpuset", "cpuset.mems", c.Mems));
        }
        if (r.Pids is { Limit: long pids }) s.Add(new("pids", "pids.max", pids > 0 ? pids.ToString() : "max"));
        if (r.BlockIO is { } b)
        {
            if (b.Weight is ushort w && w != 0) s.Add(new("io", "io.weight", $"default {BlkioWeightToIoWeight(w)}"));
            foreach (var d in b.WeightDevice ?? new())
                if (d.Weight is ushort dw) s.Add(new("io", "io.weight", $"{d.Major}:{d.Minor} {BlkioWeightToIoWeight(dw)}"));
            IoMax(s, b.ThrottleReadBpsDevice, "rbps");
            IoMax(s, b.ThrottleWriteBpsDevice, "wbps");
            IoMax(s, b.ThrottleReadIOPSDevice, "riops");
            IoMax(s, b.ThrottleWriteIOPSDevice, "wiops");
        }
        foreach (var h in r.HugepageLimits ?? new())
            s.Add(new("hugetlb", $"hugetlb.{h.PageSize}.max", h.Limit.ToString()));
        foreach (var (device, limit) in r.Rdma ?? new())
            s.Add(new("rdma", "rdma.max", RdmaLine(device, limit)));
        foreach (var (key, value) in r.Unified ?? new())
        {
            if (key.Contains('/') || key.StartsWith('.') || !key.Contains('.'))
                throw new ArgumentException($"linux.resources.unified: invalid key \"{key}\"");
            s.Add(new(key.Substring(0, key.IndexOf('.')), key, value));
        }
        return s;
    }

    /// <summary>runc's conversion of cpu.shares [2, 262144] to cpu.weight [1, 10000].</summary>
    public static ulong SharesToWeight(ulong shares) => shares == 0 ? 0 : 1 + ((shares - 2) * 9999) / 262142;

    public static ulong BlkioWeightToIoWeight(ushort weight) => weight == 0 ? 0 : 1 + ((ulong)weight - 10) * 9999 / 990;

    /// <summary>v1 swap is memory+swap; v2's swap.max is swap alone.</summary>
    public static string SwapV2(long swap, long? limit)
    {
        if (swap < 0) return "max";
        if (limit is not long l || l <= 0)
            throw new ArgumentException("linux.resources.memory.swap: a swap limit needs a memory limit on cgroup v2");
        if (swap < l) throw new ArgumentException($"linux.resources.memory.swap: {swap} is below the memory limit {l} (swap counts memory plus swap)");
        return (swap - l).ToString();
    }

    private static void Throttle(List<CgroupSetting> s, List<LinuxThrottleDevice>? devices, string file)
    {
        foreach (var d in devices ?? new()) s.Add(new("blkio", file, $"{d.Major}:{d.Minor} {d.Rate}"));
    }

    private static void IoMax(List<CgroupSetting> s, List<LinuxThrottleDevice>? devices, string key)
    {
        foreach (var d in devices ?? new()) s.Add(new("io", "io.max", $"{d.Major}:{d.Minor} {key}={d.Rate}"));
    }

    private static string RdmaLine(string device, LinuxRdma limit)
    {
        var parts = new List<string> { device };
        if (limit.HcaHandles is uint h) parts.Add($"hca_handle={h}");
        if (limit.HcaObjects is uint o) parts.Add($"hca_object={o}");
        return string.Join(' ', parts);
    }
}
