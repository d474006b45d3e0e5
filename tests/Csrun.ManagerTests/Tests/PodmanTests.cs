using Csrun.IntegrationTests.Harness;
using Csrun.ManagerTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.ManagerTests.Tests;

/// <summary>podman 4.3 and conmon driving the runtime under test (`--runtime ABS`).</summary>
[Collection("podman")]
[Trait("Manager", "podman")]
public sealed class PodmanTests(PodmanFixture pod, ITestOutputHelper output)
{
    private CmdResult Podman(params string[] args) => pod.Podman(output, args);

    private string StartDetached(string stem, params string[] flags)
    {
        string name = pod.NewName(stem);
        Podman(["run", "-d", .. pod.RunFlags(name), .. flags, Env.Image, .. InContainer.WaitForTerm]).AssertSuccess("podman run -d");
        Assert.True(Cmd.WaitUntil(() => Podman("logs", name).Stdout.Contains("started"), TimeSpan.FromSeconds(10)),
            "the container never printed its first line");
        return name;
    }

    private string Status(string name) => Podman("inspect", "--format", "{{.State.Status}}", name).Stdout.Trim();
    private string FullId(string name) => Podman("inspect", "--format", "{{.Id}}", name).AssertSuccess("inspect").Stdout.Trim();

    /// <summary>podman puts the container in PARENT/libpod-ID.</summary>
    private static string CgroupOf(string id) => "libpod-" + id;

    [Fact]
    public void Run_Prints_Output_And_Passes_The_Exit_Code()
    {
        string name = pod.NewName("run");
        CmdResult r = Podman(["run", .. pod.RunFlags(name), Env.Image, "sh", "-c", "echo hello from podman; exit 4"]);
        r.AssertExit(4, "podman run");
        Assert.Equal("hello from podman\n", r.Stdout);
        string id = FullId(name);
        Assert.Equal("4", Podman("inspect", "--format", "{{.State.ExitCode}}", name).Stdout.Trim());
        Podman("rm", name).AssertSuccess("podman rm");
        Assert.NotEqual(0, Podman("inspect", name).ExitCode);
        pod.AssertCgroupGone(CgroupOf(id), output);
        ManagerFixture.AssertStateGone(Path.Combine(Env.RuntimeDefaultRoot, id), output);
    }

    [Fact]
    public void Run_With_A_Tty()
    {
        string name = pod.NewName("tty");
        CmdResult r = pod.RunWithPty(output, ["run", "-t", .. pod.RunFlags(name), Env.Image, "sh", "-c", "tty; exit 6"]);
        r.AssertExit(6, "podman run -t");
        Assert.Contains("/dev/pts/0", r.Stdout);
        Podman("rm", name).AssertSuccess("podman rm");
    }

    /// <summary>--read-only puts tmpfs mounts with "tmpcopyup" on /tmp, /var/tmp and /run;
    /// --tmpfs and --mount type=tmpfs use it too: the image's files show through.</summary>
    [Fact]
    public void Read_Only_Root_And_Tmpfs_Mounts_With_Tmpcopyup()
    {
        string name = pod.NewName("ro");
        CmdResult r = Podman(["run", .. pod.RunFlags(name), "--read-only", "--tmpfs", "/etc/extra", "--mount", "type=tmpfs,dst=/usr/bin",
            Env.Image, "sh", "-c",
            "touch /x 2>/dev/null && echo root-writable || echo root-read-only; " +
            "touch /tmp/y /run/y /var/tmp/y /etc/extra/y && echo tmpfs-writable; " +
            "stat -c '%n %a' /tmp /run; readlink /usr/bin/env; grep ' /usr/bin ' /proc/mounts | cut -d' ' -f3"]);
        r.AssertExit(0, "podman run --read-only");
        Assert.Equal("root-read-only\ntmpfs-writable\n/tmp 1777\n/run 755\n../../bin/env\ntmpfs\n", r.Stdout);
        Podman("rm", name).AssertSuccess("podman rm");
    }

    [Fact]
    public void Exec_With_And_Without_Tty()
    {
        string name = StartDetached("exec");
        try
        {
            CmdResult e = Podman("exec", name, "sh", "-c", "echo exec sees $(cat /proc/1/cmdline | tr '\\0' ' '); exit 3");
            e.AssertExit(3, "podman exec");
            Assert.StartsWith("exec sees sh -c trap", e.Stdout);
            CmdResult t = pod.RunWithPty(output, "exec", "-t", name, "sh", "-c", "tty; exit 5");
            t.AssertExit(5, "podman exec -t");
            Assert.Contains("/dev/pts/", t.Stdout);
        }
        finally { Podman("rm", "-f", "-t", "0", name); }
    }

    [Fact]
    public void Stop_Sends_Term_Then_Rm_Cleans_Up()
    {
        string name = StartDetached("stop");
        string id = FullId(name);
        pod.AssertRuntimeState(Env.RuntimeDefaultRoot, id, "running", output);
        Podman("stop", "-t", "10", name).AssertSuccess("podman stop");
        Assert.Equal("exited", Status(name));
        Assert.Equal("42", Podman("inspect", "--format", "{{.State.ExitCode}}", name).Stdout.Trim());
        Assert.Contains("got-term", Podman("logs", name).Stdout);
        Podman("rm", name).AssertSuccess("podman rm");
        pod.AssertCgroupGone(CgroupOf(id), output);
        ManagerFixture.AssertStateGone(Path.Combine(Env.RuntimeDefaultRoot, id), output);
    }

    [Fact]
    public void Kill_Ends_The_Container_With_The_Signal()
    {
        string name = StartDetached("kill");
        try
        {
            Podman("kill", name).AssertSuccess("podman kill");
            Assert.True(Cmd.WaitUntil(() => Status(name) == "exited", TimeSpan.FromSeconds(10)), "still " + Status(name));
            Assert.Equal("137", Podman("inspect", "--format", "{{.State.ExitCode}}", name).Stdout.Trim());
            Assert.DoesNotContain("got-term", Podman("logs", name).Stdout);
        }
        finally { Podman("rm", "-f", "-t", "0", name); }
    }

    [Fact]
    public void Pause_And_Unpause()
    {
        string name = StartDetached("pause");
        try
        {
            string id = FullId(name);
            Podman("pause", name).AssertSuccess("podman pause");
            Assert.Equal("paused", Status(name));
            string? freezer = Cgroups.DirFor(pod.CgroupParent + "/" + CgroupOf(id), "freezer");
            if (freezer is not null && Directory.Exists(freezer))
                Assert.Equal("FROZEN", File.ReadAllText(Path.Combine(freezer, "freezer.state")).Trim());
            Podman("unpause", name).AssertSuccess("podman unpause");
            Assert.Equal("running", Status(name));
            Podman("exec", name, "true").AssertSuccess("exec after unpause");
        }
        finally { Podman("rm", "-f", "-t", "0", name); }
    }

    [Fact]
    public void Memory_Limit()
    {
        string name = StartDetached("mem", "--memory", "64m");
        try
        {
            string id = FullId(name);
            CmdResult e = Podman("exec", name, "sh", "-c", InContainer.MemoryLimit).AssertSuccess("podman exec");
            Assert.Equal("67108864", e.Stdout.Trim());
            string? mem = Cgroups.DirFor(pod.CgroupParent + "/" + CgroupOf(id), "memory");
            if (mem is not null && File.Exists(Path.Combine(mem, "memory.limit_in_bytes")))
                Assert.Equal("67108864", File.ReadAllText(Path.Combine(mem, "memory.limit_in_bytes")).Trim());
        }
        finally { Podman("rm", "-f", "-t", "0", name); }
    }

    [Fact]
    public void Info_Reports_The_Runtime_Version()
    {
        CmdResult r = Podman("info", "--format", "{{.Host.OCIRuntime.Version}}").AssertSuccess("podman info");
        Assert.StartsWith(Env.RuntimeName + " version ", r.Stdout);
        Assert.Contains("\nspec: 1.", r.Stdout);
    }

    /// <summary>The reason travels as the last "error" line of the JSON log conmon asks for
    /// (--log-format=json --log USERDATA/oci-log), which is kept with the container.</summary>
    [Fact]
    public void Exec_Of_A_Missing_Command_Shows_The_Runtime_Reason()
    {
        string name = StartDetached("execerr");
        try
        {
            CmdResult e = Podman("exec", name, "no-such-command");
            Assert.NotEqual(0, e.ExitCode);
            Assert.Contains(Expected.ExecNotFound("no-such-command"), e.Stderr);
        }
        finally { Podman("rm", "-f", name); }
    }

    [Fact]
    public void Missing_Executable_Shows_The_Runtime_Reason()
    {
        string name = pod.NewName("noexe");
        CmdResult r = Podman(["run", .. pod.RunFlags(name), Env.Image, "/no/such/binary"]);
        r.AssertExit(127, "podman run of a missing executable");
        Assert.Contains($"Error: {Env.Runtime}: {Expected.MissingExecutable("/no/such/binary")}", r.Stderr);
        try
        {
            string id = FullId(name);
            string ociLog = Path.Combine(pod.Dir, "runroot", "overlay-containers", id, "userdata", "oci-log");
            string last = File.ReadAllLines(ociLog).Last(l => l.Trim().Length > 0);
            using var doc = System.Text.Json.JsonDocument.Parse(last);
            Assert.Equal("error", doc.RootElement.GetProperty("level").GetString());
            Assert.Equal(Expected.MissingExecutable("/no/such/binary"), doc.RootElement.GetProperty("msg").GetString());
        }
        finally { Podman("rm", "-f", name); }
    }

    [Fact]
    public void Failing_Sysctl_Shows_The_Runtime_Reason()
    {
        string name = pod.NewName("sysctl");
        CmdResult r = Podman(["run", "--rm", .. pod.RunFlags(name), "--sysctl", "net.ipv4.no_such_knob=1", Env.Image, "true"]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"Error: {Env.Runtime}: {Expected.MissingSysctl("net.ipv4.no_such_knob")}", r.Stderr);
    }
}
