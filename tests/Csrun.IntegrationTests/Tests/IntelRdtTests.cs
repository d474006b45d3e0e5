using System.Text.Json.Nodes;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>
/// linux.intelRdt. Only the refusal is tested: no host here has a resctrl filesystem (the
/// group, schemata and tasks path needs Intel RDT hardware). csrun-only: runc 1.1.5 skips an
/// intelRdt without schemata silently and words the refusals differently.
/// </summary>
[Trait("Category", "IntelRdt")]
public sealed class IntelRdtTests(ITestOutputHelper output)
{
    private static bool HostHasResctrl() =>
        File.ReadAllLines("/proc/self/mountinfo").Any(l => l.Split(" - ") is [_, var rest] && rest.StartsWith("resctrl ", StringComparison.Ordinal));

    [Theory]
    [Trait("Runtime", "csrun-only")]
    [InlineData("closID", "clos1", "intelRdt is specified in config, but Intel RDT is not enabled")]
    [InlineData("schemata", null, "intelRdt is specified in config, but Intel RDT is not enabled")]
    [InlineData("l3CacheSchema", "L3:0=f", "intelRdt.l3CacheSchema is specified in config, but Intel RDT/CAT is not enabled")]
    [InlineData("memBwSchema", "MB:0=50", "intelRdt.memBwSchema is specified in config, but Intel RDT/MBA is not enabled")]
    public void IntelRdt_Without_Resctrl_Is_Refused_And_Leaves_Nothing(string field, string? value, string message)
    {
        if (HostHasResctrl())
        {
            output.WriteLine("this host has resctrl mounted: the refusal cannot be tested here");
            return;
        }
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        b.Linux["intelRdt"] = new JsonObject { [field] = value is null ? new JsonArray("L3:0=f") : JsonValue.Create(value) };
        b.Save();
        string id = sb.NewId();
        RuntimeResult r = ErrorAssert.CleanError(sb, ["create", "--bundle", b.Dir, id], message);
        Assert.DoesNotContain("not supported by csrun yet", r.Stderr);
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }
}
