using System.Text.Json.Nodes;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>
/// `exec --cgroup`: the process joins an existing sub-cgroup of the container's cgroup. On cgroup
/// v2 `--cgroup SUB`; on v1 (this hybrid host) also `--cgroup CONTROLLER[,CONTROLLER]:SUB`. What
/// is checked is the exec'd process's own /proc/self/cgroup against init's, line by line.
/// </summary>
[Trait("Category", "Exec")]
public sealed class ExecCgroupTests(ITestOutputHelper output)
{
    private static bool PureV2 => Cgroups.Hierarchies.All(h => h.Controllers == "unified");

    private (Sandbox, Bundle, string, int) Running()
    {
        var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        return (sb, b, id, sb.StateJson(id)["pid"]!.GetValue<int>());
    }

    /// <summary>Makes SUB below the container's cgroup in the hierarchies whose controller list
    /// <paramref name="match"/> accepts (a v1 cpuset gets its parent's cpus and mems).</summary>
    private static List<string> MakeSub(Bundle b, string sub, Func<string, bool>? match = null)
    {
        var made = new List<string>();
        foreach (CgroupHierarchy h in Cgroups.Hierarchies)
        {
            if (match is not null && !match(h.Controllers)) continue;
            string? dir = Cgroups.CandidateDirs(b.CgroupsPath).FirstOrDefault(d => Directory.Exists(d) && Procs.IsUnder(d, h.MountPoint));
            Assert.True(dir is not null, $"the container has no cgroup in {h.MountPoint}");
            string path = Path.Combine(dir!, sub);
            Directory.CreateDirectory(path);
            if (h.Controllers.Split(',').Contains("cpuset"))
                foreach (string f in new[] { "cpuset.cpus", "cpuset.mems" })
                    File.WriteAllText(Path.Combine(path, f), File.ReadAllText(Path.Combine(dir!, f)).Trim());
            made.Add(path);
        }
        return made;
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public void Exec_Cgroup_Joins_An_Existing_Sub_Cgroup_In_Every_Hierarchy()
    {
        var (sb, b, id, pid) = Running();
        using var _ = sb;
        List<string> subs = MakeSub(b, "sub");
        string[] init = Lines(File.ReadAllText($"/proc/{pid}/cgroup"));

        string[] inside = Lines(sb.Exec("exec", "--cgroup", "sub", id, "cat", "/proc/self/cgroup").AssertSuccess().Stdout);
        Assert.Equal(init.Select(l => l.TrimEnd('/') + "/sub"), inside);

        // The host sees a detached one in the sub-cgroup, and ps counts it.
        string pidFile = Path.Combine(sb.BaseDir, "exec.pid");
        sb.Exec("exec", "--detach", "--cgroup", "sub", "--pid-file", pidFile, id, "sleep", "1000").AssertSuccess();
        int execPid = int.Parse(File.ReadAllText(pidFile));
        sb.TrackPid(execPid);
        foreach (string dir in subs)
            Assert.Contains(execPid.ToString(), Lines(File.ReadAllText(Path.Combine(dir, "cgroup.procs"))));
        var ps = JsonNode.Parse(sb.Exec("ps", "--format", "json", id).AssertSuccess().Stdout)!.AsArray();
        Assert.Contains(execPid, ps.Select(n => n!.GetValue<int>()));

        // delete --force kills it and removes the container's cgroups with the sub-cgroups in them.
        sb.Delete(id, force: true).AssertSuccess();
        Wait.AssertUntil(() => !Procs.IsAlive(execPid), TimeSpan.FromSeconds(5), () => $"exec'd pid {execPid} survived delete --force");
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    /// <summary>v1: only the named controllers' hierarchies change. v2 has one hierarchy: a
    /// controller prefix is an unknown controller there.</summary>
    [Fact]
    public void Exec_Cgroup_Per_Controller()
    {
        var (sb, b, id, pid) = Running();
        using var _ = sb;
        if (PureV2)
        {
            MakeSub(b, "sub");
            ErrorAssert.CleanError(sb, ["exec", "--cgroup", "memory:sub", id, "true"], "unknown controller memory");
            return;
        }
        static bool Picked(string controllers) => controllers.Split(',').Any(c => c is "memory" or "pids");
        Assert.Equal(2, MakeSub(b, "sub", Picked).Count);
        string[] init = Lines(File.ReadAllText($"/proc/{pid}/cgroup"));

        string[] inside = Lines(sb.Exec("exec", "--cgroup", "memory,pids:sub", id, "cat", "/proc/self/cgroup").AssertSuccess().Stdout);
        Assert.Equal(init.Length, inside.Length);
        for (int i = 0; i < init.Length; i++)
        {
            bool picked = Picked(init[i].Split(':')[1]);
            Assert.Equal(picked ? init[i] + "/sub" : init[i], inside[i]);
        }
        // the same with one flag per controller
        Assert.Equal(inside, Lines(sb.Exec("exec", "--cgroup", "memory:sub", "--cgroup", "pids:sub", id, "cat", "/proc/self/cgroup").AssertSuccess().Stdout));

        ErrorAssert.CleanError(sb, ["exec", "--cgroup", "no-such-controller:sub", id, "true"], "unknown controller no-such-controller");
    }

    [Fact]
    public void Exec_Cgroup_Refusals_Start_Nothing()
    {
        var (sb, b, id, _) = Running();
        using var _ = sb;
        string pidFile = Path.Combine(sb.BaseDir, "exec.pid");
        string[] Args(string cgroup) => ["exec", "--detach", "--pid-file", pidFile, "--cgroup", cgroup, id, "sleep", "4321"];

        // a sub-cgroup is joined, never made
        ErrorAssert.CleanError(sb, Args("no-such-sub"), "no such file or directory");
        Assert.Empty(Cgroups.CandidateDirs(b.CgroupsPath).Select(d => Path.Combine(d, "no-such-sub")).Where(Directory.Exists));
        // nor may it leave the container's cgroup
        MakeSub(b, "sub");
        ErrorAssert.CleanError(sb, Args("sub/../../escape"), "is not a sub cgroup path");
        ErrorAssert.CleanError(sb, Args("a:b:c"), "invalid --cgroup argument");
        ErrorAssert.CleanError(sb, ["exec", "--cgroup", "sub", "--cgroup", "other", id, "true"], "invalid --cgroup argument");

        Assert.False(File.Exists(pidFile), "a pid file was written for an exec that failed");
        Wait.AssertUntil(() => !sb.Exec("ps", id).AssertSuccess().Stdout.Contains("sleep 4321"), TimeSpan.FromSeconds(5),
            () => "a refused exec left its process running");
        Assert.Equal("running", sb.Status(id));
    }
}
