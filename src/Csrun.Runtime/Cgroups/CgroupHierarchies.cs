namespace Csrun.Runtime.Cgroups;

/// <summary>The host's cgroup layout, read from /proc/self/mountinfo and /proc/self/cgroup.</summary>
public sealed class CgroupHierarchies
{
    public const string Root = "/sys/fs/cgroup";

    /// <summary>One mounted hierarchy: its mount point, its controllers (or name=X), and the
    /// caller's own cgroup in it.</summary>
    public sealed record Hierarchy(string Key, string MountPoint, string OwnPath);

    public bool IsUnified { get; init; }
    public List<Hierarchy> Hierarchies { get; } = new();

    public static CgroupHierarchies Detect()
    {
        var own = ReadOwnCgroups(File.ReadAllLines("/proc/self/cgroup"));
        var mountInfo = File.ReadAllLines("/proc/self/mountinfo");
        var result = new CgroupHierarchies { IsUnified = IsCgroup2Mount(mountInfo, Root) };
        if (result.IsUnified)
        {
            result.Hierarchies.Add(new Hierarchy("", Root, own.GetValueOrDefault("", "/")));
            return result;
        }
        foreach (var line in mountInfo)
        {
            var mount = ParseMountInfoLine(line);
            if (mount is null || !mount.Value.MountPoint.StartsWith(Root + "/", StringComparison.Ordinal)) continue;
            var (mountPoint, fsType, superOptions) = mount.Value;
            if (fsType == "cgroup2")
            {
                result.Hierarchies.Add(new Hierarchy("", mountPoint, own.GetValueOrDefault("", "/")));
                continue;
            }
            if (fsType != "cgroup") continue;
            // The hierarchy's key is the controller list as /proc/self/cgroup spells it.
            string? key = own.Keys.FirstOrDefault(k => k.Length > 0 && k.Split(',').All(c => superOptions.Contains(c)));
            if (key is null || result.Hierarchies.Any(h => h.Key == key)) continue;
            result.Hierarchies.Add(new Hierarchy(key, mountPoint, own[key]));
        }
        return result;
    }

    public static Dictionary<string, string> ReadOwnCgroups(IEnumerable<string> lines)
    {
        var own = new Dictionary<string, string>();
        foreach (var line in lines)
        {
            var parts = line.Split(':', 3);
            if (parts.Length == 3) own[parts[1]] = parts[2];
        }
        return own;
    }

    /// <summary>(mount point, fs type, super options) of one mountinfo line.</summary>
    public static (string MountPoint, string FsType, HashSet<string> SuperOptions)? ParseMountInfoLine(string line)
    {
        var fields = line.Split(' ');
        int dash = Array.IndexOf(fields, "-");
        if (dash < 5 || fields.Length < dash + 4) return null;
        return (Unescape(fields[4]), fields[dash + 1], new HashSet<string>(fields[dash + 3].Split(',')));
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as octal.</summary>
    public static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && IsOctal(s, i + 1))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else sb.Append(s[i]);
        }
        return sb.ToString();
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s[at] is >= '0' and <= '7' && s[at + 1] is >= '0' and <= '7' && s[at + 2] is >= '0' and <= '7';

    private static bool IsCgroup2Mount(string[] mountInfo, string path)
    {
        foreach (var line in mountInfo)
        {
            var m = ParseMountInfoLine(line);
            if (m is { } mount && mount.MountPoint == path) return mount.FsType == "cgroup2";
        }
        return false;
    }

    /// <summary>
    /// The cgroup (relative to each hierarchy's root) a container gets, as runc places it:
    /// an absolute cgroupsPath as is, a relative one (and the default, the container id) below
    /// the caller's own cgroup, or on a pure v2 host below its parent (the caller's own cgroup
    /// has processes, so it cannot have controllers enabled for children).
    /// </summary>
    public static string ContainerPath(string? cgroupsPath, string id, string ownPath, bool unifiedHost)
    {
        string inner = string.IsNullOrEmpty(cgroupsPath) ? id : cgroupsPath;
        if (inner.StartsWith('/')) return Clean(inner);
        string baseDir = unifiedHost ? ParentOf(ownPath) : ownPath;
        return Clean(baseDir.TrimEnd('/') + "/" + inner);
    }

    private static string ParentOf(string path)
    {
        string p = Clean(path);
        int slash = p.LastIndexOf('/');
        return slash <= 0 ? "/" : p.Substring(0, slash);
    }

    /// <summary>Lexical clean of an absolute path: no "..", no ".", no doubled slashes.</summary>
    public static string Clean(string path)
    {
        var stack = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..") { if (stack.Count > 0) stack.RemoveAt(stack.Count - 1); continue; }
            stack.Add(part);
        }
        return "/" + string.Join('/', stack);
    }
}
