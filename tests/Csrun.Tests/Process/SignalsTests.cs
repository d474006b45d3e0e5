using Csrun.Runtime.Process;
using Xunit;

namespace Csrun.Tests.Process;

public class SignalsTests
{
    [Theory]
    [InlineData("KILL", 9)]
    [InlineData("SIGKILL", 9)]
    [InlineData("9", 9)]
    [InlineData("TERM", 15)]
    [InlineData("sigterm", 15)]
    [InlineData("15", 15)]
    [InlineData("USR1", 10)]
    [InlineData("SIGUSR2", 12)]
    [InlineData("HUP", 1)]
    [InlineData("RTMIN", 34)]
    [InlineData("RTMIN+3", 37)]
    [InlineData("RTMAX-1", 63)]
    [InlineData("WINCH", 28)]
    public void Parses(string text, int expected) => Assert.Equal(expected, Signals.Parse(text));

    [Theory]
    [InlineData("FOO")]
    [InlineData("SIGFOO")]
    [InlineData("0")]
    [InlineData("65")]
    [InlineData("-1")]
    [InlineData("")]
    [InlineData("RTMIN+40")]
    public void RejectsUnknown(string text) => Assert.Null(Signals.Parse(text));
}
