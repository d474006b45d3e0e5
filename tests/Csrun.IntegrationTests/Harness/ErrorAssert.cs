using System.Text.Json.Nodes;
using Xunit;
using Xunit.Sdk;

namespace Csrun.IntegrationTests.Harness;

/// <summary>Assertions about how the runtime reports an error.</summary>
public static class ErrorAssert
{
    /// <summary>Runs <paramref name="args"/> without and with a JSON log; returns the plain result.</summary>
    public static RuntimeResult CleanError(Sandbox sb, string[] args, string? stderrContains = null)
    {
        RuntimeResult plain = sb.Exec(args).AssertFailure();
        AssertOneLine(plain);
        if (stderrContains is not null)
            Assert.Contains(stderrContains, plain.Stderr);

        string log = Path.Combine(sb.BaseDir, $"log-{Sandbox.Rand(6)}.json");
        RuntimeResult logged = sb.Exec(new RunOptions { GlobalArgs = ["--log", log, "--log-format", "json"] }, args)
            .AssertFailure();
        AssertOneLine(logged);
        AssertJsonErrorLog(log, logged);
        return plain;
    }

    public static void AssertOneLine(RuntimeResult r)
    {
        IReadOnlyList<string> lines = r.StderrLines;
        if (lines.Count != 1)
            throw new XunitException($"expected exactly one non-empty stderr line, got {lines.Count}: {r.Describe()}");
    }

    public static void AssertJsonErrorLog(string log, RuntimeResult r)
    {
        if (!File.Exists(log))
            throw new XunitException($"--log {log} was not written: {r.Describe()}");
        string? last = File.ReadAllLines(log).LastOrDefault(l => l.Trim().Length > 0);
        if (last is null)
            throw new XunitException($"--log {log} is empty: {r.Describe()}");
        JsonObject o;
        try { o = JsonNode.Parse(last)!.AsObject(); }
        catch (Exception e) { throw new XunitException($"last log line is not a JSON object ({e.Message}): {last}"); }
        Assert.Equal("error", o["level"]?.GetValue<string>());
        string? msg = o["msg"]?.GetValue<string>();
        Assert.False(string.IsNullOrWhiteSpace(msg), "log line has no msg: " + last);
    }

}
