using System.Text.Json;
using Csrun.Runtime.State;
using Csrun.Tests.Process;
using Xunit;

namespace Csrun.Tests.State;

public class ContainerStateCodecTests
{
    [Fact]
    public void Every_Property_Of_The_State_Survives()
    {
        var graph = new ModelGraph();
        var state = (ContainerState)graph.Fill(typeof(ContainerState), "ContainerState", depth: 0)!;
        ContainerState back = ContainerStateCodec.Decode(ContainerStateCodec.Encode(state));
        var problems = new List<string>();
        graph.Compare(typeof(ContainerState), state, back, "ContainerState", problems);
        Assert.True(problems.Count == 0, "ContainerStateCodec does not carry these:\n  " + string.Join("\n  ", problems));
        Assert.True(graph.Leaves > 40, $"only {graph.Leaves} leaf properties filled");
    }

    [Fact]
    public void Corrupt_Or_Unknown_Files_Are_Refused()
    {
        byte[] good = ContainerStateCodec.Encode(new ContainerState { Id = "x", Created = DateTime.UtcNow });
        for (int n = 0; n < good.Length; n++)
            Assert.Throws<InvalidDataException>(() => ContainerStateCodec.Decode(good[..n]));
        byte[] otherFormat = (byte[])good.Clone();
        otherFormat[0] = 99;
        Assert.Throws<InvalidDataException>(() => ContainerStateCodec.Decode(otherFormat));
        Assert.Throws<InvalidDataException>(() => ContainerStateCodec.Decode([.. good, 1]));
    }

    [Fact]
    public void Store_Saves_State_Bin_And_Still_Reads_A_Legacy_State_Json()
    {
        string root = Path.Combine(Path.GetTempPath(), "csrun-state-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var store = new StateStore(root);
            store.CreateDir("c1");
            var state = new ContainerState { Id = "c1", Bundle = "/b", InitPid = 42, Created = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc) };
            store.Save(state);
            Assert.True(File.Exists(Path.Combine(root, "c1", StateStore.StateFile)));
            Assert.Equal(42, store.Load("c1").InitPid);
            Assert.Empty(Directory.GetFiles(Path.Combine(root, "c1"), "*.tmp"));

            // What an earlier csrun left behind.
            store.CreateDir("old");
            File.WriteAllBytes(Path.Combine(root, "old", StateStore.JsonStateFile),
                JsonSerializer.SerializeToUtf8Bytes(new ContainerState { Id = "old", InitPid = 7 }, StateJsonContext.Default.ContainerState));
            Assert.Equal(7, store.Load("old").InitPid);

            File.WriteAllBytes(Path.Combine(root, "c1", StateStore.StateFile), new byte[] { 1, 2, 3 });
            var e = Assert.Throws<IOException>(() => store.Load("c1"));
            Assert.Contains("corrupt state", e.Message);

            Assert.Throws<ContainerNotFoundException>(() => store.Load("missing"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
