using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.ManagerTests.Harness;

/// <summary>
/// dockerd 20.10 by hand: --data-root, --exec-root, --pidfile, its socket and an empty
/// daemon.json in the temp dir, no iptables, no bridge, no forwarding or masquerading, cgroupfs
/// with a relative cgroup parent, and the runtime under test added as a named runtime
/// (`--add-runtime csrun=/abs/bin/csrun`). dockerd runs its own containerd, below --exec-root.
/// The client is /usr/bin/docker (the package's) with a private DOCKER_CONFIG.
/// </summary>
public sealed class DockerFixture : ManagerFixture
{
    private Process? _daemon;

    public DockerFixture() : base("dk") { }

    public string Socket => Path.Combine(Dir, "docker.sock");
    /// <summary>The name the runtime under test is added under ("runc" is taken by docker's own).</summary>
    public string RuntimeName => Env.IsCsrun ? "csrun" : Env.RuntimeName + "-ref";
    /// <summary>docker 20.10 gives every runtime (added ones too) --root EXECROOT/runtime-runc/moby.</summary>
    public string RuntimeRoot => Path.Combine(Dir, "exec", "runtime-runc", "moby");
    public string RuntimeStateDir(string containerId) => Path.Combine(RuntimeRoot, containerId);

    private Dictionary<string, string> ClientEnv => new() { ["DOCKER_CONFIG"] = Path.Combine(Dir, "client") };

    protected override void SetUp()
    {
        // dockerd writes its libtrust key to /etc/docker/key.json whatever --data-root says.
        WillCreateOutside("/etc/docker/key.json", isDir: false);
        WillCreateOutside("/run/docker/plugins", isDir: true);
        WillCreateOutside("/run/docker", isDir: true);
        // containerd 1.6 shims put their sockets in /run/containerd/s whatever the config says.
        WillCreateOutside("/run/containerd/s", isDir: true);
        WillCreateOutside("/run/containerd", isDir: true);
        File.WriteAllText(Path.Combine(Dir, "daemon.json"), "{}\n");
        _daemon = StartDaemon(["dockerd", "--config-file", Path.Combine(Dir, "daemon.json"),
            "--data-root", Path.Combine(Dir, "data"), "--exec-root", Path.Combine(Dir, "exec"),
            "--pidfile", Path.Combine(Dir, "docker.pid"), "-H", "unix://" + Socket,
            "--iptables=false", "--ip6tables=false", "--bridge=none", "--ip-forward=false", "--ip-masq=false",
            "--userland-proxy=false", "--exec-opt", "native.cgroupdriver=cgroupfs", "--cgroup-parent", CgroupParent,
            "--add-runtime", $"{RuntimeName}={Env.Runtime}"], "dockerd.log");
        WaitReady("dockerd", () => File.Exists(Socket) && Docker(null, "version").ExitCode == 0,
            _daemon, "dockerd.log", TimeSpan.FromSeconds(60));
        Docker(null, "load", "-i", Path.Combine(ImageDir, "busybox-docker.tar")).AssertSuccess("docker load");
    }

    public string[] DockerArgv(params string[] args) => ["/usr/bin/docker", "--host", "unix://" + Socket, .. args];

    public CmdResult Docker(ITestOutputHelper? log, params string[] args) => Cmd.Run(DockerArgv(args), IoDir, log, ClientEnv);

    public CmdResult DockerWithPty(ITestOutputHelper? log, params string[] args) =>
        Cmd.Run(Cmd.WithPty(DockerArgv(args)), IoDir, log, ClientEnv);

    /// <summary>Flags every `docker run` of the tests gets.</summary>
    public string[] RunFlags(string name) => ["--runtime", RuntimeName, "--name", name, "--network", "none"];

    protected override void TearDown()
    {
        if (_daemon is null || _daemon.HasExited) return;
        var ids = Docker(null, "ps", "-a", "-q").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (ids.Length > 0) Docker(null, ["rm", "-f", .. ids]);
        // dockerd stops the containerd it started when it exits.
        Stop(_daemon, TimeSpan.FromSeconds(20));
    }
}

[CollectionDefinition("docker")]
public sealed class DockerCollection : ICollectionFixture<DockerFixture> { }
