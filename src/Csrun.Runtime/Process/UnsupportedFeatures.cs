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
        if (linux?.IntelRdt is { EnableMonitoring: true }) Refuse("linux.intelRdt.enableMonitoring", "resctrl monitoring groups");
        var mounts = spec.Mounts ?? new();
        for (int i = 0; i < mounts.Count; i++)
        {
            var options = MountOptions.Parse(mounts[i].Options, mounts[i].Type);
            if (options.TmpCopyUp && mounts[i].Type != "tmpfs") Refuse($"mounts[{i}].options", "tmpcopyup on mounts other than tmpfs");
        }
    }

    private static void Refuse(string path, string what) =>
        throw new NotSupportedException($"{path}: {what} are not supported by csrun yet; remove the setting to run without it");
}
