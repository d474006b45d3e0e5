using System.Text.Json.Nodes;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>Configurations the OCI runtime-tools suite uses that once tripped csrun.</summary>
[Trait("Category", "Conformance")]
public sealed class ConformanceEdgeTests(ITestOutputHelper output)
{
    /// <summary>Without a mount namespace csrun mounts nothing (runc would mount into the host's
    /// namespace and leave the mounts behind) and chroots; the container has no /proc, which
    /// runc 1.1.5 cannot start without ("open /proc/self/fd: no such file or directory").</summary>
    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Container_Without_A_Mount_Namespace_Starts()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "echo alive");
        var namespaces = (JsonArray)b.Linux["namespaces"]!;
        for (int i = namespaces.Count - 1; i >= 0; i--)
            if (namespaces[i]!["type"]!.GetValue<string>() == "mount") namespaces.RemoveAt(i);
        b.Config["mounts"] = new JsonArray();
        b.Linux.Remove("maskedPaths");
        b.Linux.Remove("readonlyPaths");
        var r = sb.Run(b, sb.NewId()).AssertSuccess();
        Assert.Equal("alive", r.Stdout.Trim());
    }

    /// <summary>runc 1.1.5 starts this container but leaves "/" unshared (runtime-tools'
    /// rootfs_propagation test fails it for that); csrun applies "shared" after pivot_root.</summary>
    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Shared_Rootfs_Propagation_Still_Pivots()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "awk '$5 == \"/\"' /proc/self/mountinfo");
        b.Linux["rootfsPropagation"] = "shared";
        var r = sb.Run(b, sb.NewId()).AssertSuccess();
        Assert.Contains("shared:", r.Stdout);
    }

    [Fact]
    public void Fifo_Device_And_Bind_Mount_With_Data_Options_Are_Accepted()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "test -p /dev/testfifo && echo fifo; ls /mnt/etc-bind/hostname");
        b.Linux["devices"] = new JsonArray(new JsonObject
        {
            ["path"] = "/dev/testfifo", ["type"] = "p", ["major"] = 8, ["minor"] = 666, ["fileMode"] = 432, ["uid"] = 0, ["gid"] = 0,
        });
        ((JsonArray)b.Config["mounts"]!).Add(new JsonObject
        {
            ["destination"] = "/mnt/etc-bind", ["source"] = "/etc", ["options"] = new JsonArray("nosuid", "mode=755", "size=1k", "bind"),
        });
        var r = sb.Run(b, sb.NewId()).AssertSuccess();
        Assert.Equal(new[] { "fifo", "/mnt/etc-bind/hostname" }, r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
