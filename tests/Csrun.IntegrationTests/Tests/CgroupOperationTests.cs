using System.Text.Json.Nodes;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>pause/resume, update, ps, events --stats and features against a live container.</summary>
[Trait("Category", "Cgroups")]
public sealed class CgroupOperationTests(ITestOutputHelper output)
{
    [Fact]
    public void Pause_Freezes_And_Resume_Thaws()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /dev/shm/tick; sleep 0.05; done");
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        int pid = sb.StateJson(id)["pid"]!.GetValue<int>();
        // The loop must have written once before it is frozen (start returns before it runs).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!File.Exists($"/proc/{pid}/root/dev/shm/tick") && DateTime.UtcNow < deadline) Thread.Sleep(20);
        sb.Exec("pause", id).AssertSuccess();
        Assert.Equal("paused", sb.Status(id));
        string tick1 = File.ReadAllText($"/proc/{pid}/root/dev/shm/tick");
        Thread.Sleep(300);
        Assert.Equal(tick1, File.ReadAllText($"/proc/{pid}/root/dev/shm/tick"));
        ErrorAssert.CleanError(sb, ["pause", id], "container not running");
        sb.Exec("resume", id).AssertSuccess();
        Assert.Equal("running", sb.Status(id));
        Thread.Sleep(300);
        Assert.NotEqual(tick1, File.ReadAllText($"/proc/{pid}/root/dev/shm/tick"));
        ErrorAssert.CleanError(sb, ["resume", id], "container not paused");
        // delete --force of a paused container works too
        sb.Exec("pause", id).AssertSuccess();
        sb.Delete(id, force: true).AssertSuccess();
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Fact]
    public void Update_Changes_Limits_And_Events_Reports_Them()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        sb.Exec("update", "--pids-limit", "33", "--memory", "80M", id).AssertSuccess();
        var stats = JsonNode.Parse(sb.Exec("events", "--stats", id).AssertSuccess().Stdout)!;
        Assert.Equal("stats", stats["type"]!.GetValue<string>());
        Assert.Equal(id, stats["id"]!.GetValue<string>());
        Assert.Equal(33UL, stats["data"]!["pids"]!["limit"]!.GetValue<ulong>());
        Assert.True(stats["data"]!["pids"]!["current"]!.GetValue<long>() >= 1);
        Assert.Equal(80UL << 20, stats["data"]!["memory"]!["usage"]!["limit"]!.GetValue<ulong>());
        Assert.True(stats["data"]!["memory"]!["usage"]!["usage"]!.GetValue<long>() > 0);

        var tmp = Path.Combine(sb.BaseDir, "resources.json");
        File.WriteAllText(tmp, "{\"pids\":{\"limit\":44}}");
        sb.Exec("update", "--resources", tmp, id).AssertSuccess();
        stats = JsonNode.Parse(sb.Exec("events", "--stats", id).AssertSuccess().Stdout)!;
        Assert.Equal(44UL, stats["data"]!["pids"]!["limit"]!.GetValue<ulong>());
        ErrorAssert.CleanError(sb, ["update", "--pids-limit", "x", id], "--pids-limit");
    }

    [Fact]
    public void Ps_Lists_The_Containers_Processes()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "sleep 1000 & sleep 1000");
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        int pid = sb.StateJson(id)["pid"]!.GetValue<int>();
        JsonArray pids = new();
        for (int i = 0; i < 100 && pids.Count < 2; i++)
        {
            pids = JsonNode.Parse(sb.Exec("ps", "--format", "json", id).AssertSuccess().Stdout)!.AsArray();
            if (pids.Count < 2) Thread.Sleep(20);
        }
        Assert.Equal(2, pids.Count);
        Assert.Contains(pid, pids.Select(p => p!.GetValue<int>()));
        var table = sb.Exec("ps", id).AssertSuccess().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("PID", table[0]);
        Assert.Equal(3, table.Length);
    }

    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Features_Reports_What_Is_Implemented()
    {
        using var sb = new Sandbox(output);
        var f = JsonNode.Parse(sb.Exec("features").AssertSuccess().Stdout)!;
        Assert.Equal("1.3.0", f["ociVersionMax"]!.GetValue<string>());
        var ns = f["linux"]!["namespaces"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        Assert.Contains("time", ns);
        Assert.Contains("user", ns);
        Assert.True(f["linux"]!["seccomp"]!["enabled"]!.GetValue<bool>());
        Assert.Contains("SCMP_ACT_NOTIFY", f["linux"]!["seccomp"]!["actions"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Contains("SCMP_ARCH_X32", f["linux"]!["seccomp"]!["archs"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Contains("CAP_SYS_ADMIN", f["linux"]!["capabilities"]!.AsArray().Select(n => n!.GetValue<string>()));
        var mountOptions = f["mountOptions"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        Assert.Contains("tmpcopyup", mountOptions);
        Assert.Contains("rro", mountOptions);
        Assert.Contains("rnosymfollow", mountOptions);
        Assert.Contains("ridmap", mountOptions);
        Assert.True(f["linux"]!["mountExtensions"]!["idmap"]!["enabled"]!.GetValue<bool>());
        Assert.True(f["linux"]!["intelRdt"]!["enabled"]!.GetValue<bool>());
    }
}
