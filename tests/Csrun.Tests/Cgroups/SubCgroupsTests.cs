using Csrun.Runtime.Cgroups;
using Xunit;

namespace Csrun.Tests.Cgroups;

public class SubCgroupsTests
{
    private static readonly Dictionary<string, string> V1 = new()
    {
        ["cpu,cpuacct"] = "/sys/fs/cgroup/cpu,cpuacct/c1",
        ["memory"] = "/sys/fs/cgroup/memory/c1",
        ["pids"] = "/sys/fs/cgroup/pids/c1",
        ["name=systemd"] = "/sys/fs/cgroup/systemd/c1",
        [""] = "/sys/fs/cgroup/unified/c1",
    };

    private static readonly Dictionary<string, string> V2 = new() { [""] = "/sys/fs/cgroup/c1" };

    [Fact]
    public void NoFlagJoinsTheContainersOwnCgroup()
    {
        Assert.Empty(SubCgroups.Parse(Array.Empty<string>()));
        Assert.Equal(V1, SubCgroups.Apply(V1, SubCgroups.Parse(Array.Empty<string>())));
    }

    [Fact]
    public void APathAloneAppliesToEveryHierarchy()
    {
        var subs = SubCgroups.Parse(["a/b"]);
        Assert.Equal("a/b", subs[""]);
        Assert.Equal("/sys/fs/cgroup/c1/a/b", SubCgroups.Apply(V2, subs)[""]);
        var v1 = SubCgroups.Apply(V1, subs);
        Assert.All(v1, kv => Assert.Equal(V1[kv.Key] + "/a/b", kv.Value));
    }

    [Fact]
    public void ControllerPrefixesApplyToTheirHierarchiesOnly()
    {
        var joined = SubCgroups.Apply(V1, SubCgroups.Parse(["memory,pids:sub", "cpuacct:other"]));
        Assert.Equal("/sys/fs/cgroup/memory/c1/sub", joined["memory"]);
        Assert.Equal("/sys/fs/cgroup/pids/c1/sub", joined["pids"]);
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct/c1/other", joined["cpu,cpuacct"]);
        Assert.Equal(V1[""], joined[""]);
        Assert.Equal(V1["name=systemd"], joined["name=systemd"]);
        Assert.Equal("/sys/fs/cgroup/systemd/c1/s", SubCgroups.Apply(V1, SubCgroups.Parse(["name=systemd:s"]))["name=systemd"]);
    }

    [Theory]
    [InlineData(new[] { "a", "b" }, "invalid --cgroup argument: a (missing <controller>: prefix)")]
    [InlineData(new[] { "memory:a:b" }, "invalid --cgroup argument: memory:a:b")]
    [InlineData(new[] { ":a" }, "invalid --cgroup argument: :a (empty <controller> prefix)")]
    [InlineData(new[] { "memory,:a" }, "invalid --cgroup argument: memory,:a (empty <controller> prefix)")]
    [InlineData(new[] { "memory:a", "pids,memory:b" }, "invalid --cgroup argument(s): controller memory specified multiple times")]
    public void MalformedArgumentsAreRefusedAsRuncDoes(string[] args, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => SubCgroups.Parse(args));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../c2")]
    [InlineData("a/../../c1x")]
    [InlineData("/../../etc")]
    public void ASubPathCannotLeaveTheContainersCgroup(string sub)
    {
        var e = Assert.Throws<ArgumentException>(() => SubCgroups.Apply(V2, SubCgroups.Parse([sub])));
        Assert.Equal($"--cgroup: {sub} is not a sub cgroup path", e.Message);
        Assert.Throws<ArgumentException>(() => SubCgroups.Apply(V1, SubCgroups.Parse(["memory:" + sub])));
    }

    [Fact]
    public void DotsThatStayInsideAreCleaned()
    {
        Assert.Equal("/sys/fs/cgroup/c1/b", SubCgroups.Apply(V2, SubCgroups.Parse(["a/../b/."]))[""]);
        Assert.Equal("/sys/fs/cgroup/c1/x", SubCgroups.Apply(V2, SubCgroups.Parse(["/x"]))[""]);
    }

    [Fact]
    public void UnknownControllersAreNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => SubCgroups.Apply(V1, SubCgroups.Parse(["foo:sub"])));
        Assert.StartsWith("--cgroup foo:sub: unknown controller foo (the container's hierarchies: cpu,cpuacct, memory, name=systemd, pids)", e.Message);
        // v2 has one hierarchy: a controller prefix means nothing there.
        e = Assert.Throws<ArgumentException>(() => SubCgroups.Apply(V2, SubCgroups.Parse(["memory:sub"])));
        Assert.Contains("unknown controller memory", e.Message);
        Assert.Contains("--cgroup sub", e.Message);
    }

    [Fact]
    public void CoMountedControllersMustAgree()
    {
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct/c1/s", SubCgroups.Apply(V1, SubCgroups.Parse(["cpu,cpuacct:s"]))["cpu,cpuacct"]);
        var e = Assert.Throws<ArgumentException>(() => SubCgroups.Apply(V1, SubCgroups.Parse(["cpu:a", "cpuacct:b"])));
        Assert.Contains("share the hierarchy cpu,cpuacct", e.Message);
    }

    [Fact]
    public void AContainerWithoutCgroupsHasNoSubCgroups()
    {
        Assert.Throws<ArgumentException>(() => SubCgroups.Apply(new Dictionary<string, string>(), SubCgroups.Parse(["a"])));
    }
}
