using Csrun.Runtime.Rootfs;
using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Process;

/// <summary>
/// Settings csrun does not apply yet. A runtime that silently skipped a scheduling policy or a
/// memory policy would run the container with less protection or different behaviour than
/// its config says, so each one is refused with a line that names it, before anything changes.
/// </summary>
public static class UnsupportedFeatures
{
    public static void Check(RuntimeSpec spec)
    {
        var linux = spec.Linux;
        var process = spec.Process;
        if (linux?.IntelRdt is { EnableMonitoring: true }) Refuse("linux.intelRdt.enableMonitoring", "resctrl monitoring groups");
        if (linux?.MemoryPolicy is not null) Refuse("linux.memoryPolicy", "memory policies");
        if (linux?.Personality is not null) Refuse("linux.personality", "personality");
        if (process?.Scheduler is not null) Refuse("process.scheduler", "scheduler policies");
        if (process?.IOPriority is not null) Refuse("process.ioPriority", "I/O priorities");
        if (process?.ExecCpuAffinity is not null) Refuse("process.execCPUAffinity", "exec CPU affinity");
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
