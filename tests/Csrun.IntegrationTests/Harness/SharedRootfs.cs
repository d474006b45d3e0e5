using Xunit.Sdk;

namespace Csrun.IntegrationTests.Harness;

/// <summary>
/// The busybox bundle template, built ONCE per test run by tests/bundle/make-bundle.sh into
/// /tmp/csrun-it-template-&lt;random&gt;, shared by every test (each test copies it with cp -a) and removed
/// when the test host exits.
/// </summary>
public static class SharedRootfs
{
    private static readonly Lazy<string> s_dir = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Template bundle dir holding rootfs/ and config.json.</summary>
    public static string Dir => s_dir.Value;

    private static string Build()
    {
        string dir = Path.Combine("/tmp", "csrun-it-template-" + Guid.NewGuid().ToString("N")[..10]);
        Host.Result r = Host.Run("/bin/sh", [Paths.MakeBundleScript, dir], TimeSpan.FromMinutes(5));
        if (r.ExitCode != 0 || !File.Exists(Path.Combine(dir, "config.json")) ||
            !File.Exists(Path.Combine(dir, "rootfs", "bin", "busybox")))
            throw new XunitException($"make-bundle.sh {dir} failed ({r.ExitCode}):\n{r.Stdout}\n{r.Stderr}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, true); } catch { /* best effort */ }
        };
        return dir;
    }

    /// <summary>Copies the template rootfs to <paramref name="destRootfs"/> (cp -a: owners, modes, symlinks).</summary>
    public static void CopyRootfsTo(string destRootfs)
    {
        Host.Result r = Host.Run("/bin/cp", ["-a", Path.Combine(Dir, "rootfs"), destRootfs], TimeSpan.FromMinutes(2));
        if (r.ExitCode != 0)
            throw new XunitException($"cp -a rootfs failed: {r.Stderr}");
    }

    public static string ConfigText => File.ReadAllText(Path.Combine(Dir, "config.json"));
}
