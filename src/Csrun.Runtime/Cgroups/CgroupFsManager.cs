using Csrun.Runtime.Linux;

namespace Csrun.Runtime.Cgroups;

/// <summary>
/// The cgroupfs driver shared by v1 (one directory per hierarchy, plus the unified one on
/// hybrid hosts, as runc joins it) and v2 (one directory).
/// </summary>
public abstract class CgroupFsManager : ICgroupManager
{
    private readonly Dictionary<string, string> _paths;

    /// <summary>Hierarchies left out because this user may not write them, with the error.</summary>
    private readonly Dictionary<string, string> _skipped = new();

    protected CgroupFsManager(Dictionary<string, string> paths) => _paths = paths;

    public IReadOnlyDictionary<string, string> Paths => _paths;

    /// <summary>runc's rootless cgroup manager (`--rootless`): device rules that cannot be set
    /// are not an error (an unprivileged user cannot load the v2 program, nor own v1 devices).</summary>
    protected bool Rootless { get; private set; }

    /// <summary>Rootless and no linux.cgroupsPath (runc's condition): a hierarchy whose directory
    /// cannot be made or joined for lack of permission is left out, and the container runs in
    /// the caller's cgroup there, unless a limit needs it.</summary>
    protected bool SkipUnwritable { get; private set; }

    /// <summary>Chooses the manager for this host and this container.</summary>
    public static ICgroupManager ForContainer(string? cgroupsPath, string id, bool rootless = false)
    {
        var host = CgroupHierarchies.Detect();
        var paths = new Dictionary<string, string>();
        foreach (var h in host.Hierarchies)
            paths[h.Key] = h.MountPoint + CgroupHierarchies.ContainerPath(cgroupsPath, id, h.OwnPath, host.IsUnified);
        CgroupFsManager manager = host.IsUnified ? new CgroupV2Manager(paths) : new CgroupV1Manager(paths);
        manager.Rootless = rootless;
        manager.SkipUnwritable = rootless && string.IsNullOrEmpty(cgroupsPath);
        return manager;
    }

    /// <summary>Why the hierarchy of <paramref name="controller"/> ("" for the unified one) was
    /// left out, or null when it was not.</summary>
    protected string? SkippedBecause(string controller)
    {
        foreach (var (key, why) in _skipped)
            if (key == controller || key.Split(',').Contains(controller)) return why;
        return null;
    }

    private void Skip(string key, string why)
    {
        _paths.Remove(key);
        _skipped[key] = why;
    }

    private static bool IsPermissionError(int errno) => errno is Errno.EACCES or Errno.EPERM or Errno.EROFS;

    /// <summary>Rebuilds the manager of an existing container from the paths in its state.</summary>
    public static ICgroupManager FromPaths(IReadOnlyDictionary<string, string> paths)
    {
        var copy = new Dictionary<string, string>(paths);
        return copy.Count == 1 && copy.ContainsKey("") && !copy[""].StartsWith(CgroupHierarchies.Root + "/unified", StringComparison.Ordinal)
            ? new CgroupV2Manager(copy)
            : new CgroupV1Manager(copy);
    }

    public IReadOnlyList<string> Create()
    {
        var created = new List<string>();
        try
        {
            foreach (var (key, dir) in _paths.ToList())
            {
                int first = created.Count;
                try { MakeDirs(dir, created); }
                catch (CgroupException e) when (e.PermissionDenied && SkipUnwritable)
                {
                    RemoveDirs(created.GetRange(first, created.Count - first));
                    created.RemoveRange(first, created.Count - first);
                    Skip(key, e.Message);
                    continue;
                }
                for (int i = first; i < created.Count; i++)
                    InitializeDir(key, created[i]);
            }
        }
        catch
        {
            RemoveDirs(created);
            throw;
        }
        return created;
    }

    public IReadOnlyList<string> MissingDirs()
    {
        var missing = new List<string>();
        foreach (var dir in _paths.Values)
        {
            int first = missing.Count;
            for (string? d = dir; d is not null && !Directory.Exists(d); d = Path.GetDirectoryName(d))
                if (!missing.Contains(d)) missing.Insert(first, d);
        }
        return missing;
    }

    private static void MakeDirs(string dir, List<string> created)
    {
        var missing = new Stack<string>();
        for (string? d = dir; d is not null && !Directory.Exists(d); d = Path.GetDirectoryName(d))
            missing.Push(d);
        while (missing.Count > 0)
        {
            string d = missing.Pop();
            if (!Sys.TryMkdir(d, 0x1ed /* 0755 */, out int errno))
            {
                if (errno == Errno.EEXIST) continue;
                throw new CgroupException(SyscallException.Format("mkdir", d, errno)) { PermissionDenied = IsPermissionError(errno) };
            }
            created.Add(d);
        }
    }

    public abstract void Apply(Csrun.Runtime.Spec.LinuxResources? resources, IEnumerable<Csrun.Runtime.Spec.LinuxDevice>? devices, bool forCreate = true);

    public abstract void Freeze(bool frozen);

    /// <summary>Polls until <paramref name="done"/> holds: freezing waits for every task to stop.</summary>
    protected static void WaitUntil(Func<bool> done, string what)
    {
        for (int i = 0; i < 2000; i++)
        {
            if (done()) return;
            Thread.Sleep(i < 50 ? 1 : 5);
        }
        throw new CgroupException($"{what}: the kernel did not finish within 10 seconds");
    }

    protected static void Write(string dir, CgroupSetting setting)
    {
        string path = Path.Combine(dir, setting.File);
        try { Sys.WriteFile(path, setting.Value); }
        catch (SyscallException e) when (e.Errno == Errno.ENOENT || e.Errno == Errno.EACCES && !File.Exists(path))
        {
            throw new CgroupException($"linux.resources: {setting.File} does not exist in {dir}: the kernel's {setting.Controller} controller does not offer it");
        }
        catch (SyscallException e)
        {
            throw new CgroupException($"write {path} ({setting.Value}): {SyscallException.Describe(e.Errno)}");
        }
    }

    /// <summary>Per-hierarchy set-up of a directory csrun just made, parents first.</summary>
    protected virtual void InitializeDir(string key, string dir) { }

    public virtual int OpenForClone() => -1;

    public void Join(int pid)
    {
        foreach (var (key, dir) in _paths.ToList())
        {
            try { Sys.WriteFile(Path.Combine(dir, "cgroup.procs"), pid.ToString()); }
            // Moving a process needs write access to cgroup.procs of the common ancestor too: a
            // directory a rootless user could make may still refuse it. The directory stays in
            // the created list and goes with the container.
            catch (SyscallException e) when (SkipUnwritable && IsPermissionError(e.Errno)) { Skip(key, $"join cgroup: {e.Message}"); }
            catch (SyscallException e) { throw new CgroupException($"join cgroup: {e.Message}"); }
        }
    }

    /// <summary>Host pids in the cgroup and in every sub-cgroup below it (`exec --cgroup`
    /// puts processes there), as runc counts them for ps, kill --all and delete.</summary>
    public List<int> Pids()
    {
        var pids = new List<int>();
        string? dir = PidSource();
        if (dir is null) return pids;
        foreach (string d in SubtreeDeepestFirst(dir))
        {
            try
            {
                foreach (var line in File.ReadAllLines(Path.Combine(d, "cgroup.procs")))
                    if (int.TryParse(line, out int pid)) pids.Add(pid);
            }
            catch (DirectoryNotFoundException) { }
            catch (FileNotFoundException) { }
        }
        return pids;
    }

    /// <summary>The cgroup directories below <paramref name="dir"/>, deepest first, then
    /// <paramref name="dir"/> itself. A directory that vanishes meanwhile is skipped.</summary>
    private static List<string> SubtreeDeepestFirst(string dir)
    {
        var result = new List<string>();
        void Walk(string d)
        {
            string[] children;
            try { children = Directory.GetDirectories(d); }
            catch (IOException) { children = Array.Empty<string>(); }
            foreach (string child in children) Walk(child);
            result.Add(d);
        }
        Walk(dir);
        return result;
    }

    /// <summary>The directory whose cgroup.procs lists the container's processes.</summary>
    protected abstract string? PidSource();

    public abstract bool IsFrozen();

    public virtual bool TryKillAll() => false;

    public void Destroy(IReadOnlyList<string> created)
    {
        // Kill until empty: a fork racing with the kill can add a process once more.
        for (int round = 0; round < 100; round++)
        {
            var pids = Pids();
            if (pids.Count == 0) break;
            if (round == 0 && TryKillAll()) { Thread.Sleep(1); continue; }
            foreach (int pid in pids) Native.Kill(pid, K.SIGKILL);
            // Frozen processes die only once thawed.
            if (round == 0 && IsFrozen()) Freeze(false);
            Thread.Sleep(round < 10 ? 2 : 20);
        }
        RemoveDirs(created, _paths.Values);
    }

    /// <summary>Removes <paramref name="created"/>, deepest first. The container's own cgroups
    /// (<paramref name="own"/>) go with the sub-cgroups made inside them since (for
    /// `exec --cgroup`; runc removes them too); a parent is only removed when empty.</summary>
    private static void RemoveDirs(IReadOnlyList<string> created, IEnumerable<string>? own = null)
    {
        var withSubtree = new HashSet<string>(own ?? Array.Empty<string>());
        for (int i = created.Count - 1; i >= 0; i--)
        {
            if (withSubtree.Contains(created[i]))
                foreach (string dir in SubtreeDeepestFirst(created[i])) RemoveDir(dir);
            else
                RemoveDir(created[i]);
        }
    }

    private static void RemoveDir(string dir)
    {
        // A killed process leaves its cgroup a moment after it dies: retry EBUSY briefly.
        for (int attempt = 0; attempt < 200; attempt++)
        {
            try { Directory.Delete(dir); break; }
            catch (DirectoryNotFoundException) { break; }
            catch (IOException) when (attempt < 199) { Thread.Sleep(5); }
            catch (IOException) { break; }
        }
    }
}

public sealed class CgroupV1Manager : CgroupFsManager
{
    public CgroupV1Manager(Dictionary<string, string> paths) : base(paths) { }

    public override void Apply(Csrun.Runtime.Spec.LinuxResources? resources, IEnumerable<Csrun.Runtime.Spec.LinuxDevice>? devices, bool forCreate = true)
    {
        var settings = ResourcePlanner.ForV1(resources, devices, forCreate);
        for (int i = 0; i < settings.Count; i++)
        {
            var setting = settings[i];
            // runc's rootless manager: the device rules are not expected to work without root.
            if (Rootless && setting.Controller == "devices")
            {
                if (TryDirOf(setting) is { } devicesDir)
                    try { Write(devicesDir, setting); } catch (CgroupException) { }
                continue;
            }
            string dir = DirOf(setting);
            try { Write(dir, setting); }
            catch (CgroupException) when (setting.File == "memory.limit_in_bytes" && settings.FindIndex(s => s.File == "memory.memsw.limit_in_bytes") is int swap && swap > i)
            {
                // Raising the limit above the current memory+swap limit: swap must grow first.
                Write(dir, settings[swap]);
                Write(dir, setting);
            }
        }
    }

    private string? TryDirOf(CgroupSetting setting)
    {
        foreach (var (key, path) in Paths)
            if (key.Split(',').Contains(setting.Controller)) return path;
        return null;
    }

    private string DirOf(CgroupSetting setting)
    {
        if (TryDirOf(setting) is { } dir) return dir;
        if (SkippedBecause(setting.Controller) is { } why)
            throw new CgroupException($"cannot set {setting.Controller} limit ({setting.File}): a rootless container could not join or create its cgroup: {why}; give the user a delegated cgroup as linux.cgroupsPath, or drop the limit");
        throw new CgroupException($"linux.resources: the {setting.Controller} cgroup controller is not mounted on this host (needed for {setting.File})");
    }

    public override void Freeze(bool frozen)
    {
        if (Paths.Count == 0)
            throw new CgroupException("cannot toggle freezer: cgroups not configured for container (a rootless container without a writable cgroup)");
        if (!Paths.TryGetValue("freezer", out var dir))
            throw new CgroupException("the freezer cgroup controller is not mounted on this host");
        string file = Path.Combine(dir, "freezer.state");
        string want = frozen ? "FROZEN" : "THAWED";
        Sys.WriteFile(file, want);
        WaitUntil(() =>
        {
            string now = File.ReadAllText(file).Trim();
            // A freeze can stall on a task in an uninterruptible wait: asking again moves it on.
            if (now == "FREEZING") Sys.WriteFile(file, want);
            return now == want;
        }, $"write {file} {want}");
    }

    /// <summary>A new v1 cpuset starts with no cpus and no mems, and refuses tasks until given
    /// some: inherit the parent's, as runc does.</summary>
    protected override void InitializeDir(string key, string dir)
    {
        if (!key.Split(',').Contains("cpuset")) return;
        string parent = Path.GetDirectoryName(dir)!;
        foreach (var file in new[] { "cpuset.cpus", "cpuset.mems" })
        {
            string own = Path.Combine(dir, file);
            if (File.ReadAllText(own).Trim().Length > 0) continue;
            try { Sys.WriteFile(own, File.ReadAllText(Path.Combine(parent, file)).Trim()); }
            catch (SyscallException e) { throw new CgroupException($"initialize cpuset: {e.Message}"); }
        }
    }

    protected override string? PidSource()
    {
        foreach (var key in new[] { "pids", "memory", "freezer", "cpu,cpuacct", "cpu", "devices" })
            if (Paths.TryGetValue(key, out var dir)) return dir;
        foreach (var dir in Paths.Values) return dir;
        return null;
    }

    public override bool IsFrozen()
    {
        if (!Paths.TryGetValue("freezer", out var dir)) return false;
        // FREEZING: asked to freeze, and a task (a new exec, say) is not frozen yet: still paused.
        try { return File.ReadAllText(Path.Combine(dir, "freezer.state")).Trim() is "FROZEN" or "FREEZING"; }
        catch (IOException) { return false; }
    }
}

public sealed class CgroupV2Manager : CgroupFsManager
{
    public CgroupV2Manager(Dictionary<string, string> paths) : base(paths) { }

    public override void Freeze(bool frozen)
    {
        string dir = Paths[""];
        Sys.WriteFile(Path.Combine(dir, "cgroup.freeze"), frozen ? "1" : "0");
        WaitUntil(() => IsFrozen() == frozen, $"write {Path.Combine(dir, "cgroup.freeze")}");
    }

    public override void Apply(Csrun.Runtime.Spec.LinuxResources? resources, IEnumerable<Csrun.Runtime.Spec.LinuxDevice>? devices, bool forCreate = true)
    {
        var settings = ResourcePlanner.ForV2(resources);
        if (!Paths.TryGetValue("", out var dir))
        {
            // Left out (rootless, not writable): fine only while nothing needs the cgroup.
            if (settings.Count == 0) return;
            throw new CgroupException($"a rootless container with limits needs a cgroup it may write: {SkippedBecause("")}; give the user a delegated cgroup as linux.cgroupsPath, or drop linux.resources");
        }
        if (forCreate || resources?.Devices is not null)
        {
            // cgroup v2 has no devices files: the rules become an eBPF program on the cgroup.
            var program = DeviceFilterProgram.Compile(DeviceFilterProgram.RulesFor(resources?.Devices, devices));
            try { Bpf.AttachDeviceProgram(program, dir); }
            // Loading a program needs CAP_BPF/CAP_SYS_ADMIN: runc's rootless manager goes on without.
            catch (SyscallException) when (Rootless) { }
            catch (SyscallException e) { throw new CgroupException($"device rules: {e.Message}"); }
        }
        // At create every available controller is enabled down to the container (as runc does):
        // accounting starts with the first process, so stats and later updates see it all.
        if (forCreate) EnableControllers(dir, null);
        if (settings.Count == 0) return;
        EnableControllers(dir, settings.Select(s => s.Controller).Where(c => c != "cgroup").Distinct().ToList());
        foreach (var setting in settings)
        {
            // A kernel without swap accounting has no swap files: "no limit" and "no swap" are
            // then true as they are (runc skips them too); a real swap limit is an error.
            if (setting.File == "memory.swap.max" && (setting.Value is "max" or "0") && !File.Exists(Path.Combine(dir, setting.File))) continue;
            Write(dir, setting);
        }
    }

    /// <summary>A v2 controller's files appear only when every ancestor enables it for its
    /// children. With <paramref name="controllers"/> null: every controller each ancestor has,
    /// best effort (one that cannot be enabled is an error only when a setting needs it).</summary>
    private static void EnableControllers(string dir, List<string>? controllers)
    {
        bool bestEffort = controllers is null;
        if (controllers is { Count: 0 }) return;
        var ancestors = new Stack<string>();
        for (string? d = Path.GetDirectoryName(dir); d is not null && d.StartsWith(CgroupHierarchies.Root, StringComparison.Ordinal); d = Path.GetDirectoryName(d))
            ancestors.Push(d);
        foreach (var ancestor in ancestors)
        {
            var available = File.ReadAllText(Path.Combine(ancestor, "cgroup.controllers")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var enabled = File.ReadAllText(Path.Combine(ancestor, "cgroup.subtree_control")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var controller in controllers ?? available.ToList())
            {
                if (enabled.Contains(controller)) continue;
                if (!available.Contains(controller))
                    throw new CgroupException($"linux.resources: the {controller} controller is not available in {ancestor} (cgroup.controllers: {string.Join(' ', available)})");
                try { Sys.WriteFile(Path.Combine(ancestor, "cgroup.subtree_control"), "+" + controller); }
                catch (SyscallException) when (bestEffort) { }
                catch (SyscallException e) { throw new CgroupException($"enable the {controller} controller in {ancestor}: {SyscallException.Describe(e.Errno)}"); }
            }
        }
    }

    protected override string? PidSource() => Paths.TryGetValue("", out var dir) ? dir : null;

    public override bool TryKillAll()
    {
        string file = Path.Combine(Paths[""], "cgroup.kill");
        if (!File.Exists(file)) return false;
        Sys.WriteFile(file, "1");
        return true;
    }

    public override int OpenForClone() =>
        Sys.Open(Paths[""], K.O_PATH | K.O_DIRECTORY);

    public override bool IsFrozen()
    {
        try
        {
            foreach (var line in File.ReadAllLines(Path.Combine(Paths[""], "cgroup.events")))
                if (line == "frozen 1") return true;
        }
        catch (IOException) { }
        return false;
    }
}

public sealed class CgroupException : Exception
{
    public CgroupException(string message) : base(message) { }

    /// <summary>The kernel said EACCES, EPERM or EROFS: the caller lacks the right, not the host the feature.</summary>
    public bool PermissionDenied { get; init; }
}
