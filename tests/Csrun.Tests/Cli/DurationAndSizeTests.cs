using Csrun.Cli;
using Csrun.Commands;
using Xunit;

namespace Csrun.Tests.Cli;

public class DurationAndSizeTests
{
    [Theory]
    [InlineData("5s", 5000)]
    [InlineData("500ms", 500)]
    [InlineData("1m30s", 90000)]
    [InlineData("1.5s", 1500)]
    public void Durations(string text, double ms) => Assert.Equal(ms, EventsCommand.ParseInterval(text).TotalMilliseconds);

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("abc")]
    [InlineData("0s")]
    public void BadDurations(string text) => Assert.Throws<UsageException>(() => EventsCommand.ParseInterval(text));

    [Theory]
    [InlineData("100", 100L)]
    [InlineData("64k", 65536L)]
    [InlineData("100M", 104857600L)]
    [InlineData("1g", 1073741824L)]
    [InlineData("2GB", 2147483648L)]
    [InlineData("-1", -1L)]
    public void Sizes(string text, long bytes) => Assert.Equal(bytes, ByteSize.Parse(text));

    [Theory]
    [InlineData("x")]
    [InlineData("")]
    [InlineData("-5")]
    public void BadSizes(string text) => Assert.Null(ByteSize.Parse(text));
}
