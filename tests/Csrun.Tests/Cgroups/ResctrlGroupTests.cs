using Csrun.Runtime.Cgroups;
using Csrun.Runtime.Spec;
using Xunit;

namespace Csrun.Tests.Cgroups;

public sealed class ResctrlGroupTests : IDisposable
{
    private const string NoResctrl =
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n" +
        "23 22 0:21 / /sys rw,nosuid shared:2 - sysfs sysfs rw\n";

    private readonly string _root = Directory.CreateTempSubdirectory("resctrl-test").FullName;

    public void Dispose() => Directory.Delete(_root, true);

    private string WithResctrl(params string[] infoDirs)
    {
        foreach (string d in infoDirs) Directory.CreateDirectory(Path.Combine(_root, "info", d));
        return NoResctrl + $"30 23 0:40 / {_root.Replace(" ", "\\040")} rw,relatime shared:9 - resctrl resctrl rw\n";
    }

    [Fact]
    public void FindsTheResctrlMountPoint()
    {
        Assert.Null(ResctrlGroup.FindMountPoint(NoResctrl));
        Assert.Equal("/sys/fs/resctrl", ResctrlGroup.FindMountPoint(NoResctrl + "31 23 0:40 / /sys/fs/resctrl rw - resctrl resctrl rw\n"));
        Assert.Equal("/mnt/my rdt", ResctrlGroup.FindMountPoint("31 23 0:40 / /mnt/my\\040rdt rw shared:3 - resctrl resctrl rw"));
    }

    [Fact]
    public void WithoutResctrlEverySettingIsRefusedInRuncsWords()
    {
        var e = Assert.Throws<NotSupportedException>(() => ResctrlGroup.For(new LinuxIntelRdt { ClosId = "c" }, "id", NoResctrl));
        Assert.Equal("intelRdt is specified in config, but Intel RDT is not enabled", e.Message);
        e = Assert.Throws<NotSupportedException>(() => ResctrlGroup.For(new LinuxIntelRdt { L3CacheSchema = "L3:0=f" }, "id", NoResctrl));
        Assert.Equal("intelRdt.l3CacheSchema is specified in config, but Intel RDT/CAT is not enabled", e.Message);
        e = Assert.Throws<NotSupportedException>(() => ResctrlGroup.For(new LinuxIntelRdt { MemBwSchema = "MB:0=20" }, "id", NoResctrl));
        Assert.Equal("intelRdt.memBwSchema is specified in config, but Intel RDT/MBA is not enabled", e.Message);
    }

    [Fact]
    public void ASchemaNeedsItsResourceInInfo()
    {
        string mountinfo = WithResctrl("L3");
        Assert.NotNull(ResctrlGroup.For(new LinuxIntelRdt { L3CacheSchema = "L3:0=f" }, "id", mountinfo));
        var e = Assert.Throws<NotSupportedException>(() => ResctrlGroup.For(new LinuxIntelRdt { MemBwSchema = "MB:0=20" }, "id", mountinfo));
        Assert.Contains("Intel RDT/MBA is not enabled", e.Message);
    }

    [Fact]
    public void TheGroupIsTheClosIdOrTheContainerId()
    {
        string mountinfo = WithResctrl();
        var own = ResctrlGroup.For(new LinuxIntelRdt(), "ctr1", mountinfo);
        Assert.True(own.Owned);
        Assert.Equal(Path.Combine(_root, "ctr1"), own.Path);
        var shared = ResctrlGroup.For(new LinuxIntelRdt { ClosId = "gold" }, "ctr1", mountinfo);
        Assert.False(shared.Owned);
        Assert.Equal(Path.Combine(_root, "gold"), shared.Path);
        Assert.Equal(_root, ResctrlGroup.For(new LinuxIntelRdt { ClosId = "/" }, "ctr1", mountinfo).Path);
    }

    [Fact]
    public void SchemataJoinsL3ThenMemBwThenTheList()
    {
        var rdt = new LinuxIntelRdt { L3CacheSchema = "L3:0=f", MemBwSchema = "MB:0=20", Schemata = ["L2:0=3"] };
        Assert.Equal("L3:0=f\nMB:0=20\nL2:0=3", ResctrlGroup.SchemataText(rdt));
        Assert.Equal("", ResctrlGroup.SchemataText(new LinuxIntelRdt()));
    }

    [Fact]
    public void ANamedClosWithoutSchemataMustExist()
    {
        var group = ResctrlGroup.For(new LinuxIntelRdt { ClosId = "missing" }, "ctr1", WithResctrl());
        var e = Assert.Throws<InvalidOperationException>(() => group.Apply(1));
        Assert.Contains("must be pre-created", e.Message);
        Assert.False(Directory.Exists(group.Path));
    }
}
