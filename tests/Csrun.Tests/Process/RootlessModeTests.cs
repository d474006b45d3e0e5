using Csrun.Runtime.Process;
using Xunit;

namespace Csrun.Tests.Process;

public class RootlessModeTests
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("auto", null)]
    [InlineData("AUTO", null)]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("1", true)]
    [InlineData("t", true)]
    [InlineData("false", false)]
    [InlineData("0", false)]
    [InlineData("F", false)]
    public void Flag_Parses_As_Runc_Does(string? value, bool? expected) =>
        Assert.Equal(expected, RootlessMode.ParseFlag(value));

    [Theory]
    [InlineData("yes")]
    [InlineData("2")]
    public void Bad_Flag_Names_The_Choices(string value)
    {
        var e = Assert.Throws<ArgumentException>(() => RootlessMode.ParseFlag(value));
        Assert.Contains("--rootless", e.Message);
        Assert.Contains("true, false or auto", e.Message);
    }
}
