using Csrun.Commands;
using Xunit;

namespace Csrun.Tests.Cli;

public class SocketActivationTests
{
    [Fact]
    public void CountsOnlyForThisProcess()
    {
        Assert.Equal(2, SocketActivation.Parse("2", "100", 100));
        Assert.Null(SocketActivation.Parse("2", "101", 100));
        Assert.Null(SocketActivation.Parse("2", null, 100));
        Assert.Null(SocketActivation.Parse("0", "100", 100));
        Assert.Null(SocketActivation.Parse("x", "100", 100));
        Assert.Null(SocketActivation.Parse(null, "100", 100));
    }
}
