using Csrun.ManagerTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.ManagerTests.Tests;

/// <summary>dockerd 20.10 (its own containerd and runc v2 shim) with the runtime under test added by name.</summary>
[Collection("docker")]
[Trait("Manager", "docker")]
public sealed class DockerTests(DockerFixture dk, ITestOutputHelper output)
{
    private CmdResult Docker(params string[] args) => dk.Docker(output, args);

    private string StartDetached(string stem, params string[] flags)
    {
        string name = dk.NewName(stem);
        Docker(["run", "-d", .. dk.RunFlags(name), .. flags, Env.Image, .. InContainer.WaitForTerm]).AssertSuccess("docker run -d");
        Assert.True(Cmd.WaitUntil(() => Docker("logs", name).Stdout.Contains("started"), TimeSpan.FromSeconds(10)),
            "the container never printed its first line");
        return name;
    }

    private string Inspect(string name, string format) => Docker("inspect", "--format", format, name).AssertSuccess("inspect").Stdout.Trim();

    [Fact]
    public void Run_Prints_Output_And_Passes_The_Exit_Code()
    {
        string name = dk.NewName("run");
        CmdResult r = Docker(["run", .. dk.RunFlags(name), Env.Image, "sh", "-c", "echo hello from docker; exit 4"]);
        r.AssertExit(4, "docker run");
        Assert.Equal("hello from docker\n", r.Stdout);
        Assert.Equal(dk.RuntimeName, Inspect(name, "{{.HostConfig.Runtime}}"));
        string id = Inspect(name, "{{.Id}}");
        Docker("rm", name).AssertSuccess("docker rm");
        dk.AssertCgroupGone(id, output);
        ManagerFixture.AssertStateGone(dk.RuntimeStateDir(id), output);
    }

    [Fact]
    public void Run_With_A_Tty_And_Docker_Init()
    {
        string name = dk.NewName("tty");
        // --init bind-mounts docker-init (tini) as the container's pid 1
        CmdResult r = dk.DockerWithPty(output, ["run", "-t", "--init", .. dk.RunFlags(name), Env.Image,
            "sh", "-c", "tty; cat /proc/1/cmdline | tr '\\0' ' '; echo; exit 7"]);
        r.AssertExit(7, "docker run -t --init");
        Assert.Contains("/dev/pts/0", r.Stdout);
        Assert.Contains("/sbin/docker-init -- sh -c", r.Stdout);
        Docker("rm", name).AssertSuccess("docker rm");
    }

    /// <summary>A tmpfs over a directory of the image keeps its mode (runc's rule), on a new one mode= holds.</summary>
    [Fact]
    public void Tmpfs_Mounts_Keep_The_Image_Directory_Mode()
    {
        string name = dk.NewName("tmpfs");
        CmdResult r = Docker(["run", "--rm", .. dk.RunFlags(name), "--read-only", "--tmpfs", "/run", "--tmpfs", "/newdir:mode=700",
            Env.Image, "sh", "-c", "stat -c '%n %a' /run /newdir; touch /run/x && echo run-writable; touch /x 2>/dev/null || echo root-read-only"]);
        r.AssertExit(0, "docker run --tmpfs");
        Assert.Equal("/run 755\n/newdir 700\nrun-writable\nroot-read-only\n", r.Stdout);
    }

    /// <summary>docker exec's options arrive in the process.json of `exec --process`.</summary>
    [Fact]
    public void Exec_With_User_Workdir_And_Env()
    {
        string name = StartDetached("execopts");
        try
        {
            CmdResult e = Docker("exec", "--user", "1000:1000", "--workdir", "/tmp", "--env", "MT_VAR=hello world", name,
                "sh", "-c", "id -u; id -g; pwd; echo \"$MT_VAR\"").AssertSuccess("docker exec with options");
            Assert.Equal("1000\n1000\n/tmp\nhello world\n", e.Stdout);
        }
        finally { Docker("rm", "-f", name); }
    }

    [Fact]
    public void Restart_Runs_The_Container_Again()
    {
        string name = StartDetached("restart");
        try
        {
            string firstPid = Inspect(name, "{{.State.Pid}}");
            Docker("restart", "-t", "10", name).AssertSuccess("docker restart");
            Assert.Equal("running", Inspect(name, "{{.State.Status}}"));
            Assert.NotEqual(firstPid, Inspect(name, "{{.State.Pid}}"));
            Assert.True(Cmd.WaitUntil(() => Docker("logs", name).Stdout.Split("started").Length == 3, TimeSpan.FromSeconds(10)),
                "expected the container's first line twice: " + Docker("logs", name).Stdout);
            Assert.Contains("got-term", Docker("logs", name).Stdout);
            CmdResult stats = Docker("stats", "--no-stream", "--format", "{{.MemUsage}}", name).AssertSuccess("docker stats");
            Assert.Matches(@"^\d+(\.\d+)?[KMG]iB / ", stats.Stdout.Trim());
        }
        finally { Docker("rm", "-f", name); }
    }

    [Fact]
    public void Exec_With_And_Without_Tty()
    {
        string name = StartDetached("exec");
        try
        {
            CmdResult e = Docker("exec", name, "sh", "-c", "echo exec sees $(cat /proc/1/cmdline | tr '\\0' ' '); exit 3");
            e.AssertExit(3, "docker exec");
            Assert.StartsWith("exec sees sh -c trap", e.Stdout);
            CmdResult t = dk.DockerWithPty(output, "exec", "-t", name, "sh", "-c", "tty; exit 5");
            t.AssertExit(5, "docker exec -t");
            Assert.Contains("/dev/pts/", t.Stdout);
        }
        finally { Docker("rm", "-f", name); }
    }

    [Fact]
    public void Update_Changes_Limits_Of_A_Running_Container()
    {
        string name = StartDetached("update", "--memory", "64m");
        try
        {
            Assert.Equal("67108864", Docker("exec", name, "sh", "-c", InContainer.MemoryLimit).AssertSuccess("exec").Stdout.Trim());
            Docker("update", "--memory", "96m", "--memory-swap", "192m", "--cpus", "0.5", "--pids-limit", "50", name)
                .AssertSuccess("docker update");
            Assert.Equal("100663296", Docker("exec", name, "sh", "-c", InContainer.MemoryLimit).AssertSuccess("exec").Stdout.Trim());
            Assert.Equal("50000", Docker("exec", name, "sh", "-c", InContainer.CpuQuota).AssertSuccess("exec").Stdout.Trim());
            Assert.Equal("50", Docker("exec", name, "sh", "-c", InContainer.PidsMax).AssertSuccess("exec").Stdout.Trim());
        }
        finally { Docker("rm", "-f", name); }
    }

    [Fact]
    public void Pause_And_Unpause()
    {
        string name = StartDetached("pause");
        try
        {
            Docker("pause", name).AssertSuccess("docker pause");
            Assert.Equal("paused", Inspect(name, "{{.State.Status}}"));
            Docker("unpause", name).AssertSuccess("docker unpause");
            Assert.Equal("running", Inspect(name, "{{.State.Status}}"));
            CmdResult top = Docker("top", name).AssertSuccess("docker top");
            Assert.Contains("sh -c trap", top.Stdout);
        }
        finally { Docker("rm", "-f", name); }
    }

    [Fact]
    public void Stop_Sends_Term_Then_Rm_Cleans_Up()
    {
        string name = StartDetached("stop");
        string id = Inspect(name, "{{.Id}}");
        dk.AssertRuntimeState(dk.RuntimeRoot, id, "running", output);
        Docker("stop", "-t", "10", name).AssertSuccess("docker stop");
        Assert.Equal("exited", Inspect(name, "{{.State.Status}}"));
        Assert.Equal("42", Inspect(name, "{{.State.ExitCode}}"));
        Assert.Contains("got-term", Docker("logs", name).Stdout);
        Docker("rm", name).AssertSuccess("docker rm");
        dk.AssertCgroupGone(id, output);
        ManagerFixture.AssertStateGone(dk.RuntimeStateDir(id), output);
    }

    /// <summary>The shim finds the container's memory cgroup through /proc/PID/cgroup of the
    /// runtime's init and watches it for OOM kills: docker must report one.</summary>
    [Fact]
    public void Oom_Kill_Is_Reported()
    {
        string name = dk.NewName("oom");
        CmdResult r = Docker(["run", .. dk.RunFlags(name), "--memory", "16m", "--memory-swap", "16m", Env.Image,
            "sh", "-c", "a=x; while :; do a=$a$a; done"]);
        r.AssertExit(137, "docker run of a memory hog");
        Assert.Equal("true", Inspect(name, "{{.State.OOMKilled}}"));
        Docker("rm", name).AssertSuccess("docker rm");
    }

    [Fact]
    public void Exec_Of_A_Missing_Command_Shows_The_Runtime_Reason()
    {
        string name = StartDetached("execerr");
        try
        {
            CmdResult e = Docker("exec", name, "no-such-command");
            e.AssertExit(126, "docker exec of a missing command");
            // docker 20.10 prints this one on stdout
            Assert.Contains("OCI runtime exec failed: " + (Env.IsCsrun ? "" : "exec failed: unable to start container process: ") +
                            Expected.ExecNotFound("no-such-command") + ": unknown", e.Output);
        }
        finally { Docker("rm", "-f", name); }
    }

    [Fact]
    public void Missing_Executable_Shows_The_Runtime_Reason()
    {
        string name = dk.NewName("noexe");
        CmdResult r = Docker(["run", "--rm", .. dk.RunFlags(name), Env.Image, "/no/such/binary"]);
        r.AssertExit(127, "docker run of a missing executable");
        Assert.Contains("OCI runtime create failed: " + Expected.MissingExecutable("/no/such/binary") + ": unknown", r.Stderr);
    }

    [Fact]
    public void Failing_Sysctl_Shows_The_Runtime_Reason()
    {
        string name = dk.NewName("sysctl");
        CmdResult r = Docker(["run", "--rm", .. dk.RunFlags(name), "--sysctl", "net.ipv4.no_such_knob=1", Env.Image, "true"]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("OCI runtime create failed: " + Expected.MissingSysctl("net.ipv4.no_such_knob") + ": unknown", r.Stderr);
    }
}
