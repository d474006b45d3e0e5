namespace Csrun.IntegrationTests.Harness;

/// <summary>
/// One mounted cgroup hierarchy under /sys/fs/cgroup and the caller's (this test process's) cgroup in it.
/// </summary>
public sealed record CgroupHierarchy(string MountPoint, string Controllers, string CallerDir);

/// <summary>
/// Where a container's cgroup lands. A relative cgroupsPath is placed under the caller's own cgroup per
/// hierarchy (on the hybrid test VM the memory controller's caller cgroup is /process_api/&lt;hash&gt;,
/// the others are /). We also check the path relative to each hierarchy root in case a runtime puts it there.
/// </summary>
public static class Cgroups
{
    private static readonly Lazy<IReadOnlyList<CgroupHierarchy>> s_hierarchies = new(Discover);

    public static IReadOnlyList<CgroupHierarchy> Hierarchies => s_hierarchies.Value;

    private static IReadOnlyList<CgroupHierarchy> Discover()
    {
        var mounts = Mounts.Read()
            .Where(m => m.FsType is "cgroup" or "cgroup2" && Procs.IsUnder(m.MountPoint, "/sys/fs/cgroup"))
            .ToList();
        var result = new List<CgroupHierarchy>();
        foreach (string line in File.ReadAllLines("/proc/self/cgroup"))
        {
            // hierarchy-ID:controller-list:cgroup-path
            string[] p = line.Split(':', 3);
            if (p.Length != 3) continue;
            string path = p[2];
            IEnumerable<MountInfo> candidates;
            if (p[0] == "0" && p[1] == "")
                candidates = mounts.Where(m => m.FsType == "cgroup2");
            else
            {
                string[] ctrls = p[1].Split(',', StringSplitOptions.RemoveEmptyEntries);
                candidates = mounts.Where(m => m.FsType == "cgroup" &&
                                               ctrls.All(c => m.SuperOptions.Split(',').Contains(c)));
            }
            foreach (MountInfo m in candidates)
            {
                // The caller's cgroup must be visible through this mount (mount root is a prefix of it).
                string root = m.Root.TrimEnd('/');
                if (root != "" && !Procs.IsUnder(path, root))
                    continue;
                string rel = root == "" ? path : path[root.Length..];
                string callerDir = (m.MountPoint.TrimEnd('/') + "/" + rel.TrimStart('/')).TrimEnd('/');
                if (result.All(h => h.MountPoint != m.MountPoint))
                    result.Add(new CgroupHierarchy(m.MountPoint, p[1] == "" ? "unified" : p[1], callerDir));
            }
        }
        return result;
    }

    /// <summary>
    /// Every directory where a container with this cgroupsPath may have its cgroup: below the caller's
    /// cgroup and below the hierarchy root, in every hierarchy. Deduplicated.
    /// </summary>
    public static IReadOnlyList<string> CandidateDirs(string cgroupsPath)
    {
        string rel = cgroupsPath.Trim('/');
        var dirs = new List<string>();
        foreach (CgroupHierarchy h in Hierarchies)
        {
            if (!cgroupsPath.StartsWith('/'))
                dirs.Add(h.CallerDir + "/" + rel);
            dirs.Add(h.MountPoint.TrimEnd('/') + "/" + rel);
        }
        return dirs.Distinct().ToList();
    }

    /// <summary>The directory that a relative cgroupsPath gets in a hierarchy (caller-relative).</summary>
    public static string? DirFor(string cgroupsPath, string controller)
    {
        CgroupHierarchy? h = Hierarchies.FirstOrDefault(x => x.Controllers.Split(',').Contains(controller));
        return h is null ? null : h.CallerDir + "/" + cgroupsPath.Trim('/');
    }

    public static IReadOnlyList<string> ExistingDirs(string cgroupsPath) =>
        CandidateDirs(cgroupsPath).Where(Directory.Exists).ToList();

    /// <summary>PIDs listed in cgroup.procs of a cgroup dir and all its descendants.</summary>
    public static IReadOnlyList<int> ProcsIn(string dir)
    {
        var pids = new List<int>();
        if (!Directory.Exists(dir)) return pids;
        foreach (string d in DepthFirst(dir))
        {
            try
            {
                foreach (string l in File.ReadAllLines(Path.Combine(d, "cgroup.procs")))
                    if (int.TryParse(l.Trim(), out int pid)) pids.Add(pid);
            }
            catch (IOException) { }
        }
        return pids;
    }

    /// <summary>Sub-directories deepest first, the dir itself last.</summary>
    public static IEnumerable<string> DepthFirst(string dir)
    {
        string[] subs;
        try { subs = Directory.GetDirectories(dir); }
        catch (IOException) { subs = []; }
        foreach (string s in subs)
            foreach (string x in DepthFirst(s))
                yield return x;
        yield return dir;
    }
}
