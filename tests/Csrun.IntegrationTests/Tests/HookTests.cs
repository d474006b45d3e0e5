using System.Text.Json.Nodes;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>OCI hooks: each kind runs at its moment, in its namespaces, with the state on stdin;
/// failures and timeouts fail the operation (poststop only warns).</summary>
[Trait("Category", "Hooks")]
public sealed class HookTests(ITestOutputHelper output)
{
    /// <summary>A hook that appends "kind status pid-namespace" and its stdin to a log file.</summary>
    private static JsonObject Recorder(string log, string kind) => new()
    {
        ["path"] = "/bin/sh",
        ["args"] = new JsonArray("sh", "-c", $"s=$(cat); echo \"{kind} $(readlink /proc/self/ns/mnt) $s\" >> {log}"),
    };

    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Every_Hook_Kind_Runs_In_Order_With_The_State()
    {
        using var sb = new Sandbox(output);
        string log = Path.Combine(sb.BaseDir, "hooks.log");
        Bundle b = sb.NewBundle("sh", "-c", "sleep 0.2");
        b.Config["hooks"] = new JsonObject
        {
            ["prestart"] = new JsonArray(Recorder(log, "prestart")),
            ["createRuntime"] = new JsonArray(Recorder(log, "createRuntime")),
            ["createContainer"] = new JsonArray(Recorder(log, "createContainer")),
            ["poststart"] = new JsonArray(Recorder(log, "poststart")),
            ["poststop"] = new JsonArray(Recorder(log, "poststop")),
        };
        string id = sb.NewId();
        sb.Create(b, id).AssertSuccess();
        int pid = sb.StateJson(id)["pid"]!.GetValue<int>();
        sb.Start(id).AssertSuccess();
        sb.WaitForStatus(id, "stopped");
        sb.Delete(id).AssertSuccess();

        var lines = File.ReadAllLines(log);
        Assert.Equal(new[] { "prestart", "createRuntime", "createContainer", "poststart", "poststop" }, lines.Select(l => l.Split(' ')[0]));
        string hostMnt = new FileInfo("/proc/self/ns/mnt").LinkTarget!;
        // createRuntime runs in the runtime's namespaces, createContainer in the container's.
        Assert.Equal(hostMnt, lines[1].Split(' ')[1]);
        Assert.NotEqual(hostMnt, lines[2].Split(' ')[1]);
        foreach (var line in lines)
        {
            var state = JsonNode.Parse(line.Substring(line.IndexOf('{')))!;
            Assert.Equal(id, state["id"]!.GetValue<string>());
            Assert.Equal(b.Dir, state["bundle"]!.GetValue<string>());
        }
        var statuses = lines.Select(l => JsonNode.Parse(l.Substring(l.IndexOf('{')))!["status"]!.GetValue<string>()).ToArray();
        Assert.Equal(new[] { "creating", "creating", "creating", "running", "stopped" }, statuses);
        Assert.Equal(pid, JsonNode.Parse(lines[0].Substring(lines[0].IndexOf('{')))!["pid"]!.GetValue<int>());
    }

    [Fact]
    public void Failing_Prestart_Hook_Fails_Create_And_Leaves_Nothing()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        b.Config["hooks"] = new JsonObject
        {
            ["prestart"] = new JsonArray(new JsonObject { ["path"] = "/bin/sh", ["args"] = new JsonArray("sh", "-c", "echo broken >&2; exit 3") }),
        };
        string id = sb.NewId();
        var r = sb.Create(b, id).AssertFailure();
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Fact]
    public void Poststop_Hooks_Run_After_A_Failed_Prestart_Hook()
    {
        // runtime-spec lifecycle: a failing prestart hook continues the lifecycle at destroy
        // (step 12) and the poststop hooks (step 13).
        using var sb = new Sandbox(output);
        string log = Path.Combine(sb.BaseDir, "hooks.log");
        Bundle b = sb.NewBundle("true");
        b.Config["hooks"] = new JsonObject
        {
            ["prestart"] = new JsonArray(new JsonObject { ["path"] = "/bin/sh", ["args"] = new JsonArray("sh", "-c", "exit 3") }),
            ["poststop"] = new JsonArray(Recorder(log, "poststop")),
        };
        string id = sb.NewId();
        var r = sb.Create(b, id).AssertFailure();
        Assert.Single(r.Stderr.Trim().Split('\n'));
        string line = Assert.Single(File.ReadAllLines(log));
        var state = JsonNode.Parse(line.Substring(line.IndexOf('{')))!;
        Assert.Equal(id, state["id"]!.GetValue<string>());
        Assert.Equal("stopped", state["status"]!.GetValue<string>());
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Fact]
    public void Container_Namespace_Hooks_Get_The_Pid_The_Container_Sees()
    {
        // createContainer and startContainer run in the container's namespaces: the state's pid
        // is the container process as seen there (1 in its new pid namespace); createRuntime
        // runs in the runtime's and gets the host pid.
        using var sb = new Sandbox(output);
        string log = Path.Combine(sb.BaseDir, "hooks.log");
        string inner = Path.Combine(sb.BaseDir, "inner");
        Directory.CreateDirectory(inner);
        Bundle b = sb.NewBundle("true");
        b.AddMount("/hooklog", "bind", inner, "rbind", "rw");
        b.Config["hooks"] = new JsonObject
        {
            ["createRuntime"] = new JsonArray(Recorder(log, "createRuntime")),
            ["createContainer"] = new JsonArray(Recorder(log, "createContainer")),
            ["startContainer"] = new JsonArray(Recorder("/hooklog/start.log", "startContainer")),
        };
        string id = sb.NewId();
        sb.Create(b, id).AssertSuccess();
        int hostPid = sb.StateJson(id)["pid"]!.GetValue<int>();
        sb.Start(id).AssertSuccess();
        sb.WaitForStatus(id, "stopped");
        sb.Delete(id).AssertSuccess();
        var lines = File.ReadAllLines(log).Concat(File.ReadAllLines(Path.Combine(inner, "start.log"))).ToArray();
        int PidOf(string kind)
        {
            string l = lines.Single(x => x.StartsWith(kind + " "));
            return JsonNode.Parse(l.Substring(l.IndexOf('{')))!["pid"]!.GetValue<int>();
        }
        Assert.Equal(hostPid, PidOf("createRuntime"));
        Assert.Equal(1, PidOf("createContainer"));
        Assert.Equal(1, PidOf("startContainer"));
    }

    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Hook_Timeout_Kills_The_Hook_And_Fails_Create()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        b.Config["hooks"] = new JsonObject
        {
            ["createRuntime"] = new JsonArray(new JsonObject { ["path"] = "/bin/sleep", ["args"] = new JsonArray("sleep", "60"), ["timeout"] = 1 }),
        };
        string id = sb.NewId();
        var started = DateTime.UtcNow;
        var r = sb.Create(b, id).AssertFailure();
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20));
        Assert.Contains("timed out", r.Stderr);
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Fact]
    public void Failing_Poststop_Hook_Does_Not_Stop_Delete()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        b.Config["hooks"] = new JsonObject
        {
            ["poststop"] = new JsonArray(new JsonObject { ["path"] = "/bin/false" }),
        };
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        sb.WaitForStatus(id, "stopped");
        sb.Delete(id).AssertSuccess();
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    /// <summary>A hook that cannot be executed (a plain file, a missing path) fails create with
    /// one line naming the hook's path, with and without --log, and leaves nothing behind.</summary>
    [Theory]
    [InlineData("prestart", "/etc/hostname")]
    [InlineData("createRuntime", "/etc/hostname")]
    [InlineData("createContainer", "/etc/hostname")]
    [InlineData("prestart", "/no/such/hook")]
    public void Non_Executable_Hook_Path_Fails_Create(string kind, string path)
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        b.Config["hooks"] = new JsonObject { [kind] = new JsonArray(new JsonObject { ["path"] = path }) };
        b.Save();
        string id = sb.NewId();
        ErrorAssert.CleanError(sb, ["create", "--bundle", b.Dir, id], path);
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }
}
