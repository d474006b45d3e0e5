using System.Diagnostics;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>
/// The leak checker must be able to fail: plant each kind of leak by hand (no runtime involved) and check
/// that <see cref="Leaks"/> reports it, then remove exactly what was planted.
/// </summary>
[Trait("Category", "Harness")]
public sealed class HarnessSelfTests(ITestOutputHelper output)
{
    [Fact]
    public void Leaks_Detects_State_Dir_Cgroup_Process_And_Mount()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        string id = sb.NewId();
        Assert.Empty(Leaks.Find(sb, b, id, rootMustBeEmpty: true));

        // state dir
        Directory.CreateDirectory(Path.Combine(sb.Root, id));
        Assert.Contains(Leaks.Find(sb, b, id, true), p => p.StartsWith("state dir"));
        Directory.Delete(Path.Combine(sb.Root, id));

        // cgroup dir (caller-relative, in the pids hierarchy)
        string cg = Cgroups.DirFor(b.CgroupsPath, "pids") ?? Cgroups.DirFor(b.CgroupsPath, "unified")!;
        Directory.CreateDirectory(cg);
        try { Assert.Contains(Leaks.Find(sb, b, id, true), p => p.StartsWith("cgroup dir exists: " + cg)); }
        finally { Directory.Delete(cg, false); Directory.Delete(Path.GetDirectoryName(cg)!, false); }

        // process with its cwd in the bundle
        var psi = new ProcessStartInfo("/bin/sleep", "1000") { WorkingDirectory = b.RootfsDir, UseShellExecute = false };
        using (var p = Process.Start(psi)!)
        {
            try { Assert.Contains(Leaks.Find(sb, b, id, true), x => x.StartsWith($"process {p.Id} ")); }
            finally { Procs.Signal(p.Id, Procs.SIGKILL); p.WaitForExit(); }
        }

        // mount under the bundle (made and removed by this test)
        string target = Path.Combine(b.RootfsDir, "mnt-test");
        Directory.CreateDirectory(target);
        Host.Check("/usr/bin/mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", target);
        try { Assert.Contains(Leaks.Find(sb, b, id, true), x => x.StartsWith("mount under bundle")); }
        finally { Host.Check("/usr/bin/umount", target); }

        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Fact]
    public void Cgroup_Hierarchies_Are_Discovered()
    {
        Assert.NotEmpty(Cgroups.Hierarchies);
        foreach (CgroupHierarchy h in Cgroups.Hierarchies)
        {
            output.WriteLine($"{h.Controllers}: mount {h.MountPoint}, caller {h.CallerDir}");
            Assert.True(Directory.Exists(h.CallerDir), h.CallerDir);
            Assert.Contains(Environment.ProcessId, Cgroups.ProcsIn(h.CallerDir));
        }
    }
}
