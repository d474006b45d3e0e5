using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>
/// The recursive mount options (rro, rnosuid...): mount_setattr(AT_RECURSIVE) reaches the
/// submounts of an rbind, which "ro" (a remount of the top mount) does not. csrun-only: runc
/// 1.1.5 has no recursive options.
/// </summary>
[Trait("Category", "Mounts")]
public sealed class RecursiveMountAttributeTests(ITestOutputHelper output)
{
    /// <summary>A host dir with a tmpfs mounted at sub/, unmounted again by Dispose.</summary>
    private sealed class DirWithSubmount : IDisposable
    {
        public string Dir { get; }
        private readonly string _sub;

        public DirWithSubmount(Sandbox sb)
        {
            Dir = sb.HostDir("withsub");
            _sub = Path.Combine(Dir, "sub");
            Directory.CreateDirectory(_sub);
            Host.Check("/bin/mount", "-t", "tmpfs", "-o", "size=1m", "csrun-it-sub", _sub);
        }

        public void Dispose() => Host.Run("/bin/umount", "-l", _sub);
    }

    private static string OptionsOf(string mountinfo, string mountPoint) =>
        mountinfo.Split('\n').Select(l => l.Split(' ')).Single(f => f.Length > 5 && f[4] == mountPoint)[5];

    [Theory]
    [Trait("Runtime", "csrun-only")]
    [InlineData("rro", true)]
    [InlineData("ro", false)]
    public void Rbind_With_Rro_Makes_Its_Submounts_Readonly_Too(string option, bool submountReadonly)
    {
        using var sb = new Sandbox(output);
        using var host = new DirWithSubmount(sb);
        Bundle b = sb.NewBundle("sh", "-c", "cat /proc/self/mountinfo; if echo x > /mnt/a/sub/f 2>/dev/null; then echo SUB-WRITABLE; fi");
        b.AddMount("/mnt/a", "bind", host.Dir, "rbind", option);
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        Assert.StartsWith("ro,", OptionsOf(r.Stdout, "/mnt/a") + ",");
        string sub = OptionsOf(r.Stdout, "/mnt/a/sub");
        Assert.Equal(submountReadonly, sub.Split(',').Contains("ro"));
        Assert.Equal(!submountReadonly, r.Stdout.Contains("SUB-WRITABLE"));
        // The host's mounts are not the container's copies: they stay writable.
        Assert.Contains("rw", Mounts.Read().Single(m => m.MountPoint == Path.Combine(host.Dir, "sub")).Options.Split(','));
    }

    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Recursive_Nosuid_Noexec_And_Noatime_Reach_The_Submount()
    {
        using var sb = new Sandbox(output);
        using var host = new DirWithSubmount(sb);
        Bundle b = sb.NewBundle("cat", "/proc/self/mountinfo");
        b.AddMount("/mnt/a", "bind", host.Dir, "rbind", "rnosuid", "rnoexec", "rnodev", "rnoatime");
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        foreach (string mountPoint in new[] { "/mnt/a", "/mnt/a/sub" })
        {
            string[] options = OptionsOf(r.Stdout, mountPoint).Split(',');
            foreach (string expected in new[] { "nosuid", "noexec", "nodev", "noatime" })
                Assert.True(options.Contains(expected), $"{mountPoint} lacks {expected}: {string.Join(',', options)}");
        }
    }
}
