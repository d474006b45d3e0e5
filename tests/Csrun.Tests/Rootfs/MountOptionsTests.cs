using Csrun.Runtime.Linux;
using Csrun.Runtime.Rootfs;
using Xunit;

namespace Csrun.Tests.Rootfs;

public class MountOptionsTests
{
    [Fact]
    public void FlagsPropagationAndDataAreSeparated()
    {
        var o = MountOptions.Parse(new[] { "nosuid", "strictatime", "mode=755", "size=65536k", "rprivate", "ro" });
        Assert.Equal(K.MS_NOSUID | K.MS_STRICTATIME | K.MS_RDONLY, o.Flags);
        Assert.Equal(new[] { K.MS_PRIVATE | K.MS_REC }, o.Propagation);
        Assert.Equal("mode=755,size=65536k", o.DataString);
    }

    [Fact]
    public void LaterOptionsWin()
    {
        var o = MountOptions.Parse(new[] { "ro", "rw", "nodev", "dev" });
        Assert.Equal(0UL, o.Flags);
        Assert.Equal(K.MS_RDONLY | K.MS_NODEV, o.Cleared);
    }

    [Fact]
    public void BindTypeAndRbind()
    {
        Assert.True(MountOptions.Parse(null, "bind").IsBind);
        var r = MountOptions.Parse(new[] { "rbind", "ro" });
        Assert.Equal(K.MS_BIND | K.MS_REC | K.MS_RDONLY, r.Flags);
        Assert.False(MountOptions.Parse(new[] { "noexec" }, "tmpfs").IsBind);
    }

    [Fact]
    public void ExtensionsAreRecognised()
    {
        var o = MountOptions.Parse(new[] { "tmpcopyup", "ridmap" });
        Assert.True(o.TmpCopyUp);
        Assert.True(o.IdMap);
        Assert.True(o.RecursiveIdMap);
        Assert.Equal("", o.DataString);
    }

    [Fact]
    public void RecursiveOptionsBecomeMountSetattrAttributes()
    {
        var o = MountOptions.Parse(new[] { "rbind", "rro", "rnosuid", "rdev", "rnosymfollow" });
        Assert.Equal(K.MOUNT_ATTR_RDONLY | K.MOUNT_ATTR_NOSUID | K.MOUNT_ATTR_NOSYMFOLLOW, o.RecursiveSet);
        Assert.Equal(K.MOUNT_ATTR_NODEV, o.RecursiveClear);
        Assert.Equal(K.MS_BIND | K.MS_REC, o.Flags);
        Assert.Equal("", o.DataString);
        var later = MountOptions.Parse(new[] { "rro", "rrw" });
        Assert.Equal(0UL, later.RecursiveSet);
        Assert.Equal(K.MOUNT_ATTR_RDONLY, later.RecursiveClear);
        Assert.False(MountOptions.Parse(new[] { "ro" }).HasRecursiveAttributes);
    }

    [Fact]
    public void RecursiveAccessTimeModesClearTheWholeField()
    {
        var noatime = MountOptions.Parse(new[] { "rnoatime" });
        Assert.Equal(K.MOUNT_ATTR_NOATIME, noatime.RecursiveSet);
        Assert.Equal(K.MOUNT_ATTR__ATIME, noatime.RecursiveClear);
        // The last mode wins; relatime is the value 0.
        var relatime = MountOptions.Parse(new[] { "rstrictatime", "rrelatime" });
        Assert.Equal(0UL, relatime.RecursiveSet);
        Assert.Equal(K.MOUNT_ATTR__ATIME, relatime.RecursiveClear);
        Assert.True(relatime.HasRecursiveAttributes);
        // Clearing a mode may not clear part of the field (EINVAL): ratime clears it all.
        var atime = MountOptions.Parse(new[] { "rnodiratime", "ratime" });
        Assert.Equal(K.MOUNT_ATTR_NODIRATIME, atime.RecursiveSet);
        Assert.Equal(K.MOUNT_ATTR__ATIME, atime.RecursiveClear);
        var strict = MountOptions.Parse(new[] { "rstrictatime", "ratime" });
        Assert.Equal(K.MOUNT_ATTR_STRICTATIME, strict.RecursiveSet);
    }

    [Fact]
    public void RootPropagationDefaultsToRslave()
    {
        Assert.Equal(K.MS_SLAVE | K.MS_REC, MountOptions.RootPropagation(null));
        Assert.Equal(K.MS_SHARED, MountOptions.RootPropagation("shared"));
        Assert.Null(MountOptions.RootPropagation("sideways"));
    }
}
