namespace Csrun.Runtime.Cgroups;

/// <summary>
/// `exec --cgroup`: the process joins an existing sub-cgroup of the container's cgroup instead
/// of the container's cgroup itself, with runc's rules. `--cgroup PATH` (the only form on
/// cgroup v2) puts it in PATH below the container's cgroup in every hierarchy;
/// `--cgroup CONTROLLER[,CONTROLLER...]:PATH` (cgroup v1, repeatable) only in the hierarchies
/// of those controllers, the others staying the container's own.
/// </summary>
public static class SubCgroups
{
    /// <summary>Controller (or "" for every hierarchy) to sub-path, from the --cgroup values;
    /// empty when none was given.</summary>
    public static Dictionary<string, string> Parse(IReadOnlyList<string> args)
    {
        var subs = new Dictionary<string, string>();
        foreach (string arg in args)
        {
            int colon = arg.IndexOf(':');
            if (colon < 0)
            {
                if (args.Count != 1)
                    throw new ArgumentException($"invalid --cgroup argument: {arg} (missing <controller>: prefix)");
                subs[""] = arg;
                continue;
            }
            string controllers = arg.Substring(0, colon), sub = arg.Substring(colon + 1);
            if (sub.Contains(':')) throw new ArgumentException($"invalid --cgroup argument: {arg}");
            foreach (string controller in controllers.Split(','))
            {
                if (controller.Length == 0)
                    throw new ArgumentException($"invalid --cgroup argument: {arg} (empty <controller> prefix)");
                if (!subs.TryAdd(controller, sub))
                    throw new ArgumentException($"invalid --cgroup argument(s): controller {controller} specified multiple times");
            }
        }
        return subs;
    }

    /// <summary>
    /// The directories the exec'd process joins: <paramref name="containerPaths"/> (hierarchy key
    /// as in state.json, "" the unified one; v1 keys may name several controllers, "cpu,cpuacct")
    /// with the sub-paths applied. A sub-path must stay below the container's cgroup.
    /// </summary>
    public static Dictionary<string, string> Apply(IReadOnlyDictionary<string, string> containerPaths, IReadOnlyDictionary<string, string> subs)
    {
        var result = new Dictionary<string, string>(containerPaths);
        if (subs.Count == 0) return result;
        if (containerPaths.Count == 0)
            throw new ArgumentException("--cgroup: the container has no cgroup to take a sub-cgroup of");
        if (subs.TryGetValue("", out string? everywhere))
        {
            foreach (var (key, dir) in containerPaths) result[key] = Below(dir, everywhere);
            return result;
        }
        var owner = new Dictionary<string, string>();
        foreach (var (controller, sub) in subs)
        {
            string? key = containerPaths.Keys.FirstOrDefault(k => k.Length > 0 && k.Split(',').Contains(controller));
            if (key is null)
            {
                bool v2 = containerPaths.Count == 1 && containerPaths.ContainsKey("");
                throw new ArgumentException(v2
                    ? $"--cgroup {controller}:{sub}: unknown controller {controller}: on cgroup v2 give the sub-cgroup alone (--cgroup {sub})"
                    : $"--cgroup {controller}:{sub}: unknown controller {controller} (the container's hierarchies: {string.Join(", ", containerPaths.Keys.Where(k => k.Length > 0).Order(StringComparer.Ordinal))})");
            }
            // Controllers mounted together ("cpu,cpuacct") share one directory: one sub-path.
            if (owner.TryGetValue(key, out string? other) && subs[other] != sub)
                throw new ArgumentException($"--cgroup: controllers {other} and {controller} share the hierarchy {key}: give them the same sub-cgroup");
            owner[key] = controller;
            result[key] = Below(containerPaths[key], sub);
        }
        return result;
    }

    /// <summary>Sub-cgroups are joined, never made: each directory that differs from the
    /// container's own must exist (checked before anything is started).</summary>
    public static void RequireExisting(IReadOnlyDictionary<string, string> containerPaths, IReadOnlyDictionary<string, string> joined)
    {
        foreach (var (key, dir) in joined)
        {
            if (containerPaths.TryGetValue(key, out string? own) && own == dir) continue;
            int fd = Linux.Sys.TryOpen(dir, Linux.K.O_PATH | Linux.K.O_DIRECTORY, out int errno);
            if (fd < 0)
                throw new CgroupException($"--cgroup: can't open sub-cgroup: {Linux.SyscallException.Format("open", dir, errno)} (the sub-cgroup must exist)");
            Linux.Native.Close(fd);
            // A fresh v1 cpuset has no cpus and no mems and refuses tasks (ENOSPC).
            if (key.Split(',').Contains("cpuset"))
                foreach (string file in new[] { "cpuset.cpus", "cpuset.mems" })
                    if (File.Exists(Path.Combine(dir, file)) && File.ReadAllText(Path.Combine(dir, file)).Trim().Length == 0)
                        throw new CgroupException($"--cgroup: the sub-cgroup {dir} has an empty {file}: a v1 cpuset takes no process until it is set");
        }
    }

    /// <summary><paramref name="sub"/> joined to <paramref name="dir"/> and cleaned, refused if
    /// the result is not <paramref name="dir"/> or below it.</summary>
    private static string Below(string dir, string sub)
    {
        string joined = CgroupHierarchies.Clean(dir + "/" + sub);
        string cleanDir = CgroupHierarchies.Clean(dir);
        if (joined != cleanDir && !joined.StartsWith(cleanDir + "/", StringComparison.Ordinal))
            throw new ArgumentException($"--cgroup: {sub} is not a sub cgroup path");
        return joined;
    }
}
