using System.Text.Json.Nodes;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>
/// linux.resources taking effect, on this hybrid host (cgroup v1) and in the cgroup v2 VM
/// (make integration-test-v2): the kernel enforces them, and the values read back.
/// </summary>
[Trait("Category", "Cgroups")]
public sealed class ResourceTests(ITestOutputHelper output)
{
    private static bool UnifiedHost => File.Exists("/sys/fs/cgroup/cgroup.controllers");

    private static JsonNode Stats(Sandbox sb, string id) =>
        JsonNode.Parse(sb.Exec("events", "--stats", id).AssertSuccess().Stdout)!["data"]!;

    [Fact]
    public void Memory_Limit_Ends_In_An_Oom_Kill()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "dd if=/dev/zero of=/dev/null bs=96M count=1");
        b.Linux["resources"]!["memory"] = new JsonObject { ["limit"] = 32L << 20 };
        var r = sb.Run(b, sb.NewId());
        Assert.Equal(137, r.ExitCode);
    }

    [Fact]
    public void Pids_Limit_Stops_A_Fork_Bomb()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "i=0; while [ $i -lt 30 ]; do sleep 30 & i=$((i+1)); done; sleep 0.5; echo started");
        b.Linux["resources"]!["pids"] = new JsonObject { ["limit"] = 8 };
        string id = sb.NewId();
        var r = sb.Run(b, id, new RunOptions { Timeout = TimeSpan.FromSeconds(60) });
        Assert.Contains("fork", r.Stderr);
    }

    [Fact]
    public void Cpu_Quota_Throttles_And_Stats_Move()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "while :; do :; done");
        b.Linux["resources"]!["cpu"] = new JsonObject { ["quota"] = 10000, ["period"] = 100000 };
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        long first = Stats(sb, id)["cpu"]!["usage"]!["total"]!.GetValue<long>();
        Thread.Sleep(1500);
        var stats = Stats(sb, id);
        Assert.True(stats["cpu"]!["usage"]!["total"]!.GetValue<long>() > first, "cpu usage did not move");
        Assert.True(stats["cpu"]!["throttling"]!["throttledPeriods"]!.GetValue<long>() > 0, "no throttled period under a 10% quota");
        sb.Delete(id, force: true).AssertSuccess();
    }

    [Fact]
    public void Cpuset_Pins_The_Container()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "grep Cpus_allowed_list /proc/self/status");
        b.Linux["resources"]!["cpu"] = new JsonObject { ["cpus"] = "0", ["mems"] = "0" };
        var r = sb.Run(b, sb.NewId()).AssertSuccess();
        Assert.Equal("0", r.Stdout.Split(':')[1].Trim());
    }

    [Fact]
    public void Block_Io_Throttle_Is_Written_For_A_Real_Disk()
    {
        using var sb = new Sandbox(output);
        string? disk = Directory.Exists("/sys/block") ? Directory.GetDirectories("/sys/block").Select(Path.GetFileName)
            .FirstOrDefault(d => d!.StartsWith("vd") || d.StartsWith("sd")) : null;
        Assert.True(disk is not null, "no virtio or scsi disk: make integration-test-v2 gives the VM one with --disk");
        var mm = File.ReadAllText($"/sys/block/{disk}/dev").Trim().Split(':');
        Bundle b = sb.NewBundle("sleep", "1000");
        b.Linux["resources"]!["blockIO"] = new JsonObject
        {
            ["throttleReadBpsDevice"] = new JsonArray(new JsonObject { ["major"] = long.Parse(mm[0]), ["minor"] = long.Parse(mm[1]), ["rate"] = 1048576 }),
        };
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        string text = UnifiedHost
            ? File.ReadAllText(Path.Combine(Cgroups.DirFor(b.CgroupsPath, "unified")!, "io.max"))
            : File.ReadAllText(Path.Combine(Cgroups.DirFor(b.CgroupsPath, "blkio")!, "blkio.throttle.read_bps_device"));
        Assert.Contains(UnifiedHost ? $"{mm[0]}:{mm[1]} rbps=1048576" : $"{mm[0]}:{mm[1]} 1048576", text);
        sb.Delete(id, force: true).AssertSuccess();
    }

    /// <summary>v2 hosts have hugetlb; this hybrid host's v1 has none, which must be a clear
    /// error naming the controller, with nothing left behind.</summary>
    [Fact]
    public void Hugetlb_Limit_Or_A_Clear_Error_When_The_Controller_Is_Missing()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        b.Linux["resources"]!["hugepageLimits"] = new JsonArray(new JsonObject { ["pageSize"] = "2MB", ["limit"] = 4194304 });
        string id = sb.NewId();
        bool hasHugetlb = UnifiedHost
            ? File.ReadAllText("/sys/fs/cgroup/cgroup.controllers").Split(' ', StringSplitOptions.TrimEntries).Contains("hugetlb")
            : Directory.Exists("/sys/fs/cgroup/hugetlb");
        if (hasHugetlb)
        {
            b.Process["args"] = new JsonArray("sleep", "1000");
            sb.CreateAndStart(b, id);
            string dir = UnifiedHost ? Cgroups.DirFor(b.CgroupsPath, "unified")! : Cgroups.DirFor(b.CgroupsPath, "hugetlb")!;
            Assert.Equal("4194304", File.ReadAllText(Path.Combine(dir, UnifiedHost ? "hugetlb.2MB.max" : "hugetlb.2MB.limit_in_bytes")).Trim());
            sb.Delete(id, force: true).AssertSuccess();
        }
        else
        {
            var r = sb.Create(b, id).AssertFailure();
            Assert.Contains("hugetlb", r.Stderr);
            Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
        }
    }

    [Fact]
    public void Update_Of_A_Stopped_Container_Is_Refused()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        sb.WaitForStatus(id, "stopped");
        ErrorAssert.CleanError(sb, ["update", "--pids-limit", "10", id], "container not running");
    }

    [Fact]
    public void Kill_All_Ends_Every_Process()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "sleep 1000 & sleep 1000 & wait");
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        sb.Kill(id, "--all", "KILL").AssertSuccess();
        sb.WaitForStatus(id, "stopped");
        // runc prints "null" for no processes, csrun "[]": both mean none.
        JsonArray Pids() => JsonNode.Parse(sb.Exec("ps", "--format", "json", id).AssertSuccess().Stdout) as JsonArray ?? new JsonArray();
        var pids = Pids();
        for (int i = 0; i < 100 && pids.Count > 0; i++)
        {
            Thread.Sleep(20);
            pids = Pids();
        }
        Assert.Empty(pids);
    }
}
