using Csrun.IntegrationTests.Harness;
using Csrun.ManagerTests.Harness;
using Csrun.ManagerTests.Harness.Cri;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.ManagerTests.Tests;

/// <summary>
/// containerd's CRI plugin, driven as the kubelet would (gRPC runtime.v1 on containerd's socket),
/// with a runtime handler whose options name the runtime under test (runtime_type
/// io.containerd.runc.v2, options.BinaryName and Root): the path a Kubernetes RuntimeClass takes.
/// Pods use the host network (there is no CNI here) and a busybox stand-in for the pause image.
/// </summary>
[Collection("containerd")]
[Trait("Manager", "containerd-cri")]
public sealed class CriTests(ContainerdFixture ctd, ITestOutputHelper output)
{
    private const int Running = 1, Exited = 2;

    private (CriClient Cri, string Pod, ProtoWriter Config, string LogDir) StartPod(string stem)
    {
        var cri = new CriClient(ctd.Socket);
        string name = ctd.NewName(stem);
        string logDir = Path.Combine(ctd.Dir, "pods", name);
        Directory.CreateDirectory(logDir);
        ProtoWriter config = CriClient.PodConfig(name, Env.Rand(12), logDir, ctd.CgroupParent + "/" + name);
        string pod = cri.RunPodSandbox(config, ContainerdFixture.CriHandler);
        ctd.CriPods.TryAdd(pod, true);
        output.WriteLine($"pod {name}: {pod}");
        return (cri, pod, config, logDir);
    }

    private void RemovePod(CriClient cri, string pod)
    {
        cri.StopPodSandbox(pod);
        cri.RemovePodSandbox(pod);
        ctd.CriPods.TryRemove(pod, out _);
        ManagerFixture.AssertStateGone(Path.Combine(ctd.CriRuntimeRoot, ContainerdFixture.CriNamespace, pod), output);
    }

    [Fact]
    public void Version_Answers_On_Runtime_V1()
    {
        using var cri = new CriClient(ctd.Socket);
        var (name, api) = cri.Version();
        Assert.Equal("containerd", name);
        Assert.Equal("v1", api);
    }

    [Fact]
    public void Pod_And_Container_Lifecycle_Through_The_Runtime_Handler()
    {
        var (cri, pod, config, logDir) = StartPod("cri");
        using (cri)
        {
            string runtimeRoot = Path.Combine(ctd.CriRuntimeRoot, ContainerdFixture.CriNamespace);
            ctd.AssertRuntimeState(runtimeRoot, pod, "running", output);

            string c = cri.CreateContainer(pod, config, "main", Env.Image, InContainer.WaitForTerm, "main.log", memoryLimit: 64 << 20);
            cri.StartContainer(c);
            Assert.Equal(Running, cri.ContainerStatus(c).State);
            ctd.AssertRuntimeState(runtimeRoot, c, "running", output);
            Assert.True(Cmd.WaitUntil(() => Cmd.SafeRead(Path.Combine(logDir, "main.log")).Contains("started"), TimeSpan.FromSeconds(10)),
                "no output in the container's CRI log: " + Cmd.SafeRead(Path.Combine(logDir, "main.log")));

            var (stdout, _, exit) = cri.ExecSync(c, ["sh", "-c", "echo exec in $(cat /proc/1/cmdline | tr '\\0' ' '); exit 3"], 20);
            Assert.Equal(3, exit);
            Assert.StartsWith("exec in sh -c trap", stdout);

            // The pod's cgroup parent is CGROUP-PARENT/POD-NAME; containers get POD-CGROUP/ID.
            string? mem = Cgroups.DirFor(ctd.CgroupParent + "/" + Path.GetFileName(logDir) + "/" + c, "memory");
            if (mem is not null && File.Exists(Path.Combine(mem, "memory.limit_in_bytes")))
                Assert.Equal((64 << 20).ToString(), File.ReadAllText(Path.Combine(mem, "memory.limit_in_bytes")).Trim());

            cri.StopContainer(c, 10);
            var st = cri.ContainerStatus(c);
            Assert.Equal(Exited, st.State);
            Assert.Equal(42, st.ExitCode);
            Assert.Contains("got-term", Cmd.SafeRead(Path.Combine(logDir, "main.log")));
            cri.RemoveContainer(c);
            ManagerFixture.AssertStateGone(Path.Combine(runtimeRoot, c), output);
            RemovePod(cri, pod);
        }
    }

    [Fact]
    public void Missing_Executable_Shows_The_Runtime_Reason()
    {
        var (cri, pod, config, _) = StartPod("crierr");
        using (cri)
        {
            string c = cri.CreateContainer(pod, config, "bad", Env.Image, ["/no/such/binary"], "bad.log");
            var e = Assert.Throws<GrpcException>(() => cri.StartContainer(c));
            output.WriteLine(e.GrpcMessage);
            Assert.Contains("OCI runtime create failed: " + Expected.MissingExecutable("/no/such/binary"), e.GrpcMessage);
            cri.RemoveContainer(c);
            RemovePod(cri, pod);
        }
    }
}
