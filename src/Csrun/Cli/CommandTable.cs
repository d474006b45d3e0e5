namespace Csrun.Cli;

/// <summary>One flag of a command. Flags that exist in runc but whose feature csrun does not
/// have yet are declared with <see cref="NotYet"/>: using one is a clear error, never ignored.</summary>
public sealed record FlagSpec(string Name, bool TakesValue, string Help, string[]? Aliases = null, string? NotYet = null, bool Repeatable = false);

public sealed record CommandSpec(string Name, string ArgsUsage, string Summary, int MinArgs, int MaxArgs, FlagSpec[] Flags, string? NotYet = null);

/// <summary>The command-line surface as data (runc's features.go habit): parsing, help and the
/// "not implemented yet" answers all come from this table.</summary>
public static class CommandTable
{

    public static readonly FlagSpec[] GlobalFlags =
    {
        new("root", true, "root directory for storage of container state (default: /run/csrun, or $XDG_RUNTIME_DIR/csrun for a user other than root)"),
        new("log", true, "set the log file to write csrun logs to (default is stderr)"),
        new("log-format", true, "set the log format ('text' (default), or 'json')"),
        new("debug", false, "enable debug logging"),
        new("systemd-cgroup", false, "enable systemd cgroup support"),
        new("rootless", true, "ignore cgroup permission errors ('true', 'false', or 'auto')"),
        new("criu", true, "path to the criu binary used for checkpoint and restore"),
        new("version", false, "print the version", new[] { "v" }),
        new("help", false, "show help", new[] { "h" }),
    };

    private static readonly FlagSpec Help = new("help", false, "show help", new[] { "h" });

    public static readonly CommandSpec[] Commands =
    {
        new("create", "<container-id>", "create a container", 1, 1, new FlagSpec[]
        {
            new("bundle", true, "path to the root of the bundle directory, defaults to the current directory", new[] { "b" }),
            new("console-socket", true, "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"),
            new("pid-file", true, "specify the file to write the process id to"),
            new("no-pivot", false, "do not use pivot root to jail process inside rootfs"),
            new("no-new-keyring", false, "do not create a new session keyring for the container"),
            new("preserve-fds", true, "pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)"),
            Help,
        }),
        new("start", "<container-id>", "executes the user defined process in a created container", 1, 1, new[] { Help }),
        new("run", "<container-id>", "create and run a container", 1, 1, new FlagSpec[]
        {
            new("bundle", true, "path to the root of the bundle directory, defaults to the current directory", new[] { "b" }),
            new("console-socket", true, "path to an AF_UNIX socket which will receive the pty master"),
            new("detach", false, "detach from the container's process", new[] { "d" }),
            new("keep", false, "do not delete the container after it exits"),
            new("pid-file", true, "specify the file to write the process id to"),
            new("no-subreaper", false, "disable the use of the subreaper used to reap reparented processes"),
            new("no-pivot", false, "do not use pivot root to jail process inside rootfs"),
            new("no-new-keyring", false, "do not create a new session keyring for the container"),
            new("preserve-fds", true, "pass N additional file descriptors to the container"),
            Help,
        }),
        new("state", "<container-id>", "output the state of a container", 1, 1, new[] { Help }),
        new("kill", "<container-id> [signal]", "kill sends the specified signal (default: SIGTERM) to the container's init process", 1, 2, new FlagSpec[]
        {
            new("all", false, "send the specified signal to all processes inside the container", new[] { "a" }),
            Help,
        }),
        new("delete", "<container-id>", "delete any resources held by the container often used with detached container", 1, 1, new FlagSpec[]
        {
            new("force", false, "forcibly deletes the container if it is still running (uses SIGKILL)", new[] { "f" }),
            Help,
        }),
        new("list", "", "lists containers started by csrun with the given root", 0, 0, new FlagSpec[]
        {
            new("format", true, "select one of: table or json (default: \"table\")", new[] { "f" }),
            new("quiet", false, "display only container IDs", new[] { "q" }),
            Help,
        }),
        new("spec", "", "create a new specification file", 0, 0, new FlagSpec[]
        {
            new("bundle", true, "path to the root of the bundle directory", new[] { "b" }),
            new("rootless", false, "generate a configuration for a rootless container"),
            Help,
        }),
        new("exec", "<container-id> <command> [command options]", "execute new process inside the container", 1, int.MaxValue, new FlagSpec[]
        {
            new("console-socket", true, "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"),
            new("pidfd-socket", true, "path to an AF_UNIX socket which will receive a file descriptor referencing the exec process", NotYet: "pidfd sockets are not supported yet"),
            new("cwd", true, "current working directory in the container"),
            new("env", true, "set environment variables", new[] { "e" }, Repeatable: true),
            new("tty", false, "allocate a pseudo-TTY", new[] { "t" }),
            new("user", true, "UID (format: <uid>[:<gid>])", new[] { "u" }),
            new("additional-gids", true, "additional gids", new[] { "g" }, Repeatable: true),
            new("process", true, "path to the process.json", new[] { "p" }),
            new("detach", false, "detach from the container's process", new[] { "d" }),
            new("pid-file", true, "specify the file to write the process id to"),
            new("process-label", true, "set the asm process label for the process commonly used with selinux"),
            new("apparmor", true, "set the apparmor profile for the process"),
            new("no-new-privs", false, "set the no new privileges value for the process"),
            new("cap", true, "add a capability to the bounding set for the process", new[] { "c" }, Repeatable: true),
            new("preserve-fds", true, "pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)"),
            new("cgroup", true, "run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>.", Repeatable: true),
            new("ignore-paused", false, "allow exec in a paused container"),
            Help,
        }),
        new("ps", "<container-id> [ps options]", "ps displays the processes running inside a container", 1, int.MaxValue, new FlagSpec[]
        {
            new("format", true, "select one of: table or json (default: \"table\")", new[] { "f" }),
            Help,
        }),
        new("pause", "<container-id>", "pause suspends all processes inside the container", 1, 1, new[] { Help }),
        new("resume", "<container-id>", "resumes all processes that have been previously paused", 1, 1, new[] { Help }),
        new("update", "<container-id>", "update container resource constraints", 1, 1, new FlagSpec[]
        {
            new("resources", true, "path to the file containing the resources to update or '-' to read from the standard input", new[] { "r" }),
            new("blkio-weight", true, "specifies per cgroup weight, range is from 10 to 1000"),
            new("cpu-period", true, "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default"),
            new("cpu-quota", true, "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period"),
            new("cpu-share", true, "CPU shares (relative weight vs. other containers)"),
            new("cpu-rt-period", true, "CPU realtime period to be used for hardcapping (in usecs)"),
            new("cpu-rt-runtime", true, "CPU realtime hardcap limit (in usecs)"),
            new("cpuset-cpus", true, "CPU(s) to use"),
            new("cpuset-mems", true, "Memory node(s) to use"),
            new("memory", true, "Memory limit (in bytes)"),
            new("memory-reservation", true, "Memory reservation or soft_limit (in bytes)"),
            new("memory-swap", true, "Total memory usage (memory + swap); set '-1' to enable unlimited swap"),
            new("pids-limit", true, "Maximum number of pids allowed in the container"),
            new("kernel-memory", true, "(obsolete; do not use)", NotYet: "kernel memory limits are obsolete and ignored by the kernel"),
            new("kernel-memory-tcp", true, "(obsolete; do not use)", NotYet: "kernel memory limits are obsolete and ignored by the kernel"),
            new("l3-cache-schema", true, "The string of Intel RDT/CAT L3 cache schema", NotYet: "Intel RDT is not supported yet"),
            new("mem-bw-schema", true, "The string of Intel RDT/MBA memory bandwidth schema", NotYet: "Intel RDT is not supported yet"),
            Help,
        }),
        new("events", "<container-id>", "display container events such as OOM notifications, cpu, memory, and IO usage statistics", 1, 1, new FlagSpec[]
        {
            new("interval", true, "set the stats collection interval (default: 5s)"),
            new("stats", false, "display the container's stats then exit"),
            Help,
        }),
        new("features", "", "show the enabled features", 0, 0, new[] { Help }),
        new("checkpoint", "<container-id>", "checkpoint a running container", 1, 1, new[] { Help }, "CRIU support is not built"),
        new("restore", "<container-id>", "restore a container from a previous checkpoint", 1, 1, new[] { Help }, "CRIU support is not built"),
        new("help", "[command]", "shows a list of commands or help for one command", 0, 1, Array.Empty<FlagSpec>()),
    };

    public static CommandSpec? Find(string name) => Array.Find(Commands, c => c.Name == name);
}
