using Csrun.Runtime.Linux;
using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Process;

/// <summary>
/// process.scheduler, process.ioPriority, linux.personality and linux.memoryPolicy as the
/// kernel takes them, converted once from a validated spec. Init applies them to itself before
/// it drops privileges (runc's order: a real-time policy or the RT I/O class needs root);
/// exec's raw child gets the same values copied into its plan.
/// </summary>
public sealed class ProcessAttributesPlan
{
    public const string SchedulerField = "process.scheduler", IOPriorityField = "process.ioPriority",
        PersonalityField = "linux.personality", MemoryPolicyField = "linux.memoryPolicy";

    /// <summary>What an EPERM from sched_setattr for SCHED_FIFO/SCHED_RR most likely means: a kernel
    /// with real-time group scheduling gives a new v1 cgroup no real-time time at all.</summary>
    public const string RealtimeHint =
        "(a real-time policy also needs linux.resources.cpu.realtimeRuntime where the kernel groups real-time time by cgroup)";

    public SchedAttr? Scheduler { get; private init; }
    public int? IOPriority { get; private init; }
    public uint? Personality { get; private init; }
    /// <summary>The MPOL_* mode with its MPOL_F_* flags or-ed in.</summary>
    public int? MemoryPolicyMode { get; private init; }
    /// <summary>The node mask; null when the mode takes no nodes.</summary>
    public ulong[]? MemoryPolicyNodes { get; private init; }

    public bool IsEmpty => Scheduler is null && IOPriority is null && Personality is null && MemoryPolicyMode is null;

    /// <summary>The spec must have passed <see cref="SpecValidator"/>: unknown names throw here.</summary>
    public static ProcessAttributesPlan From(SpecProcess? process, LinuxPersonality? personality, LinuxMemoryPolicy? memoryPolicy) => new()
    {
        Scheduler = process?.Scheduler is { } s ? ToSchedAttr(s) : null,
        IOPriority = process?.IOPriority is { } io ? IOPriorityNames.Value(IOPriorityNames.Classes[io.Class!], io.Priority) : null,
        Personality = personality is { } p ? PersonalityNames.Domains[p.Domain!] : null,
        MemoryPolicyMode = memoryPolicy is { } m ? ToMemoryPolicyMode(m) : null,
        MemoryPolicyNodes = memoryPolicy is { } n ? ToNodeMask(n) : null,
    };

    /// <summary>On the calling thread: the one that execs the container process.</summary>
    public void ApplyToCallingThread()
    {
        if (Scheduler is { } attr)
        {
            try { ProcessAttributes.SetScheduler(attr, SchedulerField); }
            catch (SyscallException e) when (e.Errno == Errno.EPERM && IsRealtime(attr))
            {
                throw new SyscallException(e.Syscall, $"{SchedulerField} {RealtimeHint}", e.Errno);
            }
        }
        if (IOPriority is int io) ProcessAttributes.SetIOPriority(io, IOPriorityField);
        if (Personality is uint persona) ProcessAttributes.SetPersonality(persona, PersonalityField);
        if (MemoryPolicyMode is int mode) ProcessAttributes.SetMemoryPolicy(mode, MemoryPolicyNodes, MemoryPolicyField);
    }

    public static bool IsRealtime(in SchedAttr attr) =>
        attr.Policy == SchedulerNames.Policies["SCHED_FIFO"] || attr.Policy == SchedulerNames.Policies["SCHED_RR"];

    private static SchedAttr ToSchedAttr(LinuxScheduler s)
    {
        ulong flags = 0;
        foreach (string flag in s.Flags ?? new()) flags |= SchedulerNames.Flags[flag];
        return new SchedAttr
        {
            Size = SchedAttr.SizeVer1,
            Policy = SchedulerNames.Policies[s.Policy!],
            Flags = flags,
            Nice = s.Nice,
            Priority = (uint)s.Priority,
            Runtime = s.Runtime,
            Deadline = s.Deadline,
            Period = s.Period,
        };
    }

    private static int ToMemoryPolicyMode(LinuxMemoryPolicy m)
    {
        int mode = MemoryPolicyNames.Modes[m.Mode!];
        foreach (string flag in m.Flags ?? new()) mode |= MemoryPolicyNames.Flags[flag];
        return mode;
    }

    private static ulong[]? ToNodeMask(LinuxMemoryPolicy m)
    {
        if (!CpuList.TryParse(m.Nodes, out List<int> nodes, out string? error))
            throw new ArgumentException($"{MemoryPolicyField}.nodes: {error}");
        return nodes.Count == 0 ? null : CpuList.ToMask(nodes);
    }
}
