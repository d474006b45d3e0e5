using Csrun.Runtime.Linux;
using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Process;

/// <summary>
/// process.execCPUAffinity for `exec` (the spec: "not applicable to the container's init
/// process"), with runc's semantics: <c>initial</c> is the affinity of the csrun thread that
/// clones, so the joining process has it before it is in the container's cgroup; <c>final</c>
/// is set by the process itself right before execve. Without final the kernel's answer after
/// the cgroup move stays; with no execCPUAffinity at all the mask is reset to every CPU, so the
/// process does not inherit the affinity of whoever ran csrun.
/// </summary>
public sealed class ExecCpuAffinityPlan
{
    public const string InitialField = "process.execCPUAffinity.initial", FinalField = "process.execCPUAffinity.final";

    /// <summary>Null: leave csrun's own affinity to the child.</summary>
    public ulong[]? Initial { get; private init; }

    /// <summary>What the process sets right before execve: the final list, every CPU (reset), or
    /// null for no change.</summary>
    public ulong[]? BeforeExec { get; private init; }

    /// <summary><see cref="BeforeExec"/> is the reset to every CPU, not a configured list.</summary>
    public bool ResetsBeforeExec { get; private init; }

    public static ExecCpuAffinityPlan From(LinuxCpuAffinity? affinity)
    {
        ulong[]? initial = Mask(affinity?.Initial, InitialField);
        ulong[]? final = Mask(affinity?.Final, FinalField);
        bool reset = final is null && initial is null;
        return new ExecCpuAffinityPlan
        {
            Initial = initial,
            BeforeExec = reset ? ProcessAttributes.AllCpus() : final,
            ResetsBeforeExec = reset,
        };
    }

    /// <summary>The list as a mask of <see cref="ProcessAttributes.CpuMaskWords"/> words (the
    /// kernel wants at least its number of possible CPUs); null for an empty list.</summary>
    private static ulong[]? Mask(string? list, string field)
    {
        if (!CpuList.TryParse(list, out List<int> cpus, out string? error))
            throw new ArgumentException($"{field}: {error}");
        if (cpus.Count == 0) return null;
        ulong[] mask = CpuList.ToMask(cpus);
        if (mask.Length < ProcessAttributes.CpuMaskWords) Array.Resize(ref mask, ProcessAttributes.CpuMaskWords);
        return mask;
    }
}
