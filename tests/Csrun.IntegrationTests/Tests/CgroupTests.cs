using System.Text.Json.Nodes;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>
/// Where the container's cgroup is and that it goes away. These also validate the harness: the leak
/// checker looks for exactly these directories, so it must find them while the container exists.
/// </summary>
[Trait("Category", "Cgroups")]
public sealed class CgroupTests(ITestOutputHelper output)
{
    [Fact]
    public void Relative_CgroupsPath_Is_Below_Callers_Cgroup_In_Every_Hierarchy()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        string id = sb.NewId();
        sb.Create(b, id).AssertSuccess();
        int pid = sb.StateJson(id)["pid"]!.GetValue<int>();

        Dictionary<string, string> own = ReadCgroupFile("/proc/self/cgroup");
        Dictionary<string, string> its = ReadCgroupFile($"/proc/{pid}/cgroup");
        foreach ((string controllers, string callerPath) in own)
        {
            string expected = (callerPath.TrimEnd('/') + "/" + b.CgroupsPath);
            Assert.True(its.TryGetValue(controllers, out string? actual), $"no '{controllers}' line for pid {pid}");
            Assert.True(expected == actual, $"{controllers}: expected {expected}, got {actual}");
        }
        // the harness finds the same directories, and the process is in them
        IReadOnlyList<string> dirs = Cgroups.ExistingDirs(b.CgroupsPath);
        Assert.Equal(Cgroups.Hierarchies.Count, dirs.Count);
        Assert.All(dirs, d => Assert.Contains(pid, Cgroups.ProcsIn(d)));
        Assert.NotEmpty(Leaks.Find(sb, b, id, rootMustBeEmpty: true));

        sb.Delete(id, force: true).AssertSuccess();
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Fact]
    public void Pids_And_Memory_Limits_Are_Applied()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        b.Linux["resources"]!["pids"] = new JsonObject { ["limit"] = 42 };
        b.Linux["resources"]!["memory"] = new JsonObject { ["limit"] = 64L * 1024 * 1024 };
        string id = sb.NewId();
        sb.Create(b, id).AssertSuccess();

        string? pidsDir = Cgroups.DirFor(b.CgroupsPath, "pids");
        string? memDir = Cgroups.DirFor(b.CgroupsPath, "memory");
        if (pidsDir is not null && File.Exists(Path.Combine(pidsDir, "pids.max")))
            Assert.Equal("42", File.ReadAllText(Path.Combine(pidsDir, "pids.max")).Trim());
        else
        {
            // cgroup v2 only: both files live in the unified dir
            string uni = Cgroups.DirFor(b.CgroupsPath, "unified")!;
            pidsDir = memDir = uni;
            Assert.Equal("42", File.ReadAllText(Path.Combine(uni, "pids.max")).Trim());
        }
        string memFile = File.Exists(Path.Combine(memDir!, "memory.limit_in_bytes"))
            ? "memory.limit_in_bytes" : "memory.max";
        Assert.Equal((64L * 1024 * 1024).ToString(), File.ReadAllText(Path.Combine(memDir!, memFile)).Trim());

        sb.Delete(id, force: true).AssertSuccess();
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    private static Dictionary<string, string> ReadCgroupFile(string path) =>
        File.ReadAllLines(path)
            .Select(l => l.Split(':', 3))
            .Where(p => p.Length == 3)
            .ToDictionary(p => p[0] + ":" + p[1], p => p[2]);
}
