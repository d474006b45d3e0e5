using System.Diagnostics;
using System.Text.Json.Nodes;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>
/// linux.resources whose files differ between cgroup v1 and v2 (swap, cpu shares, rdma, the
/// `unified` map) and device-rule updates: each asserts what the kernel really holds afterwards,
/// read back from the container's cgroup, or the kernel's own refusal as one clean error.
/// </summary>
[Trait("Category", "Cgroups")]
public sealed class ResourceConversionTests(ITestOutputHelper output)
{
    private static bool UnifiedHost => File.Exists("/sys/fs/cgroup/cgroup.controllers");

    /// <summary>The container's directory in the hierarchy that holds <paramref name="controller"/>.</summary>
    private static string Dir(Bundle b, string controller) =>
        Cgroups.DirFor(b.CgroupsPath, UnifiedHost ? "unified" : controller)
        ?? throw new InvalidOperationException($"no {controller} hierarchy on this host");

    private static string Read(Bundle b, string controller, string file) =>
        File.ReadAllText(Path.Combine(Dir(b, controller), file)).Trim();

    private string ResourcesFile(Sandbox sb, JsonObject resources)
    {
        string path = Path.Combine(sb.BaseDir, $"resources-{Sandbox.Rand(6)}.json");
        File.WriteAllText(path, resources.ToJsonString());
        output.WriteLine($"{path}: {resources.ToJsonString()}");
        return path;
    }

    // ---- memory swap -------------------------------------------------------------------------

    /// <summary>swap is memory+swap in the spec: v1 takes it as memsw as is, v2's swap.max gets
    /// the swap part alone. This host has no swap device, but both kernels account it: the
    /// files exist and keep what was written.</summary>
    [Fact]
    public void Memory_Swap_Limit_Is_Written_As_The_Kernel_Takes_It()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        b.Linux["resources"]!["memory"] = new JsonObject { ["limit"] = 64L << 20, ["swap"] = 128L << 20 };
        string id = sb.NewId();
        var created = sb.Create(b, id);
        if (created.ExitCode != 0)
        {
            // A kernel without swap accounting has no such file: then the error must say so.
            ErrorAssert.AssertOneLine(created);
            Assert.Contains("swap", created.Stderr);
            Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
            return;
        }
        Assert.Equal((64L << 20).ToString(), Read(b, "memory", UnifiedHost ? "memory.max" : "memory.limit_in_bytes"));
        Assert.Equal(UnifiedHost ? (64L << 20).ToString() : (128L << 20).ToString(),
            Read(b, "memory", UnifiedHost ? "memory.swap.max" : "memory.memsw.limit_in_bytes"));
        sb.Delete(id, force: true).AssertSuccess();
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    /// <summary>memory+swap below memory: v2 refuses it before writing (runc's check); v1's kernel
    /// refuses memsw below the limit (EINVAL). Either way one line naming swap, nothing left.</summary>
    [Fact]
    public void Memory_Swap_Below_The_Limit_Is_Refused()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        b.Linux["resources"]!["memory"] = new JsonObject { ["limit"] = 64L << 20, ["swap"] = 32L << 20 };
        string id = sb.NewId();
        b.Save();
        var r = ErrorAssert.CleanError(sb, ["create", "--bundle", b.Dir, id]);
        // runc 1.1.5 passes the kernel's EINVAL on memory.memsw.limit_in_bytes on.
        Assert.Matches("swap|memsw", r.Stderr);
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    /// <summary>Raising memory and swap together needs memsw first on v1 (the kernel keeps
    /// memsw >= memory at every step); lowering needs memory first.</summary>
    [Fact]
    public void Update_Raises_And_Lowers_Memory_With_Swap()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        b.Linux["resources"]!["memory"] = new JsonObject { ["limit"] = 32L << 20, ["swap"] = 64L << 20 };
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        string limitFile = UnifiedHost ? "memory.max" : "memory.limit_in_bytes";
        string swapFile = UnifiedHost ? "memory.swap.max" : "memory.memsw.limit_in_bytes";

        sb.Exec("update", "--memory", (256L << 20).ToString(), "--memory-swap", (512L << 20).ToString(), id).AssertSuccess("raise");
        Assert.Equal((256L << 20).ToString(), Read(b, "memory", limitFile));
        Assert.Equal(((UnifiedHost ? 256L : 512L) << 20).ToString(), Read(b, "memory", swapFile));

        sb.Exec("update", "--memory", (16L << 20).ToString(), "--memory-swap", (24L << 20).ToString(), id).AssertSuccess("lower");
        Assert.Equal((16L << 20).ToString(), Read(b, "memory", limitFile));
        Assert.Equal(((UnifiedHost ? 8L : 24L) << 20).ToString(), Read(b, "memory", swapFile));
        sb.Delete(id, force: true).AssertSuccess();
    }

    // ---- cpu shares -> cpu.weight ------------------------------------------------------------

    /// <summary>v2 has cpu.weight [1, 10000] where v1 had cpu.shares [2, 262144]. runc 1.1.5
    /// converts linearly, 1 + (shares - 2) * 9999 / 262142 (so 1024 -> 39, not the default 100;
    /// later runc versions changed the formula): csrun writes what runc 1.1.5 writes.</summary>
    [Theory]
    [InlineData(1024UL, 39UL)]
    [InlineData(262144UL, 10000UL)]
    public void Cpu_Shares_Are_Written_As_Runc_Writes_Them(ulong shares, ulong weight)
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        b.Linux["resources"]!["cpu"] = new JsonObject { ["shares"] = shares };
        string id = sb.NewId();
        sb.Create(b, id).AssertSuccess();
        Assert.Equal(UnifiedHost ? weight.ToString() : shares.ToString(), Read(b, "cpu", UnifiedHost ? "cpu.weight" : "cpu.shares"));
        sb.Delete(id, force: true).AssertSuccess();
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    /// <summary>The lowest shares (weight 1) by update, on a sleeping container: a create at
    /// weight 1 starves init's own set-up whenever the host is busy (the VM under load took
    /// more than 30 s).</summary>
    [Fact]
    public void Update_Of_Cpu_Shares_Converts_Too()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        sb.Exec("update", "--cpu-share", "512", id).AssertSuccess();
        // 1 + 510 * 9999 / 262142 = 20
        Assert.Equal(UnifiedHost ? "20" : "512", Read(b, "cpu", UnifiedHost ? "cpu.weight" : "cpu.shares"));
        sb.Exec("update", "--cpu-share", "2", id).AssertSuccess();
        Assert.Equal(UnifiedHost ? "1" : "2", Read(b, "cpu", UnifiedHost ? "cpu.weight" : "cpu.shares"));
        sb.Delete(id, force: true).AssertSuccess();
    }

    // ---- unified -----------------------------------------------------------------------------

    /// <summary>v2: `unified` keys are written as files of the container's cgroup, after the
    /// structured settings (so they win), and `update --resources` takes them too. A hybrid host
    /// is refused as runc refuses it ("cannot use unified on cgroup v1"), nothing left behind.</summary>
    [Fact]
    public void Unified_Keys_Are_Written_And_Read_Back_Or_Refused_On_Cgroup_V1()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        b.Linux["resources"]!["memory"] = new JsonObject { ["limit"] = 64L << 20 };
        b.Linux["resources"]!["unified"] = new JsonObject { ["pids.max"] = "17", ["memory.high"] = "33554432", ["memory.max"] = "50331648" };
        string id = sb.NewId();
        if (!UnifiedHost)
        {
            b.Save();
            var r = ErrorAssert.CleanError(sb, ["create", "--bundle", b.Dir, id]);
            Assert.Contains("unified", r.Stderr);
            Assert.Contains("v1", r.Stderr);
            Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
            return;
        }
        sb.CreateAndStart(b, id);
        Assert.Equal("17", Read(b, "pids", "pids.max"));
        Assert.Equal("33554432", Read(b, "memory", "memory.high"));
        Assert.Equal("50331648", Read(b, "memory", "memory.max"));

        string file = ResourcesFile(sb, new JsonObject { ["unified"] = new JsonObject { ["pids.max"] = "23" } });
        sb.Exec("update", "--resources", file, id).AssertSuccess("update unified");
        Assert.Equal("23", Read(b, "pids", "pids.max"));
        sb.Delete(id, force: true).AssertSuccess();
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    /// <summary>A unified key no controller offers: the kernel has no such file; one line naming
    /// it, nothing left.</summary>
    [Fact]
    public void Unified_Key_Of_No_Controller_Is_A_Clean_Error()
    {
        if (!UnifiedHost) return; // refused for being unified at all: the test above
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        b.Linux["resources"]!["unified"] = new JsonObject { ["pids.nosuchfile"] = "1" };
        string id = sb.NewId();
        b.Save();
        var r = ErrorAssert.CleanError(sb, ["create", "--bundle", b.Dir, id]);
        Assert.Contains("pids.nosuchfile", r.Stderr);
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    // ---- rdma --------------------------------------------------------------------------------

    /// <summary>
    /// rdma.max takes limits for RDMA devices the kernel knows. With a device (a real one, or in
    /// the throw-away test VM a soft-RoCE one made here over a dummy link) the limit reads back;
    /// for a device the kernel does not know, its refusal is one line naming rdma.max; a host
    /// without the rdma controller (this hybrid one) is a clear error naming it.
    /// </summary>
    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Rdma_Limit_Reads_Back_Or_The_Kernel_Refuses_It()
    {
        using var sb = new Sandbox(output);
        bool hasRdma = UnifiedHost
            ? File.ReadAllText("/sys/fs/cgroup/cgroup.controllers").Split(' ', StringSplitOptions.TrimEntries).Contains("rdma")
            : Cgroups.Hierarchies.Any(h => h.Controllers.Split(',').Contains("rdma"));

        Bundle unknown = sb.NewBundle("true");
        unknown.Linux["resources"]!["rdma"] = new JsonObject { ["csrun-nodev0"] = new JsonObject { ["hcaHandles"] = 2 } };
        string unknownId = sb.NewId();
        unknown.Save();
        var refused = ErrorAssert.CleanError(sb, ["create", "--bundle", unknown.Dir, unknownId]);
        Assert.Contains(hasRdma ? "rdma.max" : "rdma", refused.Stderr);
        Leaks.AssertClean(sb, unknown, unknownId, rootMustBeEmpty: true);
        if (!hasRdma) return;

        using var device = SoftRoce.Find(output);
        if (device.Name is null)
        {
            output.WriteLine("no RDMA device on this host (and not in the test VM): only the refusal was checked");
            return;
        }
        Bundle b = sb.NewBundle("sleep", "1000");
        b.Linux["resources"]!["rdma"] = new JsonObject { [device.Name] = new JsonObject { ["hcaHandles"] = 2, ["hcaObjects"] = 10 } };
        string id = sb.NewId();
        sb.Create(b, id).AssertSuccess();
        string text = Read(b, "rdma", "rdma.max");
        Assert.Contains($"{device.Name} hca_handle=2 hca_object=10", text);
        sb.Delete(id, force: true).AssertSuccess();
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    /// <summary>An RDMA device for the test: the first one the host has, or in the throw-away
    /// test VM (VM_RUN=1) a soft-RoCE device over a dummy link, removed again on Dispose.</summary>
    private sealed class SoftRoce : IDisposable
    {
        public string? Name { get; private set; }
        private string? _link;
        private readonly ITestOutputHelper _out;

        private SoftRoce(ITestOutputHelper output) => _out = output;

        public static SoftRoce Find(ITestOutputHelper output)
        {
            var d = new SoftRoce(output);
            if (Directory.Exists("/sys/class/infiniband"))
                d.Name = Directory.GetDirectories("/sys/class/infiniband").Select(Path.GetFileName).FirstOrDefault();
            if (d.Name is not null || Environment.GetEnvironmentVariable("VM_RUN") != "1") return d;
            string suffix = Sandbox.Rand(6);
            string link = "csrxl" + suffix, name = "csrxe" + suffix;
            if (!d.Sh("modprobe rdma_rxe")) return d;
            if (!d.Sh($"ip link add {link} type dummy")) return d;
            d._link = link;
            if (d.Sh($"ip link set {link} up") && d.Sh($"rdma link add {name} type rxe netdev {link}")) d.Name = name;
            return d;
        }

        private bool Sh(string command)
        {
            var psi = new ProcessStartInfo("/bin/sh", ["-c", command + " 2>&1"]) { RedirectStandardOutput = true };
            using var p = System.Diagnostics.Process.Start(psi)!;
            string text = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            _out.WriteLine($"$ {command}: exit {p.ExitCode} {text.Trim()}");
            return p.ExitCode == 0;
        }

        public void Dispose()
        {
            if (_link is null) return;
            if (Name is not null) Sh($"rdma link delete {Name}");
            Sh($"ip link delete {_link}");
        }
    }
}
