using System.Diagnostics;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>
/// Repeats create/start/(wait for stopped)/delete of `true` CSRUN_HANG_CYCLES times (default 300); each
/// runtime command has a 30 s timeout, after which the runtime process is killed by PID and the test fails
/// naming the command.
/// </summary>
[Trait("Category", "Stress")]
public sealed class HangDetectorTests(ITestOutputHelper output)
{
    public static int Cycles =>
        int.TryParse(Environment.GetEnvironmentVariable("CSRUN_HANG_CYCLES"), out int n) && n > 0 ? n : 300;

    [Fact]
    public void Create_Start_Delete_Cycles_Do_Not_Hang()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        b.Save();
        int cycles = Cycles;
        var opts = new RunOptions { Timeout = TimeSpan.FromSeconds(30) };
        var slowest = TimeSpan.Zero;
        string slowestCmd = "";
        var total = Stopwatch.StartNew();
        sb.R.Verbose = false; // 1200+ commands: failures carry their own description

        void Step(string[] args)
        {
            RuntimeResult r = sb.Exec(opts, args).AssertSuccess();
            if (r.Elapsed > slowest) { slowest = r.Elapsed; slowestCmd = r.CommandLine; }
        }

        for (int i = 0; i < cycles; i++)
        {
            string id = $"{sb.Name}-{i}";
            Step(["create", "--bundle", b.Dir, id]);
            Step(["start", id]);
            sb.WaitForStatus(id, "stopped", TimeSpan.FromSeconds(30));
            Step(["delete", id]);
        }
        total.Stop();
        output.WriteLine($"{cycles} cycles in {total.Elapsed.TotalSeconds:F1}s; slowest command " +
                         $"{slowest.TotalMilliseconds:F0}ms: {slowestCmd}");
        Leaks.AssertClean(sb, b, null, rootMustBeEmpty: true);
    }
}
