using Csrun.Runtime.Rootfs;
using Xunit;

namespace Csrun.Tests.Rootfs;

public sealed class SecurePathTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("csrun-securepath-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void AbsoluteSymlinkStaysInsideTheRoot()
    {
        Directory.CreateDirectory(Path.Combine(_root, "etc"));
        File.CreateSymbolicLink(Path.Combine(_root, "evil"), "/etc");
        Assert.Equal(_root + "/etc/passwd", SecurePath.Join(_root, "/evil/passwd"));
    }

    [Fact]
    public void DotDotCannotClimbOut()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "up"), "../../../../tmp");
        Assert.Equal(_root + "/tmp/x", SecurePath.Join(_root, "/up/x"));
        Assert.Equal(_root + "/a", SecurePath.Join(_root, "/../../a"));
    }

    [Fact]
    public void RelativeSymlinkResolvesFromItsDirectory()
    {
        Directory.CreateDirectory(Path.Combine(_root, "usr/lib"));
        File.CreateSymbolicLink(Path.Combine(_root, "lib"), "usr/lib");
        Assert.Equal(_root + "/usr/lib/x", SecurePath.Join(_root, "/lib/x"));
    }

    [Fact]
    public void SymlinkLoopIsAnError()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "a"), "/b");
        File.CreateSymbolicLink(Path.Combine(_root, "b"), "/a");
        Assert.Throws<Csrun.Runtime.Linux.SyscallException>(() => SecurePath.Join(_root, "/a/x"));
    }

    [Fact]
    public void MissingComponentsAreKept() =>
        Assert.Equal(_root + "/new/dir", SecurePath.Join(_root, "new/./dir/"));
}
