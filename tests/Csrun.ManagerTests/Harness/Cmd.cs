using System.Diagnostics;
using Csrun.IntegrationTests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Csrun.ManagerTests.Harness;

/// <summary>What one command did.</summary>
public sealed class CmdResult
{
    public required IReadOnlyList<string> Argv { get; init; }
    public required int ExitCode { get; init; }
    public required string Stdout { get; init; }
    public required string Stderr { get; init; }
    public required TimeSpan Elapsed { get; init; }

    public string Output => Stdout + Stderr;
    public string CommandLine => Cmd.Quote(Argv);

    public CmdResult AssertSuccess(string? what = null)
    {
        if (ExitCode != 0)
            throw new XunitException($"{what ?? "command"} failed (exit {ExitCode}): {Describe()}");
        return this;
    }

    public CmdResult AssertExit(int expected, string? what = null)
    {
        if (ExitCode != expected)
            throw new XunitException($"{what ?? "command"}: exit {ExitCode}, expected {expected}: {Describe()}");
        return this;
    }

    public string Describe() =>
        $"{CommandLine}\n  exit={ExitCode} elapsed={Elapsed.TotalMilliseconds:F0}ms\n  stdout: {Indent(Stdout)}\n  stderr: {Indent(Stderr)}";

    private static string Indent(string s) => s.Length == 0 ? "<empty>" : s.TrimEnd('\n').Replace("\n", "\n          ");

    public override string ToString() => Describe();
}

/// <summary>
/// Runs a program with stdio on FILES, never pipes: a manager that daemonizes (conmon, a shim)
/// or a detached container may keep an inherited stdout open for its whole life, and a pipe would
/// then never reach EOF. The program is started through /bin/sh, which redirects and execs it, so
/// the PID we hold is the program's own; on timeout that PID (and only it) is killed.
/// </summary>
public static class Cmd
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);
    private static int s_seq;

    public static CmdResult Run(IReadOnlyList<string> argv, string ioDir, ITestOutputHelper? log = null,
        IReadOnlyDictionary<string, string>? env = null, string? stdin = null, TimeSpan? timeout = null)
    {
        Directory.CreateDirectory(ioDir);
        int n = Interlocked.Increment(ref s_seq);
        string stem = Path.Combine(ioDir, $"{n:D4}-{new string(Path.GetFileName(argv[0]).Where(char.IsLetterOrDigit).Take(12).ToArray())}");
        string outPath = stem + ".out", errPath = stem + ".err", inPath = "/dev/null";
        if (stdin is not null)
        {
            inPath = stem + ".in";
            File.WriteAllText(inPath, stdin);
        }
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = "/" };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("o=$1 e=$2 i=$3; shift 3; exec \"$@\" <\"$i\" >\"$o\" 2>\"$e\"");
        psi.ArgumentList.Add("csrun-mt");
        psi.ArgumentList.Add(outPath);
        psi.ArgumentList.Add(errPath);
        psi.ArgumentList.Add(inPath);
        foreach (string a in argv) psi.ArgumentList.Add(a);
        if (env is not null)
            foreach (var (k, v) in env) psi.Environment[k] = v;

        TimeSpan limit = timeout ?? DefaultTimeout;
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new XunitException("cannot start " + Quote(argv));
        if (!p.WaitForExit(limit))
        {
            Procs.Signal(p.Id, Procs.SIGKILL);
            p.WaitForExit(5000);
            string msg = $"TIMEOUT after {limit.TotalSeconds:F0}s (killed pid {p.Id}): {Quote(argv)}\n" +
                         $"  stdout: {SafeRead(outPath)}\n  stderr: {SafeRead(errPath)}";
            log?.WriteLine(msg);
            throw new XunitException(msg);
        }
        p.WaitForExit();
        var r = new CmdResult
        {
            Argv = argv, ExitCode = p.ExitCode, Elapsed = sw.Elapsed,
            Stdout = SafeRead(outPath), Stderr = SafeRead(errPath),
        };
        log?.WriteLine(r.Describe());
        return r;
    }

    /// <summary>Starts a long-running program (a daemon) in the background, stdio on files.</summary>
    public static Process Start(IReadOnlyList<string> argv, string logPath, IReadOnlyDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = "/" };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("l=$1; shift; exec \"$@\" </dev/null >>\"$l\" 2>&1");
        psi.ArgumentList.Add("csrun-mt");
        psi.ArgumentList.Add(logPath);
        foreach (string a in argv) psi.ArgumentList.Add(a);
        if (env is not null)
            foreach (var (k, v) in env) psi.Environment[k] = v;
        return Process.Start(psi) ?? throw new XunitException("cannot start " + Quote(argv));
    }

    public static string SafeRead(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return ""; }
    }

    public static string Quote(IEnumerable<string> argv) =>
        string.Join(' ', argv.Select(a => a.Length > 0 && a.All(c => char.IsLetterOrDigit(c) || "-_./=:,+@%".Contains(c)) ? a : "'" + a.Replace("'", "'\\''") + "'"));

    /// <summary>Polls until the condition holds or the time is up; returns whether it held.</summary>
    public static bool WaitUntil(Func<bool> condition, TimeSpan within, int stepMs = 50)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            if (condition()) return true;
            if (sw.Elapsed > within) return false;
            Thread.Sleep(stepMs);
        }
    }

    /// <summary>A command line for `script`, which gives the program a pty (for --tty/-t paths).</summary>
    public static string[] WithPty(IReadOnlyList<string> argv) => ["script", "-q", "-e", "-c", Quote(argv), "/dev/null"];
}
