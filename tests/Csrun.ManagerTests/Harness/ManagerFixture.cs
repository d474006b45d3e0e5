using System.Diagnostics;
using System.Text;
using Csrun.IntegrationTests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Csrun.ManagerTests.Harness;

/// <summary>
/// One manager (containerd, dockerd, podman) set up for the test run, with everything private:
/// a temp dir /tmp/csrun-mt-KIND-RND holding its root, state, sockets, config and logs, and a
/// relative cgroup parent "csrun-mt-KIND-RND" (placed below this process's own cgroup in every
/// hierarchy, as a runtime places a relative cgroupsPath). Dispose (also when a test or the
/// set-up failed) stops the daemons it started, kills by PID what is left of them (processes
/// whose command line names the temp dir, and those in the cgroup parent), unmounts what is
/// mounted under the temp dir, removes the cgroups, the temp dir, and the few files a manager
/// insists on creating outside it when they were not there before. A run that was killed before
/// its Dispose is cleaned up the same way by the next run (see <see cref="SweepStaleRuns"/>).
/// </summary>
public abstract class ManagerFixture : IDisposable
{
    private readonly List<string> _outsideDroppings = new();
    private readonly List<ProcId> _started = new();
    private readonly StringBuilder _log = new();
    private bool _disposed;

    protected ManagerFixture(string kind)
    {
        Kind = kind;
        Name = $"csrun-mt-{kind}-{Env.Rand(6)}";
        Dir = Path.Combine("/tmp", Name);
        CgroupParent = Name;
        _ = s_staleSwept.Value;
        Directory.CreateDirectory(Dir);
        WriteOwner(Dir);
        Directory.CreateDirectory(IoDir);
        try
        {
            var sw = Stopwatch.StartNew();
            Cmd.Run([Env.ImageScript, ImageDir, Env.Image], IoDir).AssertSuccess("building the busybox image");
            Note($"image built in {sw.ElapsedMilliseconds} ms");
            SetUp();
            Note($"{kind} ready after {sw.ElapsedMilliseconds} ms");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Kind { get; }
    public string Name { get; }
    public string Dir { get; }
    public string IoDir => Path.Combine(Dir, "io");
    public string ImageDir => Path.Combine(Dir, "image");
    /// <summary>Relative cgroup parent for every container of this manager.</summary>
    public string CgroupParent { get; }

    protected abstract void SetUp();

    /// <summary>Stops containers and daemons the polite way; errors are only logged.</summary>
    protected abstract void TearDown();

    /// <summary>A container name unique across test runs sharing the machine.</summary>
    public string NewName(string stem) => $"mt-{stem}-{Env.Rand(6)}";

    protected void Note(string line)
    {
        lock (_log) _log.AppendLine(line);
    }

    /// <summary>A file or dir the manager will create outside our temp dir (see <see cref="OutsideDroppings"/>).</summary>
    protected void WillCreateOutside(string path, bool isDir)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            File.AppendAllText(Path.Combine(Dir, "droppings"), (isDir ? "d " : "f ") + path + "\n");
        OutsideDroppings.Hold(path, isDir);
        _outsideDroppings.Add(path);
    }

    protected Process StartDaemon(IReadOnlyList<string> argv, string logName, IReadOnlyDictionary<string, string>? env = null)
    {
        Process p = Cmd.Start(argv, Path.Combine(Dir, logName), env);
        if (Procs.Identify(p.Id) is { } id) lock (_started) _started.Add(id);
        return p;
    }

    protected void WaitReady(string what, Func<bool> ready, Process daemon, string logName, TimeSpan within)
    {
        if (Cmd.WaitUntil(() => ready() || daemon.HasExited, within, 100) && !daemon.HasExited)
            return;
        string tail = string.Join('\n', Cmd.SafeRead(Path.Combine(Dir, logName)).Split('\n').TakeLast(30));
        throw new XunitException($"{what} did not come up within {within.TotalSeconds:F0}s " +
                                 $"(exited: {daemon.HasExited}); last lines of its log:\n{tail}");
    }

    /// <summary>SIGTERM, then SIGKILL after the grace period, for a daemon we started.</summary>
    protected static void Stop(Process p, TimeSpan grace)
    {
        if (p.HasExited) return;
        Procs.Signal(p.Id, 15);
        if (!p.WaitForExit(grace))
        {
            Procs.Signal(p.Id, Procs.SIGKILL);
            p.WaitForExit(5000);
        }
    }

    /// <summary>Processes that belong to a manager's run: naming its dir, in its cgroups, or in <paramref name="started"/>.</summary>
    private static IReadOnlyList<ProcId> ProcessesOf(string dir, string cgroupParent, IEnumerable<ProcId> started)
    {
        var pids = new HashSet<int>();
        int self = Environment.ProcessId;
        foreach (int pid in Procs.AllPids())
        {
            if (pid == self) continue;
            string? cmd = Procs.Cmdline(pid);
            if (cmd is not null && cmd.Contains(dir, StringComparison.Ordinal)) pids.Add(pid);
        }
        foreach (string cg in Cgroups.CandidateDirs(cgroupParent))
            foreach (int pid in Cgroups.ProcsIn(cg))
                pids.Add(pid);
        foreach (ProcId id in started)
            if (Procs.IsAlive(id)) pids.Add(id.Pid);
        return pids.Select(Procs.Identify).Where(i => i is not null && Procs.IsAlive(i.Value))
                   .Select(i => i!.Value).ToList();
    }

    /// <summary>
    /// Kills by PID (start time checked) what is left of a manager's run, a few rounds since a
    /// dying shim or conmon may still reap or spawn; unmounts what is mounted under its dir
    /// (overlay rootfs, shm, netns files: the managers' doing), removes its cgroups and its dir.
    /// </summary>
    private static void CleanUp(string dir, string cgroupParent, IReadOnlyList<ProcId> started, Action<string> note)
    {
        for (int round = 0; round < 5; round++)
        {
            var left = ProcessesOf(dir, cgroupParent, started);
            if (left.Count == 0) break;
            foreach (ProcId id in left)
                if (Procs.IsAlive(id))
                {
                    note($"killing leftover {id}: {Procs.Cmdline(id.Pid)}");
                    Procs.Signal(id.Pid, Procs.SIGKILL);
                }
            Cmd.WaitUntil(() => left.All(i => !Procs.IsAlive(i)), TimeSpan.FromSeconds(3));
        }

        foreach (MountInfo m in Mounts.Under(dir).OrderByDescending(m => m.MountPoint.Length))
            if (!Env.Unmount(m.MountPoint))
                note($"cannot unmount {m.MountPoint}");

        foreach (string cg in Cgroups.CandidateDirs(cgroupParent))
            if (Directory.Exists(cg))
                foreach (string d in Cgroups.DepthFirst(cg))
                    try { Directory.Delete(d); }
                    catch (IOException e) { note($"cannot remove cgroup {d}: {e.Message}"); }

        if (Mounts.Under(dir).Count == 0)
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { note($"cannot remove {dir}: {e.Message}"); }
        }
        else note($"{dir} kept: something is still mounted under it");
    }

    private static readonly Lazy<bool> s_staleSwept = new(SweepStaleRuns);

    /// <summary>
    /// A test run that was killed (its Dispose never ran) leaves its daemons behind. Each run's
    /// dir holds an "owner" file (PID and start time of the test process): a dir whose owner is
    /// gone is cleaned up as its own run would have. Other live runs are left alone.
    /// </summary>
    private static bool SweepStaleRuns()
    {
        foreach (string dir in Directory.EnumerateDirectories("/tmp", "csrun-mt-*"))
        {
            string[] owner = Cmd.SafeRead(Path.Combine(dir, "owner")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (owner.Length != 2 || !int.TryParse(owner[0], out int pid) || !ulong.TryParse(owner[1], out ulong start))
                continue;
            if (Procs.IsAlive(new ProcId(pid, start)))
                continue;
            string name = Path.GetFileName(dir);
            string[] droppings = Cmd.SafeRead(Path.Combine(dir, "droppings")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            CleanUp(dir, name, [], line => Console.Error.WriteLine($"[stale {name}] {line}"));
            foreach (string d in droppings)
            {
                string path = d[2..];
                try
                {
                    if (d[0] == 'd' && Directory.Exists(path) && !Directory.EnumerateFileSystemEntries(path).Any()) Directory.Delete(path);
                    else if (d[0] == 'f' && File.Exists(path)) File.Delete(path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        }
        return true;
    }

    private static void WriteOwner(string dir)
    {
        ProcId me = Procs.Identify(Environment.ProcessId)!.Value;
        File.WriteAllText(Path.Combine(dir, "owner"), $"{me.Pid} {me.StartTime}");
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try { TearDown(); }
        catch (Exception e) { Note("teardown: " + e.Message); }
        List<ProcId> started;
        lock (_started) started = _started.ToList();
        CleanUp(Dir, CgroupParent, started, Note);
        foreach (string problem in OutsideDroppings.Release(_outsideDroppings))
            Note("cannot remove " + problem);
        string notes;
        lock (_log) notes = _log.ToString();
        if (notes.Length > 0) Console.Error.WriteLine($"[{Name}] " + notes.TrimEnd().Replace("\n", $"\n[{Name}] "));
    }

    // ------------------------------------------------------------- assertions shared by tests

    /// <summary>Polls until no cgroup dir is left for this cgroups path in any hierarchy.</summary>
    public void AssertCgroupGone(string relPath, ITestOutputHelper log)
    {
        string full = CgroupParent + "/" + relPath;
        if (!Cmd.WaitUntil(() => Cgroups.ExistingDirs(full).Count == 0, TimeSpan.FromSeconds(5)))
            throw new XunitException("cgroup left behind: " + string.Join(", ", Cgroups.ExistingDirs(full)));
        log.WriteLine($"no cgroup left for {full}");
    }

    /// <summary>The runtime under test itself knows the container, in this status: the manager did use it.</summary>
    public void AssertRuntimeState(string root, string id, string status, ITestOutputHelper log)
    {
        CmdResult st = Cmd.Run([Env.Runtime, "--root", root, "state", id], IoDir, log).AssertSuccess("runtime state");
        using var doc = System.Text.Json.JsonDocument.Parse(st.Stdout);
        Xunit.Assert.Equal(status, doc.RootElement.GetProperty("status").GetString());
    }

    /// <summary>Polls until the runtime's state dir for the container is gone.</summary>
    public static void AssertStateGone(string stateDir, ITestOutputHelper log)
    {
        if (!Cmd.WaitUntil(() => !Directory.Exists(stateDir), TimeSpan.FromSeconds(5)))
            throw new XunitException("runtime state dir left behind: " + stateDir);
        log.WriteLine($"no state dir {stateDir}");
    }
}
