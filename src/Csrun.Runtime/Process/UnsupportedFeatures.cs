using Csrun.Runtime.Rootfs;
using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Process;

/// <summary>
/// Settings csrun does not apply yet. A runtime that silently skipped Intel RDT or an idmapped
/// mount would run the container with less isolation or different behaviour than its config
/// says, so each one is refused with a line that names it, before anything changes.
/// </summary>
public static class UnsupportedFeatures
{
    public static void Check(RuntimeSpec spec)
    {
        var linux = spec.Linux;
        if (linux?.IntelRdt is not null) Refuse("linux.intelRdt", "Intel RDT");
        if (linux?.NetDevices is { Count: > 0 }) Refuse("linux.netDevices", "moving network devices");
        var mounts = spec.Mounts ?? new();
        for (int i = 0; i < mounts.Count; i++)
        {
            var options = MountOptions.Parse(mounts[i].Options, mounts[i].Type);
            if (options.IdMap || mounts[i].UidMappings is { Count: > 0 }) Refuse($"mounts[{i}]", "idmapped mounts");
            if (options.TmpCopyUp && mounts[i].Type != "tmpfs") Refuse($"mounts[{i}].options", "tmpcopyup on mounts other than tmpfs");
            foreach (var option in mounts[i].Options ?? new())
                if (MountOptionNames.RecursiveAttributes.Contains(option))
                    Refuse($"mounts[{i}].options", $"recursive mount attributes (\"{option}\")");
        }
    }

    private static void Refuse(string path, string what) =>
        throw new NotSupportedException($"{path}: {what} are not supported by csrun yet; remove the setting to run without it");
}
