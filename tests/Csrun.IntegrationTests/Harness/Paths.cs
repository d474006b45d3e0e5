namespace Csrun.IntegrationTests.Harness;

/// <summary>Locations of the repository, the runtime binary under test and the bundle script.</summary>
public static class Paths
{
    private static readonly Lazy<string?> s_repoRoot = new(FindRepoRoot);

    /// <summary>Directory holding Runtime.sln, found by walking up from the test assembly; null when not found.</summary>
    public static string? RepoRoot => s_repoRoot.Value;

    /// <summary>The runtime under test: $CSRUN_BINARY, else &lt;repo&gt;/bin/csrun.</summary>
    public static string RuntimeBinary
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("CSRUN_BINARY");
            string path;
            if (!string.IsNullOrEmpty(env))
                path = Path.GetFullPath(env);
            else if (RepoRoot is { } repo)
                path = Path.Combine(repo, "bin", "csrun");
            else
                throw new InvalidOperationException(
                    "CSRUN_BINARY is not set and Runtime.sln was not found above " + AppContext.BaseDirectory);
            if (!File.Exists(path))
                throw new InvalidOperationException(
                    $"runtime binary '{path}' does not exist (set CSRUN_BINARY or build bin/csrun)");
            return path;
        }
    }

    /// <summary>tests/bundle/make-bundle.sh ($CSRUN_MAKE_BUNDLE overrides).</summary>
    public static string MakeBundleScript
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("CSRUN_MAKE_BUNDLE");
            if (!string.IsNullOrEmpty(env))
                return Path.GetFullPath(env);
            if (RepoRoot is { } repo)
                return Path.Combine(repo, "tests", "bundle", "make-bundle.sh");
            throw new InvalidOperationException("Runtime.sln not found above " + AppContext.BaseDirectory +
                                                "; set CSRUN_MAKE_BUNDLE");
        }
    }

    /// <summary>The static syscall-probe helper (make probe): $CSRUN_SYSCALL_PROBE, else &lt;repo&gt;/bin/syscall-probe.</summary>
    public static string SyscallProbe
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("CSRUN_SYSCALL_PROBE");
            string path = !string.IsNullOrEmpty(env) ? Path.GetFullPath(env)
                : RepoRoot is { } repo ? Path.Combine(repo, "bin", "syscall-probe")
                : throw new InvalidOperationException("Runtime.sln not found; set CSRUN_SYSCALL_PROBE");
            if (!File.Exists(path))
                throw new InvalidOperationException($"{path} does not exist: build it with `make probe`");
            return path;
        }
    }

    /// <summary>The static attacker helper of the security tests (make probe): $CSRUN_ESCAPE_PROBE,
    /// else &lt;repo&gt;/bin/escape-probe.</summary>
    public static string EscapeProbe
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("CSRUN_ESCAPE_PROBE");
            string path = !string.IsNullOrEmpty(env) ? Path.GetFullPath(env)
                : RepoRoot is { } repo ? Path.Combine(repo, "bin", "escape-probe")
                : throw new InvalidOperationException("Runtime.sln not found; set CSRUN_ESCAPE_PROBE");
            if (!File.Exists(path))
                throw new InvalidOperationException($"{path} does not exist: build it with `make probe`");
            return path;
        }
    }

    private static string? FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Runtime.sln")))
                return dir.FullName;
            dir = dir.Parent;
        }
        return null;
    }
}
