namespace Csrun.Runtime.Linux;

/// <summary>What /proc says about a process: enough to tell a live container init from a
/// recycled pid or a zombie.</summary>
public static class Procfs
{
    public readonly record struct ProcStat(char State, ulong StartTime);

    /// <summary>Reads /proc/PID/stat; null when the process does not exist.</summary>
    public static ProcStat? ReadStat(int pid)
    {
        if (pid <= 0) return null;
        string text;
        try { text = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        // The command name may contain spaces and parentheses: fields start after the LAST ')'.
        int close = text.LastIndexOf(')');
        if (close < 0) return null;
        var fields = text.Substring(close + 2).Split(' ');
        // fields[0] is field 3 (state); starttime is field 22.
        if (fields.Length < 20 || !ulong.TryParse(fields[19], out ulong start)) return null;
        return new ProcStat(fields[0][0], start);
    }

    /// <summary>True when PID exists, is not a zombie, and started at <paramref name="startTime"/>.</summary>
    public static bool IsAlive(int pid, ulong startTime)
    {
        var stat = ReadStat(pid);
        return stat is { } s && s.StartTime == startTime && s.State != 'Z' && s.State != 'X';
    }
}
