using System.Text.Json.Nodes;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>
/// linux.netDevices: a host interface moved into the container's network namespace, renamed,
/// with its permanent global addresses. This host's kernel has no dummy driver, so the device
/// is one end of a veth pair (virtual too: destroyed with the namespace, its peer with it).
/// csrun-only: runc 1.1.5 has no netDevices.
/// </summary>
[Trait("Category", "NetDevices")]
public sealed class NetDeviceTests(ITestOutputHelper output)
{
    /// <summary>A veth pair on the host with an address on <see cref="Name"/>; Dispose deletes
    /// whatever of it is still on the host, also when the test failed.</summary>
    private sealed class HostVeth : IDisposable
    {
        public string Name { get; } = "csrunt" + Sandbox.Rand(6);
        public string Peer => Name + "p";

        public HostVeth()
        {
            Host.Check("/usr/sbin/ip", "link", "add", Name, "type", "veth", "peer", "name", Peer);
            Host.Check("/usr/sbin/ip", "addr", "add", "192.0.2.10/24", "dev", Name);
            Host.Check("/usr/sbin/ip", "-6", "addr", "add", "2001:db8::10/64", "dev", Name, "nodad");
        }

        public static bool OnHost(string name) => Host.Run("/usr/sbin/ip", "link", "show", "dev", name).ExitCode == 0;

        public void Dispose()
        {
            foreach (string name in new[] { Name, Peer })
                if (OnHost(name)) Host.Run("/usr/sbin/ip", "link", "delete", name);
        }
    }

    private static Bundle WithNetDevice(Sandbox sb, string hostName, string? newName, params string[] args)
    {
        Bundle b = sb.NewBundle(args);
        b.SetNamespace("network");
        var device = new JsonObject();
        if (newName is not null) device["name"] = newName;
        b.Linux["netDevices"] = new JsonObject { [hostName] = device };
        return b;
    }

    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Host_Interface_Moves_In_Renamed_With_Its_Addresses()
    {
        using var sb = new Sandbox(output);
        using var veth = new HostVeth();
        Bundle b = WithNetDevice(sb, veth.Name, "ctr0", "sleep", "1000");
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        Assert.False(HostVeth.OnHost(veth.Name), $"{veth.Name} is still on the host");
        string inside = sb.Exec("exec", id, "ip", "addr", "show", "dev", "ctr0").AssertSuccess().Stdout;
        output.WriteLine(inside);
        Assert.Contains("ctr0", inside);
        Assert.Contains("inet 192.0.2.10/24", inside);
        Assert.Contains("inet6 2001:db8::10/64", inside);
        Assert.DoesNotContain(veth.Name, sb.Exec("exec", id, "ip", "link").AssertSuccess().Stdout);
        sb.Delete(id, force: true).AssertSuccess("delete");
        // A virtual device ends with the namespace (a physical one would come back to the host).
        Wait.AssertUntil(() => !HostVeth.OnHost(veth.Name) && !HostVeth.OnHost(veth.Peer), TimeSpan.FromSeconds(10),
            () => "the moved veth (or its peer) is still on the host after delete");
    }

    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Without_A_Name_The_Interface_Keeps_Its_Host_Name()
    {
        using var sb = new Sandbox(output);
        using var veth = new HostVeth();
        Bundle b = WithNetDevice(sb, veth.Name, null, "ip", "-o", "link", "show", "dev", veth.Name);
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        Assert.Contains(veth.Name, r.Stdout);
    }

    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Missing_Host_Device_Is_One_Line_And_Leaves_Nothing()
    {
        using var sb = new Sandbox(output);
        Bundle b = WithNetDevice(sb, "csrunnone0", "ctr0", "true");
        b.Save();
        string id = sb.NewId();
        ErrorAssert.CleanError(sb, ["create", "--bundle", b.Dir, id], "no network device");
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    /// <summary>A name the container already has (lo) is found once its namespace exists, after
    /// the state dir and the cgroup: they go, and the device stays on the host, untouched
    /// (up, with its address).</summary>
    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Failed_Move_Leaves_Nothing_And_The_Device_On_The_Host()
    {
        using var sb = new Sandbox(output);
        using var veth = new HostVeth();
        Host.Check("/usr/sbin/ip", "link", "set", veth.Name, "up");
        Bundle b = WithNetDevice(sb, veth.Name, "lo", "true");
        b.Save();
        string id = sb.NewId();
        RuntimeResult r = ErrorAssert.CleanError(sb, ["create", "--bundle", b.Dir, id], "has a device named");
        Assert.Contains(veth.Name, r.Stderr);
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
        string shown = Host.Check("/usr/sbin/ip", "addr", "show", "dev", veth.Name);
        Assert.Contains("192.0.2.10/24", shown);
        Assert.Contains(",UP", shown);
    }

    [Theory]
    [Trait("Runtime", "csrun-only")]
    [InlineData("eth/0", null, "invalid network device name")]
    [InlineData("csruntoolongname0", null, "invalid network device name")]
    [InlineData("csrunt0", "a/b", "invalid network device name")]
    [InlineData("csrunt0", "sixteen-chars-xx", "invalid network device name")]
    public void Invalid_Device_Names_Are_Refused(string hostName, string? newName, string message)
    {
        using var sb = new Sandbox(output);
        Bundle b = WithNetDevice(sb, hostName, newName, "true");
        b.Save();
        string id = sb.NewId();
        RuntimeResult r = ErrorAssert.CleanError(sb, ["create", "--bundle", b.Dir, id], message);
        Assert.Contains("linux.netDevices", r.Stderr);
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void NetDevices_Without_A_Network_Namespace_Are_Refused()
    {
        using var sb = new Sandbox(output);
        Bundle b = WithNetDevice(sb, "csrunt0", "ctr0", "true");
        b.RemoveNamespace("network");
        b.Save();
        string id = sb.NewId();
        ErrorAssert.CleanError(sb, ["create", "--bundle", b.Dir, id], "linux.netDevices: unable to move network devices without a network namespace");
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }
}
