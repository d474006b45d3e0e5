using System.Text.Json.Nodes;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>
/// The device cgroup (v1 devices controller on hybrid hosts, an eBPF program on cgroup v2):
/// a node the config does not allow can be made with CAP_MKNOD but not opened.
/// /dev/kmsg (c 1:11) is in no default allow list.
/// </summary>
[Trait("Category", "Cgroups")]
public sealed class DeviceCgroupTests(ITestOutputHelper output)
{
    private const string Probe = "mknod /dev/kmsg-probe c 1 11 && head -c 1 /dev/kmsg-probe >/dev/null 2>/dev/probe-err; echo rc=$?; cat /dev/probe-err";

    /// <summary>runc's default capabilities lack CAP_MKNOD and CAP_SYSLOG (reading /dev/kmsg): grant
    /// them, so only the device cgroup stands in the way.</summary>
    private static void AllowMknod(Bundle b)
    {
        foreach (var set in new[] { "bounding", "effective", "permitted" })
            {
            ((JsonArray)b.Process["capabilities"]![set]!).Add("CAP_MKNOD");
            ((JsonArray)b.Process["capabilities"]![set]!).Add("CAP_SYSLOG");
        }
    }

    [Fact]
    public void Device_Not_Allowed_Cannot_Be_Opened()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", Probe);
        AllowMknod(b);
        var result = sb.Run(b, sb.NewId()).AssertSuccess();
        Assert.Contains("rc=1", result.Stdout);
        Assert.Contains("Operation not permitted", result.Stdout);
    }

    [Fact]
    public void Device_Allowed_By_A_Rule_Can_Be_Opened()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "mknod /dev/kmsg-probe c 1 11 && head -c 1 /dev/kmsg-probe 2>/dev/probe-err | wc -c; cat /dev/probe-err");
        AllowMknod(b);
        ((JsonArray)b.Linux["resources"]!["devices"]!).Add(new JsonObject
        {
            ["allow"] = true, ["type"] = "c", ["major"] = 1, ["minor"] = 11, ["access"] = "r",
        });
        var result = sb.Run(b, sb.NewId()).AssertSuccess();
        Assert.DoesNotContain("Operation not permitted", result.Stdout);
        Assert.StartsWith("1", result.Stdout.Trim());
    }

    [Fact]
    public void Default_Devices_Stay_Usable()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "head -c 4 /dev/urandom | wc -c; echo x > /dev/null && echo null-ok; head -c 2 /dev/zero | wc -c");
        var result = sb.Run(b, sb.NewId()).AssertSuccess();
        Assert.Equal(new[] { "4", "null-ok", "2" }, result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    /// <summary>Opens each node (no read): EPERM is the device cgroup saying no; c 240:* (a major
    /// for local use) has no driver, so an allowed open ends in ENXIO instead.</summary>
    private static Dictionary<string, bool> Opens(Sandbox sb, string id)
    {
        var r = sb.Exec("exec", id, "sh", "-c", "for d in /toggled /dev/kept; do if (: < $d) 2>/dev/e || ! grep -q 'not permitted' /dev/e; then echo $d=allowed; else echo $d=denied; fi; done").AssertSuccess("exec probe");
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('=')).ToDictionary(p => p[0], p => p[1] == "allowed");
    }

    /// <summary>`update` with device rules replaces the container's rules: on v2 the new eBPF
    /// program takes the old one's place (attached programs must all allow an access, so a
    /// program only added could never give access back), on v1 devices.deny/allow start over.
    /// The nodes of linux.devices stay usable. csrun-only: runc 1.1.5's update skips devices.</summary>
    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Update_Of_Device_Rules_Replaces_Them()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        // The rootfs is read-only in the container: the node the rules toggle is made here.
        var mknod = System.Diagnostics.Process.Start("mknod", [Path.Combine(b.RootfsDir, "toggled"), "c", "240", "7"])!;
        mknod.WaitForExit();
        Assert.Equal(0, mknod.ExitCode);
        b.Linux["devices"] = new JsonArray(new JsonObject
        {
            ["path"] = "/dev/kept", ["type"] = "c", ["major"] = 240, ["minor"] = 8, ["fileMode"] = 438, ["uid"] = 0, ["gid"] = 0,
        });
        JsonObject Rule(bool allow) => new() { ["allow"] = allow, ["type"] = "c", ["major"] = 240, ["minor"] = 7, ["access"] = "rwm" };
        ((JsonArray)b.Linux["resources"]!["devices"]!).Add(Rule(true));
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        var before = Opens(sb, id);
        Assert.True(before["/toggled"], "a device allowed at create cannot be opened");
        Assert.True(before["/dev/kept"], "a linux.devices node cannot be opened");

        string Resources(bool allow)
        {
            string path = Path.Combine(sb.BaseDir, $"devices-{Sandbox.Rand(6)}.json");
            File.WriteAllText(path, new JsonObject { ["devices"] = new JsonArray(Rule(allow)) }.ToJsonString());
            return path;
        }
        sb.Exec("update", "--resources", Resources(false), id).AssertSuccess("update: deny");
        var denied = Opens(sb, id);
        Assert.False(denied["/toggled"], "the update denied the device, the container can still open it");
        Assert.True(denied["/dev/kept"], "an update of the rules took a linux.devices node away");

        sb.Exec("update", "--resources", Resources(true), id).AssertSuccess("update: allow again");
        var again = Opens(sb, id);
        Assert.True(again["/toggled"], "allowed again, still denied: the update added rules instead of replacing them");
        sb.Delete(id, force: true).AssertSuccess();
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }
}
