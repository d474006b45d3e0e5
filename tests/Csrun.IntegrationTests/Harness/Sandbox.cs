using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Csrun.IntegrationTests.Harness;

/// <summary>
/// Per-test environment: a private temp dir /tmp/csrun-it-&lt;random&gt; holding the --root state dir,
/// the bundles and the captured stdio files; unique container ids (it-&lt;test&gt;-&lt;random&gt;) and
/// relative cgroupsPaths csrun-it-&lt;random&gt;/it-&lt;test&gt;-&lt;random&gt;-bN. The parent cgroup is per test,
/// not shared: a shared parent that one test (or a runtime removing empty parents) rmdirs while another
/// test's runtime is between mkdir parent and mkdir child makes that create fail with ENOENT. Use with <c>using var sb = new Sandbox(output);</c>:
/// Dispose runs even when the test fails and cleans up (see <see cref="Dispose"/>).
/// </summary>
public sealed class Sandbox : IDisposable
{
    private readonly ITestOutputHelper _out;
    private readonly string _short;
    private readonly HashSet<string> _live = new();          // ids that may exist in Root
    private readonly HashSet<ProcId> _pids = new();          // container processes observed (pid files, state)
    private readonly List<Bundle> _bundles = new();
    private readonly List<string> _netns = new();
    private readonly object _lock = new();
    private int _bundleSeq;
    private bool _disposed;

    public Sandbox(ITestOutputHelper output, [CallerMemberName] string testName = "")
        : this(output, privateRuntimeCopy: false, testName)
    {
    }

    /// <param name="privateRuntimeCopy">Run a copy of the runtime binary made in the test's
    /// temp dir (<see cref="Runtime.Binary"/>), for tests whose attack may overwrite the binary
    /// it targets: the real one stays intact whatever happens. Cleanup uses the original.</param>
    public Sandbox(ITestOutputHelper output, bool privateRuntimeCopy, [CallerMemberName] string testName = "")
    {
        _out = output;
        _short = Sanitize(testName);
        string rnd = Rand(8);
        Name = $"it-{_short}-{rnd}";
        CgroupParent = "csrun-it-" + rnd;
        BaseDir = Path.Combine("/tmp", "csrun-it-" + rnd);
        Directory.CreateDirectory(BaseDir);
        Root = Path.Combine(BaseDir, "root");
        string binary = Paths.RuntimeBinary;
        if (privateRuntimeCopy)
        {
            string copy = Path.Combine(BaseDir, "runtime-copy");
            File.Copy(binary, copy); // keeps the mode
            binary = copy;
        }
        R = new Runtime(binary, Root, Path.Combine(BaseDir, "io"), output)
        {
            BeforeRun = OnBeforeRun,
            AfterRun = OnAfterRun,
        };
        _cleanup = privateRuntimeCopy ? new Runtime(Paths.RuntimeBinary, Root, Path.Combine(BaseDir, "io-cleanup"), output) : R;
        _out.WriteLine($"sandbox {Name}: base={BaseDir} runtime={R.Binary}");
    }

    private readonly Runtime _cleanup;

    /// <summary>it-&lt;test&gt;-&lt;random&gt;; also the default container id.</summary>
    public string Name { get; }
    public string BaseDir { get; }
    /// <summary>Parent of this test's cgroupsPaths (relative), unique to the test.</summary>
    public string CgroupParent { get; }
    /// <summary>The private --root of this test.</summary>
    public string Root { get; }
    public Runtime R { get; }
    public ITestOutputHelper Output => _out;
    public IReadOnlyList<Bundle> Bundles => _bundles;

    // ---------------------------------------------------------------- factories

    /// <summary>A fresh unique container id it-&lt;test&gt;-&lt;random&gt;.</summary>
    public string NewId() => $"it-{_short}-{Rand(8)}";

    /// <summary>A new bundle (copy of the shared rootfs) whose process runs <paramref name="args"/>.</summary>
    public Bundle NewBundle(params string[] args)
    {
        int n = Interlocked.Increment(ref _bundleSeq);
        var b = new Bundle(Path.Combine(BaseDir, "b" + n), $"{CgroupParent}/{Name}-b{n}",
            args.Length > 0 ? args : ["sh", "-c", "true"]);
        lock (_lock) _bundles.Add(b);
        return b;
    }

    /// <summary>A directory of the host under this test's temp dir.</summary>
    public string HostDir(string name)
    {
        string d = Path.Combine(BaseDir, name);
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>Creates a named network namespace with `ip netns add` (deleted in Dispose); returns its path.</summary>
    public string NewNetns()
    {
        string name = "csrun-it-" + Rand(8);
        Host.Check("/usr/sbin/ip", "netns", "add", name);
        lock (_lock) _netns.Add(name);
        return "/run/netns/" + name;
    }

    // ---------------------------------------------------------------- runtime commands

    public RuntimeResult Exec(params string[] args) => R.Run(args, null);
    public RuntimeResult Exec(RunOptions options, params string[] args) => R.Run(args, options);

    public RuntimeResult Create(Bundle b, string id, params string[] extra)
    {
        b.Save();
        return R.Run(["create", "--bundle", b.Dir, .. extra, id], null);
    }

    /// <summary>Foreground run: the container's stdout/stderr are run's (captured in files).</summary>
    public RuntimeResult Run(Bundle b, string id, RunOptions? options = null, params string[] extra)
    {
        b.Save();
        return R.Run(["run", "--bundle", b.Dir, .. extra, id], options);
    }

    public RuntimeResult Start(string id) => R.Run(["start", id], null);
    public RuntimeResult State(string id) => R.Run(["state", id], null);

    public RuntimeResult Kill(string id, params string[] signalAndFlags)
    {
        // flags (e.g. --all) go before the id, the signal after it
        var flags = signalAndFlags.Where(a => a.StartsWith('-') && a.Length > 1 && !char.IsDigit(a[1])).ToArray();
        var rest = signalAndFlags.Except(flags).ToArray();
        return R.Run(["kill", .. flags, id, .. rest], null);
    }

    public RuntimeResult Delete(string id, bool force = false) =>
        R.Run(force ? ["delete", "--force", id] : ["delete", id], null);

    /// <summary>create + start, both asserted to succeed.</summary>
    public RuntimeResult CreateAndStart(Bundle b, string id, params string[] createExtra)
    {
        RuntimeResult c = Create(b, id, createExtra).AssertSuccess("create");
        Start(id).AssertSuccess("start");
        return c;
    }

    /// <summary>Runs `state ID`, asserts success and parses the JSON.</summary>
    public JsonObject StateJson(string id)
    {
        RuntimeResult r = State(id).AssertSuccess("state");
        try { return JsonNode.Parse(r.Stdout)!.AsObject(); }
        catch (Exception e) { throw new XunitException($"state output is not a JSON object ({e.Message}): {r.Describe()}"); }
    }

    public string Status(string id) => StateJson(id)["status"]!.GetValue<string>();

    /// <summary>The host pids `ps --format json` lists for the container, sorted.</summary>
    public int[] ContainerPids(string id) =>
        JsonNode.Parse(R.Run(["ps", "--format", "json", id], null).AssertSuccess("ps").Stdout)!.AsArray()
            .Select(n => n!.GetValue<int>()).Order().ToArray();

    /// <summary>Polls `state` until status equals <paramref name="status"/> (default up to 10 s).</summary>
    public void WaitForStatus(string id, string status, TimeSpan? timeout = null)
    {
        string last = "";
        Wait.AssertUntil(() =>
            {
                RuntimeResult r = State(id);
                last = r.Describe();
                if (!r.Success) return false;
                try { return JsonNode.Parse(r.Stdout)?["status"]?.GetValue<string>() == status; }
                catch { return false; }
            }, timeout ?? TimeSpan.FromSeconds(10),
            () => $"container {id} never reached status '{status}'; last: {last}");
    }

    /// <summary>Stops tracking an id the test has checked is gone (a failed create), so that
    /// Dispose does not run state/delete for each of thousands of them.</summary>
    public void Untrack(string id)
    {
        lock (_lock) _live.Remove(id);
    }

    /// <summary>Remembers a container process so that Dispose can kill it if it is still alive.</summary>
    public void TrackPid(int pid)
    {
        if (Procs.Identify(pid) is { } p)
            lock (_lock) _pids.Add(p);
    }

    private void OnBeforeRun(IReadOnlyList<string> args)
    {
        string? cmd = args.FirstOrDefault(a => !a.StartsWith('-'));
        if (cmd is "create" or "run" && args.Count > 1)
            lock (_lock) _live.Add(args[^1]);
    }

    private void OnAfterRun(IReadOnlyList<string> args, RuntimeResult r)
    {
        string? cmd = args.FirstOrDefault(a => !a.StartsWith('-'));
        if (cmd == "state" && r.Success)
        {
            try
            {
                if (JsonNode.Parse(r.Stdout)?["pid"]?.GetValue<int>() is int pid and > 0) TrackPid(pid);
            }
            catch { /* malformed state output is the test's business */ }
        }
        if (cmd is "create" or "run")
        {
            int i = args.ToList().FindIndex(a => a is "--pid-file" or "-pid-file");
            if (i >= 0 && i + 1 < args.Count && File.Exists(args[i + 1]) &&
                int.TryParse(File.ReadAllText(args[i + 1]).Trim(), out int pid))
                TrackPid(pid);
        }
        if (cmd == "delete" && r.Success && args.Count > 1)
            lock (_lock) _live.Remove(args[^1]);
    }

    // ---------------------------------------------------------------- cleanup

    /// <summary>
    /// Cleanup, also after a failed test: `delete --force` every id that may exist; kill (by PID, with
    /// start-time check) container processes this test observed and runtime processes it killed on
    /// timeout; kill what is still inside this test's own cgroups, rmdir them deepest first; delete the
    /// test's network namespaces; remove the temp dir unless something is still mounted below it
    /// (nothing is unmounted that the test did not mount). Never throws.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        R.BeforeRun = null;
        string[] live;
        lock (_lock) live = _live.ToArray();

        foreach (string id in live)
        {
            Try($"state {id}", () =>
            {
                RuntimeResult s = _cleanup.Run(["state", id], new RunOptions { Timeout = TimeSpan.FromSeconds(5) });
                if (s.Success && JsonNode.Parse(s.Stdout)?["pid"]?.GetValue<int>() is int pid and > 0) TrackPid(pid);
            });
            Try($"delete --force {id}", () =>
                _cleanup.Run(["delete", "--force", id], new RunOptions { Timeout = TimeSpan.FromSeconds(20) }));
        }

        ProcId[] pids;
        lock (_lock) pids = _pids.Concat(R.KilledOnTimeout).Concat(_cleanup == R ? [] : _cleanup.KilledOnTimeout).ToArray();
        foreach (ProcId p in pids)
            if (Procs.IsAlive(p))
            {
                _out.WriteLine($"cleanup: killing leftover pid {p} ({Procs.Cmdline(p.Pid)})");
                Procs.Signal(p.Pid, Procs.SIGKILL);
            }

        foreach (Bundle b in _bundles)
            Try($"cgroups of {b.CgroupsPath}", () => RemoveCgroups(b.CgroupsPath));
        Try($"cgroups of {CgroupParent}", () => RemoveCgroups(CgroupParent));

        foreach (string ns in _netns)
            Try($"ip netns delete {ns}", () => Host.Run("/usr/sbin/ip", "netns", "delete", ns));

        Try("remove " + BaseDir, () =>
        {
            IReadOnlyList<MountInfo> mounts = Mounts.Under(BaseDir);
            if (mounts.Count > 0)
            {
                _out.WriteLine($"cleanup: NOT removing {BaseDir}: still mounted below it:\n  " +
                               string.Join("\n  ", mounts));
                return;
            }
            Directory.Delete(BaseDir, true);
        });
    }

    private void RemoveCgroups(string cgroupsPath)
    {
        List<string> dirs = Cgroups.ExistingDirs(cgroupsPath).ToList();
        if (dirs.Count == 0) return;
        // Every process in this test's own (uniquely named) cgroup belongs to this test's container.
        foreach (string d in dirs)
            foreach (int pid in Cgroups.ProcsIn(d))
            {
                _out.WriteLine($"cleanup: killing pid {pid} left in {d} ({Procs.Cmdline(pid)})");
                Procs.Signal(pid, Procs.SIGKILL);
            }
        Wait.Until(() => dirs.All(d => Cgroups.ProcsIn(d).All(p => !Procs.IsAlive(p))), TimeSpan.FromSeconds(5));
        foreach (string d in dirs)
        {
            foreach (string sub in Cgroups.DepthFirst(d).ToList())
            {
                // zombies not yet reaped by pid 1 keep a cgroup busy for a moment: retry
                bool ok = Wait.Until(() =>
                {
                    try { Directory.Delete(sub, false); return true; }
                    catch (DirectoryNotFoundException) { return true; }
                    catch (IOException) { return false; }
                }, TimeSpan.FromSeconds(5), 100);
                if (!ok) _out.WriteLine($"cleanup: cannot rmdir {sub}");
            }
        }
    }

    private void Try(string what, Action a)
    {
        try { a(); }
        catch (Exception e) { _out.WriteLine($"cleanup: {what}: {e.GetType().Name}: {e.Message}"); }
    }

    // ---------------------------------------------------------------- helpers

    public static string Rand(int n) => Guid.NewGuid().ToString("N")[..n];

    private static string Sanitize(string s)
    {
        string t = new string(s.Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.').ToArray());
        if (t.Length == 0) t = "test";
        return t.Length > 40 ? t[..40] : t;
    }
}
