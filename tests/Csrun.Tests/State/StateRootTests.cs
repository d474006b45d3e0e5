using Csrun.Runtime.State;
using Xunit;

namespace Csrun.Tests.State;

/// <summary>runc's shouldHonorXDGRuntimeDir, with csrun's directory name.</summary>
public class StateRootTests
{
    [Fact]
    public void Unprivileged_User_With_Xdg_Uses_It() =>
        Assert.Equal("/run/user/1000/csrun", StateRoot.XdgRoot("/run/user/1000", 1000, inChildUserNamespace: false, user: "alice"));

    [Fact]
    public void Unprivileged_User_Without_Xdg_Gets_None() =>
        Assert.Null(StateRoot.XdgRoot(null, 1000, false, "alice"));

    [Fact]
    public void Empty_Xdg_Counts_As_Unset() =>
        Assert.Null(StateRoot.XdgRoot("", 1000, false, "alice"));

    [Fact]
    public void Real_Root_Ignores_Xdg() =>
        Assert.Null(StateRoot.XdgRoot("/run/user/0", 0, inChildUserNamespace: false, user: "root"));

    [Theory]
    [InlineData("alice", true)]
    [InlineData(null, true)]
    [InlineData("root", false)]
    public void Root_In_A_User_Namespace_Uses_Xdg_Unless_User_Is_Root(string? user, bool honoured) =>
        Assert.Equal(honoured, StateRoot.XdgRoot("/run/user/1000", 0, inChildUserNamespace: true, user) is not null);
}
