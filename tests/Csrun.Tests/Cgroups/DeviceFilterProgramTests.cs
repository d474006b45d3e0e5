using Csrun.Runtime.Cgroups;
using Csrun.Runtime.Spec;
using Xunit;

namespace Csrun.Tests.Cgroups;

public class DeviceFilterProgramTests
{
    private const int Block = 1, Char = 2, M = 1, R = 2, W = 4;

    private static ulong[] Default(params LinuxDeviceCgroup[] extra) =>
        DeviceFilterProgram.Compile(DeviceFilterProgram.RulesFor(new[] { new LinuxDeviceCgroup { Allow = false, Access = "rwm" } }.Concat(extra), null));

    [Fact]
    public void DefaultDevicesAreAllowedOthersDenied()
    {
        var p = Default();
        Assert.Equal(1, DeviceFilterProgram.Evaluate(p, Char, R | W, 1, 3));    // /dev/null
        Assert.Equal(1, DeviceFilterProgram.Evaluate(p, Char, R, 1, 9));        // /dev/urandom
        Assert.Equal(1, DeviceFilterProgram.Evaluate(p, Char, R | W, 136, 7));  // a pty
        Assert.Equal(0, DeviceFilterProgram.Evaluate(p, Char, R, 1, 11));       // /dev/kmsg
        Assert.Equal(0, DeviceFilterProgram.Evaluate(p, Block, R, 8, 0));       // /dev/sda
        Assert.Equal(1, DeviceFilterProgram.Evaluate(p, Block, M, 8, 0));       // mknod is allowed for any
        Assert.Equal(0, DeviceFilterProgram.Evaluate(p, Block, M | R, 8, 0));
    }

    [Fact]
    public void AccessMustBeASubsetOfTheRule()
    {
        var p = Default(new LinuxDeviceCgroup { Allow = true, Type = "c", Major = 1, Minor = 11, Access = "r" });
        Assert.Equal(1, DeviceFilterProgram.Evaluate(p, Char, R, 1, 11));
        Assert.Equal(0, DeviceFilterProgram.Evaluate(p, Char, W, 1, 11));
        Assert.Equal(0, DeviceFilterProgram.Evaluate(p, Char, R | W, 1, 11));
    }

    [Fact]
    public void LaterRulesWin()
    {
        var rules = new List<DeviceFilterProgram.Rule>
        {
            new(true, 'a', null, null, "rwm"),
            new(false, 'c', 1, null, "rwm"),
            new(true, 'c', 1, 3, "rw"),
        };
        var p = DeviceFilterProgram.Compile(rules);
        Assert.Equal(1, DeviceFilterProgram.Evaluate(p, Char, R, 1, 3));
        Assert.Equal(0, DeviceFilterProgram.Evaluate(p, Char, R, 1, 5));
        Assert.Equal(1, DeviceFilterProgram.Evaluate(p, Block, R, 8, 0));
    }

    [Fact]
    public void WildcardMajorAndMinor()
    {
        var p = DeviceFilterProgram.Compile(new List<DeviceFilterProgram.Rule> { new(true, 'b', null, 0, "r") });
        Assert.Equal(1, DeviceFilterProgram.Evaluate(p, Block, R, 253, 0));
        Assert.Equal(0, DeviceFilterProgram.Evaluate(p, Block, R, 253, 1));
        Assert.Equal(0, DeviceFilterProgram.Evaluate(p, Char, R, 253, 0));
    }

    [Fact]
    public void UnknownAccessLetterIsRefused() =>
        Assert.Throws<ArgumentException>(() => DeviceFilterProgram.AccessBits("rx"));
}
