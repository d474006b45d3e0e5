using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.ManagerTests.Harness;

/// <summary>
/// A private containerd 1.6: its own config.toml, root, state, gRPC and ttrpc sockets in the temp
/// dir; the busybox image imported into namespace "mt". The runtime under test is handed to the
/// runc v2 shim per container with `ctr run --runc-binary`, its state under --runc-root.
/// </summary>
public sealed class ContainerdFixture : ManagerFixture
{
    public const string Namespace = "mt";
    private Process? _daemon;

    public ContainerdFixture() : base("ctd") { }

    public string Socket => Path.Combine(Dir, "containerd.sock");
    public string ConfigPath => Path.Combine(Dir, "config.toml");
    /// <summary>--runc-root: the shim runs the runtime with --root RuncRoot/&lt;namespace&gt;.</summary>
    public string RuncRoot => Path.Combine(Dir, "runc-root");
    /// <summary>ctr's stdio fifos (its default is /run/containerd/fifo).</summary>
    public string FifoDir => Path.Combine(Dir, "fifo");
    public string RuntimeStateDir(string id) => Path.Combine(RuncRoot, Namespace, id);

    protected override void SetUp()
    {
        // containerd 1.6 shims put their sockets in /run/containerd/s whatever the config says.
        WillCreateOutside("/run/containerd/s", isDir: true);
        WillCreateOutside("/run/containerd", isDir: true);
        File.WriteAllText(ConfigPath, $"""
            version = 2
            root = "{Dir}/root"
            state = "{Dir}/state"
            disabled_plugins = ["io.containerd.grpc.v1.cri"]
            [grpc]
              address = "{Socket}"
            [ttrpc]
              address = "{Socket}.ttrpc"
            [debug]
              address = ""
            [metrics]
              address = ""
            """);
        _daemon = StartDaemon(["containerd", "--config", ConfigPath], "containerd.log");
        WaitReady("containerd", () => File.Exists(Socket) && Ctr(null, "version").ExitCode == 0,
            _daemon, "containerd.log", TimeSpan.FromSeconds(30));
        Ctr(null, "images", "import", Path.Combine(ImageDir, "busybox-oci.tar")).AssertSuccess("ctr images import");
    }

    public CmdResult Ctr(ITestOutputHelper? log, params string[] args) =>
        Cmd.Run(["ctr", "--address", Socket, "--namespace", Namespace, .. args], IoDir, log);

    /// <summary>`ctr run` with the runtime under test, a private runtime root and a cgroup below ours.</summary>
    public string[] RunArgs(string id, params string[] flags) =>
        ["ctr", "--address", Socket, "--namespace", Namespace, "run", "--runc-binary", Env.Runtime,
         "--runc-root", RuncRoot, "--fifo-dir", FifoDir, "--cgroup", CgroupParent + "/" + id, .. flags, Env.Image, id];

    protected override void TearDown()
    {
        if (_daemon is null || _daemon.HasExited) return;
        // Tasks first, so their shims exit on their own; then the containers.
        foreach (string id in Ctr(null, "tasks", "ls", "-q").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Ctr(null, "tasks", "kill", "-a", "-s", "KILL", id);
            Ctr(null, "tasks", "delete", "-f", id);
        }
        foreach (string id in Ctr(null, "containers", "ls", "-q").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            Ctr(null, "containers", "delete", id);
        Stop(_daemon, TimeSpan.FromSeconds(10));
    }
}

[CollectionDefinition("containerd")]
public sealed class ContainerdCollection : ICollectionFixture<ContainerdFixture> { }
