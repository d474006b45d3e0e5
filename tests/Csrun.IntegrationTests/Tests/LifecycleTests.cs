using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

[Trait("Category", "Lifecycle")]
public sealed class LifecycleTests(ITestOutputHelper output)
{
    /// <summary>Waits for TERM (the shell as pid 1 only dies of TERM because it traps it).</summary>
    /// <summary>Prints "trap-set" once TERM is handled: pid 1 of a pid namespace ignores a TERM
    /// that arrives before its handler exists, so tests signal only after that line.</summary>
    public const string TermTrapLoop = "trap 'echo got-TERM; exit 0' TERM; echo trap-set; while true; do sleep 0.1; done";

    private static readonly Regex s_rfc3339 =
        new(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$");

    [Fact]
    public void Create_State_Start_Kill_Delete()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", TermTrapLoop);
        string id = sb.NewId();
        string pidFile = Path.Combine(sb.BaseDir, "container.pid");

        RuntimeResult createResult = sb.Create(b, id, "--pid-file", pidFile).AssertSuccess("create");

        // --pid-file: digits only, no newline; that process is alive
        Assert.True(File.Exists(pidFile), "pid file not written");
        string pidText = File.ReadAllText(pidFile);
        Assert.Matches("^[0-9]+$", pidText);
        int pid = int.Parse(pidText, CultureInfo.InvariantCulture);
        Assert.True(Procs.IsAlive(pid), $"pid {pid} from the pid file is not alive");

        JsonObject st = sb.StateJson(id);
        output.WriteLine(st.ToJsonString());
        Assert.Equal("created", st["status"]?.GetValue<string>());
        Assert.Equal(id, st["id"]?.GetValue<string>());
        Assert.Equal(pid, st["pid"]?.GetValue<int>());
        string? bundlePath = st["bundle"]?.GetValue<string>();
        Assert.NotNull(bundlePath);
        Assert.True(Path.IsPathRooted(bundlePath), $"bundle '{bundlePath}' is not absolute");
        Assert.Equal(b.Dir, bundlePath!.TrimEnd('/'));
        Assert.False(string.IsNullOrEmpty(st["ociVersion"]?.GetValue<string>()), "ociVersion missing");
        string? created = st["created"]?.GetValue<string>();
        Assert.NotNull(created);
        Assert.Matches(s_rfc3339, created!);
        DateTimeOffset when = ParseRfc3339(created!);
        Assert.InRange(when, DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddMinutes(1));
        string? rootfs = st["rootfs"]?.GetValue<string>();
        Assert.Equal(b.RootfsDir, rootfs?.TrimEnd('/'));

        sb.Start(id).AssertSuccess("start");
        JsonObject running = sb.StateJson(id);
        Assert.Equal("running", running["status"]?.GetValue<string>());
        Assert.Equal(pid, running["pid"]?.GetValue<int>());
        Assert.True(Procs.IsAlive(pid));

        Wait.AssertUntil(() => createResult.CurrentStdout().Contains("trap-set"), TimeSpan.FromSeconds(10), () => "the shell never set its TERM trap");
        sb.Kill(id).AssertSuccess("kill (default signal TERM)");
        sb.WaitForStatus(id, "stopped", TimeSpan.FromSeconds(10));
        Assert.False(Procs.IsAlive(pid), $"pid {pid} still alive after the container stopped");

        sb.Delete(id).AssertSuccess("delete");
        RuntimeResult gone = sb.State(id).AssertFailure("state after delete");
        Assert.Contains("does not exist", gone.Stderr);
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Fact]
    public void Kill_Default_Signal_Is_TERM()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", TermTrapLoop);
        string id = sb.NewId();
        RuntimeResult c = sb.CreateAndStart(b, id);
        Wait.AssertUntil(() => c.CurrentStdout().Contains("trap-set"), TimeSpan.FromSeconds(10), () => "the shell never set its TERM trap");
        sb.Kill(id).AssertSuccess();
        sb.WaitForStatus(id, "stopped");
        // the trap ran: the signal was TERM, not KILL
        Assert.Contains("got-TERM", c.CurrentStdout());
        sb.Delete(id).AssertSuccess();
    }

    [Fact]
    public void List_Shows_Container()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        string id = sb.NewId();
        sb.Create(b, id).AssertSuccess("create");
        int pid = sb.StateJson(id)["pid"]!.GetValue<int>();

        // table
        RuntimeResult table = sb.Exec("list").AssertSuccess("list");
        string[] lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 2, "expected a header and a row: " + table.Stdout);
        Assert.Contains("ID", lines[0]);
        Assert.Contains("STATUS", lines[0]);
        string row = Assert.Single(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0] == id);
        string[] cols = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(pid.ToString(CultureInfo.InvariantCulture), cols);
        Assert.Contains("created", cols);
        Assert.Contains(b.Dir, cols);

        // json
        RuntimeResult json = sb.Exec("list", "--format", "json").AssertSuccess("list --format json");
        JsonArray arr = JsonNode.Parse(json.Stdout)!.AsArray();
        JsonNode entry = Assert.Single(arr, e => e?["id"]?.GetValue<string>() == id)!;
        Assert.Equal("created", entry["status"]?.GetValue<string>());
        Assert.Equal(pid, entry["pid"]?.GetValue<int>());
        Assert.Equal(b.Dir, entry["bundle"]?.GetValue<string>());

        // -q: ids only
        RuntimeResult q = sb.Exec("list", "-q").AssertSuccess("list -q");
        Assert.Equal([id], q.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // after start the list shows running
        sb.Start(id).AssertSuccess();
        RuntimeResult json2 = sb.Exec("list", "--format", "json").AssertSuccess();
        Assert.Equal("running",
            JsonNode.Parse(json2.Stdout)!.AsArray().Single(e => e?["id"]?.GetValue<string>() == id)!["status"]
                ?.GetValue<string>());

        sb.Delete(id, force: true).AssertSuccess("delete --force");
        RuntimeResult empty = sb.Exec("list", "-q").AssertSuccess();
        Assert.Equal("", empty.Stdout.Trim());
    }

    [Fact]
    public void Two_Containers_Listed()
    {
        using var sb = new Sandbox(output);
        string id1 = sb.NewId(), id2 = sb.NewId();
        sb.Create(sb.NewBundle("sleep", "1000"), id1).AssertSuccess();
        sb.Create(sb.NewBundle("sleep", "1000"), id2).AssertSuccess();
        RuntimeResult q = sb.Exec("list", "-q").AssertSuccess();
        Assert.Equal(new[] { id1, id2 }.Order(), q.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
        sb.Delete(id1, force: true).AssertSuccess();
        sb.Delete(id2, force: true).AssertSuccess();
    }

    public static DateTimeOffset ParseRfc3339(string s)
    {
        // .NET parses at most 7 fractional digits; Go/runc prints 9
        string t = Regex.Replace(s, @"\.(\d{1,7})\d*", ".$1");
        return DateTimeOffset.Parse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }
}
