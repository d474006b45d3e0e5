using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

[Trait("Category", "Namespaces")]
public sealed class NamespaceTests(ITestOutputHelper output)
{
    private static Dictionary<string, string> KeyValues(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.Contains('='))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim());

    [Fact]
    public void Hostname_From_Config()
    {
        using var sb = new Sandbox(output);
        string name = "host-" + Sandbox.Rand(6);
        Bundle b = sb.NewBundle("hostname");
        b.Config["hostname"] = name;
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        Assert.Equal(name, r.Stdout.Trim());
        Assert.NotEqual(name, Environment.MachineName);
    }

    /// <summary>docker 20.10 sets net.ipv4.ip_unprivileged_port_start while /proc/sys is in
    /// readonlyPaths (as in the default bundle): the sysctl goes in before /proc/sys turns
    /// read-only, and the container still sees /proc/sys read-only.</summary>
    [Fact]
    public void Sysctl_Is_Set_Although_Proc_Sys_Is_A_Readonly_Path()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c",
            "cat /proc/sys/net/ipv4/ip_unprivileged_port_start; " +
            "echo 80 > /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null && echo writable || echo read-only");
        Assert.Contains("/proc/sys", b.Linux["readonlyPaths"]!.AsArray().Select(n => (string?)n));
        b.Linux["sysctl"] = new System.Text.Json.Nodes.JsonObject { ["net.ipv4.ip_unprivileged_port_start"] = "0" };
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        Assert.Equal("0\nread-only\n", r.Stdout);
    }

    [Fact]
    public void Container_Process_Is_Pid_1()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "echo $$; cat /proc/1/cmdline | tr '\\0' ' '; echo");
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        string[] lines = r.Stdout.Split('\n');
        Assert.Equal("1", lines[0]);
        Assert.StartsWith("sh -c", lines[1]);
    }

    [Fact]
    public void Namespaces_Differ_From_Host()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c",
            "for n in ipc uts net mnt pid cgroup user; do echo $n=$(readlink /proc/self/ns/$n); done");
        b.SetNamespace("cgroup");
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        Dictionary<string, string> inside = KeyValues(r.Stdout);
        foreach (string ns in new[] { "ipc", "uts", "net", "mnt", "pid", "cgroup" })
        {
            Assert.True(inside.ContainsKey(ns), $"no {ns} in output: {r.Stdout}");
            Assert.Matches($@"^{ns}:\[\d+\]$", inside[ns]);
            Assert.NotEqual(Host.OwnNamespace(ns), inside[ns]);
        }
        // no user namespace configured: shared with the host
        Assert.Equal(Host.OwnNamespace("user"), inside["user"]);
    }

    [Fact]
    public void Namespace_Not_Configured_Is_Shared()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "for n in ipc net; do echo $n=$(readlink /proc/self/ns/$n); done");
        b.RemoveNamespace("network").RemoveNamespace("ipc");
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        Dictionary<string, string> inside = KeyValues(r.Stdout);
        Assert.Equal(Host.OwnNamespace("net"), inside["net"]);
        Assert.Equal(Host.OwnNamespace("ipc"), inside["ipc"]);
    }

    [Fact]
    public void Cgroup_Namespace_Root_Is_Container_Cgroup()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("cat", "/proc/self/cgroup");
        b.SetNamespace("cgroup");
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        // in its own cgroup namespace the container sees its cgroup as the root: no host path leaks
        Assert.All(lines, l => Assert.DoesNotContain(b.CgroupsPath, l));
        Assert.All(lines, l => Assert.EndsWith(":/", l));
    }

    [Fact]
    public void Network_Namespace_Joined_By_Path()
    {
        using var sb = new Sandbox(output);
        string nsPath = sb.NewNetns();
        ulong inode = Host.Inode(nsPath);
        Bundle b = sb.NewBundle("readlink", "/proc/self/ns/net");
        b.SetNamespace("network", nsPath);
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        Assert.Equal($"net:[{inode}]", r.Stdout.Trim());
        Assert.NotEqual(Host.OwnNamespace("net"), r.Stdout.Trim());
    }

    [Fact]
    public void User_Namespace_With_Mappings()
    {
        using var sb = new Sandbox(output);
        // busybox rootfs files are world-readable/executable: usable by the mapped root (host uid 100000)
        Bundle b = sb.NewBundle("sh", "-c",
            "id -u; id -g; cat /proc/self/uid_map; cat /proc/self/gid_map; readlink /proc/self/ns/user; exec sleep 1000");
        b.UserNamespace(0, 100000, 65536);
        string id = sb.NewId();
        RuntimeResult c = sb.CreateAndStart(b, id);
        string text = Wait.ForLines(c.StdoutPath, 5);
        string[] lines = text.Split('\n');
        Assert.Equal("0", lines[0].Trim());
        Assert.Equal("0", lines[1].Trim());
        Assert.Equal(["0", "100000", "65536"], lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["0", "100000", "65536"], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.NotEqual(Host.OwnNamespace("user"), lines[4].Trim());

        // the host sees the container process as uid/gid 100000
        int pid = sb.StateJson(id)["pid"]!.GetValue<int>();
        Assert.Equal(100000, Procs.StatusIds(pid, "Uid")![0]);
        Assert.Equal(100000, Procs.StatusIds(pid, "Uid")![1]);
        Assert.Equal(100000, Procs.StatusIds(pid, "Gid")![0]);
        string hostView = File.ReadAllText($"/proc/{pid}/uid_map");
        Assert.Equal(["0", "100000", "65536"], hostView.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));

        sb.Delete(id, force: true).AssertSuccess();
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    /// <summary>
    /// Time namespace with monotonic/boottime offsets. csrun-only: runc 1.1.5 does not know the "time"
    /// namespace ("namespace {"time" ""} does not exist"); time namespaces came with runc 1.2.
    /// </summary>
    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Time_Namespace_With_Offsets()
    {
        if (!File.Exists("/proc/self/ns/time"))
        {
            output.WriteLine("kernel has no time namespaces (/proc/self/ns/time missing): nothing to test");
            return;
        }
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c",
            "readlink /proc/self/ns/time; cat /proc/self/timens_offsets; cut -d' ' -f1 /proc/uptime");
        b.SetNamespace("time");
        b.Linux["timeOffsets"] = new System.Text.Json.Nodes.JsonObject
        {
            ["monotonic"] = new System.Text.Json.Nodes.JsonObject { ["secs"] = 86400, ["nanosecs"] = 0 },
            ["boottime"] = new System.Text.Json.Nodes.JsonObject { ["secs"] = 864000, ["nanosecs"] = 0 },
        };
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^time:\[\d+\]$", lines[0]);
        Assert.NotEqual(Host.OwnNamespace("time"), lines[0]);
        Assert.Contains(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["monotonic", "86400", "0"]);
        Assert.Contains(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["boottime", "864000", "0"]);
        double uptime = double.Parse(lines[^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(uptime >= 864000, $"uptime inside {uptime} does not include the boottime offset");
    }
}
