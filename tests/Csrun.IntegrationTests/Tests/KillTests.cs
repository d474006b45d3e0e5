using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

[Trait("Category", "Kill")]
public sealed class KillTests(ITestOutputHelper output)
{
    [Fact]
    public void Kill_All_Kills_Every_Process()
    {
        using var sb = new Sandbox(output);
        // no PID namespace, so that killing init alone would NOT take the children with it
        Bundle b = sb.NewBundle("sh", "-c",
            "trap '' TERM; sleep 1000 & echo $!; sleep 1000 & echo $!; (trap '' TERM; sleep 1000) & echo $!; wait");
        b.RemoveNamespace("pid");
        string id = sb.NewId();
        RuntimeResult c = sb.CreateAndStart(b, id);
        int init = sb.StateJson(id)["pid"]!.GetValue<int>();
        int[] children = Wait.ForLines(c.StdoutPath, 3).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(int.Parse).ToArray();
        foreach (int p in children) sb.TrackPid(p);
        int[] all = children.Append(init).ToArray();
        Assert.All(all, p => Assert.True(Procs.IsAlive(p), $"pid {p} not alive before kill"));

        sb.Kill(id, "--all", "KILL").AssertSuccess("kill --all KILL");
        foreach (int p in all)
            Wait.AssertUntil(() => !Procs.IsAlive(p), TimeSpan.FromSeconds(10), () => $"pid {p} survived kill --all");
        sb.WaitForStatus(id, "stopped");
        sb.Delete(id).AssertSuccess();
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Fact]
    public void Kill_Without_All_Only_Signals_Init()
    {
        // the counterpart of Kill_All: proves the --all test can fail
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "sleep 1000 & echo $!; wait");
        b.RemoveNamespace("pid");
        string id = sb.NewId();
        RuntimeResult c = sb.CreateAndStart(b, id);
        int init = sb.StateJson(id)["pid"]!.GetValue<int>();
        int child = int.Parse(Wait.ForLines(c.StdoutPath, 1).Trim());
        sb.TrackPid(child);
        sb.Kill(id, "KILL").AssertSuccess();
        Wait.AssertUntil(() => !Procs.IsAlive(init), TimeSpan.FromSeconds(10), () => "init survived");
        sb.WaitForStatus(id, "stopped");
        Assert.True(Procs.IsAlive(child), "the child died with init although only init was signalled");
        sb.Delete(id, force: true).AssertSuccess();
        Wait.AssertUntil(() => !Procs.IsAlive(child), TimeSpan.FromSeconds(10), () => "delete --force left the child");
    }

    [Theory]
    [InlineData("9")]
    [InlineData("KILL")]
    [InlineData("SIGKILL")]
    public void Kill_With_SIGKILL_Spellings(string signal)
    {
        using var sb = new Sandbox(output);
        // TERM and everything catchable ignored: only KILL stops it
        Bundle b = sb.NewBundle("sh", "-c", "trap '' TERM INT HUP; while true; do sleep 0.1; done");
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        int pid = sb.StateJson(id)["pid"]!.GetValue<int>();
        sb.Kill(id, signal).AssertSuccess($"kill {signal}");
        sb.WaitForStatus(id, "stopped");
        Assert.False(Procs.IsAlive(pid));
        sb.Delete(id).AssertSuccess();
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Theory]
    [InlineData("15", "TERM")]
    [InlineData("TERM", "TERM")]
    [InlineData("SIGTERM", "TERM")]
    [InlineData("10", "USR1")]
    [InlineData("USR1", "USR1")]
    [InlineData("SIGHUP", "HUP")]
    [InlineData("2", "INT")]
    public void Kill_Delivers_The_Named_Signal(string signal, string expected)
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c",
            "for s in TERM USR1 HUP INT; do trap \"echo got-$s; exit 0\" $s; done; echo ready; " +
            "while true; do sleep 0.1; done");
        string id = sb.NewId();
        RuntimeResult c = sb.CreateAndStart(b, id);
        Wait.ForLines(c.StdoutPath, 1);
        sb.Kill(id, signal).AssertSuccess($"kill {signal}");
        sb.WaitForStatus(id, "stopped");
        Assert.Equal($"ready\ngot-{expected}\n", c.CurrentStdout());
        sb.Delete(id).AssertSuccess();
    }

    [Fact]
    public void Kill_Created_Container()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        string id = sb.NewId();
        sb.Create(b, id).AssertSuccess();
        int pid = sb.StateJson(id)["pid"]!.GetValue<int>();
        sb.Kill(id, "KILL").AssertSuccess();
        sb.WaitForStatus(id, "stopped");
        Assert.False(Procs.IsAlive(pid));
        sb.Delete(id).AssertSuccess();
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }
}
