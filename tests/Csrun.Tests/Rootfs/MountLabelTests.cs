using Csrun.Runtime.Security;
using Xunit;

namespace Csrun.Tests.Rootfs;

/// <summary>linux.mountLabel becomes a context= option as runc (libselinux's FormatMountLabel) adds it.</summary>
public class MountLabelTests
{
    private const string Label = "system_u:object_r:container_file_t:s0:c1,c2";

    [Theory]
    [InlineData("tmpfs", "mode=755,size=65536k", "mode=755,size=65536k,context=\"" + Label + "\"")]
    [InlineData("devpts", "", "context=\"" + Label + "\"")]
    [InlineData("tmpfs", null, "context=\"" + Label + "\"")]
    public void Label_Is_Added_To_The_Data_Of_Filesystems_Csrun_Makes(string type, string? data, string expected) =>
        Assert.Equal(expected, LsmLabels.WithMountLabel(data, type, Label, selinuxEnabled: true));

    [Theory]
    [InlineData("proc")]
    [InlineData("sysfs")]
    [InlineData("mqueue")]
    public void Proc_Sysfs_And_Mqueue_Get_No_Context(string type) =>
        Assert.Equal("nosuid", LsmLabels.WithMountLabel("nosuid", type, Label, selinuxEnabled: true));

    [Fact]
    public void Without_SELinux_Or_A_Label_The_Data_Is_Unchanged()
    {
        Assert.Equal("size=1m", LsmLabels.WithMountLabel("size=1m", "tmpfs", Label, selinuxEnabled: false));
        Assert.Equal("size=1m", LsmLabels.WithMountLabel("size=1m", "tmpfs", null, selinuxEnabled: true));
        Assert.Equal("size=1m", LsmLabels.WithMountLabel("size=1m", "tmpfs", "", selinuxEnabled: true));
    }

    [Fact]
    public void A_Context_Given_In_The_Options_Wins() =>
        Assert.Equal("context=\"other\"", LsmLabels.WithMountLabel("context=\"other\"", "tmpfs", Label, selinuxEnabled: true));
}
