using System.Text.Json.Nodes;
using Csrun.Cli;
using Csrun.Runtime.Cgroups;
using Csrun.Runtime.State;

namespace Csrun.Commands;

/// <summary>`events`: runc's JSON lines: {"type":"stats","id":..,"data":{..}} every interval (or
/// once with --stats), and {"type":"oom","id":..} when the kernel OOM-kills in the container.
/// Ends when the container stops.</summary>
public static class EventsCommand
{
    public static int Run(Invocation inv)
    {
        string id = inv.Id();
        var state = inv.Store.Load(id);
        if (inv.Store.StatusOf(state) is ContainerStatus.Stopped) throw new InvalidOperationException("container not running");
        if (inv.Line.Has("stats"))
        {
            Emit("stats", id, CgroupStats.Read(state.CgroupPaths));
            return 0;
        }
        var interval = ParseInterval(inv.Line.Value("interval") ?? "5s");
        long ooms = CgroupStats.OomKills(state.CgroupPaths);
        var next = DateTime.UtcNow;
        while (true)
        {
            if (inv.Store.StatusOf(state) is ContainerStatus.Stopped) return 0;
            long now = CgroupStats.OomKills(state.CgroupPaths);
            for (; ooms < now; ooms++) Emit("oom", id, null);
            if (DateTime.UtcNow >= next)
            {
                Emit("stats", id, CgroupStats.Read(state.CgroupPaths));
                next = DateTime.UtcNow + interval;
            }
            Thread.Sleep(100);
        }
    }

    private static void Emit(string type, string id, JsonObject? data)
    {
        var e = new JsonObject { ["type"] = type, ["id"] = id };
        if (data is not null) e["data"] = data;
        Output.Out(e.ToJsonString() + "\n");
    }

    /// <summary>Go durations as runc takes them: 5s, 500ms, 1m, 1h30m.</summary>
    public static TimeSpan ParseInterval(string text)
    {
        var total = TimeSpan.Zero;
        int i = 0;
        while (i < text.Length)
        {
            int start = i;
            while (i < text.Length && (char.IsDigit(text[i]) || text[i] == '.')) i++;
            if (start == i || !double.TryParse(text.AsSpan(start, i - start), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value))
                throw new UsageException($"invalid duration \"{text}\" for flag --interval");
            int u = i;
            while (i < text.Length && char.IsLetter(text[i])) i++;
            total += text.Substring(u, i - u) switch
            {
                "ns" => TimeSpan.FromTicks((long)(value / 100)),
                "us" or "µs" => TimeSpan.FromTicks((long)(value * 10)),
                "ms" => TimeSpan.FromMilliseconds(value),
                "s" => TimeSpan.FromSeconds(value),
                "m" => TimeSpan.FromMinutes(value),
                "h" => TimeSpan.FromHours(value),
                _ => throw new UsageException($"invalid duration \"{text}\" for flag --interval"),
            };
        }
        if (total <= TimeSpan.Zero) throw new UsageException("--interval: the duration must be positive");
        return total;
    }
}
