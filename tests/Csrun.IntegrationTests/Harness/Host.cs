using System.Diagnostics;
using Xunit.Sdk;

namespace Csrun.IntegrationTests.Harness;

/// <summary>Runs short-lived host helper commands (ip, stat, cp, make-bundle.sh). Never a container.</summary>
public static class Host
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(string file, params string[] args) => Run(file, args, TimeSpan.FromSeconds(120));

    public static Result Run(string file, IReadOnlyList<string> args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new XunitException("cannot start " + file);
        p.StandardInput.Close();
        Task<string> so = p.StandardOutput.ReadToEndAsync();
        Task<string> se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            Procs.Signal(p.Id, Procs.SIGKILL);
            throw new XunitException($"host command timed out: {Runtime.Quote([file, .. args])}");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, so.Result, se.Result);
    }

    public static string Check(string file, params string[] args)
    {
        Result r = Run(file, args);
        if (r.ExitCode != 0)
            throw new XunitException($"host command failed ({r.ExitCode}): {Runtime.Quote([file, .. args])}\n{r.Stdout}{r.Stderr}");
        return r.Stdout;
    }

    /// <summary>"type:[inode]" of /proc/self/ns/TYPE of this test process.</summary>
    public static string OwnNamespace(string type) => new FileInfo($"/proc/self/ns/{type}").LinkTarget
                                                      ?? throw new XunitException("no /proc/self/ns/" + type);

    /// <summary>Inode number of a file (following symlinks), via stat(1).</summary>
    public static ulong Inode(string path) => ulong.Parse(Check("/usr/bin/stat", "-L", "-c", "%i", path).Trim());
}

public static class Wait
{
    /// <summary>Polls until <paramref name="condition"/> is true; false on timeout.</summary>
    public static bool Until(Func<bool> condition, TimeSpan timeout, int intervalMs = 50)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            if (condition()) return true;
            if (sw.Elapsed > timeout) return false;
            Thread.Sleep(intervalMs);
        }
    }

    public static void AssertUntil(Func<bool> condition, TimeSpan timeout, Func<string> failure)
    {
        if (!Until(condition, timeout))
            throw new XunitException($"timed out after {timeout.TotalSeconds:F0}s: {failure()}");
    }

    /// <summary>Waits until the file contains at least <paramref name="lines"/> newline-terminated lines.</summary>
    public static string ForLines(string path, int lines, TimeSpan? timeout = null)
    {
        string text = "";
        bool ok = Until(() =>
        {
            try { text = File.ReadAllText(path); } catch (IOException) { text = ""; }
            return text.Count(c => c == '\n') >= lines;
        }, timeout ?? TimeSpan.FromSeconds(10));
        if (!ok) throw new XunitException($"{path}: expected {lines} lines, got: '{text}'");
        return text;
    }
}
