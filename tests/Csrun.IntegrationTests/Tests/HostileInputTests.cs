using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Csrun.IntegrationTests.Tests;

/// <summary>
/// Hostile and broken input, races and crashes: whatever comes, csrun answers with success or
/// one error line, never hangs or crashes, and leaves no state dir, cgroup, mount or process.
/// Counts come from CSRUN_FUZZ_CASES (default 2000) and CSRUN_CRASH_REPS (default 100 per
/// command); the cgroup v2 VM run sets lower ones.
/// </summary>
[Trait("Category", "Hostile")]
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private static int EnvCount(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int n) && n > 0 ? n : fallback;

    /// <summary>What a crash of the .NET runtime (or the process) looks like on stderr.</summary>
    private static readonly string[] CrashSigns =
    {
        "Unhandled exception", "Unhandled Exception", "   at ", "Stack overflow", "Segmentation fault", "Process terminated",
        "System.", "Fatal error", "core dumped",
    };

    private static void AssertNoCrash(RuntimeResult r, string what)
    {
        foreach (string sign in CrashSigns)
            if (r.Stderr.Contains(sign, StringComparison.Ordinal) || r.Stdout.Contains(sign, StringComparison.Ordinal))
                throw new XunitException($"{what}: crash signature \"{sign}\": {r.Describe()}");
        // 128+n: killed by a signal (SIGABRT from a fail-fast, SIGSEGV...).
        if (r.ExitCode > 128)
            throw new XunitException($"{what}: died of signal {r.ExitCode - 128}: {r.Describe()}");
    }

    /// <summary>Everything a container with this id, bundle and cgroupsPath could leave behind.
    /// A leaked process is any live one whose command line, cwd or root is in the bundle
    /// (skipped with <paramref name="processes"/> false: the fuzzer scans processes for
    /// several cases at once, which finds a leak of any of them, named by its id).</summary>
    private static List<string> LeaksOf(Sandbox sb, string bundleDir, string id, string cgroupsPath, bool processes = true)
    {
        var problems = new List<string>();
        if (Directory.Exists(Path.Combine(sb.Root, id))) problems.Add($"state dir {id}");
        foreach (string d in Cgroups.ExistingDirs(cgroupsPath).Concat(Cgroups.ExistingDirs(id)))
            problems.Add("cgroup " + d);
        foreach (var m in Mounts.Under(bundleDir)) problems.Add("mount " + m);
        if (!processes) return problems;
        // One read per process: csrun (and the fork that becomes init) name the bundle on
        // their command line; init after the switch says "csrun init" and has its root in it.
        // A container process was never started. (Anything in the container's cgroup keeps
        // the cgroup, found above.)
        int self = Environment.ProcessId;
        foreach (int pid in Procs.AllPids())
        {
            if (pid == self) continue;
            string? cmd = Procs.Cmdline(pid);
            if (cmd is null) continue;
            bool named = cmd.Contains(bundleDir + " ", StringComparison.Ordinal);
            bool init = !named && cmd.StartsWith("csrun init", StringComparison.Ordinal) &&
                        (Procs.IsUnder(Procs.Link(pid, "root"), bundleDir) || Procs.IsUnder(Procs.Link(pid, "cwd"), bundleDir));
            if ((named || init) && Procs.IsAlive(pid)) problems.Add($"process {pid} ({cmd})");
        }
        return problems;
    }

    /// <summary>
    /// A failure is one line at level=error. Other lines may only be warnings csrun printed
    /// while it validated the config before failing (runc prints its warnings the same way,
    /// as they come); each must be one well-formed level=warning line.
    /// </summary>
    private static void AssertOneErrorLine(RuntimeResult r, string what)
    {
        var lines = r.StderrLines;
        int errors = lines.Count(l => l.Contains(" level=error msg=\"", StringComparison.Ordinal));
        bool othersAreWarnings = lines.All(l =>
            l.StartsWith("time=\"", StringComparison.Ordinal) && l.EndsWith('"') &&
            (l.Contains(" level=error msg=\"", StringComparison.Ordinal) || l.Contains(" level=warning msg=\"", StringComparison.Ordinal)));
        if (errors != 1 || !othersAreWarnings || !lines[^1].Contains(" level=error ", StringComparison.Ordinal))
            throw new XunitException($"{what}: expected one error line (after any warning lines), got {lines.Count} lines: {r.Describe()}");
    }

    private static void AssertNoLeaks(Sandbox sb, string bundleDir, string id, string cgroupsPath, string what, bool processes = true)
    {
        List<string> problems = new();
        // Zombies are reaped by pid 1 a moment later; a leak is what stays.
        bool clean = Wait.Until(() => (problems = LeaksOf(sb, bundleDir, id, cgroupsPath, processes)).Count == 0, TimeSpan.FromSeconds(3), 20);
        if (!clean) throw new XunitException($"{what}: left behind:\n  " + string.Join("\n  ", problems));
    }

    // ------------------------------------------------------------------ fuzz

    /// <summary>
    /// CSRUN_FUZZ_CASES (default 2000) mutated config.json files (see <see cref="ConfigFuzzer"/>),
    /// two workers with a bundle each. Every `create` ends within its timeout, with no crash,
    /// exit 0 or exactly one stderr line; a created container is deleted; after each case its
    /// state dir, cgroups (its cgroupsPath and the id's default), mounts and processes are checked.
    /// CSRUN_FUZZ_SEED replays a run.
    /// </summary>
    [Fact]
    public void Mutated_Configs_Never_Crash_Hang_Or_Leak()
    {
        using var sb = new Sandbox(output);
        int cases = EnvCount("CSRUN_FUZZ_CASES", 2000);
        int seed = EnvCount("CSRUN_FUZZ_SEED", Environment.TickCount & 0x7fffffff);
        output.WriteLine($"fuzz: {cases} cases, seed {seed} (CSRUN_FUZZ_SEED={seed} replays it)");
        sb.R.Verbose = false;
        const int workers = 2;
        var exitCodes = new Dictionary<int, int>();
        var kinds = new Dictionary<string, int>();
        var messages = new Dictionary<string, int>();
        var slowest = (Ms: 0.0, Kind: "");
        var failures = new List<string>();
        var gate = new object();
        var sw = Stopwatch.StartNew();

        void Worker(int w)
        {
            Bundle b = sb.NewBundle("true");
            var fuzzer = new ConfigFuzzer(seed + w, b.Config, b.Dir);
            var options = new RunOptions { Timeout = TimeSpan.FromSeconds(20) };
            for (int i = w; i < cases; i += workers)
            {
                lock (gate) if (failures.Count > 0) return;
                var c = fuzzer.Next();
                File.WriteAllBytes(b.ConfigPath, c.Json);
                string id = $"fz{w}-{i}-{Sandbox.Rand(4)}";
                string what = $"case {i} ({c.Kind}, seed {seed + w})";
                try
                {
                    RuntimeResult r = sb.Exec(options, "create", "--bundle", b.Dir, id);
                    AssertNoCrash(r, what);
                    if (r.ExitCode != 0) AssertOneErrorLine(r, what);
                    else sb.Exec(options, "delete", "--force", id).AssertSuccess(what + ": delete --force");
                    // State dir, cgroups and mounts after every case; processes (a /proc scan)
                    // every 8th case of a worker and after its last: a leaked process names the
                    // bundle, so it is still found, with its id, cases later.
                    bool scan = (i / workers) % 8 == 7 || i + workers >= cases;
                    AssertNoLeaks(sb, b.Dir, id, b.CgroupsPath, what, processes: scan);
                    sb.Untrack(id);
                    lock (gate)
                    {
                        exitCodes[r.ExitCode] = exitCodes.GetValueOrDefault(r.ExitCode) + 1;
                        string kind = c.Kind.Split('+')[0].Split(':')[0];
                        kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
                        if (r.ExitCode != 0)
                        {
                            string msg = r.StderrLines[0];
                            int at = msg.IndexOf("msg=\"", StringComparison.Ordinal);
                            msg = at >= 0 ? msg[(at + 5)..] : msg;
                            msg = msg.Length > 48 ? msg[..48] : msg;
                            messages[msg] = messages.GetValueOrDefault(msg) + 1;
                        }
                        if (r.Elapsed.TotalMilliseconds > slowest.Ms) slowest = (r.Elapsed.TotalMilliseconds, c.Kind);
                    }
                }
                catch (Exception e)
                {
                    // Kept outside the sandbox, which cleanup removes: the case to replay by hand.
                    string keep = Path.Combine("/tmp", "csrun-fuzz-failures");
                    Directory.CreateDirectory(keep);
                    string saved = Path.Combine(keep, $"seed{seed + w}-case{i}.json");
                    File.WriteAllBytes(saved, c.Json);
                    lock (gate) failures.Add($"{what}: {e.Message}\n  (config kept in {saved})");
                    return;
                }
            }
        }

        var threads = Enumerable.Range(0, workers).Select(w => new Thread(() => Worker(w))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        sw.Stop();
        output.WriteLine($"{cases} cases in {sw.Elapsed.TotalSeconds:F1}s; exit codes: " +
                         string.Join(", ", exitCodes.OrderBy(e => e.Key).Select(e => $"{e.Key}: {e.Value}")));
        output.WriteLine("first mutations: " + string.Join(", ", kinds.OrderByDescending(k => k.Value).Select(k => $"{k.Key} {k.Value}")));
        output.WriteLine($"slowest create {slowest.Ms:F0} ms ({slowest.Kind}); most frequent errors:");
        foreach (var (msg, n) in messages.OrderByDescending(m => m.Value).Take(25)) output.WriteLine($"  {n,5}  {msg}");
        if (failures.Count > 0) throw new XunitException(string.Join("\n", failures));
        Assert.Equal(cases, exitCodes.Values.Sum());
        Assert.True(sb.Bundles.Count == workers);
        Assert.Empty(Directory.Exists(sb.Root) ? Directory.GetFileSystemEntries(sb.Root) : []);
    }

    // ------------------------------------------------------------------ concurrency

    /// <summary>Starts the runtime without waiting (stdio to files); for races.</summary>
    private static Process StartRuntime(Sandbox sb, string stem, params string[] args)
    {
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("o=$1 e=$2; shift 2; exec \"$@\" </dev/null >\"$o\" 2>\"$e\"");
        psi.ArgumentList.Add("csrun-it");
        psi.ArgumentList.Add(stem + ".out");
        psi.ArgumentList.Add(stem + ".err");
        psi.ArgumentList.Add(sb.R.Binary);
        psi.ArgumentList.Add("--root");
        psi.ArgumentList.Add(sb.Root);
        foreach (string a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    private static (int Exit, string Out, string Err) Finish(Process p, string stem)
    {
        if (!p.WaitForExit(30_000))
        {
            Procs.Signal(p.Id, Procs.SIGKILL);
            p.WaitForExit();
            throw new XunitException($"runtime process {p.Id} ({stem}) hung: killed");
        }
        int exit = p.ExitCode;
        p.Dispose();
        return (exit, File.ReadAllText(stem + ".out"), File.ReadAllText(stem + ".err"));
    }

    /// <summary>20 `create`s of one id at once: exactly one wins; each other fails with one
    /// line, runc's "container with given ID already exists"; nothing of theirs is left.</summary>
    [Fact]
    public void Parallel_Creates_Of_One_Id_Have_One_Winner()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "30");
        b.Save();
        string id = sb.NewId();
        string io = sb.HostDir("race-io");
        // Registered with the sandbox for cleanup, whatever happens.
        sb.R.BeforeRun?.Invoke(["create", id]);
        var procs = Enumerable.Range(0, 20).Select(i => StartRuntime(sb, Path.Combine(io, $"c{i}"), "create", "--bundle", b.Dir, id)).ToList();
        var results = procs.Select((p, i) => Finish(p, Path.Combine(io, $"c{i}"))).ToList();
        foreach (var r in results) output.WriteLine($"exit {r.Exit}: {r.Err.Trim()}");
        Assert.Single(results, r => r.Exit == 0);
        foreach (var r in results.Where(r => r.Exit != 0))
        {
            var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.Contains("container with given ID already exists", lines[0]);
        }
        Assert.Equal("created", sb.Status(id));
        sb.Delete(id, force: true).AssertSuccess();
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    /// <summary>
    /// Rounds of `state`, `kill`, `kill --all`, `delete --force` and `ps` on one running container,
    /// all at once. Every command ends with success or one error line; every `state` that
    /// succeeds prints a whole, valid state; state.bin is never torn; no temp file is left;
    /// after the round the container is gone without a trace.
    /// </summary>
    [Fact]
    public void Parallel_Kill_Delete_State_Never_Corrupt_State()
    {
        using var sb = new Sandbox(output);
        string io = sb.HostDir("storm-io");
        for (int round = 0; round < 4; round++)
        {
            Bundle b = sb.NewBundle("sleep", "60");
            string id = sb.NewId();
            sb.Run(b, id, null, "--detach").AssertSuccess();
            var commands = new List<string[]>();
            for (int i = 0; i < 8; i++) commands.Add(["state", id]);
            for (int i = 0; i < 3; i++) commands.Add(["kill", id, "KILL"]);
            commands.Add(["kill", "--all", id, "TERM"]);
            for (int i = 0; i < 3; i++) commands.Add(["delete", "--force", id]);
            for (int i = 0; i < 2; i++) commands.Add(["ps", id]);
            var order = commands.OrderBy(_ => Random.Shared.Next()).ToList();
            string stateFile = Path.Combine(sb.Root, id, "state.bin");
            var procs = order.Select((c, i) => (Cmd: c, Stem: Path.Combine(io, $"r{round}-{i}"), P: StartRuntime(sb, Path.Combine(io, $"r{round}-{i}"), c))).ToList();
            // While they run, state.bin, when present, is never empty or cut before its format
            // byte (writes are a temp file + rename); the readers among the commands would say
            // "corrupt state" for a torn one, checked below.
            var watch = Stopwatch.StartNew();
            while (watch.ElapsedMilliseconds < 300 && procs.Any(p => !p.P.HasExited))
            {
                byte[] data;
                try { data = File.ReadAllBytes(stateFile); }
                catch (IOException) { continue; }
                if (data.Length < 2 || data[0] != 1)
                    throw new XunitException($"state.bin torn while commands ran: {data.Length} bytes, format byte {(data.Length > 0 ? data[0] : -1)}");
            }
            foreach (var (cmd, stem, p) in procs)
            {
                var r = Finish(p, stem);
                string line = string.Join(' ', cmd);
                if (r.Exit != 0)
                {
                    var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                    Assert.True(lines.Length == 1, $"{line}: exit {r.Exit} with {lines.Length} stderr lines: {r.Err}");
                    Assert.DoesNotContain("corrupt", r.Err);
                    continue;
                }
                if (cmd[0] == "state")
                {
                    var state = JsonNode.Parse(r.Out)!.AsObject();
                    Assert.Equal(id, state["id"]!.GetValue<string>());
                    Assert.Contains(state["status"]!.GetValue<string>(), new[] { "running", "stopped", "created" });
                }
            }
            Assert.False(Directory.Exists(Path.Combine(sb.Root, id)), $"round {round}: the container outlived 3 delete --force");
            Assert.Empty(Directory.Exists(sb.Root) ? Directory.GetFiles(sb.Root, "*.tmp", SearchOption.AllDirectories) : []);
            Leaks.AssertClean(sb, b, id);
        }
    }

    // ------------------------------------------------------------------ crashes

    /// <summary>
    /// `kill -9` of `csrun create`, then of `csrun start`, at random moments (CSRUN_CRASH_REPS
    /// each, default 100): afterwards `delete --force` always succeeds and restores a clean host
    /// (no state dir, cgroup, mount or process). The delays spread over the whole command: 0 to
    /// 1.3 times how long one takes here.
    /// </summary>
    [Fact]
    public void Kill9_Of_Create_Or_Start_Then_Delete_Force_Leaves_A_Clean_Host()
    {
        using var sb = new Sandbox(output);
        int reps = EnvCount("CSRUN_CRASH_REPS", 100);
        Bundle b = sb.NewBundle("sleep", "30");
        b.Save();
        string io = sb.HostDir("crash-io");
        sb.R.Verbose = false;

        // How long each command takes here, to aim the kills inside it.
        string probe = sb.NewId();
        double createMs = sb.Exec("create", "--bundle", b.Dir, probe).AssertSuccess().Elapsed.TotalMilliseconds;
        double startMs = sb.Start(probe).AssertSuccess().Elapsed.TotalMilliseconds;
        sb.Delete(probe, force: true).AssertSuccess();
        output.WriteLine($"create {createMs:F0} ms, start {startMs:F0} ms here");

        var rnd = new Random(EnvCount("CSRUN_CRASH_SEED", Environment.TickCount & 0x7fffffff));
        var outcomes = new Dictionary<string, int>();
        void Count(string k) => outcomes[k] = outcomes.GetValueOrDefault(k) + 1;

        for (int i = 0; i < 2 * reps; i++)
        {
            bool killStart = i >= reps;
            string id = $"{sb.Name}-k{i}";
            sb.R.BeforeRun?.Invoke(["create", id]);
            if (killStart) sb.Exec("create", "--bundle", b.Dir, id).AssertSuccess("create");
            string stem = Path.Combine(io, $"k{i}");
            double span = (killStart ? startMs : createMs) * 1.3;
            int delayUs = (int)(rnd.NextDouble() * span * 1000);
            var p = killStart ? StartRuntime(sb, stem, "start", id) : StartRuntime(sb, stem, "create", "--bundle", b.Dir, id);
            if (delayUs >= 1000) Thread.Sleep(delayUs / 1000);
            else Thread.SpinWait(delayUs * 20);
            bool killed = Procs.Signal(p.Id, Procs.SIGKILL);
            p.WaitForExit();
            Count($"{(killStart ? "start" : "create")} {(killed && p.ExitCode == 137 ? "killed" : $"finished ({p.ExitCode})")}");
            p.Dispose();
            RuntimeResult d = sb.Exec(new RunOptions { Timeout = TimeSpan.FromSeconds(20) }, "delete", "--force", id);
            if (!d.Success) throw new XunitException($"rep {i} (kill after {delayUs} us): delete --force failed: {d.Describe()}");
            AssertNoLeaks(sb, b.Dir, id, b.CgroupsPath, $"rep {i} ({(killStart ? "start" : "create")} killed after {delayUs} us)");
        }
        output.WriteLine(string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key}: {o.Value}")));
        Leaks.AssertClean(sb, b, null, rootMustBeEmpty: true);
    }

    // ------------------------------------------------------------------ resource exhaustion

    /// <summary>A fork bomb in a pids-limited (and CPU-limited) container: while it runs, state,
    /// events, exec (which may be refused, with one line, when no pid is left), kill --all and
    /// delete --force all answer in time.</summary>
    [Fact]
    public void Csrun_Keeps_Working_Beside_A_Fork_Bomb()
    {
        using var sb = new Sandbox(output);
        // pid 1 must not fork (ash exits when a fork fails): the bomb runs beside it.
        Bundle b = sb.NewBundle("sh", "-c", "(b() { b | b & }; b) & exec sleep 60");
        b.Linux["resources"]!["pids"] = new JsonObject { ["limit"] = 24 };
        b.Linux["resources"]!["cpu"] = new JsonObject { ["quota"] = 20000, ["period"] = 100000 };
        string id = sb.NewId();
        b.Save();
        var opts = new RunOptions { Timeout = TimeSpan.FromSeconds(15) };
        RuntimeResult run = sb.R.Run(["run", "--bundle", b.Dir, "--detach", id], null).AssertSuccess("run --detach");
        // The shell says "can't fork" once the pids limit stops it.
        Wait.AssertUntil(() => run.CurrentStderr().Contains("fork", StringComparison.Ordinal), TimeSpan.FromSeconds(30),
            () => "the bomb never hit the pids limit: " + run.CurrentStderr());
        output.WriteLine("ps beside the bomb: " + sb.Exec(opts, "ps", "--format", "json", id).Stdout.Trim());
        Assert.Equal("running", sb.Status(id));
        sb.Exec(opts, "events", "--stats", id).AssertSuccess("events --stats");
        RuntimeResult exec = sb.Exec(opts, "exec", id, "true");
        if (!exec.Success) ErrorAssert.AssertOneLine(exec);
        output.WriteLine($"exec beside the bomb: exit {exec.ExitCode} {exec.Stderr.Trim()}");
        sb.Exec(opts, "kill", "--all", id, "KILL").AssertSuccess("kill --all");
        sb.Exec(opts, "delete", "--force", id).AssertSuccess("delete --force");
        Leaks.AssertClean(sb, b, id);
    }

    /// <summary>A container that fills its tmpfs mounts (/dev, /dev/shm and a small /data) to
    /// ENOSPC: state, exec, kill and delete keep working (csrun's own state is on the host).</summary>
    [Fact]
    public void Csrun_Keeps_Working_When_The_Containers_Tmpfs_Is_Full()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c",
            "for d in /data /dev/shm /dev; do dd if=/dev/zero of=$d/fill bs=64k 2>/dev/null; done; echo full; df /data /dev/shm /dev | tail -n +2; sleep 60");
        foreach (var m in b.MountsArray)
            if (m!["destination"]!.GetValue<string>() is "/dev" or "/dev/shm")
            {
                var options = (JsonArray)m["options"]!;
                for (int i = options.Count - 1; i >= 0; i--)
                    if (options[i]!.GetValue<string>().StartsWith("size=", StringComparison.Ordinal)) options.RemoveAt(i);
                options.Add("size=2m");
            }
        b.AddMount("/data", "tmpfs", "tmpfs", "size=1m");
        string id = sb.NewId();
        RuntimeResult run = sb.Run(b, id, null, "--detach").AssertSuccess();
        Wait.AssertUntil(() => run.CurrentStdout().Contains("full"), TimeSpan.FromSeconds(20), () => run.CurrentStdout());
        output.WriteLine(run.CurrentStdout());
        Assert.Equal("running", sb.Status(id));
        RuntimeResult exec = sb.Exec("exec", id, "sh", "-c", "echo more > /data/more 2>&1; echo exec-ran").AssertSuccess("exec");
        Assert.Contains("exec-ran", exec.Stdout);
        sb.Kill(id, "KILL").AssertSuccess();
        sb.WaitForStatus(id, "stopped");
        sb.Delete(id).AssertSuccess();
        Leaks.AssertClean(sb, b, id);
    }
}
