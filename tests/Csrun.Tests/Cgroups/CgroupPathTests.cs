using Csrun.Runtime.Cgroups;
using Xunit;

namespace Csrun.Tests.Cgroups;

public class CgroupPathTests
{
    [Fact]
    public void RelativePathGoesBelowTheCallersCgroupOnV1()
    {
        Assert.Equal("/process_api/abc/csrun-it/c1", CgroupHierarchies.ContainerPath("csrun-it/c1", "c1", "/process_api/abc", unifiedHost: false));
        Assert.Equal("/c1", CgroupHierarchies.ContainerPath(null, "c1", "/", unifiedHost: false));
    }

    [Fact]
    public void RelativePathGoesBelowTheParentOfTheCallersCgroupOnV2()
    {
        Assert.Equal("/user.slice/c1", CgroupHierarchies.ContainerPath(null, "c1", "/user.slice/session-1.scope", unifiedHost: true));
        Assert.Equal("/c1", CgroupHierarchies.ContainerPath("", "c1", "/", unifiedHost: true));
    }

    [Fact]
    public void AbsolutePathIsCleanedAndCannotEscape()
    {
        Assert.Equal("/a/b", CgroupHierarchies.ContainerPath("/a//./b/", "x", "/own", unifiedHost: false));
        Assert.Equal("/etc", CgroupHierarchies.ContainerPath("/../../etc", "x", "/own", unifiedHost: false));
        // As in runc, a relative path is joined and cleaned: ".." can leave the caller's cgroup.
        Assert.Equal("/x", CgroupHierarchies.ContainerPath("../../x", "x", "/own", unifiedHost: false));
    }

    [Fact]
    public void MountInfoLinesParse()
    {
        var m = CgroupHierarchies.ParseMountInfoLine("35 26 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct");
        Assert.NotNull(m);
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct", m!.Value.MountPoint);
        Assert.Equal("cgroup", m.Value.FsType);
        Assert.Contains("cpuacct", m.Value.SuperOptions);
        var withOptional = CgroupHierarchies.ParseMountInfoLine("30 25 0:26 / /sys/fs/cgroup/unified rw shared:9 - cgroup2 cgroup2 rw,nsdelegate");
        Assert.Equal("cgroup2", withOptional!.Value.FsType);
        Assert.Equal("/a b", CgroupHierarchies.Unescape("/a\\040b"));
    }

    [Fact]
    public void OwnCgroupsParse()
    {
        var own = CgroupHierarchies.ReadOwnCgroups(new[] { "4:memory:/process_api/x", "1:cpu,cpuacct:/", "0::/user.slice" });
        Assert.Equal("/process_api/x", own["memory"]);
        Assert.Equal("/", own["cpu,cpuacct"]);
        Assert.Equal("/user.slice", own[""]);
    }
}
