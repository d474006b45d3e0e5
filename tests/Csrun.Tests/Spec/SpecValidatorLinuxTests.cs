using Xunit;
using Csrun.Runtime.Spec;

namespace Csrun.Tests.Spec;

public sealed class SpecValidatorLinuxTests : ValidatorTestBase
{
    [Theory]
    [InlineData("c")]
    [InlineData("b")]
    [InlineData("u")]
    [InlineData("p")]
    public void Devices_KnownTypesAccepted(string type)
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.Devices = [new LinuxDevice { Path = "/dev/x", Type = type, Major = 1, Minor = 3, FileMode = 438 }];
        AssertValid(spec);
    }

    [Fact]
    public void Devices_UnknownTypeRejected()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.Devices = [new LinuxDevice { Path = "/dev/x", Type = "a", Major = 1, Minor = 3 }];
        AssertInvalid(spec, "linux.devices[0].type", "unknown device type \"a\", expected one of c, b, u, p");
        spec.Linux.Devices[0].Type = null;
        AssertInvalid(spec, "linux.devices[0].type", "required");
    }

    [Fact]
    public void Devices_PathAbsolute()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.Devices = [new LinuxDevice { Path = "/opt/fifo", Type = "p" }];
        AssertValid(spec);
        spec.Linux.Devices[0].Path = "dev/null";
        AssertInvalid(spec, "linux.devices[0].path", "must be an absolute path");
        spec.Linux.Devices[0].Path = null;
        AssertInvalid(spec, "linux.devices[0].path", "required");
    }

    [Fact]
    public void NetDevices_NeedNetworkNamespace()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.NetDevices = new() { ["eth0"] = new LinuxNetDevice { Name = "ctr0" }, ["dummy1"] = new LinuxNetDevice() };
        AssertValid(spec);
        RemoveNamespace(spec, "network");
        AssertInvalid(spec, "linux.netDevices", "without a network namespace");
    }

    [Fact]
    public void NetDevices_NamesValid()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.NetDevices = new() { ["eth0"] = new LinuxNetDevice { Name = "net%d" } };
        AssertValid(spec);
        spec.Linux.NetDevices["eth0"].Name = "a/b";
        AssertInvalid(spec, "linux.netDevices[\"eth0\"].name", "invalid network device name \"a/b\"");
        spec.Linux.NetDevices = new() { ["0123456789abcdef"] = new LinuxNetDevice() };
        AssertInvalid(spec, "linux.netDevices[\"0123456789abcdef\"]", "invalid network device name");
    }

    [Fact]
    public void NetDevices_RefusedForRootless()
    {
        RuntimeSpec spec = ValidWithUserNs();
        spec.Linux!.NetDevices = new() { ["eth0"] = new LinuxNetDevice() };
        AssertValid(spec);
        AssertInvalid(spec, "linux.netDevices", "rootless", rootless: true);
    }

    [Fact]
    public void RootfsPropagation_KnownValues()
    {
        RuntimeSpec spec = Valid();
        foreach (string value in new[] { "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable", "" })
        {
            spec.Linux!.RootfsPropagation = value;
            AssertValid(spec);
        }
        spec.Linux!.RootfsPropagation = "recursive";
        AssertInvalid(spec, "linux.rootfsPropagation", "unknown value \"recursive\"");
    }

    [Fact]
    public void CgroupsPath_AnyFormAllowed()
    {
        RuntimeSpec spec = Valid();
        foreach (string value in new[] { "/abs/path", "relative/path", "system.slice:docker:abc" })
        {
            spec.Linux!.CgroupsPath = value;
            AssertValid(spec);
        }
        spec.Linux!.CgroupsPath = "/a\0b";
        AssertInvalid(spec, "linux.cgroupsPath", "NUL");
    }

    [Fact]
    public void Sysctl_KeysNonEmpty()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.Sysctl = new() { ["net.ipv4.ip_forward"] = "1" };
        AssertValid(spec);
        spec.Linux.Sysctl[""] = "1";
        AssertInvalid(spec, "linux.sysctl[\"\"]", "must not be empty");
    }

    [Fact]
    public void Sysctl_IpcKeysNeedIpcNamespace()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.Sysctl = new() { ["kernel.shmmax"] = "1", ["fs.mqueue.msg_max"] = "10" };
        AssertValid(spec);
        RemoveNamespace(spec, "ipc");
        AssertInvalid(spec, "linux.sysctl[\"kernel.shmmax\"]", "without an ipc namespace");
    }

    [Fact]
    public void Sysctl_NetKeysNeedNetworkNamespace()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.Sysctl = new() { ["net/ipv4/conf/eth0.100/rp_filter"] = "1" };
        AssertValid(spec);
        RemoveNamespace(spec, "network");
        AssertInvalid(spec, "linux.sysctl[\"net/ipv4/conf/eth0.100/rp_filter\"]", "\"net.ipv4.conf.eth0/100.rp_filter\" is not allowed without a network namespace");
    }

    [Fact]
    public void Sysctl_HostnameConflictsWithField()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.Sysctl = new() { ["kernel.domainname"] = "x" };
        AssertValid(spec);
        spec.Linux.Sysctl = new() { ["kernel.hostname"] = "x" };
        AssertInvalid(spec, "linux.sysctl[\"kernel.hostname\"]", "use the \"hostname\" field");
    }

    [Fact]
    public void Sysctl_UserKeysNeedUserNamespace()
    {
        RuntimeSpec spec = ValidWithUserNs();
        spec.Linux!.Sysctl = new() { ["user.max_user_namespaces"] = "0" };
        AssertValid(spec);
        AssertInvalid(WithSysctl(Valid(), "user.max_user_namespaces"), "linux.sysctl[\"user.max_user_namespaces\"]", "without a user namespace");
    }

    [Fact]
    public void Sysctl_HostWideKeysRejected()
    {
        AssertInvalid(WithSysctl(Valid(), "vm.swappiness"), "linux.sysctl[\"vm.swappiness\"]", "not in a separate kernel namespace");
    }

    private static RuntimeSpec WithSysctl(RuntimeSpec spec, string key)
    {
        spec.Linux!.Sysctl = new() { [key] = "1" };
        return spec;
    }

    [Fact]
    public void MaskedPaths_AbsoluteAndNeedMountNamespace()
    {
        RuntimeSpec spec = Valid();
        AssertValid(spec);
        spec.Linux!.MaskedPaths!.Add("proc/kcore");
        AssertInvalid(spec, "linux.maskedPaths[10]", "must be an absolute path");
        spec.Linux.MaskedPaths.RemoveAt(10);
        RemoveNamespace(spec, "mount");
        AssertInvalid(spec, "linux.maskedPaths", "without a mount namespace");
    }

    [Fact]
    public void ReadonlyPaths_AbsoluteAndNeedMountNamespace()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.MaskedPaths = null;
        spec.Linux.ReadonlyPaths![0] = "relative";
        AssertInvalid(spec, "linux.readonlyPaths[0]", "must be an absolute path");
        spec.Linux.ReadonlyPaths[0] = "/proc/bus";
        RemoveNamespace(spec, "mount");
        AssertInvalid(spec, "linux.readonlyPaths", "without a mount namespace");
        spec.Linux.ReadonlyPaths = [];
        AssertValid(spec);
    }

    [Fact]
    public void IntelRdt_ClosIdValid()
    {
        RuntimeSpec spec = Valid();
        foreach (string clos in new[] { "guaranteed_group", "/" })
        {
            spec.Linux!.IntelRdt = new LinuxIntelRdt { ClosId = clos };
            AssertValid(spec);
        }
        spec.Linux!.IntelRdt!.ClosId = "../escape";
        AssertInvalid(spec, "linux.intelRdt.closID", "invalid resctrl group name");
        spec.Linux.IntelRdt.ClosId = "..";
        AssertInvalid(spec, "linux.intelRdt.closID");
    }

    [Fact]
    public void IntelRdt_MemBwSchemaStartsWithMB()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.IntelRdt = new LinuxIntelRdt { MemBwSchema = "MB:0=20;1=70", L3CacheSchema = "L3:0=7f0" };
        AssertValid(spec);
        spec.Linux.IntelRdt.MemBwSchema = "0=20";
        AssertInvalid(spec, "linux.intelRdt.memBwSchema", "must start with \"MB:\"");
    }

    [Fact]
    public void IntelRdt_NoNewlines()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.IntelRdt = new LinuxIntelRdt { Schemata = ["L3:0=7f0", "MB:0=20"] };
        AssertValid(spec);
        spec.Linux.IntelRdt.Schemata.Add("L2:0=f\nMB:0=1");
        AssertInvalid(spec, "linux.intelRdt.schemata[2]", "single line");
        spec.Linux.IntelRdt.Schemata = null;
        spec.Linux.IntelRdt.MemBwSchema = "MB:0=20\nL3:0=1";
        AssertInvalid(spec, "linux.intelRdt.memBwSchema", "newlines");
    }

    [Fact]
    public void MemoryPolicy_ModeRequiredAndKnown()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.MemoryPolicy = new LinuxMemoryPolicy { Mode = "MPOL_BIND", Nodes = "0-1" };
        AssertValid(spec);
        spec.Linux.MemoryPolicy.Mode = "MPOL_RANDOM";
        AssertInvalid(spec, "linux.memoryPolicy.mode", "unknown mode");
        spec.Linux.MemoryPolicy.Mode = null;
        AssertInvalid(spec, "linux.memoryPolicy.mode", "required");
    }

    [Fact]
    public void MemoryPolicy_FlagsKnownAndCompatible()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.MemoryPolicy = new LinuxMemoryPolicy { Mode = "MPOL_PREFERRED", Flags = ["MPOL_F_STATIC_NODES"] };
        AssertValid(spec);
        spec.Linux.MemoryPolicy.Flags.Add("MPOL_F_RELATIVE_NODES");
        AssertInvalid(spec, "linux.memoryPolicy.flags", "cannot be combined");
        spec.Linux.MemoryPolicy.Flags = ["MPOL_F_NOPE"];
        AssertInvalid(spec, "linux.memoryPolicy.flags[0]", "unknown flag");
    }

    [Fact]
    public void MemoryPolicy_NodesMatchMode()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.MemoryPolicy = new LinuxMemoryPolicy { Mode = "MPOL_DEFAULT" };
        AssertValid(spec);
        spec.Linux.MemoryPolicy.Nodes = "0";
        AssertInvalid(spec, "linux.memoryPolicy.nodes", "must be empty for MPOL_DEFAULT");
        spec.Linux.MemoryPolicy = new LinuxMemoryPolicy { Mode = "MPOL_INTERLEAVE", Nodes = "" };
        AssertInvalid(spec, "linux.memoryPolicy.nodes", "needs at least one node");
        spec.Linux.MemoryPolicy.Nodes = "1-x";
        AssertInvalid(spec, "linux.memoryPolicy.nodes", "invalid list");
    }

    [Fact]
    public void Personality_DomainKnown()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.Personality = new LinuxPersonality { Domain = "LINUX" };
        AssertValid(spec);
        spec.Linux.Personality.Domain = "LINUX32";
        AssertValid(spec);
        spec.Linux.Personality.Domain = "BSD";
        AssertInvalid(spec, "linux.personality.domain", "unknown domain \"BSD\"");
        spec.Linux.Personality.Domain = null;
        AssertInvalid(spec, "linux.personality.domain", "required");
    }

    [Fact]
    public void Personality_FlagsAreIgnoredWithAWarning()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.Personality = new LinuxPersonality { Domain = "LINUX32", Flags = ["ADDR_NO_RANDOMIZE"] };
        string warning = Assert.Single(Bundle.Validate(spec, rootless: false));
        Assert.StartsWith("linux.personality.flags: ignoring", warning);
        Assert.Contains("\"ADDR_NO_RANDOMIZE\"", warning);
    }
}
