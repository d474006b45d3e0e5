using Csrun.Runtime.Process;
using Csrun.Runtime.Spec;
using Xunit;

namespace Csrun.Tests.Process;

/// <summary>Which maps csrun writes itself without root, and which go through newuidmap/newgidmap.</summary>
public class IdMapWriterTests
{
    private static LinuxIdMapping Map(uint container, uint host, uint size) => new() { ContainerId = container, HostId = host, Size = size };

    [Fact]
    public void Own_Id_Is_One_Mapping_Of_One_Id_To_The_Caller()
    {
        Assert.True(IdMapWriter.IsOwnId(new() { Map(0, 1000, 1) }, 1000));
        Assert.True(IdMapWriter.IsOwnId(new() { Map(1000, 1000, 1) }, 1000));
        Assert.False(IdMapWriter.IsOwnId(new() { Map(0, 1000, 2) }, 1000));
        Assert.False(IdMapWriter.IsOwnId(new() { Map(0, 1001, 1) }, 1000));
        Assert.False(IdMapWriter.IsOwnId(new() { Map(0, 1000, 1), Map(1, 100000, 65536) }, 1000));
        Assert.False(IdMapWriter.IsOwnId(new(), 1000));
    }
}
