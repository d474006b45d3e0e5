using System.Text.Json.Nodes;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>`exec` into a running container: namespaces, cgroup, user, environment, exit codes,
/// detached processes with pid files, and the refusals (stopped, paused, missing).</summary>
[Trait("Category", "Exec")]
public sealed class ExecTests(ITestOutputHelper output)
{
    private static (Sandbox, string, int) Running(ITestOutputHelper output, Action<Bundle>? patch = null)
    {
        var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        patch?.Invoke(b);
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        int pid = sb.StateJson(id)["pid"]!.GetValue<int>();
        return (sb, id, pid);
    }

    [Fact]
    public void Exec_Joins_Every_Namespace_Of_The_Container()
    {
        var (sb, id, pid) = Running(output);
        using var _ = sb;
        var r = sb.Exec("exec", id, "sh", "-c", "for n in pid mnt net ipc uts cgroup; do readlink /proc/self/ns/$n; done").AssertSuccess();
        var inside = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var expected = new[] { "pid", "mnt", "net", "ipc", "uts", "cgroup" }
            .Select(n => new FileInfo($"/proc/{pid}/ns/{n}").LinkTarget!).ToArray();
        Assert.Equal(expected, inside);
        // and the container's cgroup
        var cg = sb.Exec("exec", id, "cat", "/proc/self/cgroup").AssertSuccess().Stdout;
        Assert.Equal(File.ReadAllText($"/proc/{pid}/cgroup").Trim().Split('\n').Length, cg.Trim().Split('\n').Length);
    }

    [Fact]
    public void Exec_Exit_Codes_Propagate()
    {
        var (sb, id, _) = Running(output);
        using var __ = sb;
        Assert.Equal(0, sb.Exec("exec", id, "true").ExitCode);
        Assert.Equal(3, sb.Exec("exec", id, "sh", "-c", "exit 3").ExitCode);
        Assert.Equal(137, sb.Exec("exec", id, "sh", "-c", "kill -9 $$").ExitCode);
    }

    [Fact]
    public void Exec_User_Env_Cwd_And_Stdio()
    {
        var (sb, id, _) = Running(output);
        using var __ = sb;
        var r = sb.Exec("exec", "--user", "1000:1000", "--env", "GREETING=hello", "--cwd", "/tmp", id,
            "sh", "-c", "id -u; id -g; echo $GREETING; pwd; echo err >&2").AssertSuccess();
        Assert.Equal(new[] { "1000", "1000", "hello", "/tmp" }, r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("err", r.Stderr.Trim());
        // the command's own flags are not csrun's
        Assert.Equal("x", sb.Exec("exec", id, "sh", "-c", "echo x").AssertSuccess().Stdout.Trim());
    }

    [Fact]
    public void Exec_Process_File()
    {
        var (sb, id, _) = Running(output);
        using var __ = sb;
        string file = Path.Combine(sb.BaseDir, "process.json");
        File.WriteAllText(file, new JsonObject
        {
            ["terminal"] = false,
            ["user"] = new JsonObject { ["uid"] = 65534, ["gid"] = 65534 },
            ["args"] = new JsonArray("sh", "-c", "id -u; echo $ONLY"),
            ["env"] = new JsonArray("PATH=/bin:/usr/bin", "ONLY=from-file"),
            ["cwd"] = "/",
        }.ToJsonString());
        var r = sb.Exec("exec", "--process", file, id).AssertSuccess();
        Assert.Equal(new[] { "65534", "from-file" }, r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Exec_Detached_Writes_Pid_File_And_Joins_The_Cgroup()
    {
        var (sb, id, _) = Running(output);
        using var __ = sb;
        string pidFile = Path.Combine(sb.BaseDir, "exec.pid");
        sb.Exec("exec", "--detach", "--pid-file", pidFile, id, "sleep", "1000").AssertSuccess();
        string text = File.ReadAllText(pidFile);
        Assert.Matches("^[0-9]+$", text);
        int pid = int.Parse(text);
        Assert.True(Directory.Exists($"/proc/{pid}"));
        var ps = JsonNode.Parse(sb.Exec("ps", "--format", "json", id).AssertSuccess().Stdout)!.AsArray();
        Assert.Contains(pid, ps.Select(n => n!.GetValue<int>()));
        sb.Delete(id, force: true).AssertSuccess();
        for (int i = 0; i < 200 && Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z "); i++)
            Thread.Sleep(10);
        Assert.True(!Directory.Exists($"/proc/{pid}") || File.ReadAllText($"/proc/{pid}/stat").Contains(") Z "), "exec'd process survived delete --force");
    }

    [Fact]
    public void Exec_Capabilities_Follow_The_Container_And_Cap_Adds()
    {
        var (sb, id, _) = Running(output);
        using var __ = sb;
        string Eff(params string[] extra) => sb.Exec(["exec", .. extra, id, "sh", "-c", "grep CapEff /proc/self/status"]).AssertSuccess().Stdout.Split('\t').Last().Trim();
        ulong plain = Convert.ToUInt64(Eff(), 16);
        ulong withAdmin = Convert.ToUInt64(Eff("--cap", "CAP_SYS_ADMIN"), 16);
        Assert.Equal(0UL, plain & (1UL << 21));
        Assert.Equal(1UL << 21, withAdmin & (1UL << 21));
    }

    [Fact]
    public void Exec_Refusals()
    {
        var (sb, id, _) = Running(output);
        using var __ = sb;
        ErrorAssert.CleanError(sb, ["exec", "no-such-" + id, "true"], "does not exist");
        ErrorAssert.CleanError(sb, ["exec", id, "no-such-binary"], "executable file not found");
        sb.Exec("pause", id).AssertSuccess();
        ErrorAssert.CleanError(sb, ["exec", id, "true"], "paused");
        sb.Exec("resume", id).AssertSuccess();
        sb.Kill(id, "KILL").AssertSuccess();
        sb.WaitForStatus(id, "stopped");
        ErrorAssert.CleanError(sb, ["exec", id, "true"], "cannot exec in a stopped container");
    }

    /// <summary>The exec'd process is in the container's user namespace (same ns inode as init,
    /// not the host's) and is root there, while the host sees the mapped uid.</summary>
    [Fact]
    public void Exec_Into_A_User_Namespaced_Container()
    {
        var (sb, id, pid) = Running(output, b => b.UserNamespace(0, 100000, 65536));
        using var _ = sb;
        string pidFile = Path.Combine(sb.BaseDir, "exec.pid");
        sb.Exec("exec", "--detach", "--pid-file", pidFile, id, "sleep", "1000").AssertSuccess();
        int execPid = int.Parse(File.ReadAllText(pidFile));
        sb.TrackPid(execPid);

        ulong initNs = Host.Inode($"/proc/{pid}/ns/user");
        Assert.NotEqual(Host.Inode("/proc/self/ns/user"), initNs);
        Assert.Equal(initNs, Host.Inode($"/proc/{execPid}/ns/user"));
        Assert.Equal(100000, Procs.StatusIds(execPid, "Uid")![0]);
        Assert.Equal(100000, Procs.StatusIds(execPid, "Gid")![0]);

        string[] inside = sb.Exec("exec", id, "sh", "-c", "id -u; id -g; readlink /proc/self/ns/user; cat /proc/self/uid_map")
            .AssertSuccess().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("0", inside[0].Trim());
        Assert.Equal("0", inside[1].Trim());
        Assert.Equal(Procs.Link(pid, "ns/user"), inside[2].Trim());
        Assert.Equal(["0", "100000", "65536"], inside[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>In the container's pid namespace the exec'd process has a pid of its own: not its
    /// host pid, and the one the kernel lists last in its NSpid; pid 1 there is the container's.</summary>
    [Fact]
    public void Exec_Into_A_Pid_Namespaced_Container()
    {
        var (sb, id, pid) = Running(output);
        using var _ = sb;
        string pidFile = Path.Combine(sb.BaseDir, "exec.pid");
        sb.Exec("exec", "--detach", "--pid-file", pidFile, id, "sh", "-c", "echo $$ > /dev/shm/inner; exec sleep 1000").AssertSuccess();
        int hostPid = int.Parse(File.ReadAllText(pidFile));
        sb.TrackPid(hostPid);
        string? inner = null;
        Wait.AssertUntil(() =>
        {
            var r = sb.Exec("exec", id, "cat", "/dev/shm/inner");
            inner = r.Success ? r.Stdout.Trim() : null;
            return inner is { Length: > 0 };
        }, TimeSpan.FromSeconds(10), () => "the exec'd shell never wrote its pid");
        Assert.NotEqual(hostPid.ToString(), inner);
        string nspid = File.ReadLines($"/proc/{hostPid}/status").Single(l => l.StartsWith("NSpid:", StringComparison.Ordinal));
        string[] levels = nspid["NSpid:".Length..].Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(hostPid.ToString(), levels[0]);
        Assert.Equal(inner, levels[^1]);
        Assert.Equal(Procs.Link(pid, "ns/pid"), Procs.Link(hostPid, "ns/pid"));
        Assert.Contains("sleep", sb.Exec("exec", id, "cat", "/proc/1/cmdline").AssertSuccess().Stdout);
    }

    [Theory]
    [InlineData("{\"args\": [")]
    [InlineData("not json at all")]
    [InlineData("")]
    public void Exec_Malformed_Process_File_Fails_Cleanly(string text)
    {
        var (sb, id, pid) = Running(output);
        using var _ = sb;
        string file = Path.Combine(sb.BaseDir, "process.json");
        File.WriteAllText(file, text);
        string pidFile = Path.Combine(sb.BaseDir, "exec.pid");
        string[] rootBefore = Directory.GetFileSystemEntries(sb.Root);
        var before = sb.ContainerPids(id);

        ErrorAssert.CleanError(sb, ["exec", "--process", file, "--pid-file", pidFile, id]);

        Assert.False(File.Exists(pidFile), "a pid file was written for an exec that failed");
        Assert.Equal(before, sb.ContainerPids(id));
        Assert.Equal(rootBefore, Directory.GetFileSystemEntries(sb.Root));
        Assert.Equal("running", sb.Status(id));
        Assert.Equal(pid, sb.StateJson(id)["pid"]!.GetValue<int>());
    }


    /// <summary>runc 1.1.5 hangs here (its exec child freezes before it reports back); csrun joins
    /// the frozen cgroup last and returns, and the process runs once the container resumes.</summary>
    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Exec_Ignore_Paused_Runs_After_Resume()
    {
        var (sb, id, _) = Running(output);
        using var __ = sb;
        sb.Exec("pause", id).AssertSuccess();
        string pidFile = Path.Combine(sb.BaseDir, "paused.pid");
        sb.Exec("exec", "--ignore-paused", "--detach", "--pid-file", pidFile, id, "sh", "-c", "echo ran > /dev/shm/ran").AssertSuccess();
        Assert.Equal("paused", sb.Status(id));
        sb.Exec("resume", id).AssertSuccess();
        string? text = null;
        for (int i = 0; i < 200 && text is null; i++)
        {
            var r = sb.Exec("exec", id, "cat", "/dev/shm/ran");
            if (r.ExitCode == 0) text = r.Stdout.Trim(); else Thread.Sleep(20);
        }
        Assert.Equal("ran", text);
    }

    [Fact]
    [Trait("Category", "Stress")]
    public void Exec_Never_Hangs()
    {
        var (sb, id, _) = Running(output);
        using var __ = sb;
        int cycles = int.TryParse(Environment.GetEnvironmentVariable("CSRUN_HANG_CYCLES"), out int n) && n > 0 ? Math.Min(n, 100) : 100;
        for (int i = 0; i < cycles; i++)
            Assert.Equal(0, sb.Exec(new RunOptions { Timeout = TimeSpan.FromSeconds(30) }, "exec", id, "true").ExitCode);
    }
}
