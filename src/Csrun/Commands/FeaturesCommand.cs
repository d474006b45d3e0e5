using Csrun.Cli;
using Csrun.Runtime.Process;
using Csrun.Runtime.Seccomp;
using Csrun.Runtime.Spec;

namespace Csrun.Commands;

/// <summary>`features`: what this csrun implements, in the runtime-spec features format. It
/// lists only what csrun applies: settings it refuses are reported as disabled.</summary>
public static class FeaturesCommand
{
    public static int Run(Invocation inv)
    {
        var features = new RuntimeFeatures
        {
            OciVersionMin = "1.0.0",
            OciVersionMax = SpecDefaults.OciVersion,
            Hooks = new() { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop" },
            MountOptions = MountOptionNames.All.ToList(),
            Linux = new LinuxFeatures
            {
                Namespaces = NamespacePlan.Flags.Keys.ToList(),
                Capabilities = LinuxCapabilityNames.All.ToList(),
                Cgroup = new CgroupFeatures { V1 = true, V2 = true, Systemd = false, SystemdUser = false, Rdma = true },
                Seccomp = new SeccompFeatures
                {
                    Enabled = true,
                    Actions = SeccompNames.Actions.ToList(),
                    Operators = SeccompNames.Operators.ToList(),
                    Archs = Enum.GetValues<SeccompArch>().Select(SeccompArchitectures.Name).ToList(),
                    KnownFlags = SeccompNames.Flags.ToList(),
                    SupportedFlags = SeccompNames.Flags.ToList(),
                },
                // Supported by this binary (runtime-spec features.md), whatever the host runs.
                Apparmor = new EnabledFeature { Enabled = true },
                Selinux = new EnabledFeature { Enabled = true },
                IntelRdt = new IntelRdtFeatures { Enabled = true, Schemata = true, Monitoring = false },
                MountExtensions = new MountExtensionsFeatures { IdMap = new EnabledFeature { Enabled = true } },
                NetDevices = new EnabledFeature { Enabled = true },
                MemoryPolicy = new MemoryPolicyFeatures { Modes = MemoryPolicyNames.SortedModes.ToList(), Flags = MemoryPolicyNames.SortedFlags.ToList() },
            },
        };
        Output.Out(SpecWriter.ToJson(features) + "\n");
        return 0;
    }
}
