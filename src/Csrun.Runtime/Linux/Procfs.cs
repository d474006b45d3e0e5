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

    /// <summary>True when this process runs in a user namespace other than the host's: there
    /// uid_map is anything but the identity map of all 2^32-1 ids (runc's userns.RunningInUserNS).</summary>
    public static bool InChildUserNamespace()
    {
        string map;
        try { map = File.ReadAllText("/proc/self/uid_map"); }
        catch (IOException) { return false; }
        var fields = map.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return !(fields.Length == 3 && fields[0] == "0" && fields[1] == "0" && fields[2] == "4294967295");
    }

    /// <summary>Every process this user can see in the pid namespace of <paramref name="pid"/>
    /// (that process included); empty when it is gone. /proc/N/ns/pid of another user's
    /// process is unreadable: such processes are not listed.</summary>
    public static List<int> InPidNamespaceOf(int pid)
    {
        var found = new List<int>();
        string? ns = NamespaceLink(pid, "pid");
        if (ns is null) return found;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), out int other) && NamespaceLink(other, "pid") == ns)
                found.Add(other);
        return found;
    }

    /// <summary><paramref name="pid"/> and every descendant, from /proc/PID/task/TID/children.</summary>
    public static List<int> WithDescendants(int pid)
    {
        var found = new List<int>();
        var next = new Queue<int>();
        next.Enqueue(pid);
        while (next.Count > 0 && found.Count < 100000)
        {
            int p = next.Dequeue();
            if (found.Contains(p)) continue;
            found.Add(p);
            try
            {
                foreach (var task in Directory.EnumerateDirectories($"/proc/{p}/task"))
                    foreach (var child in File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                        if (int.TryParse(child, out int c)) next.Enqueue(c);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }

    private static string? NamespaceLink(int pid, string type)
    {
        try { return new FileInfo($"/proc/{pid}/ns/{type}").LinkTarget; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
