using System.Text.Json;
using Csrun.Runtime.Process;
using Csrun.Runtime.Seccomp;
using Csrun.Runtime.Spec;
using Csrun.Runtime.State;
using Xunit;

namespace Csrun.Tests.Process;

/// <summary>
/// The binary InitConfig must carry everything init can read. Rather than listing fields, the
/// tests fill EVERY public settable property of the whole InitConfig graph (<see cref="ModelGraph"/>:
/// found by reflection, so a property someone adds to the spec model is covered the day it
/// appears) with distinct values and compare the decoded graph property by property.
/// </summary>
public class InitConfigCodecTests
{
    [Fact]
    public void Every_Property_Of_The_Model_Survives_Except_The_Parent_Only_Ones()
    {
        var graph = new ModelGraph(InitConfigCodec.ParentOnly);
        var config = (InitConfig)graph.Fill(typeof(InitConfig), "InitConfig", depth: 0)!;

        InitConfig decoded = InitConfigCodec.Decode(InitConfigCodec.Encode(config));

        var problems = new List<string>();
        graph.Compare(typeof(InitConfig), config, decoded, "InitConfig", problems);
        Assert.True(problems.Count == 0,
            "InitConfigCodec does not carry these (add them to Encode/Decode, or to ParentOnly if init never reads them):\n  "
            + string.Join("\n  ", problems));
        // The filler really reached the spec's leaves.
        Assert.True(graph.Leaves > 150, $"only {graph.Leaves} leaf properties filled");
    }

    [Fact]
    public void Parent_Only_Names_Exist_In_The_Model()
    {
        foreach (string name in InitConfigCodec.ParentOnly)
        {
            string[] parts = name.Split('.');
            Type? type = typeof(RuntimeSpec).Assembly.GetTypes().SingleOrDefault(t => t.Name == parts[0]);
            Assert.True(type?.GetProperty(parts[1]) is not null, $"ParentOnly names {name}, which is not a property");
        }
    }

    [Fact]
    public void Default_Spec_Round_Trips_To_The_Same_Json()
    {
        RuntimeSpec spec = SpecDefaults.Create(rootless: false, 0, 0, cgroupNamespace: false);
        spec.Linux!.Resources = null; // parent-only
        var config = new InitConfig
        {
            ContainerId = "c1",
            Bundle = "/b",
            Rootfs = "/b/rootfs",
            FifoFd = 4,
            Spec = spec,
            CgroupPaths = new() { ["memory"] = "/sys/fs/cgroup/memory/x" },
            Seccomp = new SeccompPlan { Program = new byte[] { 6, 0, 0, 0, 0, 0, 0xff, 0x7f }, Flags = 1 },
            HookState = new SpecState { Id = "c1", Pid = 42, Status = "creating", Created = new DateTime(2026, 12, 1, 8, 0, 0, DateTimeKind.Utc) },
        };
        InitConfig back = InitConfigCodec.Decode(InitConfigCodec.Encode(config));
        Assert.Equal(JsonSerializer.Serialize(spec, SpecJsonContext.Default.RuntimeSpec),
            JsonSerializer.Serialize(back.Spec, SpecJsonContext.Default.RuntimeSpec));
        Assert.Equal(config.Seccomp.Program, back.Seccomp!.Program);
        Assert.Equal(config.HookState.Created, back.HookState!.Created);
        Assert.Equal(DateTimeKind.Utc, back.HookState.Created.Kind);
    }

    [Fact]
    public void Truncated_Or_Foreign_Payloads_Are_Refused()
    {
        byte[] good = InitConfigCodec.Encode(new InitConfig { Spec = SpecDefaults.Create(rootless: false, 0, 0, cgroupNamespace: false) });
        for (int n = 0; n < good.Length; n += Math.Max(1, good.Length / 50))
            Assert.Throws<InvalidDataException>(() => InitConfigCodec.Decode(good.AsSpan(0, n)));
        Assert.Throws<InvalidDataException>(() => InitConfigCodec.Decode("{\"id\":\"x\"}"u8));
        Assert.Throws<InvalidDataException>(() => InitConfigCodec.Decode([.. good, 0]));
    }
}
