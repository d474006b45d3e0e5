namespace Csrun.Runtime.Spec;

/// <summary>
/// The config.json `csrun spec` writes: the same content as `runc spec` (runc 1.1's
/// specconv.Example) and, for rootless, `runc spec --rootless` (specconv.ToRootless),
/// except that ociVersion is the spec version csrun implements.
/// </summary>
public static class SpecDefaults
{
    public const string OciVersion = "1.3.0";

    /// <summary>
    /// Builds the default spec. Like runc, a cgroup namespace is added when the host uses
    /// the unified cgroup v2 hierarchy. For rootless, <paramref name="uid"/> and
    /// <paramref name="gid"/> are the host ids mapped to root in the container (the caller's
    /// effective ids).
    /// </summary>
    public static RuntimeSpec Create(bool rootless, uint uid = 0, uint gid = 0) =>
        Create(rootless, uid, gid, cgroupNamespace: IsCgroup2UnifiedHost());

    /// <summary>As <see cref="Create(bool, uint, uint)"/> with the cgroup namespace choice made by the caller.</summary>
    public static RuntimeSpec Create(bool rootless, uint uid, uint gid, bool cgroupNamespace)
    {
        RuntimeSpec spec = Example(cgroupNamespace);
        if (rootless)
            ToRootless(spec, uid, gid);
        return spec;
    }

    /// <summary>cgroup v2 only: the root of the hierarchy carries cgroup.controllers.</summary>
    public static bool IsCgroup2UnifiedHost() => File.Exists("/sys/fs/cgroup/cgroup.controllers");

    private static RuntimeSpec Example(bool cgroupNamespace)
    {
        // runc 1.1 grants the same three capabilities in every set but inheritable.
        List<string> Caps() => ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

        var namespaces = new List<LinuxNamespace>
        {
            new() { Type = LinuxNamespaceTypes.Pid },
            new() { Type = LinuxNamespaceTypes.Network },
            new() { Type = LinuxNamespaceTypes.Ipc },
            new() { Type = LinuxNamespaceTypes.Uts },
            new() { Type = LinuxNamespaceTypes.Mount },
        };
        if (cgroupNamespace)
            namespaces.Add(new LinuxNamespace { Type = LinuxNamespaceTypes.Cgroup });

        return new RuntimeSpec
        {
            OciVersion = OciVersion,
            Process = new SpecProcess
            {
                Terminal = true,
                User = new SpecUser { Uid = 0, Gid = 0 },
                Args = ["sh"],
                Env =
                [
                    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "TERM=xterm",
                ],
                Cwd = "/",
                Capabilities = new LinuxCapabilities
                {
                    Bounding = Caps(),
                    Effective = Caps(),
                    Permitted = Caps(),
                    Ambient = Caps(),
                },
                Rlimits = [new PosixRlimit { Type = "RLIMIT_NOFILE", Hard = 1024, Soft = 1024 }],
                NoNewPrivileges = true,
            },
            Root = new SpecRoot { Path = "rootfs", Readonly = true },
            Hostname = "runc",
            Mounts =
            [
                new() { Destination = "/proc", Type = "proc", Source = "proc" },
                new()
                {
                    Destination = "/dev", Type = "tmpfs", Source = "tmpfs",
                    Options = ["nosuid", "strictatime", "mode=755", "size=65536k"],
                },
                new()
                {
                    Destination = "/dev/pts", Type = "devpts", Source = "devpts",
                    Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
                },
                new()
                {
                    Destination = "/dev/shm", Type = "tmpfs", Source = "shm",
                    Options = ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
                },
                new()
                {
                    Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue",
                    Options = ["nosuid", "noexec", "nodev"],
                },
                new()
                {
                    Destination = "/sys", Type = "sysfs", Source = "sysfs",
                    Options = ["nosuid", "noexec", "nodev", "ro"],
                },
                new()
                {
                    Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup",
                    Options = ["nosuid", "noexec", "nodev", "relatime", "ro"],
                },
            ],
            Linux = new LinuxSpec
            {
                Resources = new LinuxResources
                {
                    Devices = [new LinuxDeviceCgroup { Allow = false, Access = "rwm" }],
                },
                Namespaces = namespaces,
                MaskedPaths =
                [
                    "/proc/acpi",
                    "/proc/asound",
                    "/proc/kcore",
                    "/proc/keys",
                    "/proc/latency_stats",
                    "/proc/timer_list",
                    "/proc/timer_stats",
                    "/proc/sched_debug",
                    "/sys/firmware",
                    "/proc/scsi",
                ],
                ReadonlyPaths =
                [
                    "/proc/bus",
                    "/proc/fs",
                    "/proc/irq",
                    "/proc/sys",
                    "/proc/sysrq-trigger",
                ],
            },
        };
    }

    // runc's ToRootless: an unprivileged user cannot create a network namespace with a
    // usable network, mount a fresh sysfs, set mount ids it does not own, or manage cgroups.
    private static void ToRootless(RuntimeSpec spec, uint uid, uint gid)
    {
        LinuxSpec linux = spec.Linux!;

        var namespaces = new List<LinuxNamespace>();
        foreach (LinuxNamespace ns in linux.Namespaces!)
            if (ns.Type is not (LinuxNamespaceTypes.Network or LinuxNamespaceTypes.User))
                namespaces.Add(ns);
        namespaces.Add(new LinuxNamespace { Type = LinuxNamespaceTypes.User });
        linux.Namespaces = namespaces;

        linux.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = uid, Size = 1 }];
        linux.GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = gid, Size = 1 }];

        var mounts = new List<SpecMount>();
        foreach (SpecMount mount in spec.Mounts!)
        {
            if (mount.Destination == "/sys")
            {
                mounts.Add(new SpecMount
                {
                    Destination = "/sys",
                    Type = "none",
                    Source = "/sys",
                    Options = ["rbind", "nosuid", "noexec", "nodev", "ro"],
                });
                continue;
            }
            if (mount.Options is { } options)
            {
                var kept = new List<string>();
                foreach (string option in options)
                    if (!option.StartsWith("uid=", StringComparison.Ordinal) && !option.StartsWith("gid=", StringComparison.Ordinal))
                        kept.Add(option);
                mount.Options = kept;
            }
            mounts.Add(mount);
        }
        spec.Mounts = mounts;

        linux.Resources = null;
    }
}
