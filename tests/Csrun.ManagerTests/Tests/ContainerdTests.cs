using Csrun.IntegrationTests.Harness;
using Csrun.ManagerTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.ManagerTests.Tests;

/// <summary>ctr (containerd 1.6, containerd-shim-runc-v2) driving the runtime under test.</summary>
[Collection("containerd")]
[Trait("Manager", "containerd")]
public sealed class ContainerdTests(ContainerdFixture ctd, ITestOutputHelper output)
{
    private CmdResult Run(string[] argv) => Cmd.Run(argv, ctd.IoDir, output);
    private CmdResult Ctr(params string[] args) => ctd.Ctr(output, args);

    /// <summary>A detached container whose stdout goes to a file; waits for its first line.</summary>
    private (string Id, string LogFile) StartDetached(string stem, params string[] flags)
    {
        string id = ctd.NewName(stem);
        string logFile = Path.Combine(ctd.Dir, "logs", id + ".log");
        Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
        Run([.. ctd.RunArgs(id, ["-d", "--log-uri", "file://" + logFile, .. flags]), .. InContainer.WaitForTerm])
            .AssertSuccess("ctr run -d");
        Assert.True(Cmd.WaitUntil(() => Cmd.SafeRead(logFile).Contains("started"), TimeSpan.FromSeconds(10)),
            "the container never printed its first line: " + Cmd.SafeRead(logFile));
        return (id, logFile);
    }

    private void AssertRuntimeSees(string id, string status) =>
        ctd.AssertRuntimeState(Path.Combine(ctd.RuncRoot, ContainerdFixture.Namespace), id, status, output);

    private string TaskStatus(string id) =>
        Ctr("tasks", "ls").Stdout.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .FirstOrDefault(f => f.Length >= 3 && f[0] == id)?[2] ?? "<none>";

    private void KillAndDelete(string id)
    {
        Ctr("tasks", "kill", "-s", "KILL", id);
        Cmd.WaitUntil(() => TaskStatus(id) == "STOPPED", TimeSpan.FromSeconds(10));
        Ctr("tasks", "delete", id);
        Ctr("containers", "delete", id);
    }

    [Fact]
    public void Run_Prints_Output_And_Passes_The_Exit_Code()
    {
        string id = ctd.NewName("run");
        CmdResult r = Run([.. ctd.RunArgs(id, "--rm"), "sh", "-c", "echo hello from ctr; echo to stderr >&2; exit 3"]);
        r.AssertExit(3, "ctr run");
        Assert.Equal("hello from ctr\n", r.Stdout);
        Assert.Equal("to stderr\n", r.Stderr);
        ctd.AssertCgroupGone(id, output);
        ManagerFixture.AssertStateGone(ctd.RuntimeStateDir(id), output);
    }

    [Fact]
    public void Run_With_A_Tty()
    {
        string id = ctd.NewName("tty");
        CmdResult r = Run(Cmd.WithPty([.. ctd.RunArgs(id, "--rm", "-t"), "sh", "-c", "tty; test -t 0 && echo stdin-is-a-tty; exit 7"]));
        r.AssertExit(7, "ctr run -t");
        Assert.Contains("/dev/pts/0", r.Stdout);
        Assert.Contains("stdin-is-a-tty", r.Stdout);
    }

    [Fact]
    public void Detached_Task_Exec_With_And_Without_Tty()
    {
        var (id, _) = StartDetached("exec");
        try
        {
            AssertRuntimeSees(id, "running");
            CmdResult e = Ctr("tasks", "exec", "--fifo-dir", ctd.FifoDir, "--exec-id", "e1", id, "sh", "-c", "echo exec sees $(cat /proc/1/cmdline | tr '\\0' ' '); exit 9");
            e.AssertExit(9, "ctr task exec");
            Assert.StartsWith("exec sees sh -c trap", e.Stdout);

            CmdResult t = Run(Cmd.WithPty(["ctr", "--address", ctd.Socket, "--namespace", ContainerdFixture.Namespace,
                "tasks", "exec", "--fifo-dir", ctd.FifoDir, "-t", "--exec-id", "e2", id, "sh", "-c", "tty; exit 6"]));
            t.AssertExit(6, "ctr task exec -t");
            Assert.Contains("/dev/pts/", t.Stdout);
        }
        finally { KillAndDelete(id); }
    }

    [Fact]
    public void Ps_Pause_Resume()
    {
        var (id, _) = StartDetached("pause");
        try
        {
            string initPid = Ctr("tasks", "ls").Stdout.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .First(f => f.Length >= 3 && f[0] == id)[1];
            CmdResult ps = Ctr("tasks", "ps", id).AssertSuccess("ctr task ps");
            var pids = ps.Stdout.Split('\n').Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault())
                .Where(p => p is not null).ToList();
            Assert.Contains(initPid, pids);

            Ctr("tasks", "pause", id).AssertSuccess("ctr task pause");
            Assert.Equal("PAUSED", TaskStatus(id));
            AssertRuntimeSees(id, "paused");
            string? freezer = Cgroups.DirFor(ctd.CgroupParent + "/" + id, "freezer");
            if (freezer is not null && Directory.Exists(freezer))
                Assert.Equal("FROZEN", File.ReadAllText(Path.Combine(freezer, "freezer.state")).Trim());

            Ctr("tasks", "resume", id).AssertSuccess("ctr task resume");
            Assert.Equal("RUNNING", TaskStatus(id));
            AssertRuntimeSees(id, "running");
        }
        finally { KillAndDelete(id); }
    }

    [Fact]
    public void Kill_Term_Reaches_The_Container_And_Delete_Cleans_Up()
    {
        var (id, logFile) = StartDetached("kill");
        Ctr("tasks", "kill", "-s", "TERM", id).AssertSuccess("ctr task kill");
        Assert.True(Cmd.WaitUntil(() => TaskStatus(id) == "STOPPED", TimeSpan.FromSeconds(10)), "the task did not stop on SIGTERM");
        Assert.Contains("got-term", Cmd.SafeRead(logFile));
        CmdResult d = Ctr("tasks", "delete", id).AssertSuccess("ctr task delete");
        Assert.Contains("exit code 42", d.Stderr);
        Ctr("containers", "delete", id).AssertSuccess("ctr container delete");
        ctd.AssertCgroupGone(id, output);
        ManagerFixture.AssertStateGone(ctd.RuntimeStateDir(id), output);
    }

    [Fact]
    public void Kill_All_Stops_Every_Process()
    {
        var (id, _) = StartDetached("killall");
        try
        {
            // A second process besides init's tree: `kill --all` must reach it too.
            Ctr("tasks", "exec", "--fifo-dir", ctd.FifoDir, "-d", "--exec-id", "bg", id, "sleep", "1000").AssertSuccess("ctr task exec -d");
            string cg = Cgroups.DirFor(ctd.CgroupParent + "/" + id, "pids") ?? Cgroups.DirFor(ctd.CgroupParent + "/" + id, "memory")!;
            Assert.True(Cmd.WaitUntil(() => Cgroups.ProcsIn(cg).Count >= 3, TimeSpan.FromSeconds(5)), "expected init, its sleep and the exec'd sleep");
            Ctr("tasks", "kill", "-a", "-s", "KILL", id).AssertSuccess("ctr task kill -a");
            Assert.True(Cmd.WaitUntil(() => TaskStatus(id) == "STOPPED", TimeSpan.FromSeconds(10)), "the task did not stop");
            Assert.True(Cmd.WaitUntil(() => Cgroups.ProcsIn(cg).Count == 0, TimeSpan.FromSeconds(5)), "processes left in " + cg);
        }
        finally { KillAndDelete(id); }
        ctd.AssertCgroupGone(id, output);
    }

    [Fact]
    public void Memory_Limit_And_Metrics()
    {
        var (id, _) = StartDetached("mem", "--memory-limit", "67108864");
        try
        {
            // ctr's default spec mounts no cgroupfs in the container: read the limit on the host.
            string? mem = Cgroups.DirFor(ctd.CgroupParent + "/" + id, "memory");
            Assert.NotNull(mem);
            string limitFile = File.Exists(Path.Combine(mem, "memory.limit_in_bytes")) ? "memory.limit_in_bytes" : "memory.max";
            Assert.Equal("67108864", File.ReadAllText(Path.Combine(mem, limitFile)).Trim());
            CmdResult m = Ctr("tasks", "metrics", id).AssertSuccess("ctr task metrics");
            Assert.Matches(@"(memory\.limit_in_bytes|memory\.max)\s+67108864", m.Stdout);
        }
        finally { KillAndDelete(id); }
    }

    [Fact]
    public void Exec_Of_A_Missing_Command_Shows_The_Runtime_Reason()
    {
        var (id, _) = StartDetached("execerr");
        try
        {
            CmdResult e = Ctr("tasks", "exec", "--fifo-dir", ctd.FifoDir, "--exec-id", "bad", id, "no-such-command");
            Assert.NotEqual(0, e.ExitCode);
            Assert.Contains(Expected.ExecNotFound("no-such-command"), e.Stderr);
        }
        finally { KillAndDelete(id); }
    }

    [Fact]
    public void Missing_Executable_Shows_The_Runtime_Reason()
    {
        string id = ctd.NewName("noexe");
        CmdResult r = Run([.. ctd.RunArgs(id, "--rm"), "/no/such/binary"]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("OCI runtime create failed: " + Expected.MissingExecutable("/no/such/binary"), r.Stderr);
        Ctr("containers", "delete", id);
        ctd.AssertCgroupGone(id, output);
        ManagerFixture.AssertStateGone(ctd.RuntimeStateDir(id), output);
    }

    [Fact]
    public void Cwd_That_Is_A_File_Shows_The_Runtime_Reason()
    {
        string id = ctd.NewName("cwd");
        CmdResult r = Run([.. ctd.RunArgs(id, "--rm", "--cwd", "/etc/passwd"), "true"]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("OCI runtime create failed: " + Expected.CwdIsAFile("/etc/passwd"), r.Stderr);
        Ctr("containers", "delete", id);
        ctd.AssertCgroupGone(id, output);
    }
}
