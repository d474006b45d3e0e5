using Xunit;
using System.Text;
using System.Text.Json;
using Csrun.Runtime.Spec;

namespace Csrun.Tests.Spec;

public sealed class SpecWriterTests
{
    private static RuntimeSpec Parse(string json) => SpecLoader.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void RoundTrip_FullConfig_IsStable()
    {
        string first = SpecWriter.ToJson(Parse(SpecSamples.Full));
        string second = SpecWriter.ToJson(Parse(first));
        Assert.Equal(first, second);
    }

    [Fact]
    public void RoundTrip_FullConfig_PreservesTheDocument()
    {
        // Every value in the sample must survive parse + write, compared structurally.
        using var original = JsonDocument.Parse(SpecSamples.Full);
        using var written = JsonDocument.Parse(SpecWriter.ToJson(Parse(SpecSamples.Full)));
        AssertJsonEquivalent(original.RootElement, written.RootElement, "$");
    }

    [Fact]
    public void RoundTrip_KeepsAnnotations()
    {
        var spec = new RuntimeSpec
        {
            OciVersion = "1.3.0",
            Annotations = new() { ["org.opencontainers.image.os"] = "linux", ["x+y"] = "<&>", ["ü"] = "✓" },
        };
        RuntimeSpec back = Parse(SpecWriter.ToJson(spec));
        Assert.Equal(spec.Annotations, back.Annotations);
    }

    [Fact]
    public void RoundTrip_KeepsOtherPlatformSectionsVerbatim()
    {
        RuntimeSpec spec = Parse("""
        { "ociVersion": "1.3.0",
          "windows": { "layerFolders": ["C:\\a"], "hyperv": {} },
          "solaris": { "milestone": "svc:/milestone/container:default" },
          "vm": { "kernel": { "path": "/k" } },
          "zos": { "namespaces": [{ "type": "pid" }] },
          "freebsd": { "jail": { "vnet": "new" } } }
        """);
        string json = SpecWriter.ToJson(spec);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("C:\\a", doc.RootElement.GetProperty("windows").GetProperty("layerFolders")[0].GetString());
        Assert.Equal("/k", doc.RootElement.GetProperty("vm").GetProperty("kernel").GetProperty("path").GetString());
        Assert.Equal("new", doc.RootElement.GetProperty("freebsd").GetProperty("jail").GetProperty("vnet").GetString());
        Assert.True(doc.RootElement.TryGetProperty("solaris", out _));
        Assert.True(doc.RootElement.TryGetProperty("zos", out _));
    }

    [Fact]
    public void Writer_OmitsNullsAndGoOmitemptyDefaults()
    {
        var spec = new RuntimeSpec
        {
            OciVersion = "1.3.0",
            Process = new SpecProcess { User = new SpecUser(), Args = ["sh"], Cwd = "/" },
            Root = new SpecRoot { Path = "rootfs" },
        };
        string json = SpecWriter.ToJson(spec);
        Assert.DoesNotContain("null", json);
        Assert.DoesNotContain("terminal", json);      // false: omitted like Go's omitempty
        Assert.DoesNotContain("readonly", json);
        Assert.DoesNotContain("noNewPrivileges", json);
        Assert.DoesNotContain("hostname", json);
        Assert.Contains("\"uid\": 0", json);          // required: always written
        Assert.Contains("\"gid\": 0", json);
    }

    [Fact]
    public void Writer_AlwaysWritesRequiredValueFields()
    {
        var spec = new RuntimeSpec
        {
            Linux = new LinuxSpec { Resources = new LinuxResources { Devices = [new LinuxDeviceCgroup { Access = "rwm" }] } },
        };
        string json = SpecWriter.ToJson(spec);
        Assert.Contains("\"allow\": false", json);
        Assert.DoesNotContain("\"major\"", json);     // null pointer in Go: omitted
    }

    [Fact]
    public void Writer_IndentsWithTabsLikeRunc()
    {
        string json = SpecWriter.ToJson(new RuntimeSpec { OciVersion = "1.3.0", Hostname = "h" });
        Assert.Equal("{\n\t\"ociVersion\": \"1.3.0\",\n\t\"hostname\": \"h\"\n}", json.Replace("\r\n", "\n"));
    }

    [Fact]
    public void Writer_DoesNotEscapeReadableCharacters()
    {
        string json = SpecWriter.ToJson(new RuntimeSpec { Process = new SpecProcess { Env = ["A=b+c", "LANG=fr_FR.UTF-8", "X=é"] } });
        Assert.Contains("\"A=b+c\"", json);
        Assert.Contains("\"X=é\"", json);
    }

    [Fact]
    public void Writer_UsesSpecFieldNames()
    {
        var spec = new RuntimeSpec
        {
            Process = new SpecProcess { ExecCpuAffinity = new LinuxCpuAffinity { Initial = "0" }, OomScoreAdj = 0 },
            Linux = new LinuxSpec
            {
                UidMappings = [new LinuxIdMapping { ContainerId = 1, HostId = 2, Size = 3 }],
                Resources = new LinuxResources
                {
                    Memory = new LinuxMemory { KernelTcp = 1, DisableOomKiller = true },
                    BlockIO = new LinuxBlockIO { ThrottleReadIOPSDevice = [new LinuxThrottleDevice()] },
                    Network = new LinuxNetwork { ClassId = 1 },
                },
                IntelRdt = new LinuxIntelRdt { ClosId = "c" },
            },
        };
        string json = SpecWriter.ToJson(spec);
        foreach (string name in new[] { "execCPUAffinity", "oomScoreAdj", "containerID", "hostID", "kernelTCP",
                     "disableOOMKiller", "throttleReadIOPSDevice", "classID", "closID", "blockIO" })
            Assert.Contains("\"" + name + "\"", json);
    }

    [Fact]
    public void Features_Serialize()
    {
        var features = new RuntimeFeatures
        {
            OciVersionMin = "1.0.0",
            OciVersionMax = SpecDefaults.OciVersion,
            MountOptions = [.. MountOptionNames.All],
            Linux = new LinuxFeatures
            {
                Namespaces = [.. LinuxNamespaceTypes.All],
                Cgroup = new CgroupFeatures { V2 = true },
                MountExtensions = new MountExtensionsFeatures { IdMap = new EnabledFeature { Enabled = true } },
            },
        };
        using var doc = JsonDocument.Parse(SpecWriter.ToJson(features));
        Assert.Equal("1.3.0", doc.RootElement.GetProperty("ociVersionMax").GetString());
        Assert.True(doc.RootElement.GetProperty("linux").GetProperty("mountExtensions").GetProperty("idmap").GetProperty("enabled").GetBoolean());
        Assert.Equal(8, doc.RootElement.GetProperty("linux").GetProperty("namespaces").GetArrayLength());
        Assert.False(doc.RootElement.GetProperty("linux").GetProperty("cgroup").TryGetProperty("v1", out _));
    }

    private static void AssertJsonEquivalent(JsonElement expected, JsonElement actual, string path)
    {
        Assert.True(expected.ValueKind == actual.ValueKind, $"{path}: {expected.ValueKind} became {actual.ValueKind}");
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty p in expected.EnumerateObject())
                {
                    // Go-style omitempty: false, 0 and [] may legitimately be dropped on write.
                    if (!actual.TryGetProperty(p.Name, out JsonElement a))
                    {
                        Assert.True(IsEmptyValue(p.Value), $"{path}.{p.Name} was lost");
                        continue;
                    }
                    AssertJsonEquivalent(p.Value, a, path + "." + p.Name);
                }
                break;
            case JsonValueKind.Array:
                Assert.Equal(expected.GetArrayLength(), actual.GetArrayLength());
                for (int i = 0; i < expected.GetArrayLength(); i++)
                    AssertJsonEquivalent(expected[i], actual[i], $"{path}[{i}]");
                break;
            case JsonValueKind.Number:
                Assert.Equal(expected.GetRawText(), actual.GetRawText());
                break;
            case JsonValueKind.String:
                Assert.Equal(expected.GetString(), actual.GetString());
                break;
        }
    }

    private static bool IsEmptyValue(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.False or JsonValueKind.Null => true,
        JsonValueKind.Number => e.GetRawText() == "0",
        _ => false,
    };
}
