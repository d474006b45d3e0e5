using Csrun.Runtime.State;
using Xunit;

namespace Csrun.Tests.State;

public class ContainerIdTests
{
    [Theory]
    [InlineData("abc")]
    [InlineData("a.b-c_d+e")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void Valid(string id) => Assert.Null(ContainerId.Check(id));

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a b")]
    [InlineData("a\nb")]
    public void Invalid(string id) => Assert.NotNull(ContainerId.Check(id));

    [Fact]
    public void TooLong()
    {
        Assert.NotNull(ContainerId.Check(new string('a', 1000)));
        Assert.Null(ContainerId.Check(new string('a', ContainerId.MaxLength)));
        Assert.NotNull(ContainerId.Check(new string('a', ContainerId.MaxLength + 1)));
    }
}
