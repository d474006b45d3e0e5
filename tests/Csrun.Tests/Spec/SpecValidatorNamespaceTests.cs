using Xunit;
using Csrun.Runtime.Spec;

namespace Csrun.Tests.Spec;

public sealed class SpecValidatorNamespaceTests : ValidatorTestBase
{
    [Fact]
    public void Namespaces_AllKnownTypesAccepted()
    {
        RuntimeSpec spec = ValidWithUserNs();
        spec.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "cgroup" });
        spec.Linux.Namespaces.Add(new LinuxNamespace { Type = "time" });
        AssertValid(spec);
        Assert.Equal(8, spec.Linux.Namespaces.Count);
    }

    [Fact]
    public void Namespaces_UnknownTypeRejected()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.Namespaces![2].Type = "foo";
        var ex = AssertInvalid(spec, "linux.namespaces[2].type");
        Assert.StartsWith("linux.namespaces[2].type: unknown namespace \"foo\"", ex.Message);
    }

    [Fact]
    public void Namespaces_TypeRequired()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.Namespaces!.Add(new LinuxNamespace { Path = "/proc/1/ns/net" });
        AssertInvalid(spec, "linux.namespaces[5].type", "required");
    }

    [Fact]
    public void Namespaces_NoDuplicates()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "pid", Path = "/proc/1/ns/pid" });
        AssertInvalid(spec, "linux.namespaces[5].type", "duplicate namespace \"pid\", already listed at linux.namespaces[0]");
    }

    [Fact]
    public void Namespaces_PathMustBeAbsolute()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.Namespaces![1].Path = "/var/run/netns/blue";
        AssertValid(spec);
        spec.Linux.Namespaces[1].Path = "var/run/netns/blue";
        AssertInvalid(spec, "linux.namespaces[1].path", "must be an absolute path");
    }

    [Fact]
    public void UserNamespace_NewNeedsUidMappings()
    {
        RuntimeSpec spec = ValidWithUserNs();
        AssertValid(spec);
        spec.Linux!.UidMappings = [];
        AssertInvalid(spec, "linux.uidMappings", "at least one uid mapping");
    }

    [Fact]
    public void UserNamespace_NewNeedsGidMappings()
    {
        RuntimeSpec spec = ValidWithUserNs();
        spec.Linux!.GidMappings = null;
        AssertInvalid(spec, "linux.gidMappings", "at least one gid mapping");
    }

    [Fact]
    public void UserNamespace_JoinedNeedsNoMappings()
    {
        RuntimeSpec spec = ValidWithUserNs();
        spec.Linux!.UidMappings = null;
        spec.Linux.GidMappings = null;
        spec.Linux.Namespaces!.Single(n => n.Type == "user").Path = "/proc/1/ns/user";
        AssertValid(spec);
    }

    [Fact]
    public void Mappings_WithoutUserNamespace_Rejected()
    {
        RuntimeSpec spec = Valid();
        AssertValid(spec);
        spec.Linux!.GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 1000, Size = 1 }];
        AssertInvalid(spec, "linux.gidMappings", "no user namespace");
        spec.Linux.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 1000, Size = 1 }];
        AssertInvalid(spec, "linux.uidMappings", "no user namespace");
    }

    [Fact]
    public void Mappings_SizeMustBePositive()
    {
        RuntimeSpec spec = ValidWithUserNs();
        spec.Linux!.UidMappings!.Add(new LinuxIdMapping { ContainerId = 70000, HostId = 300000, Size = 1 });
        AssertValid(spec);
        spec.Linux.UidMappings[1].Size = 0;
        AssertInvalid(spec, "linux.uidMappings[1].size", "must be greater than 0");
    }

    [Fact]
    public void Mappings_MustNotWrapPastMaxId()
    {
        RuntimeSpec spec = ValidWithUserNs();
        spec.Linux!.GidMappings![0].HostId = uint.MaxValue - 65535;
        AssertValid(spec);
        spec.Linux.GidMappings[0].HostId = uint.MaxValue - 10;
        AssertInvalid(spec, "linux.gidMappings[0]", "past the largest id");
    }

    [Fact]
    public void Mappings_MustNotOverlap()
    {
        RuntimeSpec spec = ValidWithUserNs();
        spec.Linux!.UidMappings!.Add(new LinuxIdMapping { ContainerId = 65536, HostId = 200000, Size = 10 });
        AssertValid(spec);
        spec.Linux.UidMappings[1].ContainerId = 65535;
        AssertInvalid(spec, "linux.uidMappings[1]", "container id range overlaps linux.uidMappings[0]");
        spec.Linux.UidMappings[1].ContainerId = 65536;
        spec.Linux.UidMappings[1].HostId = 100005;
        AssertInvalid(spec, "linux.uidMappings[1]", "host id range overlaps");
    }

    [Fact]
    public void TimeOffsets_NeedTimeNamespace()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.TimeOffsets = new() { ["monotonic"] = new LinuxTimeOffset { Secs = 10 } };
        AssertInvalid(spec, "linux.timeOffsets", "no time namespace");
        spec.Linux.Namespaces!.Add(new LinuxNamespace { Type = "time" });
        AssertValid(spec);
    }

    [Fact]
    public void TimeOffsets_NotWithJoinedTimeNamespace()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "time", Path = "/proc/1/ns/time" });
        AssertValid(spec);
        spec.Linux.TimeOffsets = new() { ["boottime"] = new LinuxTimeOffset { Secs = 10 } };
        AssertInvalid(spec, "linux.timeOffsets", "joining an existing time namespace");
    }

    [Fact]
    public void TimeOffsets_OnlyMonotonicAndBoottime()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "time" });
        spec.Linux.TimeOffsets = new()
        {
            ["monotonic"] = new LinuxTimeOffset { Secs = -5 },
            ["boottime"] = new LinuxTimeOffset { Nanosecs = 999_999_999 },
        };
        AssertValid(spec);
        spec.Linux.TimeOffsets["realtime"] = new LinuxTimeOffset { Secs = 1 };
        AssertInvalid(spec, "linux.timeOffsets[\"realtime\"]", "unknown clock \"realtime\"");
    }

    [Fact]
    public void TimeOffsets_NanosecsBelowOneSecond()
    {
        RuntimeSpec spec = Valid();
        spec.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "time" });
        spec.Linux.TimeOffsets = new() { ["monotonic"] = new LinuxTimeOffset { Nanosecs = 1_000_000_000 } };
        AssertInvalid(spec, "linux.timeOffsets[\"monotonic\"].nanosecs", "less than 1000000000");
    }

    [Fact]
    public void Rootless_NeedsUserNamespace()
    {
        RuntimeSpec spec = ValidWithUserNs();
        AssertValid(spec, rootless: true);
        RemoveNamespace(spec, "user");
        spec.Linux!.UidMappings = null;
        spec.Linux.GidMappings = null;
        AssertInvalid(spec, "linux.namespaces", "rootless container needs a user namespace", rootless: true);
        AssertValid(spec, rootless: false);
    }
}
