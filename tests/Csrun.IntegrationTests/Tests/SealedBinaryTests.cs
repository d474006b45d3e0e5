using System.Globalization;
using System.Runtime.InteropServices;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>
/// CVE-2019-5736: while init waits on exec.fifo it is a runtime process inside the container,
/// and /proc/PID/exe must not lead to a writable copy of the host binary. csrun execs init
/// through a detached read-only overlayfs over the binary's directory (no copy), or from a
/// sealed memfd copy when that is not possible (forced here with _CSRUN_SEALED_COPY=1).
/// </summary>
[Trait("Category", "Lifecycle")]
public sealed class SealedBinaryTests(ITestOutputHelper output)
{
    [DllImport("libc", SetLastError = true)]
    private static extern int open(string path, int flags);
    [DllImport("libc")]
    private static extern int close(int fd);

    private const int O_WRONLY = 1, O_RDWR = 2, O_APPEND = 0x400;
    private const int EROFS = 30, EPERM = 1, ETXTBSY = 26, EACCES = 13;

    [Fact]
    public void Init_Executable_Is_Not_Writable_And_Not_The_Host_Binary() => Check(forceMemfdCopy: false);

    /// <summary>csrun-only: the fallback (e.g. where overlayfs cannot be mounted) is just as safe.</summary>
    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Sealed_Memfd_Fallback_Is_Not_Writable() => Check(forceMemfdCopy: true);

    private void Check(bool forceMemfdCopy)
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        b.Save();
        string id = sb.NewId();
        string pidFile = Path.Combine(sb.BaseDir, "init.pid");
        var options = new RunOptions
        {
            Environment = forceMemfdCopy ? new Dictionary<string, string> { ["_CSRUN_SEALED_COPY"] = "1" } : null,
        };
        sb.Exec(options, "create", "--bundle", b.Dir, "--pid-file", pidFile, id).AssertSuccess("create");
        int pid = int.Parse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture);
        sb.TrackPid(pid);

        string exe = File.ResolveLinkTarget($"/proc/{pid}/exe", returnFinalTarget: false)?.FullName ?? "";
        output.WriteLine($"/proc/{pid}/exe -> {exe}");
        string host = Path.GetFullPath(sb.R.Binary);
        Assert.NotEqual(host, exe);
        if (forceMemfdCopy) Assert.StartsWith("/memfd:", exe);

        foreach (int flags in new[] { O_WRONLY, O_RDWR, O_WRONLY | O_APPEND })
        {
            int fd = open($"/proc/{pid}/exe", flags);
            int errno = Marshal.GetLastPInvokeError();
            if (fd >= 0) close(fd);
            Assert.True(fd < 0, $"/proc/{pid}/exe ({exe}) opened for writing with flags {flags:x}");
            Assert.Contains(errno, new[] { EROFS, EPERM, ETXTBSY, EACCES });
        }

        // The overlay is detached: neither the host's nor the container's mount table shows it.
        string binDir = Path.GetDirectoryName(host)!;
        foreach (string table in new[] { "/proc/self/mountinfo", $"/proc/{pid}/mountinfo" })
            Assert.DoesNotContain(File.ReadAllLines(table), l => l.Contains(" overlay ") && l.Contains(binDir));

        sb.Start(id).AssertSuccess("start");
        sb.WaitForStatus(id, "stopped");
        sb.Delete(id).AssertSuccess("delete");
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }
}
