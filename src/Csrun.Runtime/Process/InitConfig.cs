using System.Text.Json.Serialization;
using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Process;

/// <summary>Everything init needs, sent by the parent as the first message on the sync socket
/// (the spec is already validated: init never re-reads the bundle), in the binary form of
/// <see cref="InitConfigCodec"/>: a property added here must be added there too.</summary>
public sealed class InitConfig
{
    [JsonPropertyName("id")] public string ContainerId { get; set; } = "";
    [JsonPropertyName("bundle")] public string Bundle { get; set; } = "";
    [JsonPropertyName("rootfs")] public string Rootfs { get; set; } = "";
    [JsonPropertyName("noPivot")] public bool NoPivot { get; set; }
    [JsonPropertyName("noNewKeyring")] public bool NoNewKeyring { get; set; }
    /// <summary>An O_PATH fd of exec.fifo, reopened for writing through /proc/self/fd.</summary>
    [JsonPropertyName("fifoFd")] public int FifoFd { get; set; } = -1;
    /// <summary>A connected console socket, when the process wants a terminal.</summary>
    [JsonPropertyName("consoleSocketFd")] public int ConsoleSocketFd { get; set; } = -1;
    [JsonPropertyName("preserveFds")] public int PreserveFds { get; set; }
    /// <summary>Whether init lives in a user namespace csrun created (devices are then bind-mounted).</summary>
    [JsonPropertyName("inUserNamespace")] public bool InUserNamespace { get; set; }
    [JsonPropertyName("newCgroupNamespace")] public bool NewCgroupNamespace { get; set; }
    /// <summary>mounts[] index -> an inherited fd of the detached, id-mapped clone of that
    /// mount's source (made by the parent), attached by init with move_mount.</summary>
    [JsonPropertyName("idmappedMountFds")] public Dictionary<int, int>? IdMappedMountFds { get; set; }
    [JsonPropertyName("cgroupPaths")] public Dictionary<string, string> CgroupPaths { get; set; } = new();
    [JsonPropertyName("spec")] public RuntimeSpec Spec { get; set; } = new();
    /// <summary>linux.seccomp compiled by the parent; null for no filter.</summary>
    [JsonPropertyName("seccomp")] public Csrun.Runtime.Seccomp.SeccompPlan? Seccomp { get; set; }
    /// <summary>The state hooks get on stdin (host pid included), status filled in per phase.</summary>
    [JsonPropertyName("hookState")] public Csrun.Runtime.State.SpecState? HookState { get; set; }
}

/// <summary>Message types on the sync socket.</summary>
public static class SyncMessage
{
    /// <summary>From the clone child before exec: step (int) and errno (int).</summary>
    public const byte ChildError = 1;
    public const byte Config = 2;
    public const byte Ready = 3;
    /// <summary>From init: one line of UTF-8 saying what failed.</summary>
    public const byte InitError = 4;
    /// <summary>From the clone child: it has unshared its early namespaces (time).</summary>
    public const byte ChildUnshared = 5;
    /// <summary>From init, mounts done and before pivot_root: run prestart and createRuntime hooks.</summary>
    public const byte RunHooks = 6;
    /// <summary>From the parent: the hooks ran; init goes on.</summary>
    public const byte HooksDone = 7;
    /// <summary>From the middle clone child: the pid (int) of the init it forked.</summary>
    public const byte ChildPid = 8;
    /// <summary>From an exec child: set up, waiting to be moved into the cgroup before execve.</summary>
    public const byte ReadyToExec = 9;
    /// <summary>From init or an exec child, with the seccomp notify fd (SCM_RIGHTS): the parent
    /// hands it to the agent at listenerPath, then answers with one byte (exec) or SeccompDone.</summary>
    public const byte SeccompListener = 10;
    public const byte SeccompDone = 11;
    /// <summary>From init, its runtime up and its config read: move me into the container's
    /// cgroup (what init touched so far stays charged to the caller's cgroup).</summary>
    public const byte InitStarted = 12;
    /// <summary>From the parent: init is in the container's cgroup(s); init goes on.</summary>
    public const byte CgroupJoined = 13;
}
