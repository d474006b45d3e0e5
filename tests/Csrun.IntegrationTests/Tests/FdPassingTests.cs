using System.Diagnostics;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>--preserve-fds and LISTEN_FDS: extra fds reach the container process, nothing else does.</summary>
[Trait("Category", "Process")]
public sealed class FdPassingTests(ITestOutputHelper output)
{
    /// <summary>Runs `run` through a shell that opens fd 3 (and 4) first; returns stdout.</summary>
    private string RunWithFds(Sandbox sb, Bundle b, string id, string shellPrefix, string runFlags)
    {
        b.Save();
        string outFile = Path.Combine(sb.BaseDir, $"out-{id}");
        string script = $"{shellPrefix} exec {Paths.RuntimeBinary} --root {sb.Root} run {runFlags} --bundle {b.Dir} {id} > {outFile} 2>&1 </dev/null";
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        using var p = Process.Start(psi)!;
        if (!p.WaitForExit(30_000)) { p.Kill(); throw new Xunit.Sdk.XunitException("run with fds timed out"); }
        string text = File.ReadAllText(outFile);
        output.WriteLine($"$ {script}\n  exit={p.ExitCode}\n{text}");
        Assert.Equal(0, p.ExitCode);
        return text;
    }

    [Fact]
    public void Preserve_Fds_Passes_A_Pipe_And_Closes_The_Rest()
    {
        using var sb = new Sandbox(output);
        string file = Path.Combine(sb.BaseDir, "three.txt");
        File.WriteAllText(file, "through fd 3\n");
        Bundle b = sb.NewBundle("sh", "-c", "cat <&3; ls /proc/self/fd | sort -n | tr '\\n' ' '");
        string text = RunWithFds(sb, b, sb.NewId(), $"exec 3<{file} 5</etc/hostname;", "--preserve-fds 1");
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("through fd 3", lines[0]);
        // 0-2, fd 3, and ls's own directory fd: fd 5 was not asked for and must not leak.
        var fds = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
        Assert.Contains(3, fds);
        Assert.DoesNotContain(5, fds);
        Assert.True(fds.Count <= 5, $"unexpected fds: {lines[1]}");
    }

    [Fact]
    public void Listen_Fds_Are_Passed_With_The_Environment()
    {
        using var sb = new Sandbox(output);
        string file = Path.Combine(sb.BaseDir, "sock.txt");
        File.WriteAllText(file, "activated\n");
        Bundle b = sb.NewBundle("sh", "-c", "echo $LISTEN_FDS $LISTEN_PID; cat <&3");
        string text = RunWithFds(sb, b, sb.NewId(), $"exec 3<{file}; export LISTEN_FDS=1 LISTEN_PID=$$;", "");
        Assert.Equal(new[] { "1 1", "activated" }, text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
