using Xunit;
using System.Text;
using System.Text.Json;
using Csrun.Runtime.Spec;

namespace Csrun.Tests.Spec;

public sealed class SpecDefaultsTests : IDisposable
{
    private readonly SpecTestBundle _bundle = new();

    public void Dispose() => _bundle.Dispose();

    private static List<string?> NamespaceTypes(RuntimeSpec spec) => spec.Linux!.Namespaces!.ConvertAll(n => n.Type);

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Default_WrittenAndReparsed_Validates(bool rootless, bool cgroupNs)
    {
        RuntimeSpec spec = SpecDefaults.Create(rootless, 1000, 1000, cgroupNs);
        string json = SpecWriter.ToJson(spec);
        _bundle.WriteConfig(json);
        RuntimeSpec loaded = SpecLoader.LoadFromBundle(_bundle.Dir);
        Assert.Empty(_bundle.Validate(loaded, rootless));
        Assert.Equal(json, SpecWriter.ToJson(loaded));
    }

    [Fact]
    public void Default_UsesHostCgroupModeForTheCgroupNamespace()
    {
        RuntimeSpec spec = SpecDefaults.Create(rootless: false);
        Assert.Equal(SpecDefaults.IsCgroup2UnifiedHost(), NamespaceTypes(spec).Contains("cgroup"));
    }

    [Fact]
    public void Default_MatchesRuncSpec()
    {
        RuntimeSpec spec = SpecDefaults.Create(rootless: false, 0, 0, cgroupNamespace: false);

        Assert.Equal("1.3.0", spec.OciVersion);
        Assert.Equal("rootfs", spec.Root!.Path);
        Assert.True(spec.Root.Readonly);
        Assert.Equal("runc", spec.Hostname);

        SpecProcess p = spec.Process!;
        Assert.True(p.Terminal);
        Assert.Equal(0u, p.User!.Uid);
        Assert.Equal(0u, p.User.Gid);
        Assert.Equal(["sh"], p.Args);
        Assert.Equal(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"], p.Env);
        Assert.Equal("/", p.Cwd);
        Assert.True(p.NoNewPrivileges);
        string[] caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];
        Assert.Equal(caps, p.Capabilities!.Bounding);
        Assert.Equal(caps, p.Capabilities.Effective);
        Assert.Equal(caps, p.Capabilities.Permitted);
        Assert.Equal(caps, p.Capabilities.Ambient);
        Assert.Null(p.Capabilities.Inheritable);
        PosixRlimit rlimit = Assert.Single(p.Rlimits!);
        Assert.Equal(("RLIMIT_NOFILE", 1024ul, 1024ul), (rlimit.Type, rlimit.Hard, rlimit.Soft));

        Assert.Equal(["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"],
            spec.Mounts!.ConvertAll(m => m.Destination));
        Assert.Null(spec.Mounts[0].Options);
        Assert.Equal(["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"], spec.Mounts[2].Options);
        Assert.Equal("shm", spec.Mounts[3].Source);
        Assert.Equal(["nosuid", "noexec", "nodev", "relatime", "ro"], spec.Mounts[6].Options);

        LinuxSpec l = spec.Linux!;
        Assert.Equal(["pid", "network", "ipc", "uts", "mount"], NamespaceTypes(spec));
        LinuxDeviceCgroup deny = Assert.Single(l.Resources!.Devices!);
        Assert.False(deny.Allow);
        Assert.Equal("rwm", deny.Access);
        Assert.Null(deny.Type);
        Assert.Equal(10, l.MaskedPaths!.Count);
        Assert.Equal("/proc/acpi", l.MaskedPaths[0]);
        Assert.Equal("/proc/scsi", l.MaskedPaths[^1]);
        Assert.Equal(["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"], l.ReadonlyPaths);
        Assert.Null(l.UidMappings);
    }

    [Fact]
    public void Default_WithCgroupNamespace_AppendsIt()
    {
        RuntimeSpec spec = SpecDefaults.Create(rootless: false, 0, 0, cgroupNamespace: true);
        Assert.Equal(["pid", "network", "ipc", "uts", "mount", "cgroup"], NamespaceTypes(spec));
    }

    [Fact]
    public void Rootless_MatchesRuncSpecRootless()
    {
        RuntimeSpec spec = SpecDefaults.Create(rootless: true, uid: 1234, gid: 5678, cgroupNamespace: true);
        LinuxSpec l = spec.Linux!;

        Assert.Equal(["pid", "ipc", "uts", "mount", "cgroup", "user"], NamespaceTypes(spec));
        LinuxIdMapping uid = Assert.Single(l.UidMappings!);
        Assert.Equal((0u, 1234u, 1u), (uid.ContainerId, uid.HostId, uid.Size));
        LinuxIdMapping gid = Assert.Single(l.GidMappings!);
        Assert.Equal((0u, 5678u, 1u), (gid.ContainerId, gid.HostId, gid.Size));

        SpecMount sys = spec.Mounts!.Single(m => m.Destination == "/sys");
        Assert.Equal(("none", "/sys"), (sys.Type, sys.Source));
        Assert.Equal(["rbind", "nosuid", "noexec", "nodev", "ro"], sys.Options);
        SpecMount pts = spec.Mounts.Single(m => m.Destination == "/dev/pts");
        Assert.Equal(["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"], pts.Options);
        Assert.Null(l.Resources);
        Assert.Equal(7, spec.Mounts.Count);
    }

    [Fact]
    public void Default_JsonHasRuncShape()
    {
        string json = SpecWriter.ToJson(SpecDefaults.Create(false, 0, 0, false));
        using var doc = JsonDocument.Parse(json);
        JsonElement root = doc.RootElement;
        Assert.Equal(["ociVersion", "process", "root", "hostname", "mounts", "linux"],
            root.EnumerateObject().Select(p => p.Name).ToArray());
        JsonElement user = root.GetProperty("process").GetProperty("user");
        Assert.Equal(0, user.GetProperty("uid").GetInt32());
        Assert.Equal(0, user.GetProperty("gid").GetInt32());
        JsonElement proc = root.GetProperty("mounts")[0];
        Assert.False(proc.TryGetProperty("options", out _));
        JsonElement device = root.GetProperty("linux").GetProperty("resources").GetProperty("devices")[0];
        Assert.Equal("""{"allow":false,"access":"rwm"}""", JsonSerializer.Serialize(device));
        Assert.StartsWith("{\n\t\"ociVersion\": \"1.3.0\",\n\t\"process\": {\n\t\t\"terminal\": true,", json);
    }

    [Fact]
    public void Default_IsAFreshObjectEachTime()
    {
        RuntimeSpec a = SpecDefaults.Create(false, 0, 0, false);
        a.Process!.Capabilities!.Bounding!.Add("CAP_SYS_ADMIN");
        RuntimeSpec b = SpecDefaults.Create(false, 0, 0, false);
        Assert.Equal(3, b.Process!.Capabilities!.Bounding!.Count);
        Assert.Equal(3, b.Process.Capabilities.Effective!.Count);
    }
}
