using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

[Trait("Category", "Delete")]
public sealed class DeleteTests(ITestOutputHelper output)
{
    [Fact]
    public void Delete_Running_Without_Force_Fails()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        int pid = sb.StateJson(id)["pid"]!.GetValue<int>();

        RuntimeResult r = sb.Delete(id).AssertFailure("delete of a running container");
        ErrorAssert.AssertOneLine(r);
        Assert.Matches("(?i)running|not stopped", r.Stderr);
        Assert.Equal("running", sb.Status(id));
        Assert.True(Procs.IsAlive(pid));

        sb.Delete(id, force: true).AssertSuccess();
    }

    [Fact]
    public void Delete_Force_Kills_And_Removes()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        int pid = sb.StateJson(id)["pid"]!.GetValue<int>();

        sb.Delete(id, force: true).AssertSuccess("delete --force");
        Wait.AssertUntil(() => !Procs.IsAlive(pid), TimeSpan.FromSeconds(10), () => $"pid {pid} still alive");
        Assert.Contains("does not exist", sb.State(id).AssertFailure().Stderr);
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Fact]
    public void Delete_Force_Kills_All_Processes_Without_Pid_Namespace()
    {
        using var sb = new Sandbox(output);
        // no PID namespace: killing init alone would leave the children running
        Bundle b = sb.NewBundle("sh", "-c", "sleep 1000 & echo $!; sleep 1000 & echo $!; wait");
        b.RemoveNamespace("pid");
        string id = sb.NewId();
        RuntimeResult c = sb.CreateAndStart(b, id);
        int init = sb.StateJson(id)["pid"]!.GetValue<int>();
        int[] children = Wait.ForLines(c.StdoutPath, 2).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(int.Parse).ToArray();
        foreach (int p in children) sb.TrackPid(p);
        Assert.All(children, p => Assert.True(Procs.IsAlive(p)));

        sb.Delete(id, force: true).AssertSuccess("delete --force");
        foreach (int p in children.Append(init))
            Wait.AssertUntil(() => !Procs.IsAlive(p), TimeSpan.FromSeconds(10), () => $"pid {p} still alive");
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Fact]
    public void Delete_Created_Container()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        string id = sb.NewId();
        sb.Create(b, id).AssertSuccess();
        int pid = sb.StateJson(id)["pid"]!.GetValue<int>();
        Assert.Equal("created", sb.Status(id));

        sb.Delete(id).AssertSuccess("delete of a created container");
        Wait.AssertUntil(() => !Procs.IsAlive(pid), TimeSpan.FromSeconds(10), () => $"pid {pid} still alive");
        Assert.Contains("does not exist", sb.State(id).AssertFailure().Stderr);
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Fact]
    public void Delete_Stopped_Container()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "exit 7");
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        sb.WaitForStatus(id, "stopped");
        sb.Delete(id).AssertSuccess();
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Fact]
    public void Delete_Force_Of_Missing_Container_Succeeds()
    {
        // runc 1.1.5: `delete --force` of a container that does not exist exits 0 and prints nothing
        // (plain `delete` fails with "container does not exist", see BadInputTests.Missing_Container)
        using var sb = new Sandbox(output);
        string id = sb.NewId();
        RuntimeResult r = sb.Delete(id, force: true).AssertSuccess();
        Assert.Equal("", r.Stderr.Trim());
        Leaks.AssertClean(sb, null, id, rootMustBeEmpty: true);
    }
}
