using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Csrun.IntegrationTests.Harness;

/// <summary>Result of one runtime invocation.</summary>
public sealed class RuntimeResult
{
    public required IReadOnlyList<string> Argv { get; init; }
    public required int ExitCode { get; init; }
    /// <summary>stdout as it was when the runtime exited (a detached container may keep appending to the file).</summary>
    public required string Stdout { get; init; }
    public required string Stderr { get; init; }
    public required string StdoutPath { get; init; }
    public required string StderrPath { get; init; }
    public required int Pid { get; init; }
    public required TimeSpan Elapsed { get; init; }

    public string CommandLine => Runtime.Quote(Argv);
    public bool Success => ExitCode == 0;

    /// <summary>stdout re-read from its file (for output a detached container wrote later).</summary>
    public string CurrentStdout() => File.ReadAllText(StdoutPath);
    public string CurrentStderr() => File.ReadAllText(StderrPath);

    /// <summary>Non-empty stderr lines.</summary>
    public IReadOnlyList<string> StderrLines =>
        Stderr.Split('\n').Where(l => l.Trim().Length > 0).ToList();

    public RuntimeResult AssertSuccess(string? what = null)
    {
        if (ExitCode != 0)
            throw new XunitException($"{what ?? "command"} failed (exit {ExitCode}): {Describe()}");
        return this;
    }

    public RuntimeResult AssertFailure(string? what = null)
    {
        if (ExitCode == 0)
            throw new XunitException($"{what ?? "command"} unexpectedly succeeded: {Describe()}");
        return this;
    }

    public string Describe() =>
        $"{CommandLine}\n  exit={ExitCode} elapsed={Elapsed.TotalMilliseconds:F0}ms\n  stdout: {Indent(Stdout)}\n  stderr: {Indent(Stderr)}";

    private static string Indent(string s) => s.Length == 0 ? "<empty>" : s.TrimEnd('\n').Replace("\n", "\n          ");

    public override string ToString() => Describe();
}

public sealed class RunOptions
{
    /// <summary>Global options placed after --root and before the command (e.g. --log F --log-format json).</summary>
    public IReadOnlyList<string>? GlobalArgs { get; init; }
    /// <summary>Text fed on stdin; null means /dev/null.</summary>
    public string? Stdin { get; init; }
    public TimeSpan? Timeout { get; init; }
    /// <summary>Working directory of the runtime process.</summary>
    public string? WorkingDirectory { get; init; }
    /// <summary>Extra environment variables for the runtime process.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }
    /// <summary>Shell commands run just before the runtime is exec'd, e.g. "exec 8&lt;/tmp/x;" to
    /// hand it extra open fds the way a careless caller would.</summary>
    public string? ShellPrefix { get; init; }
}

/// <summary>
/// Runs the runtime binary with a private --root. stdin/stdout/stderr are always FILES (never pipes): the
/// container process inherits create's / run -d's stdio, and a pipe would stay open as long as the
/// container lives. The binary is started through /bin/sh which redirects and then execs it, so the
/// PID we hold is the runtime's own PID.
/// </summary>
public sealed class Runtime
{
    /// <summary>30 s, times $CSRUN_TIMEOUT_SCALE (the emulated v2 VM sets it: fork and exec are
    /// ~30x slower there, more when the host's cores are shared).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30 *
        (double.TryParse(Environment.GetEnvironmentVariable("CSRUN_TIMEOUT_SCALE"), System.Globalization.CultureInfo.InvariantCulture, out double scale) && scale >= 1 ? scale : 1));

    private readonly string _ioDir;
    private readonly ITestOutputHelper? _log;
    private int _seq;

    public Runtime(string binary, string? root, string ioDir, ITestOutputHelper? log)
    {
        Binary = binary;
        Root = root;
        _ioDir = ioDir;
        _log = log;
        Directory.CreateDirectory(ioDir);
    }

    public string Binary { get; }
    /// <summary>The --root given to every command; null: none (the runtime's default root).</summary>
    public string? Root { get; }

    /// <summary>argv put before the binary, e.g. setpriv to run it as another user.</summary>
    public IReadOnlyList<string> Prefix { get; init; } = Array.Empty<string>();

    /// <summary>Log every command and its result to the test output (off for long loops).</summary>
    public bool Verbose { get; set; } = true;

    /// <summary>PIDs of runtime processes this helper had to kill on timeout.</summary>
    public List<ProcId> KilledOnTimeout { get; } = new();

    /// <summary>Invoked before every command with (argv after --root), so the owner can track ids.</summary>
    public Action<IReadOnlyList<string>>? BeforeRun { get; set; }
    public Action<IReadOnlyList<string>, RuntimeResult>? AfterRun { get; set; }

    public RuntimeResult Run(params string[] args) => Run(args, null);

    public RuntimeResult Run(IReadOnlyList<string> args, RunOptions? options)
    {
        options ??= new RunOptions();
        int n = Interlocked.Increment(ref _seq);
        string cmdName = args.FirstOrDefault(a => !a.StartsWith('-')) ?? "cmd";
        cmdName = new string(cmdName.Where(char.IsLetterOrDigit).Take(16).ToArray());
        string stem = Path.Combine(_ioDir, $"{n:D4}-{cmdName}");
        string outPath = stem + ".out", errPath = stem + ".err";
        string inPath = "/dev/null";
        if (options.Stdin is not null)
        {
            inPath = stem + ".in";
            File.WriteAllText(inPath, options.Stdin);
        }

        var argv = new List<string>(Prefix) { Binary };
        if (Root is not null) argv.AddRange(["--root", Root]);
        if (options.GlobalArgs is not null) argv.AddRange(options.GlobalArgs);
        argv.AddRange(args);

        BeforeRun?.Invoke(args);

        var psi = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = options.WorkingDirectory ?? "/",
        };
        foreach (var (key, value) in options.Environment ?? new Dictionary<string, string>())
            psi.Environment[key] = value;
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("o=$1 e=$2 i=$3; shift 3; " + (options.ShellPrefix ?? "") + " exec \"$@\" <\"$i\" >\"$o\" 2>\"$e\"");
        psi.ArgumentList.Add("csrun-it");
        psi.ArgumentList.Add(outPath);
        psi.ArgumentList.Add(errPath);
        psi.ArgumentList.Add(inPath);
        foreach (string a in argv) psi.ArgumentList.Add(a);

        TimeSpan timeout = options.Timeout ?? DefaultTimeout;
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new XunitException("cannot start " + Quote(argv));
        int pid = p.Id;
        if (!p.WaitForExit(timeout))
        {
            ProcId? id = Procs.Identify(pid);
            Procs.Signal(pid, Procs.SIGKILL); // by PID, only the process we started
            if (id is { } pi) KilledOnTimeout.Add(pi);
            p.WaitForExit(5000);
            string so = SafeRead(outPath), se = SafeRead(errPath);
            string msg = $"TIMEOUT after {timeout.TotalSeconds:F0}s (killed pid {pid}): {Quote(argv)}\n  stdout: {so}\n  stderr: {se}";
            _log?.WriteLine(msg);
            throw new XunitException(msg);
        }
        p.WaitForExit(); // flush async state
        sw.Stop();

        var result = new RuntimeResult
        {
            Argv = argv,
            ExitCode = p.ExitCode,
            Stdout = SafeRead(outPath),
            Stderr = SafeRead(errPath),
            StdoutPath = outPath,
            StderrPath = errPath,
            Pid = pid,
            Elapsed = sw.Elapsed,
        };
        if (Verbose) _log?.WriteLine("$ " + result.Describe());
        AfterRun?.Invoke(args, result);
        return result;
    }

    private static string SafeRead(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return ""; }
    }

    public static string Quote(IEnumerable<string> argv)
    {
        var sb = new StringBuilder();
        foreach (string a in argv)
        {
            if (sb.Length > 0) sb.Append(' ');
            string shown = a.Length > 120 ? a[..60] + $"...({a.Length} chars)" : a;
            if (shown.Length > 0 && shown.All(c => char.IsLetterOrDigit(c) || "-_./=:,@+%".Contains(c)))
                sb.Append(shown);
            else
                sb.Append('\'').Append(shown.Replace("'", "'\\''")).Append('\'');
        }
        return sb.ToString();
    }
}
