using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>Foreground `run`: exit status and stdio of the container are run's.</summary>
[Trait("Category", "Run")]
public sealed class RunTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("exit 0", 0)]
    [InlineData("exit 3", 3)]
    [InlineData("exit 255", 255)]
    public void Run_Returns_Container_Exit_Code(string script, int expected)
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", script);
        string id = sb.NewId();
        RuntimeResult r = sb.Run(b, id);
        Assert.True(r.ExitCode == expected, $"expected exit {expected}: {r.Describe()}");
        // run removes the container when it exits
        Assert.Contains("does not exist", sb.State(id).AssertFailure().Stderr);
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    /// <summary>
    /// `kill -9 $$` from the container's shell gives 128+9. NOTE: in a new PID namespace the shell is pid 1
    /// and the kernel drops SIGKILL sent to a namespace's init from inside that namespace (runc 1.1.5 then
    /// returns 0), so this variant runs without a PID namespace, where the shell is an ordinary process.
    /// </summary>
    [Fact]
    public void Run_Killed_By_Itself_Returns_137()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "kill -9 $$; echo survived");
        b.RemoveNamespace("pid");
        string id = sb.NewId();
        RuntimeResult r = sb.Run(b, id);
        Assert.True(r.ExitCode == 137, $"expected 137: {r.Describe()}");
        Assert.DoesNotContain("survived", r.Stdout);
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    /// <summary>With a PID namespace: the container's init is SIGKILLed from outside (`kill ID KILL`) -> run exits 137.</summary>
    [Fact]
    public async Task Run_Killed_From_Outside_Returns_137()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "echo ready; touch /dev/shm/up; exec sleep 1000");
        string id = sb.NewId();
        RuntimeResult? killResult = null;
        var killer = Task.Run(() =>
        {
            // wait until the container's process has written its line (running is not enough:
            // the shell may not have echoed yet), then SIGKILL it
            bool up = Wait.Until(() =>
            {
                RuntimeResult s = sb.State(id);
                if (!s.Success || !s.Stdout.Contains("\"running\"")) return false;
                int pid = System.Text.Json.Nodes.JsonNode.Parse(s.Stdout)!["pid"]!.GetValue<int>();
                return File.Exists($"/proc/{pid}/root/dev/shm/up");
            }, TimeSpan.FromSeconds(20), 100);
            if (up) killResult = sb.Kill(id, "KILL");
        });
        RuntimeResult r = sb.Run(b, id);
        await killer.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotNull(killResult);
        killResult!.AssertSuccess("kill KILL");
        Assert.True(r.ExitCode == 137, $"expected 137: {r.Describe()}");
        Assert.Contains("ready", r.Stdout);
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Fact]
    public void Run_Stdout_And_Stderr_Are_Runs()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "echo hello; echo oops >&2");
        string id = sb.NewId();
        RuntimeResult r = sb.Run(b, id).AssertSuccess("run");
        Assert.Equal("hello\n", r.Stdout);
        Assert.Contains("oops", r.Stderr);
    }

    [Fact]
    public void Run_Stdin_Is_Passed()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "read line; echo \"got:$line\"");
        string id = sb.NewId();
        RuntimeResult r = sb.Run(b, id, new RunOptions { Stdin = "ping\n" }).AssertSuccess("run");
        Assert.Equal("got:ping\n", r.Stdout);
    }
}
