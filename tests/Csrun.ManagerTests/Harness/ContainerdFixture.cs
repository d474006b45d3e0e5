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
    public const string CriNamespace = "k8s.io";
    /// <summary>The CRI runtime handler (RuntimeClass) that names the runtime under test.</summary>
    public static string CriHandler => Env.IsCsrun ? "csrun" : Env.RuntimeName + "-ref";
    /// <summary>The handler's options.Root: the shim runs the runtime with --root CriRuntimeRoot/k8s.io.</summary>
    public string CriRuntimeRoot => Path.Combine(Dir, "cri-runc-root");
    public const string PauseImage = "localhost/csrun-pause:mt";
    public string PauseImageDir => Path.Combine(Dir, "pause-image");
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
            [grpc]
              address = "{Socket}"
            [ttrpc]
              address = "{Socket}.ttrpc"
            [debug]
              address = ""
            [metrics]
              address = ""
            [plugins."io.containerd.grpc.v1.cri"]
              sandbox_image = "{PauseImage}"
              stream_server_address = "127.0.0.1"
              stream_server_port = "0"
              # pause gets oom_score_adj -998; without CAP_SYS_RESOURCE nothing may lower it
              restrict_oom_score_adj = true
              [plugins."io.containerd.grpc.v1.cri".cni]
                bin_dir = "{Dir}/cni/bin"
                conf_dir = "{Dir}/cni/conf"
              [plugins."io.containerd.grpc.v1.cri".containerd]
                snapshotter = "overlayfs"
                # containerd refuses a runtimes table without the default's entry
                default_runtime_name = "{CriHandler}"
                [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.{CriHandler}]
                  runtime_type = "io.containerd.runc.v2"
                  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.{CriHandler}.options]
                    BinaryName = "{Env.Runtime}"
                    Root = "{CriRuntimeRoot}"
            """);
        Cmd.Run([Env.ImageScript, PauseImageDir, PauseImage, "[\"sleep\",\"2147483647\"]"], IoDir).AssertSuccess("building the pause image");
        _daemon = StartDaemon(["containerd", "--config", ConfigPath], "containerd.log");
        WaitReady("containerd", () => File.Exists(Socket) && Ctr(null, "version").ExitCode == 0,
            _daemon, "containerd.log", TimeSpan.FromSeconds(30));
        Ctr(null, "images", "import", Path.Combine(ImageDir, "busybox-oci.tar")).AssertSuccess("ctr images import");
        // The CRI plugin sees namespace k8s.io only.
        foreach (string archive in new[] { Path.Combine(ImageDir, "busybox-oci.tar"), Path.Combine(PauseImageDir, "busybox-oci.tar") })
            Cmd.Run(["ctr", "--address", Socket, "--namespace", CriNamespace, "images", "import", archive], IoDir)
                .AssertSuccess("ctr images import (k8s.io)");
    }

    /// <summary>Pod sandbox ids the CRI tests started (removed at teardown if a test could not).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, bool> CriPods { get; } = new();

    public CmdResult Ctr(ITestOutputHelper? log, params string[] args) =>
        Cmd.Run(["ctr", "--address", Socket, "--namespace", Namespace, .. args], IoDir, log);

    /// <summary>`ctr run` with the runtime under test, a private runtime root and a cgroup below ours.</summary>
    public string[] RunArgs(string id, params string[] flags) =>
        ["ctr", "--address", Socket, "--namespace", Namespace, "run", "--runc-binary", Env.Runtime,
         "--runc-root", RuncRoot, "--fifo-dir", FifoDir, "--cgroup", CgroupParent + "/" + id, .. flags, Env.Image, id];

    protected override void TearDown()
    {
        if (_daemon is null || _daemon.HasExited) return;
        // Pods a failed CRI test left: stop and remove them through the CRI.
        try
        {
            using var cri = new Cri.CriClient(Socket);
            foreach (string pod in CriPods.Keys)
            {
                try { cri.StopPodSandbox(pod); cri.RemovePodSandbox(pod); }
                catch (Exception e) { Note($"CRI pod {pod}: {e.Message}"); }
            }
        }
        catch (Exception e) { Note("CRI teardown: " + e.Message); }
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
