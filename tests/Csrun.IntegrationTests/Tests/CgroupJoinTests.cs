using System.Text.Json.Nodes;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>
/// When init enters the container's cgroup. csrun's init starts its runtime in the caller's
/// cgroup and is moved into the container's cgroup(s) right after (before hooks and exec.fifo),
/// so the runtime's start-up memory is not charged to the container; a new cgroup namespace is
/// made after the move and must be rooted at the container's cgroup on every path (plain, with
/// a user namespace, with a time namespace where init is forked once more).
/// </summary>
[Trait("Category", "Cgroups")]
public sealed class CgroupJoinTests(ITestOutputHelper output)
{
    private static bool UnifiedHost => File.Exists("/sys/fs/cgroup/cgroup.controllers");

    /// <summary>The container's memory limit as the container reads it through its own
    /// /sys/fs/cgroup (the default "cgroup" mount of the bundle).</summary>
    private static string LimitFileInside => UnifiedHost ? "/sys/fs/cgroup/memory.max" : "/sys/fs/cgroup/memory/memory.limit_in_bytes";

    private Bundle CgroupNamespaceBundle(Sandbox sb)
    {
        Bundle b = sb.NewBundle("sh", "-c", $"cat /proc/self/cgroup; echo limit=$(cat {LimitFileInside})");
        b.SetNamespace("cgroup");
        b.Linux["resources"]!["memory"] = new JsonObject { ["limit"] = 48L << 20 };
        return b;
    }

    private static void AssertRootedAtTheContainer(Bundle b, RuntimeResult r)
    {
        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var cgroupLines = lines.Where(l => !l.StartsWith("limit=")).ToList();
        Assert.NotEmpty(cgroupLines);
        Assert.All(cgroupLines, l => Assert.EndsWith(":/", l));
        // The namespaced cgroup mount shows the container's own cgroup, not the caller's.
        Assert.Contains($"limit={48L << 20}", lines);
    }

    [Fact]
    public void Cgroup_Namespace_Mount_Shows_The_Containers_Cgroup()
    {
        using var sb = new Sandbox(output);
        Bundle b = CgroupNamespaceBundle(sb);
        AssertRootedAtTheContainer(b, sb.Run(b, sb.NewId()).AssertSuccess("run"));
    }

    [Fact]
    public void Cgroup_Namespace_In_A_New_User_Namespace_Is_Rooted_At_The_Container()
    {
        using var sb = new Sandbox(output);
        Bundle b = CgroupNamespaceBundle(sb);
        b.UserNamespace(0, 100000, 65536);
        AssertRootedAtTheContainer(b, sb.Run(b, sb.NewId()).AssertSuccess("run"));
    }

    /// <summary>With a time namespace csrun forks init once more inside it: the grandchild is
    /// the one moved into the cgroup. csrun-only: runc 1.1.5 has no time namespace.</summary>
    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Cgroup_Namespace_With_A_Time_Namespace_Is_Rooted_At_The_Container()
    {
        if (!File.Exists("/proc/self/ns/time"))
        {
            output.WriteLine("kernel has no time namespaces: nothing to test");
            return;
        }
        using var sb = new Sandbox(output);
        Bundle b = CgroupNamespaceBundle(sb);
        b.SetNamespace("time");
        AssertRootedAtTheContainer(b, sb.Run(b, sb.NewId()).AssertSuccess("run"));
    }

    /// <summary>Init is in the container's cgroup(s) when the prestart hook runs (tools such as
    /// device hooks read /proc/PID/cgroup there), with or without a time namespace.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    [Trait("Runtime", "csrun-only")]
    public void Init_Is_In_Its_Cgroup_When_Prestart_Hooks_Run(bool timeNamespace)
    {
        if (timeNamespace && !File.Exists("/proc/self/ns/time")) return;
        using var sb = new Sandbox(output);
        string log = Path.Combine(sb.BaseDir, "hook-cgroup.log");
        Bundle b = sb.NewBundle("true");
        if (timeNamespace) b.SetNamespace("time");
        b.Config["hooks"] = new JsonObject
        {
            ["prestart"] = new JsonArray(new JsonObject
            {
                ["path"] = "/bin/sh",
                ["args"] = new JsonArray("sh", "-c", $"pid=$(/usr/bin/jq .pid); cat /proc/$pid/cgroup > {log}"),
            }),
        };
        string id = sb.NewId();
        sb.Create(b, id).AssertSuccess();
        string[] lines = File.ReadAllLines(log).Where(l => l.Length > 0).ToArray();
        Assert.NotEmpty(lines);
        // Every hierarchy's line (v1 and the unified one) ends in the container's cgroup.
        Assert.All(lines, l => Assert.EndsWith("/" + b.CgroupsPath, l));
        sb.Delete(id, force: true).AssertSuccess();
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    /// <summary>The runtime's start-up is not charged to the container: `true` runs under a
    /// 1 MiB limit (csrun's floor measured 192-320 KiB; runc 1.1.5 needs 2.3-4 MiB).</summary>
    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Run_Succeeds_Under_A_One_MiB_Memory_Limit()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        b.Linux["resources"]!["memory"] = new JsonObject { ["limit"] = 1L << 20 };
        string id = sb.NewId();
        sb.Run(b, id).AssertSuccess("run under 1 MiB");
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    /// <summary>An init the kernel kills for memory during create: one line that says so
    /// (runc: "container init was OOM-killed (memory limit too low?)"), nothing left behind.</summary>
    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Init_Oom_Killed_During_Create_Is_Said_And_Leaves_Nothing()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        b.Linux["resources"]!["memory"] = new JsonObject { ["limit"] = 64L << 10 };
        string id = sb.NewId();
        b.Save();
        var r = ErrorAssert.CleanError(sb, ["create", "--bundle", b.Dir, id], "OOM-killed");
        Assert.Contains("memory limit", r.Stderr);
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }
}
