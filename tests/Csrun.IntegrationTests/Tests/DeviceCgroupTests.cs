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
}
