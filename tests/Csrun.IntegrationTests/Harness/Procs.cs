using System.Runtime.InteropServices;
using System.Text;

namespace Csrun.IntegrationTests.Harness;

/// <summary>A process identity: PID plus its start time (field 22 of /proc/PID/stat) to survive PID reuse.</summary>
public readonly record struct ProcId(int Pid, ulong StartTime)
{
    public override string ToString() => $"{Pid}@{StartTime}";
}

/// <summary>Small /proc helpers.</summary>
public static class Procs
{
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    public const int SIGKILL = 9;

    /// <summary>Sends a signal to exactly this PID. Returns false if it failed (e.g. ESRCH).</summary>
    public static bool Signal(int pid, int sig) => pid > 0 && kill(pid, sig) == 0;

    /// <summary>Reads /proc/PID/stat: state char and start time; null when the process is gone.</summary>
    public static (char State, ulong StartTime)? ReadStat(int pid)
    {
        string text;
        try { text = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        // comm may contain spaces and parentheses: the fields after the LAST ')' are fixed.
        int close = text.LastIndexOf(')');
        if (close < 0) return null;
        string[] f = text[(close + 2)..].Split(' ');
        // f[0] = state (field 3), start time = field 22 => f[19]
        if (f.Length < 20 || !ulong.TryParse(f[19], out ulong start)) return null;
        return (f[0][0], start);
    }

    public static ProcId? Identify(int pid) => ReadStat(pid) is { } s ? new ProcId(pid, s.StartTime) : null;

    /// <summary>True when the PID exists and is neither a zombie nor dead.</summary>
    public static bool IsAlive(int pid) => ReadStat(pid) is { } s && s.State is not ('Z' or 'X' or 'x');

    /// <summary>True when this exact process (same start time) is alive and not a zombie.</summary>
    public static bool IsAlive(ProcId id) =>
        ReadStat(id.Pid) is { } s && s.StartTime == id.StartTime && s.State is not ('Z' or 'X' or 'x');

    public static string? Cmdline(int pid)
    {
        try
        {
            byte[] b = File.ReadAllBytes($"/proc/{pid}/cmdline");
            return Encoding.UTF8.GetString(b).TrimEnd('\0').Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public static string? Link(int pid, string name)
    {
        try { return new FileInfo($"/proc/{pid}/{name}").LinkTarget; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public static IEnumerable<int> AllPids()
    {
        foreach (string d in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(d), out int pid))
                yield return pid;
    }

    /// <summary>The "Uid:" / "Gid:" line values of /proc/PID/status (real, effective, saved, fs).</summary>
    public static int[]? StatusIds(int pid, string field)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                    return line[(field.Length + 1)..].Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)
                        .Select(int.Parse).ToArray();
        }
        catch (IOException) { }
        return null;
    }

    /// <summary>Path comparison helper: is <paramref name="path"/> equal to or below <paramref name="dir"/>?</summary>
    public static bool IsUnder(string? path, string dir)
    {
        if (path is null) return false;
        dir = dir.TrimEnd('/');
        return path == dir || path.StartsWith(dir + "/", StringComparison.Ordinal);
    }
}
