using System.Runtime.InteropServices;

namespace Csrun.ManagerTests.Harness;

/// <summary>
/// The runtime under test and where things are. $MANAGER_RUNTIME picks another runtime binary
/// (e.g. /usr/sbin/runc, the reference); the default is $CSRUN_BINARY, else &lt;repo&gt;/bin/csrun.
/// </summary>
public static class Env
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Runtime { get; } = Path.GetFullPath(
        Environment.GetEnvironmentVariable("MANAGER_RUNTIME") is { Length: > 0 } r ? r
        : Environment.GetEnvironmentVariable("CSRUN_BINARY") is { Length: > 0 } c ? c
        : Path.Combine(RepoRoot, "bin", "csrun"));

    /// <summary>"csrun" or "runc": what the expected wording depends on.</summary>
    public static string RuntimeName { get; } = Path.GetFileName(Runtime);

    public static bool IsCsrun => RuntimeName == "csrun";

    /// <summary>The runtime's default --root (podman/conmon pass none).</summary>
    public static string RuntimeDefaultRoot => IsCsrun ? "/run/csrun" : "/run/" + RuntimeName;

    public const string Image = "localhost/csrun-busybox:mt";

    public static string ImageScript => Path.Combine(RepoRoot, "tests", "Csrun.ManagerTests", "images", "make-busybox-image.sh");

    /// <summary>Unique enough for names of containers, dirs and cgroups shared with other test runs.</summary>
    public static string Rand(int n = 8) => Guid.NewGuid().ToString("N")[..n];

    private static string FindRepoRoot()
    {
        for (string? d = AppContext.BaseDirectory; d is not null; d = Path.GetDirectoryName(d))
            if (File.Exists(Path.Combine(d, "Runtime.sln")))
                return d;
        throw new InvalidOperationException("Runtime.sln not found above " + AppContext.BaseDirectory);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int umount2(string target, int flags);
    private const int MNT_DETACH = 2;

    /// <summary>Lazily unmounts one mount point; false when the kernel refused.</summary>
    public static bool Unmount(string target) => umount2(target, MNT_DETACH) == 0;
}
