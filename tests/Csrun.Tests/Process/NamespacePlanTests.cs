using Csrun.Runtime.Linux;
using Csrun.Runtime.Process;
using Xunit;

namespace Csrun.Tests.Process;

public class NamespacePlanTests
{
    [Fact]
    public void NewNamespacesAreClonedExceptCgroupWhichInitUnsharesAfterTheMove()
    {
        var plan = NamespacePlan.From(new (string, string?)[] { ("pid", null), ("mount", null), ("network", null), ("user", null), ("cgroup", null) });
        Assert.Equal(K.CLONE_NEWPID | K.CLONE_NEWNS | K.CLONE_NEWNET | K.CLONE_NEWUSER, plan.CloneFlags);
        Assert.Equal(0UL, plan.EarlyUnshareFlags);
        Assert.Equal(0UL, plan.UnshareFlags);
        Assert.True(plan.NewUser);
        Assert.True(plan.NewCgroup);
        Assert.Empty(plan.Joins);
    }

    [Fact]
    public void JoinedNamespacesAreJoinedUserFirst()
    {
        var plan = NamespacePlan.From(new (string, string?)[] { ("network", "/run/netns/x"), ("mount", null), ("user", "/proc/1/ns/user"), ("ipc", "/proc/1/ns/ipc"), ("cgroup", null) });
        Assert.Equal(("user", "/proc/1/ns/user"), plan.Joins[0]);
        Assert.Equal(3, plan.Joins.Count);
        // With a joined user namespace, new namespaces are unshared after setns(user) so it owns them.
        Assert.Equal(0UL, plan.CloneFlags);
        Assert.Equal(K.CLONE_NEWNS, plan.UnshareFlags);
        Assert.False(plan.NewUser);
        // The cgroup namespace is init's own unshare, after the move into the cgroup.
        Assert.True(plan.NewCgroup);
    }

    [Fact]
    public void JoinedPidNamespaceIsEnteredByTheParent()
    {
        var plan = NamespacePlan.From(new (string, string?)[] { ("pid", "/proc/7/ns/pid"), ("mount", null) });
        Assert.Equal("/proc/7/ns/pid", plan.PidNamespacePath);
        Assert.Empty(plan.Joins);
        Assert.False(plan.NewPid);
    }

    [Fact]
    public void UnknownTypeIsRejected() =>
        Assert.Throws<ArgumentException>(() => NamespacePlan.From(new (string, string?)[] { ("foo", null) }));
}

public class TimeNamespacePlanTests
{
    [Fact]
    public void TimeNamespaceIsUnsharedEarlySoOffsetsCanBeWritten()
    {
        var plan = NamespacePlan.From(new (string, string?)[] { ("time", null), ("pid", null) });
        // The pid namespace moves to the middle child's unshare: its forked child becomes pid 1.
        Assert.Equal(0UL, plan.CloneFlags);
        Assert.Equal(K.CLONE_NEWTIME | K.CLONE_NEWPID, plan.EarlyUnshareFlags);
        Assert.True(plan.NewTime);
        Assert.True(plan.NewPid);
        Assert.True(plan.ForkAfterGo);
    }

    [Fact]
    public void CgroupNamespaceWithTimeIsStillInitsOwn()
    {
        var plan = NamespacePlan.From(new (string, string?)[] { ("time", null), ("cgroup", null), ("mount", null) });
        Assert.Equal(K.CLONE_NEWNS, plan.CloneFlags);
        Assert.Equal(K.CLONE_NEWTIME, plan.EarlyUnshareFlags);
        Assert.Equal(0UL, plan.UnshareFlags);
        Assert.True(plan.NewCgroup);
    }

    [Fact]
    public void JoinedCgroupNamespaceIsNoNewOne()
    {
        var plan = NamespacePlan.From(new (string, string?)[] { ("cgroup", "/proc/7/ns/cgroup") });
        Assert.False(plan.NewCgroup);
        Assert.Equal(("cgroup", "/proc/7/ns/cgroup"), plan.Joins[0]);
    }
}
