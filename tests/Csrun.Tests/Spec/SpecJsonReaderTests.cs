using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Csrun.Runtime.Spec;
using Csrun.Tests.Process;
using Xunit;

namespace Csrun.Tests.Spec;

/// <summary>
/// SpecJsonReader must read every document it accepts exactly as System.Text.Json does, and give
/// up (null) on the rest. Each test compares the two models through STJ's own serialization of
/// them, so a property the generated reader misses, or reads differently, shows as a text diff.
/// </summary>
public class SpecJsonReaderTests
{
    private static string Canonical(RuntimeSpec spec) => JsonSerializer.Serialize(spec, SpecJsonContext.Default.RuntimeSpec);

    private static RuntimeSpec? Stj(string json)
    {
        try { return JsonSerializer.Deserialize(json, SpecJsonContext.Default.RuntimeSpec); }
        catch (JsonException) { return null; }
    }

    private static void AssertSameAsStj(string json)
    {
        RuntimeSpec? quick = SpecJsonReader.TryRead(Encoding.UTF8.GetBytes(json));
        Assert.NotNull(quick);
        RuntimeSpec? reference = Stj(json);
        Assert.NotNull(reference);
        Assert.Equal(Canonical(reference!), Canonical(quick!));
    }

    [Fact]
    public void Every_Property_Of_The_Model_Is_Read()
    {
        var graph = new ModelGraph();
        var spec = (RuntimeSpec)graph.Fill(typeof(RuntimeSpec), "RuntimeSpec", depth: 0)!;
        string json = Canonical(spec);

        RuntimeSpec? quick = SpecJsonReader.TryRead(Encoding.UTF8.GetBytes(json));

        Assert.NotNull(quick);
        Assert.Equal(json, Canonical(quick!));
        Assert.True(graph.Leaves > 150, $"only {graph.Leaves} leaf properties filled");
    }

    [Fact]
    public void The_Default_Spec_Reads_The_Same()
    {
        var spec = SpecDefaults.Create(rootless: false, 0, 0, cgroupNamespace: false);
        AssertSameAsStj(SpecWriter.ToJson(spec));
        var rootless = SpecDefaults.Create(rootless: true, 1000, 1000, cgroupNamespace: true);
        AssertSameAsStj(SpecWriter.ToJson(rootless));
    }

    [Theory]
    // Names in any case, unknown keys and sections skipped, nulls where the model allows them.
    [InlineData("""{"OCIVERSION":"1.2.0","Process":{"ARGS":["a",null],"Terminal":true,"user":{"UID":1,"gid":2}},"x-unknown":{"deep":[1,{"a":[]}]}}""")]
    [InlineData("""{"ociVersion":"1.2.0","process":null,"root":null,"mounts":null,"annotations":null,"linux":null}""")]
    [InlineData("""{"mounts":[null,{"destination":"/x","options":null}],"annotations":{"a":"1","b":null}}""")]
    [InlineData("""{"solaris":null,"windows":{"any":["thing",1.5e3,true,null]},"vm":[1,2],"zos":"s","freebsd":7}""")]
    [InlineData("""{"linux":{"resources":{"memory":{"limit":-1,"swap":9223372036854775807},"cpu":{"shares":18446744073709551615,"cpus":"0-1"}}}}""")]
    [InlineData("""{"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]}]}}}""")]
    [InlineData("""{"hooks":{"prestart":[{"path":"/bin/true","timeout":5}]},"linux":{"timeOffsets":{"monotonic":{"secs":1}},"netDevices":{"eth0":{"name":"n0"}}}}""")]
    [InlineData("""{"process":{"args":["\u00e9\n\"q\"","\ud83d\ude00"],"env":["A=\\b"]}}""")]
    [InlineData("""{}""")]
    public void Accepted_Documents_Read_As_Stj_Reads_Them(string json) => AssertSameAsStj(json);

    [Theory]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("""{"ociVersion":1}""")]
    [InlineData("""{"process":{"terminal":null}}""")]
    [InlineData("""{"process":{"terminal":"yes"}}""")]
    [InlineData("""{"process":{"user":{"uid":-1}}}""")]
    [InlineData("""{"process":{"user":{"uid":4294967296}}}""")]
    [InlineData("""{"process":{"user":{"uid":1.5}}}""")]
    [InlineData("""{"process":{"user":{"uid":"0"}}}""")]
    [InlineData("""{"process":{"args":"sh"}}""")]
    [InlineData("""{"process":{"args":[1]}}""")]
    [InlineData("""{"root":[]}""")]
    [InlineData("""{"annotations":{"a":1}}""")]
    [InlineData("""{"annotations":{"a":"1","a":"2"}}""")]
    [InlineData("""{"ociVersion":"1","OciVersion":"2"}""")]
    [InlineData("""{"linux":{"uidMappings":[{"containerID":0,"hostID":0,"size":null}]}}""")]
    public void Documents_It_Is_Not_Sure_Of_Are_Left_To_Stj(string json) =>
        Assert.Null(SpecJsonReader.TryRead(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Mutated_Configs_Are_Read_As_Stj_Reads_Them_Or_Left_To_It()
    {
        // Starting from the default spec, each round changes one value somewhere (another type,
        // null, a big number, a duplicate key, a renamed key): the reader either agrees with STJ
        // or gives up, and it never accepts what STJ refuses.
        var random = new Random(20261201);
        string baseline = SpecWriter.ToJson(SpecDefaults.Create(rootless: false, 0, 0, cgroupNamespace: false));
        int accepted = 0, declined = 0;
        for (int round = 0; round < 1500; round++)
        {
            var root = JsonNode.Parse(baseline)!.AsObject();
            string json = Mutate(root, random);
            RuntimeSpec? quick = SpecJsonReader.TryRead(Encoding.UTF8.GetBytes(json));
            RuntimeSpec? reference = Stj(json);
            if (quick is null) { declined++; continue; }
            accepted++;
            Assert.True(reference is not null, $"accepted what STJ refuses: {json}");
            Assert.Equal(Canonical(reference!), Canonical(quick));
        }
        Assert.True(accepted > 300 && declined > 100, $"accepted {accepted}, declined {declined}: the mutations do not reach both sides");
    }

    private static readonly JsonNode?[] Replacements =
    {
        null, JsonValue.Create(true), JsonValue.Create(0), JsonValue.Create(-1), JsonValue.Create(1.5),
        JsonValue.Create(4294967296L), JsonValue.Create(ulong.MaxValue), JsonValue.Create("s"), JsonValue.Create(""),
    };

    private static string Mutate(JsonObject root, Random random)
    {
        var containers = new List<JsonNode>();
        Collect(root, containers);
        JsonNode target = containers[random.Next(containers.Count)];
        int choice = random.Next(6);
        if (target is JsonObject obj && obj.Count > 0)
        {
            string key = obj.ElementAt(random.Next(obj.Count)).Key;
            switch (choice)
            {
                case 0: obj[key] = new JsonArray(); break;
                case 1: obj[key] = new JsonObject(); break;
                case 2: obj.Remove(key); obj[key.ToUpperInvariant()] = Replacements[random.Next(Replacements.Length)]?.DeepClone(); break;
                case 3:
                    // A duplicate key cannot be built with JsonObject: splice one into the text.
                    string text = root.ToJsonString();
                    string needle = "\"" + key + "\":";
                    int at = text.IndexOf(needle, StringComparison.Ordinal);
                    return at < 0 ? text : text.Insert(at, needle + "null,");
                default: obj[key] = Replacements[random.Next(Replacements.Length)]?.DeepClone(); break;
            }
        }
        else if (target is JsonArray array && array.Count > 0)
        {
            int index = random.Next(array.Count);
            array[index] = choice == 0 ? new JsonObject() : Replacements[random.Next(Replacements.Length)]?.DeepClone();
        }
        return root.ToJsonString();
    }

    private static void Collect(JsonNode node, List<JsonNode> into)
    {
        into.Add(node);
        if (node is JsonObject obj)
            foreach (var (_, child) in obj) { if (child is JsonObject or JsonArray) Collect(child, into); }
        else if (node is JsonArray array)
            foreach (var child in array) { if (child is JsonObject or JsonArray) Collect(child!, into); }
    }
}
