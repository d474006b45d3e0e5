using Xunit;
using Csrun.Runtime.Spec;

namespace Csrun.Tests.Spec;

public sealed class SpecValidatorMountTests : ValidatorTestBase
{
    private static SpecMount Bind(string destination = "/data", string source = "/srv/data") =>
        new() { Destination = destination, Source = source, Type = "none", Options = ["rbind", "ro", "nosuid", "rprivate"] };

    [Fact]
    public void Destination_Required()
    {
        RuntimeSpec spec = Valid();
        spec.Mounts!.Add(new SpecMount { Type = "tmpfs", Source = "tmpfs" });
        AssertInvalid(spec, "mounts[7].destination", "required field is missing");
    }

    [Fact]
    public void Destination_RelativeIsAWarningNotAnError()
    {
        // The spec allows relative destinations on Linux (deprecated, taken from "/"); runc warns.
        RuntimeSpec spec = Valid();
        spec.Mounts!.Add(new SpecMount { Destination = "tmp", Type = "tmpfs", Source = "tmpfs" });
        IReadOnlyList<string> warnings = Bundle.Validate(spec);
        string warning = Assert.Single(warnings);
        Assert.StartsWith("mounts[7].destination: \"tmp\" is relative", warning);
        spec.Mounts[7].Destination = "/tmp";
        AssertValid(spec);
    }

    [Fact]
    public void Fields_MustNotContainNul()
    {
        RuntimeSpec spec = Valid();
        spec.Mounts![0].Destination = "/pr\0c";
        AssertInvalid(spec, "mounts[0].destination", "NUL");
        spec.Mounts[0].Destination = "/proc";
        spec.Mounts[0].Source = "pr\0c";
        AssertInvalid(spec, "mounts[0].source", "NUL");
    }

    [Fact]
    public void NonBindMount_NeedsType()
    {
        RuntimeSpec spec = Valid();
        spec.Mounts!.Add(new SpecMount { Destination = "/run", Source = "tmpfs", Type = "tmpfs", Options = ["size=1m"] });
        AssertValid(spec);
        spec.Mounts[7].Type = null;
        AssertInvalid(spec, "mounts[7].type", "required for a mount that is not a bind mount");
    }

    [Fact]
    public void RemountOrPropagationOnly_NeedsNoType()
    {
        RuntimeSpec spec = Valid();
        spec.Mounts!.Add(new SpecMount { Destination = "/dev", Options = ["remount", "ro"] });
        spec.Mounts.Add(new SpecMount { Destination = "/sys", Options = ["rslave"] });
        AssertValid(spec);
    }

    [Fact]
    public void BindMount_TypeOptional_SourceRequired()
    {
        RuntimeSpec spec = Valid();
        SpecMount bind = Bind();
        bind.Type = null;
        spec.Mounts!.Add(bind);
        AssertValid(spec);
        bind.Source = "relative/to/bundle";
        AssertValid(spec);
        bind.Source = null;
        AssertInvalid(spec, "mounts[7].source", "required for a bind mount");
    }

    [Fact]
    public void BindMount_WarnsAboutFilesystemOptions()
    {
        RuntimeSpec spec = Valid();
        SpecMount bind = Bind();
        bind.Options!.AddRange(["nosymfollow", "rro", "tmpcopyup"]);
        spec.Mounts!.Add(bind);
        AssertValid(spec);
        bind.Options.Add("mode=755");
        // runc ignores filesystem data on a bind mount; csrun does too, with a warning.
        var warnings = Bundle.Validate(spec, false);
        Assert.Contains(warnings, w => w.Contains("mounts[7].options[7]") && w.Contains("\"mode=755\" is a filesystem option"));
    }

    [Fact]
    public void NonBindMount_AllowsFilesystemOptions()
    {
        RuntimeSpec spec = Valid();
        spec.Mounts!.Add(new SpecMount { Destination = "/x", Type = "tmpfs", Source = "tmpfs", Options = ["mode=700", "uid=0", "whatever"] });
        AssertValid(spec);
    }

    [Fact]
    public void IdMappedMount_NeedsBothMaps()
    {
        RuntimeSpec spec = Valid();
        SpecMount bind = Bind();
        bind.Options!.Add("idmap");
        bind.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 1000, Size = 1 }];
        bind.GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 1000, Size = 1 }];
        spec.Mounts!.Add(bind);
        AssertValid(spec);
        // Mappings need the option that says whether they reach submounts.
        bind.Options.Remove("idmap");
        AssertInvalid(spec, "mounts[7].uidMappings", "without the \"idmap\" or \"ridmap\" option");
        bind.Options.Add("ridmap");
        AssertValid(spec);
        bind.GidMappings = null;
        AssertInvalid(spec, "mounts[7].gidMappings", "both maps must be set");
        bind.GidMappings = bind.UidMappings;
        bind.UidMappings = [];
        AssertInvalid(spec, "mounts[7].uidMappings", "both maps must be set");
    }

    [Fact]
    public void IdMappedMount_MappingSizePositive()
    {
        RuntimeSpec spec = Valid();
        SpecMount bind = Bind();
        bind.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 1000, Size = 0 }];
        bind.GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 1000, Size = 1 }];
        spec.Mounts!.Add(bind);
        AssertInvalid(spec, "mounts[7].uidMappings[0].size", "greater than 0");
    }

    [Fact]
    public void IdMappedMount_OnlyForBindMounts()
    {
        RuntimeSpec spec = Valid();
        var mount = new SpecMount
        {
            Destination = "/x", Type = "tmpfs", Source = "tmpfs", Options = ["idmap"],
            UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 1, Size = 1 }],
            GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 1, Size = 1 }],
        };
        spec.Mounts!.Add(mount);
        AssertInvalid(spec, "mounts[7].options", "only supported for bind mounts");
        mount.Options = ["bind", "idmap"];
        AssertValid(spec);
    }

    [Fact]
    public void IdmapOption_WithoutMaps_NeedsUserNamespace()
    {
        RuntimeSpec spec = Valid();
        SpecMount bind = Bind();
        bind.Options!.Add("ridmap");
        spec.Mounts!.Add(bind);
        AssertInvalid(spec, "mounts[7].options", "or a user namespace to take them from");

        RuntimeSpec withUserNs = ValidWithUserNs();
        withUserNs.Mounts!.Add(bind);
        AssertValid(withUserNs);
    }

    [Fact]
    public void IdMappedMount_RefusedForRootless()
    {
        RuntimeSpec spec = ValidWithUserNs();
        SpecMount bind = Bind();
        bind.Options!.Add("idmap");
        spec.Mounts!.Add(bind);
        AssertValid(spec);
        AssertInvalid(spec, "mounts[7]", "not supported for rootless", rootless: true);
    }

    [Fact]
    public void Rootless_MountIdOptionsMustBeMapped()
    {
        RuntimeSpec spec = SpecDefaults.Create(rootless: true, 1000, 1000, cgroupNamespace: false);
        AssertValid(spec, rootless: true);
        spec.Mounts!.Add(new SpecMount { Destination = "/x", Type = "tmpfs", Source = "tmpfs", Options = ["uid=0", "gid=0", "mode=700"] });
        AssertValid(spec, rootless: true);
        spec.Mounts[7].Options!.Add("gid=5");
        AssertInvalid(spec, "mounts[7].options[3]", "gid=5 names an id that linux.gidMappings does not map", rootless: true);
        AssertValid(SpecDefaults.Create(rootless: false, 0, 0, false));
    }

    [Fact]
    public void Mount_NullOptionEntry_Rejected()
    {
        RuntimeSpec spec = Valid();
        spec.Mounts![1].Options!.Add(null!);
        AssertInvalid(spec, "mounts[1].options[4]", "expected a string");
    }
}
