using System.Text.Json.Nodes;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>
/// linux.personality, process.scheduler, process.ioPriority, process.execCPUAffinity and
/// linux.memoryPolicy, read back from inside the container (uname, /proc/self/stat and status,
/// /bin/syscall-probe for ioprio_get, sched_getscheduler, personality and get_mempolicy), for
/// init and for exec; bad values fail with one line naming the field and leave nothing behind.
/// csrun-only: runc 1.1.5 predates these settings (it ignores or refuses them).
/// </summary>
[Trait("Category", "Process")]
[Trait("Runtime", "csrun-only")]
public sealed class ProcessSettingsTests(ITestOutputHelper output)
{
    // syscall-probe numbers (x86_64) and what they answer.
    private const string Personality = "syscall-probe 135 0xffffffff";   // the current persona
    private const string SchedGetScheduler = "syscall-probe 145 0";      // policy | SCHED_RESET_ON_FORK
    private const string IOPrioGet = "syscall-probe 252 1 0";            // IOPRIO_WHO_PROCESS, self
    private const string MemPolicy = "syscall-probe mempolicy";
    private const int SchedResetOnFork = 0x40000000;

    private static JsonNode Json(string text) => JsonNode.Parse(text)!;

    /// <summary>/proc/self/stat fields 19 (nice) and 41 (policy) of the process that reads it.</summary>
    private const string NiceAndPolicy = "cut -d' ' -f19,41 /proc/self/stat";

    private static (Sandbox, Bundle, string, int) Running(ITestOutputHelper output, Action<Bundle> configure)
    {
        var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000").AddSyscallProbe();
        configure(b);
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        int pid = sb.StateJson(id)["pid"]!.GetValue<int>();
        return (sb, b, id, pid);
    }

    private static string RunInit(Sandbox sb, Bundle b, string script)
    {
        b.AddSyscallProbe().Shell(script);
        return sb.Run(b, sb.NewId()).AssertSuccess("run").Stdout;
    }

    /// <summary>A process file for `exec --process`, with what <paramref name="configure"/> adds.</summary>
    private static string ProcessFile(Sandbox sb, string script, Action<JsonObject> configure)
    {
        var process = new JsonObject
        {
            ["user"] = new JsonObject { ["uid"] = 0, ["gid"] = 0 },
            ["args"] = new JsonArray("sh", "-c", script),
            ["env"] = new JsonArray("PATH=/bin:/usr/bin"),
            ["cwd"] = "/",
        };
        configure(process);
        string file = Path.Combine(sb.BaseDir, $"process-{Sandbox.Rand(6)}.json");
        File.WriteAllText(file, process.ToJsonString());
        return file;
    }

    private static string OwnNice() => File.ReadAllText("/proc/self/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[16];

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The host's online CPUs (the test hosts have one or two): the first and last.</summary>
    private static (int First, int Last) OnlineCpus()
    {
        string online = File.ReadAllText("/sys/devices/system/cpu/online").Trim();
        var ids = online.Split(',').SelectMany(part =>
        {
            string[] range = part.Split('-');
            int start = int.Parse(range[0]);
            int end = int.Parse(range[^1]);
            return Enumerable.Range(start, end - start + 1);
        }).ToList();
        return (ids.Min(), ids.Max());
    }

    private static string CpuListOf(int first, int last) => first == last ? $"{first}" : $"{first}-{last}";

    private static string CpusAllowed(string status) =>
        Lines(status).Single(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))["Cpus_allowed_list:".Length..].Trim();

    // ---- linux.personality -------------------------------------------------------------

    [Theory]
    [InlineData("LINUX32", "i686", "ok 8")]
    [InlineData("LINUX", "x86_64", "ok 0")]
    public void Personality_Applies_To_Init_And_Exec(string domain, string machine, string persona)
    {
        var (sb, _, id, _) = Running(output, b => b.Linux["personality"] = new JsonObject { ["domain"] = domain });
        using var _sb = sb;
        var script = $"uname -m; {Personality}; cat /proc/self/personality";
        string[] fromExec = Lines(sb.Exec("exec", id, "sh", "-c", script).AssertSuccess().Stdout);
        Assert.Equal(new[] { machine, persona, domain == "LINUX32" ? "00000008" : "00000000" }, fromExec);

        Bundle init = sb.NewBundle();
        init.Linux["personality"] = new JsonObject { ["domain"] = domain };
        Assert.Equal(fromExec, Lines(RunInit(sb, init, script)));
    }

    [Fact]
    public void Without_Personality_The_Container_Is_x86_64()
    {
        using var sb = new Sandbox(output);
        Assert.Equal("x86_64", RunInit(sb, sb.NewBundle(), "uname -m").Trim());
    }

    // ---- process.scheduler -------------------------------------------------------------

    [Fact]
    public void Scheduler_Policy_Nice_And_Reset_On_Fork_Apply_To_Init()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle().AddSyscallProbe();
        b.Process["scheduler"] = Json("""{"policy": "SCHED_BATCH", "nice": 7, "flags": ["SCHED_FLAG_RESET_ON_FORK"]}""");
        // The container process itself reports the flag (the kernel clears it in its children).
        b.SetArgs("syscall-probe", "145", "0");
        Assert.Equal($"ok {3 | SchedResetOnFork}", sb.Run(b, sb.NewId()).AssertSuccess().Stdout.Trim());

        b.Shell(NiceAndPolicy);
        Assert.Equal("7 3", sb.Run(b, sb.NewId()).AssertSuccess().Stdout.Trim());

        // Without it, the nice value of whoever ran csrun stays (the suite may run under nice).
        b.Process.Remove("scheduler");
        Assert.Equal($"{OwnNice()} 0", sb.Run(b, sb.NewId()).AssertSuccess().Stdout.Trim());
    }

    [Fact]
    public void Exec_Takes_The_Scheduler_Of_Its_Process_Else_The_Containers()
    {
        var (sb, _, id, _) = Running(output, b => b.Process["scheduler"] = Json("""{"policy": "SCHED_BATCH", "nice": 5}"""));
        using var _sb = sb;
        Assert.Equal("5 3", sb.Exec("exec", id, "sh", "-c", NiceAndPolicy).AssertSuccess().Stdout.Trim());

        string idle = ProcessFile(sb, $"{NiceAndPolicy}; {SchedGetScheduler}",
            p => p["scheduler"] = Json("""{"policy": "SCHED_IDLE", "flags": ["SCHED_FLAG_RESET_ON_FORK"]}"""));
        string[] lines = Lines(sb.Exec("exec", "--process", idle, id).AssertSuccess().Stdout);
        Assert.EndsWith(" 5", lines[0]);
        Assert.Equal($"ok {5 | SchedResetOnFork}", lines[1]);   // busybox sh execs its last command

        string none = ProcessFile(sb, NiceAndPolicy, _ => { });
        Assert.Equal("5 3", sb.Exec("exec", "--process", none, id).AssertSuccess().Stdout.Trim());
    }

    // ---- process.ioPriority ------------------------------------------------------------

    [Theory]
    [InlineData("IOPRIO_CLASS_BE", 4, (2 << 13) | 4, "best-effort: prio 4")]
    [InlineData("IOPRIO_CLASS_IDLE", 7, (3 << 13) | 7, "idle")]
    [InlineData("IOPRIO_CLASS_RT", 1, (1 << 13) | 1, "realtime: prio 1")]
    public void IOPriority_Applies_To_Init(string ioClass, int level, int expected, string ionice)
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle();
        b.Process["ioPriority"] = new JsonObject { ["class"] = ioClass, ["priority"] = level };
        // busybox ionice reads it back too, through its own ioprio_get.
        Assert.Equal(new[] { $"ok {expected}", ionice }, Lines(RunInit(sb, b, $"{IOPrioGet}; ionice")));
    }

    [Fact]
    public void Exec_Takes_The_IOPriority_Of_Its_Process_Else_The_Containers()
    {
        var (sb, _, id, _) = Running(output, b => b.Process["ioPriority"] = Json("""{"class": "IOPRIO_CLASS_BE", "priority": 6}"""));
        using var _sb = sb;
        Assert.Equal($"ok {(2 << 13) | 6}", sb.Exec("exec", id, "sh", "-c", IOPrioGet).AssertSuccess().Stdout.Trim());
        string idle = ProcessFile(sb, IOPrioGet, p => p["ioPriority"] = Json("""{"class": "IOPRIO_CLASS_IDLE", "priority": 0}"""));
        Assert.Equal($"ok {3 << 13}", sb.Exec("exec", "--process", idle, id).AssertSuccess().Stdout.Trim());
    }

    // ---- process.execCPUAffinity ------------------------------------------------------

    [Fact]
    public void Exec_Cpu_Affinity_Final_Applies_To_Exec_But_Not_To_Init()
    {
        var (first, last) = OnlineCpus();
        var (sb, _, id, pid) = Running(output, b =>
            b.Process["execCPUAffinity"] = new JsonObject { ["initial"] = $"{first}", ["final"] = $"{last}" });
        using var _sb = sb;
        // The spec: not applicable to the container's init process.
        Assert.Equal(CpuListOf(first, last), CpusAllowed(File.ReadAllText($"/proc/{pid}/status")));
        string status = sb.Exec("exec", id, "cat", "/proc/self/status").AssertSuccess().Stdout;
        Assert.Equal($"{last}", CpusAllowed(status));

        string own = ProcessFile(sb, "cat /proc/self/status",
            p => p["execCPUAffinity"] = new JsonObject { ["initial"] = $"{last}", ["final"] = $"{first}" });
        Assert.Equal($"{first}", CpusAllowed(sb.Exec("exec", "--process", own, id).AssertSuccess().Stdout));
    }

    /// <summary>runc 1.2+ and crun: neither init nor an exec without execCPUAffinity keeps the
    /// affinity of the process that ran the runtime.</summary>
    [Fact]
    public void Runtime_Affinity_Is_Not_Inherited_By_Init_Or_Exec()
    {
        var (first, last) = OnlineCpus();
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        b.Save();
        string id = sb.NewId();
        var pinned = new RunOptions { ShellPrefix = $"taskset -p -c {first} $$ >/dev/null &&" };
        sb.Exec(pinned, "create", "--bundle", b.Dir, id).AssertSuccess("create");
        sb.Start(id).AssertSuccess("start");
        int pid = sb.StateJson(id)["pid"]!.GetValue<int>();
        Assert.Equal(CpuListOf(first, last), CpusAllowed(File.ReadAllText($"/proc/{pid}/status")));
        string status = sb.Exec(pinned, "exec", id, "cat", "/proc/self/status").AssertSuccess().Stdout;
        Assert.Equal(CpuListOf(first, last), CpusAllowed(status));
    }

    // ---- linux.memoryPolicy -----------------------------------------------------------

    [Theory]
    [InlineData("""{"mode": "MPOL_BIND", "nodes": "0"}""", "mode 2 nodes 0x1")]
    [InlineData("""{"mode": "MPOL_INTERLEAVE", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]}""", "mode 32771 nodes 0x1")]
    [InlineData("""{"mode": "MPOL_PREFERRED", "nodes": "0", "flags": ["MPOL_F_RELATIVE_NODES"]}""", "mode 16385 nodes 0x1")]
    [InlineData("""{"mode": "MPOL_LOCAL"}""", "mode 4 nodes 0x0")]
    public void Memory_Policy_Applies_To_Init_And_Exec(string policy, string expected)
    {
        var (sb, _, id, _) = Running(output, b => b.Linux["memoryPolicy"] = Json(policy));
        using var _sb = sb;
        Assert.Equal(expected, sb.Exec("exec", id, "sh", "-c", MemPolicy).AssertSuccess().Stdout.Trim());

        Bundle init = sb.NewBundle();
        init.Linux["memoryPolicy"] = Json(policy);
        Assert.Equal(expected, RunInit(sb, init, MemPolicy).Trim());
    }

    [Fact]
    public void Without_Memory_Policy_The_Default_Stays()
    {
        using var sb = new Sandbox(output);
        Assert.Equal("mode 0 nodes 0x0", RunInit(sb, sb.NewBundle(), MemPolicy).Trim());
    }

    // ---- bad values -------------------------------------------------------------------

    /// <summary>Refused by the validator before anything exists.</summary>
    [Theory]
    [InlineData("process", "scheduler", """{"policy": "SCHED_FOO"}""", "process.scheduler.policy: unknown policy")]
    [InlineData("process", "scheduler", """{"nice": 1}""", "process.scheduler.policy: required")]
    [InlineData("process", "scheduler", """{"policy": "SCHED_OTHER", "priority": 5}""", "process.scheduler.priority")]
    [InlineData("process", "scheduler", """{"policy": "SCHED_BATCH", "flags": ["SCHED_FLAG_FAST"]}""", "process.scheduler.flags[0]")]
    [InlineData("process", "ioPriority", """{"class": "IOPRIO_CLASS_NONE", "priority": 0}""", "process.ioPriority.class")]
    [InlineData("process", "ioPriority", """{"class": "IOPRIO_CLASS_BE", "priority": 8}""", "process.ioPriority.priority")]
    [InlineData("process", "execCPUAffinity", """{"initial": "1-0"}""", "process.execCPUAffinity.initial")]
    [InlineData("process", "execCPUAffinity", """{"final": "0,x"}""", "process.execCPUAffinity.final")]
    [InlineData("linux", "personality", """{"domain": "PER_BSD"}""", "linux.personality.domain: unknown domain")]
    [InlineData("linux", "memoryPolicy", """{"mode": "MPOL_RANDOM", "nodes": "0"}""", "linux.memoryPolicy.mode")]
    [InlineData("linux", "memoryPolicy", """{"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_FOO"]}""", "linux.memoryPolicy.flags[0]")]
    [InlineData("linux", "memoryPolicy", """{"mode": "MPOL_DEFAULT", "nodes": "0"}""", "linux.memoryPolicy.nodes")]
    [InlineData("linux", "memoryPolicy", """{"mode": "MPOL_BIND"}""", "linux.memoryPolicy.nodes")]
    public void Bad_Values_Fail_Create_With_One_Line_Naming_The_Field(string section, string field, string value, string message) =>
        AssertFailsCleanly("create", section, field, value, message);

    /// <summary>Valid for the validator, refused by the kernel in init: the error names the
    /// syscall and the field, and create cleans up (state dir, cgroup, process).</summary>
    [Theory]
    [InlineData("linux", "memoryPolicy", """{"mode": "MPOL_BIND", "nodes": "63"}""", "set_mempolicy linux.memoryPolicy: invalid argument")]
    [InlineData("process", "scheduler", """{"policy": "SCHED_ISO"}""", "sched_setattr process.scheduler: invalid argument")]
    public void Kernel_Refusals_Fail_Run_Cleanly(string section, string field, string value, string message) =>
        AssertFailsCleanly("run", section, field, value, message);

    /// <summary>One error line containing <paramref name="message"/>, and no state dir, cgroup,
    /// mount or process left.</summary>
    private void AssertFailsCleanly(string command, string section, string field, string value, string message)
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        (section == "process" ? b.Process : b.Linux)[field] = Json(value);
        b.Save();
        string id = sb.NewId();
        ErrorAssert.CleanError(sb, [command, "--bundle", b.Dir, id], message);
        Leaks.AssertClean(sb, b, id);
    }

    [Theory]
    [InlineData("scheduler", """{"policy": "SCHED_ISO"}""", "sched_setattr process.scheduler: invalid argument")]
    [InlineData("scheduler", """{"policy": "SCHED_WHATEVER"}""", "process.scheduler.policy: unknown policy")]
    [InlineData("execCPUAffinity", """{"initial": "1000"}""", "sched_setaffinity process.execCPUAffinity.initial: invalid argument")]
    [InlineData("execCPUAffinity", """{"final": "1000"}""", "sched_setaffinity process.execCPUAffinity.final: invalid argument")]
    [InlineData("ioPriority", """{"class": "IOPRIO_CLASS_BE", "priority": -1}""", "process.ioPriority.priority")]
    public void Bad_Values_Fail_Exec_Cleanly(string field, string value, string message)
    {
        var (sb, _, id, pid) = Running(output, _ => { });
        using var _sb = sb;
        string file = ProcessFile(sb, "echo should-not-run", p => p[field] = Json(value));
        var before = sb.ContainerPids(id);

        RuntimeResult r = ErrorAssert.CleanError(sb, ["exec", "--process", file, id], message);

        Assert.DoesNotContain("should-not-run", r.Stdout);
        Assert.Equal(before, sb.ContainerPids(id));
        Assert.Equal("running", sb.Status(id));
        Assert.Equal(pid, sb.StateJson(id)["pid"]!.GetValue<int>());
    }


    [Fact]
    public void Features_Lists_The_Memory_Policy_Modes_And_Flags()
    {
        using var sb = new Sandbox(output);
        var features = JsonNode.Parse(sb.Exec("features").AssertSuccess().Stdout)!;
        var policy = features["linux"]!["memoryPolicy"]!;
        Assert.Equal(
            new[] { "MPOL_BIND", "MPOL_DEFAULT", "MPOL_INTERLEAVE", "MPOL_LOCAL", "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_WEIGHTED_INTERLEAVE" },
            policy["modes"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(
            new[] { "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES" },
            policy["flags"]!.AsArray().Select(n => n!.GetValue<string>()));
    }
}
