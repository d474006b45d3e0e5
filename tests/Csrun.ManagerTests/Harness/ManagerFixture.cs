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
/// insists on creating outside it when they were not there before.
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
        Directory.CreateDirectory(Dir);
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

    /// <summary>Processes that belong to this manager: started by us, naming our dir, or in our cgroups.</summary>
    public IReadOnlyList<ProcId> OurProcesses()
    {
        var pids = new HashSet<int>();
        int self = Environment.ProcessId;
        foreach (int pid in Procs.AllPids())
        {
            if (pid == self) continue;
            string? cmd = Procs.Cmdline(pid);
            if (cmd is not null && cmd.Contains(Dir, StringComparison.Ordinal)) pids.Add(pid);
        }
        foreach (string dir in Cgroups.CandidateDirs(CgroupParent))
            foreach (int pid in Cgroups.ProcsIn(dir))
                pids.Add(pid);
        lock (_started)
            foreach (ProcId id in _started)
                if (Procs.IsAlive(id)) pids.Add(id.Pid);
        return pids.Select(Procs.Identify).Where(i => i is not null && Procs.IsAlive(i.Value))
                   .Select(i => i!.Value).ToList();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try { TearDown(); }
        catch (Exception e) { Note("teardown: " + e.Message); }

        // What the polite stop left: kill by PID (start time checked), a few rounds, since a
        // dying shim or conmon may still reap or spawn.
        for (int round = 0; round < 5; round++)
        {
            var left = OurProcesses();
            if (left.Count == 0) break;
            foreach (ProcId id in left)
                if (Procs.IsAlive(id))
                {
                    Note($"killing leftover {id}: {Procs.Cmdline(id.Pid)}");
                    Procs.Signal(id.Pid, Procs.SIGKILL);
                }
            Cmd.WaitUntil(() => left.All(i => !Procs.IsAlive(i)), TimeSpan.FromSeconds(3));
        }

        // Mounts under our dir (overlay rootfs, shm, netns files) are the managers' doing: ours.
        foreach (MountInfo m in Mounts.Under(Dir).OrderByDescending(m => m.MountPoint.Length))
            if (!Env.Unmount(m.MountPoint))
                Note($"cannot unmount {m.MountPoint}");

        foreach (string dir in Cgroups.CandidateDirs(CgroupParent))
            if (Directory.Exists(dir))
                foreach (string d in Cgroups.DepthFirst(dir))
                    try { Directory.Delete(d); }
                    catch (IOException e) { Note($"cannot remove cgroup {d}: {e.Message}"); }

        foreach (string problem in OutsideDroppings.Release(_outsideDroppings))
            Note("cannot remove " + problem);

        if (Mounts.Under(Dir).Count == 0)
        {
            try { Directory.Delete(Dir, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Note($"cannot remove {Dir}: {e.Message}"); }
        }
        else Note($"{Dir} kept: something is still mounted under it");
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
