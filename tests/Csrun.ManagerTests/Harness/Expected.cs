namespace Csrun.ManagerTests.Harness;

/// <summary>
/// The one-line reasons the runtime under test gives when a container's init fails, as the
/// managers get them from its JSON log (csrun's own wording; runc's for reference runs).
/// </summary>
public static class Expected
{
    public static string MissingExecutable(string path) =>
        (Env.IsCsrun ? "" : "runc create failed: unable to start container process: ") +
        $"exec: \"{path}\": stat {path}: no such file or directory";

    public static string CwdIsAFile(string path) =>
        Env.IsCsrun ? $"mkdir {path}: not a directory"
                    : $"runc create failed: unable to start container process: error during container init: mkdir {path}: not a directory";

    /// <summary>`exec` of a command that is not in the container's PATH.</summary>
    public static string ExecNotFound(string cmd) => $"exec: \"{cmd}\": executable file not found in $PATH";

    public static string MissingSysctl(string key) =>
        (Env.IsCsrun ? "" : "runc create failed: unable to start container process: error during container init: ") +
        $"open /proc/sys/{key.Replace('.', '/')}: no such file or directory";
}

/// <summary>Shell snippets that read cgroup values from inside a container on v1 or v2.</summary>
public static class InContainer
{
    public const string MemoryLimit =
        "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max";
    public const string CpuQuota =
        "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d' ' -f1 /sys/fs/cgroup/cpu.max";
    public const string PidsMax =
        "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max";

    /// <summary>A container that runs until SIGTERM, then says so and exits 42 (pid 1 needs the trap).</summary>
    public static readonly string[] WaitForTerm =
        ["sh", "-c", "trap 'echo got-term; exit 42' TERM; echo started; while :; do sleep 0.1; done"];
}
