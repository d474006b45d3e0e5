using Xunit;
using Xunit.Abstractions;

namespace Csrun.ManagerTests.Harness;

/// <summary>
/// podman 4.3 + conmon with private storage (--root, --runroot), --tmpdir, containers.conf and
/// storage.conf (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF), file locks and a file event log in
/// the temp dir, cgroupfs with a relative cgroup parent and conmon left in our cgroup
/// (--cgroups no-conmon: podman would otherwise make PARENT/conmon at the hierarchy roots), no
/// network. The runtime under test is `--runtime ABS`; its name is in runtime_supports_json, so
/// conmon passes it `--log-format=json --log FILE`. podman passes no --root: the runtime's
/// default root is used, as for any podman user.
/// </summary>
public sealed class PodmanFixture : ManagerFixture
{
    public PodmanFixture() : base("pod") { }

    private Dictionary<string, string> EnvVars => new()
    {
        ["CONTAINERS_CONF"] = Path.Combine(Dir, "containers.conf"),
        ["CONTAINERS_STORAGE_CONF"] = Path.Combine(Dir, "storage.conf"),
        ["CONTAINERS_REGISTRIES_CONF"] = Path.Combine(Dir, "registries.conf"),
    };

    protected override void SetUp()
    {
        // Podman insists on these outside its --root: a blob cache and netavark's run dir; and
        // the runtime's default root, which podman does not override.
        WillCreateOutside("/var/lib/containers/cache/blob-info-cache-v1.boltdb", isDir: false);
        WillCreateOutside("/var/lib/containers/cache", isDir: true);
        WillCreateOutside("/var/lib/containers", isDir: true);
        WillCreateOutside("/run/containers/networks", isDir: true);
        WillCreateOutside("/run/containers", isDir: true);
        WillCreateOutside(Env.RuntimeDefaultRoot, isDir: true);
        File.WriteAllText(Path.Combine(Dir, "containers.conf"), $"""
            [containers]
            netns = "none"
            cgroups = "no-conmon"
            log_driver = "k8s-file"
            # podman asks for 1048576 open files by default; without CAP_SYS_RESOURCE (this
            # host's bounding set) no runtime may raise the hard limit that far.
            default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
            [engine]
            cgroup_manager = "cgroupfs"
            events_logger = "file"
            events_logfile_path = "{Dir}/events.log"
            lock_type = "file"
            tmp_dir = "{Dir}/tmp"
            static_dir = "{Dir}/root/libpod"
            volume_path = "{Dir}/root/volumes"
            runtime_supports_json = ["crun", "runc", "kata", "runsc", "krun", "{Env.RuntimeName}"]
            [network]
            network_config_dir = "{Dir}/networks"
            """);
        File.WriteAllText(Path.Combine(Dir, "storage.conf"), $"""
            [storage]
            driver = "overlay"
            graphroot = "{Dir}/root"
            runroot = "{Dir}/runroot"
            """);
        File.WriteAllText(Path.Combine(Dir, "registries.conf"), "unqualified-search-registries = []\n");
        Podman(null, "load", "-i", Path.Combine(ImageDir, "busybox-oci.tar")).AssertSuccess("podman load");
    }

    public string[] PodmanArgv(params string[] args) =>
        ["podman", "--root", Path.Combine(Dir, "root"), "--runroot", Path.Combine(Dir, "runroot"),
         "--tmpdir", Path.Combine(Dir, "tmp"), "--cgroup-manager", "cgroupfs", "--events-backend", "file",
         "--runtime", Env.Runtime, .. args];

    public CmdResult Podman(ITestOutputHelper? log, params string[] args) =>
        Cmd.Run(PodmanArgv(args), IoDir, log, EnvVars);

    public CmdResult RunWithPty(ITestOutputHelper? log, params string[] args) =>
        Cmd.Run(Cmd.WithPty(PodmanArgv(args)), IoDir, log, EnvVars);

    /// <summary>Flags every `podman run` of the tests gets.</summary>
    public string[] RunFlags(string name) =>
        ["--name", name, "--cgroup-parent", CgroupParent, "--cgroups", "no-conmon", "--network", "none"];

    protected override void TearDown()
    {
        var ids = Podman(null, "ps", "-a", "-q", "--no-trunc").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Podman(null, "rm", "-f", "-a", "-t", "0");
        // A container podman lost track of must not stay in the runtime's default root.
        foreach (string id in ids)
            if (Directory.Exists(Path.Combine(Env.RuntimeDefaultRoot, id)))
                Cmd.Run([Env.Runtime, "delete", "--force", id], IoDir);
        Podman(null, "rmi", "-a", "-f");
    }
}

[CollectionDefinition("podman")]
public sealed class PodmanCollection : ICollectionFixture<PodmanFixture> { }
