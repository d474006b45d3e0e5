using System.Text.Json.Nodes;

namespace Csrun.Runtime.Cgroups;

/// <summary>
/// The statistics `events` reports, read from the container's cgroup files in the shape of
/// runc's events JSON (cpu, memory, pids, blkio), on v1 and v2 alike.
/// </summary>
public static class CgroupStats
{
    public static JsonObject Read(IReadOnlyDictionary<string, string> paths)
    {
        bool unified = paths.Count == 1 && paths.ContainsKey("");
        return unified ? ReadV2(paths[""]) : ReadV1(paths);
    }

    /// <summary>The number of OOM kills so far (memory.events on v2, memory.oom_control on v1).</summary>
    public static long OomKills(IReadOnlyDictionary<string, string> paths)
    {
        bool unified = paths.Count == 1 && paths.ContainsKey("");
        string? file = unified ? Path.Combine(paths[""], "memory.events")
            : Dir(paths, "memory") is { } m ? Path.Combine(m, "memory.oom_control") : null;
        return file is null ? 0 : KeyValues(file).GetValueOrDefault("oom_kill");
    }

    private static JsonObject ReadV1(IReadOnlyDictionary<string, string> paths)
    {
        var data = new JsonObject();
        if (Dir(paths, "cpuacct") is { } acct)
        {
            var stat = KeyValues(Path.Combine(acct, "cpuacct.stat"));
            long tick = 10_000_000; // USER_HZ is 100: one tick is 10 ms in ns
            var usage = new JsonObject
            {
                ["total"] = Number(Path.Combine(acct, "cpuacct.usage")),
                ["percpu"] = new JsonArray(Numbers(Path.Combine(acct, "cpuacct.usage_percpu")).Select(n => (JsonNode?)n).ToArray()),
                ["kernel"] = stat.GetValueOrDefault("system") * tick,
                ["user"] = stat.GetValueOrDefault("user") * tick,
            };
            var cpu = new JsonObject { ["usage"] = usage };
            if (Dir(paths, "cpu") is { } cpuDir)
            {
                var t = KeyValues(Path.Combine(cpuDir, "cpu.stat"));
                cpu["throttling"] = new JsonObject
                {
                    ["periods"] = t.GetValueOrDefault("nr_periods"),
                    ["throttledPeriods"] = t.GetValueOrDefault("nr_throttled"),
                    ["throttledTime"] = t.GetValueOrDefault("throttled_time"),
                };
            }
            data["cpu"] = cpu;
        }
        if (Dir(paths, "memory") is { } mem)
        {
            data["memory"] = new JsonObject
            {
                ["usage"] = Usage(mem, "memory.usage_in_bytes", "memory.max_usage_in_bytes", "memory.limit_in_bytes", "memory.failcnt"),
                ["swap"] = Usage(mem, "memory.memsw.usage_in_bytes", "memory.memsw.max_usage_in_bytes", "memory.memsw.limit_in_bytes", "memory.memsw.failcnt"),
                ["raw"] = Raw(Path.Combine(mem, "memory.stat")),
            };
        }
        if (Dir(paths, "pids") is { } pids)
            data["pids"] = new JsonObject { ["current"] = Number(Path.Combine(pids, "pids.current")), ["limit"] = Limit(Path.Combine(pids, "pids.max")) };
        return data;
    }

    private static JsonObject ReadV2(string dir)
    {
        var data = new JsonObject();
        var cpuStat = KeyValues(Path.Combine(dir, "cpu.stat"));
        data["cpu"] = new JsonObject
        {
            ["usage"] = new JsonObject
            {
                ["total"] = cpuStat.GetValueOrDefault("usage_usec") * 1000,
                ["kernel"] = cpuStat.GetValueOrDefault("system_usec") * 1000,
                ["user"] = cpuStat.GetValueOrDefault("user_usec") * 1000,
            },
            ["throttling"] = new JsonObject
            {
                ["periods"] = cpuStat.GetValueOrDefault("nr_periods"),
                ["throttledPeriods"] = cpuStat.GetValueOrDefault("nr_throttled"),
                ["throttledTime"] = cpuStat.GetValueOrDefault("throttled_usec") * 1000,
            },
        };
        if (File.Exists(Path.Combine(dir, "memory.current")))
        {
            var events = KeyValues(Path.Combine(dir, "memory.events"));
            data["memory"] = new JsonObject
            {
                ["usage"] = new JsonObject
                {
                    ["usage"] = Number(Path.Combine(dir, "memory.current")),
                    ["max"] = Number(Path.Combine(dir, "memory.peak")),
                    ["limit"] = Limit(Path.Combine(dir, "memory.max")),
                    ["failcnt"] = events.GetValueOrDefault("max"),
                },
                ["swap"] = new JsonObject
                {
                    ["usage"] = Number(Path.Combine(dir, "memory.swap.current")),
                    ["limit"] = Limit(Path.Combine(dir, "memory.swap.max")),
                },
                ["raw"] = Raw(Path.Combine(dir, "memory.stat")),
            };
        }
        if (File.Exists(Path.Combine(dir, "pids.current")))
            data["pids"] = new JsonObject { ["current"] = Number(Path.Combine(dir, "pids.current")), ["limit"] = Limit(Path.Combine(dir, "pids.max")) };
        return data;
    }

    private static JsonObject Usage(string dir, string usage, string max, string limit, string failcnt) => new()
    {
        ["usage"] = Number(Path.Combine(dir, usage)),
        ["max"] = Number(Path.Combine(dir, max)),
        ["limit"] = Limit(Path.Combine(dir, limit)),
        ["failcnt"] = Number(Path.Combine(dir, failcnt)),
    };

    private static string? Dir(IReadOnlyDictionary<string, string> paths, string controller)
    {
        foreach (var (key, dir) in paths)
            if (key.Split(',').Contains(controller)) return dir;
        return null;
    }

    private static string ReadOrEmpty(string file)
    {
        try { return File.ReadAllText(file).Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; }
    }

    private static long Number(string file) => long.TryParse(ReadOrEmpty(file), out long n) ? n : 0;

    /// <summary>"max" (no limit) is reported as the largest value, as runc does.</summary>
    private static ulong Limit(string file)
    {
        string text = ReadOrEmpty(file);
        return text == "max" ? ulong.MaxValue : ulong.TryParse(text, out ulong n) ? n : 0;
    }

    private static IEnumerable<long> Numbers(string file) =>
        ReadOrEmpty(file).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => long.TryParse(t, out long n) ? n : 0);

    public static Dictionary<string, long> KeyValues(string file)
    {
        var result = new Dictionary<string, long>();
        foreach (var line in ReadOrEmpty(file).Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && long.TryParse(parts[1], out long n)) result[parts[0]] = n;
        }
        return result;
    }

    private static JsonObject Raw(string file)
    {
        var raw = new JsonObject();
        foreach (var (k, v) in KeyValues(file)) raw[k] = v;
        return raw;
    }
}
