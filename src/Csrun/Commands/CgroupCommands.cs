using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Csrun.Cli;
using Csrun.Runtime.Process;
using Csrun.Runtime.Spec;

namespace Csrun.Commands;

/// <summary>pause, resume, ps and update: the commands that work on the container's cgroup.</summary>
public static class CgroupCommands
{
    public static int Pause(Invocation inv)
    {
        new ContainerOperations(inv.Store).Pause(inv.Id());
        return 0;
    }

    public static int Resume(Invocation inv)
    {
        new ContainerOperations(inv.Store).Resume(inv.Id());
        return 0;
    }

    /// <summary>runc's ps: a JSON array of host pids, or the lines of `ps` (default -ef) whose
    /// PID column belongs to the container.</summary>
    public static int Ps(Invocation inv)
    {
        string id = inv.Id();
        var pids = new ContainerOperations(inv.Store).Pids(id);
        string format = inv.Line.Value("format") ?? "table";
        if (format == "json")
        {
            Output.Out("[" + string.Join(",", pids) + "]\n");
            return 0;
        }
        if (format != "table") throw new UsageException($"invalid format option \"{format}\"");
        var psArgs = inv.Line.Args.Skip(1).ToList();
        if (psArgs.Count == 0) psArgs.Add("-ef");
        var start = new ProcessStartInfo("ps") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in psArgs) start.ArgumentList.Add(a);
        using var ps = Process.Start(start) ?? throw new InvalidOperationException("cannot run ps");
        string output = ps.StandardOutput.ReadToEnd();
        ps.WaitForExit();
        if (ps.ExitCode != 0) throw new InvalidOperationException($"ps {string.Join(' ', psArgs)} failed: exit status {ps.ExitCode}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0) return 0;
        int pidColumn = Array.IndexOf(lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries), "PID");
        if (pidColumn < 0) throw new InvalidOperationException("couldn't find PID field in ps output");
        var sb = new StringBuilder(lines[0]).Append('\n');
        var set = new HashSet<int>(pids);
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > pidColumn && int.TryParse(fields[pidColumn], out int pid) && set.Contains(pid))
                sb.Append(line).Append('\n');
        }
        Output.Out(sb.ToString());
        return 0;
    }

    /// <summary>runc's update: resource flags, or a LinuxResources JSON with --resources FILE|-.</summary>
    public static int Update(Invocation inv)
    {
        string id = inv.Id();
        LinuxResources resources;
        if (inv.Line.Value("resources") is { } source)
        {
            byte[] json = source == "-" ? ReadStdin() : File.ReadAllBytes(source);
            resources = JsonSerializer.Deserialize(json, SpecJsonContext.Default.LinuxResources)
                        ?? throw new UsageException("--resources: the JSON is null");
        }
        else resources = new LinuxResources();
        ApplyFlags(inv.Line, resources);
        new ContainerOperations(inv.Store).Update(id, resources);
        return 0;
    }

    private static void ApplyFlags(CommandLine line, LinuxResources r)
    {
        ulong? U(string name) => line.Value(name) is { } v ? ulong.TryParse(v, out ulong x) ? x : throw new UsageException($"invalid value \"{v}\" for flag --{name}") : null;
        long? L(string name) => line.Value(name) is { } v ? long.TryParse(v, out long x) ? x : throw new UsageException($"invalid value \"{v}\" for flag --{name}") : null;
        long? Mem(string name) => line.Value(name) is { } v ? ByteSize.Parse(v) ?? throw new UsageException($"invalid value \"{v}\" for flag --{name}") : null;

        if (line.Value("blkio-weight") is { } bw)
            (r.BlockIO ??= new()).Weight = ushort.TryParse(bw, out ushort w) ? w : throw new UsageException($"invalid value \"{bw}\" for flag --blkio-weight");
        if (U("cpu-period") is ulong period) (r.Cpu ??= new()).Period = period;
        if (L("cpu-quota") is long quota) (r.Cpu ??= new()).Quota = quota;
        if (U("cpu-share") is ulong shares) (r.Cpu ??= new()).Shares = shares;
        if (U("cpu-rt-period") is ulong rtp) (r.Cpu ??= new()).RealtimePeriod = rtp;
        if (L("cpu-rt-runtime") is long rtr) (r.Cpu ??= new()).RealtimeRuntime = rtr;
        if (line.Value("cpuset-cpus") is { } cpus) (r.Cpu ??= new()).Cpus = cpus;
        if (line.Value("cpuset-mems") is { } mems) (r.Cpu ??= new()).Mems = mems;
        if (Mem("memory") is long memory) (r.Memory ??= new()).Limit = memory;
        if (Mem("memory-reservation") is long reservation) (r.Memory ??= new()).Reservation = reservation;
        if (Mem("memory-swap") is long swap) (r.Memory ??= new()).Swap = swap;
        if (L("pids-limit") is long pids) (r.Pids ??= new()).Limit = pids;
    }

    private static byte[] ReadStdin()
    {
        using var stdin = Console.OpenStandardInput();
        using var buffer = new MemoryStream();
        stdin.CopyTo(buffer);
        return buffer.ToArray();
    }
}

/// <summary>Sizes as docker's units.RAMInBytes reads them: 100, 64k, 100M, 1g (binary units);
/// -1 means unlimited.</summary>
public static class ByteSize
{
    public static long? Parse(string text)
    {
        text = text.Trim();
        if (text == "-1") return -1;
        if (text.Length == 0) return null;
        int end = text.Length;
        char unit = char.ToLowerInvariant(text[end - 1]);
        if (unit == 'b' && end >= 2 && char.IsLetter(text[end - 2])) { end--; unit = char.ToLowerInvariant(text[end - 1]); }
        long multiplier = unit switch
        {
            'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, 't' => 1L << 40, 'p' => 1L << 50, _ => 1,
        };
        string number = multiplier == 1 ? text.TrimEnd('b', 'B') : text.Substring(0, end - 1);
        if (!double.TryParse(number, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value) || value < 0)
            return null;
        return (long)(value * multiplier);
    }
}
