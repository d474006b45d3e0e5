using Xunit;
using Csrun.Runtime.Spec;

namespace Csrun.Tests.Spec;

/// <summary>Each rule test starts from runc's default spec, proves a good variant passes, then a bad one fails.</summary>
public abstract class ValidatorTestBase : IDisposable
{
    protected readonly SpecTestBundle Bundle = new();

    public void Dispose() => Bundle.Dispose();

    protected static RuntimeSpec Valid() => SpecTestBundle.ValidSpec();

    /// <summary>runc's default spec plus a user namespace with a 65536-id mapping.</summary>
    protected static RuntimeSpec ValidWithUserNs()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "user" });
        spec.Linux.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }];
        spec.Linux.GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }];
        return spec;
    }

    protected void AssertValid(RuntimeSpec spec, bool rootless = false) =>
        Assert.Empty(Bundle.Validate(spec, rootless));

    protected SpecException AssertInvalid(RuntimeSpec spec, string jsonPath, string? contains = null, bool rootless = false) =>
        Bundle.AssertInvalid(spec, jsonPath, contains, rootless);

    protected static void RemoveNamespace(RuntimeSpec spec, string type) =>
        spec.Linux!.Namespaces!.RemoveAll(n => n.Type == type);
}
