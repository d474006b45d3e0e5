namespace Csrun.Runtime.Spec;

public static partial class SpecValidator
{
    private static void CheckProcess(SpecProcess process, string path, List<string> warnings)
    {
        if (process.User is null)
            throw Missing(SpecPath.Field(path, "user"));

        CheckArgs(process.Args, SpecPath.Field(path, "args"));

        // The spec makes cwd REQUIRED, but runc tolerates its absence (no chdir); only a
        // relative value is ambiguous enough to refuse.
        if (!string.IsNullOrEmpty(process.Cwd) && !IsAbsolute(process.Cwd))
            throw NotAbsolute(SpecPath.Field(path, "cwd"), process.Cwd);
        if (HasNul(process.Cwd))
            throw Fail(SpecPath.Field(path, "cwd"), "contains a NUL byte");

        CheckEnv(process.Env, SpecPath.Field(path, "env"));
        CheckRlimits(process.Rlimits, SpecPath.Field(path, "rlimits"));
        CheckCapabilities(process.Capabilities, SpecPath.Field(path, "capabilities"));

        // The kernel refuses anything outside this range with EINVAL once the container runs.
        if (process.OomScoreAdj is int adj && (adj < -1000 || adj > 1000))
            throw Fail(SpecPath.Field(path, "oomScoreAdj"), $"must be between -1000 and 1000, got {adj}");

        CheckScheduler(process.Scheduler, SpecPath.Field(path, "scheduler"));
        CheckIOPriority(process.IOPriority, SpecPath.Field(path, "ioPriority"));
        CheckCpuAffinity(process.ExecCpuAffinity, SpecPath.Field(path, "execCPUAffinity"));
    }

    private static void CheckArgs(List<string>? args, string path)
    {
        if (args is null || args.Count == 0)
            throw Fail(path, "must contain at least one entry (the program to run)");
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] is null)
                throw Fail(SpecPath.Index(path, i), "expected a string, got null");
            if (HasNul(args[i]))
                throw Fail(SpecPath.Index(path, i), "contains a NUL byte");
        }
        if (args[0].Length == 0)
            throw Fail(SpecPath.Index(path, 0), "must not be empty (it names the program to run)");
    }

    /// <summary>Environment entries must be KEY=VALUE with a non-empty key (runc's prepareEnv).</summary>
    internal static void CheckEnv(List<string>? env, string path)
    {
        if (env is null)
            return;
        for (int i = 0; i < env.Count; i++)
        {
            string entryPath = SpecPath.Index(path, i);
            string? entry = env[i];
            if (entry is null)
                throw Fail(entryPath, "expected a string, got null");
            int eq = entry.IndexOf('=');
            if (eq < 0)
                throw Fail(entryPath, $"{SpecPath.Quote(entry)} is not of the form KEY=VALUE");
            if (eq == 0)
                throw Fail(entryPath, $"{SpecPath.Quote(entry)} has an empty variable name");
            if (HasNul(entry))
                throw Fail(entryPath, "contains a NUL byte");
        }
    }

    private static void CheckRlimits(List<PosixRlimit>? rlimits, string path)
    {
        if (rlimits is null)
            return;
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < rlimits.Count; i++)
        {
            string entryPath = SpecPath.Index(path, i);
            PosixRlimit? rlimit = rlimits[i];
            if (rlimit is null)
                throw NullEntry(entryPath);
            string typePath = SpecPath.Field(entryPath, "type");
            if (string.IsNullOrEmpty(rlimit.Type))
                throw Missing(typePath);
            if (!LinuxRlimitNames.TryGetResource(rlimit.Type, out _))
                throw Fail(typePath, $"unknown rlimit {SpecPath.Quote(rlimit.Type)}");
            if (seen.TryGetValue(rlimit.Type, out int first))
                throw Fail(typePath, $"duplicate rlimit {SpecPath.Quote(rlimit.Type)}, already set by {SpecPath.Index(path, first)}");
            seen.Add(rlimit.Type, i);
            if (rlimit.Soft > rlimit.Hard)
                throw Fail(SpecPath.Field(entryPath, "soft"), $"soft limit {rlimit.Soft} is greater than hard limit {rlimit.Hard}");
        }
    }

    private static void CheckCapabilities(LinuxCapabilities? caps, string path)
    {
        if (caps is null)
            return;
        CheckCapabilitySet(caps.Bounding, SpecPath.Field(path, "bounding"));
        CheckCapabilitySet(caps.Effective, SpecPath.Field(path, "effective"));
        CheckCapabilitySet(caps.Inheritable, SpecPath.Field(path, "inheritable"));
        CheckCapabilitySet(caps.Permitted, SpecPath.Field(path, "permitted"));
        CheckCapabilitySet(caps.Ambient, SpecPath.Field(path, "ambient"));
    }

    // An unknown name is refused rather than skipped: it is almost always a typo, and the
    // OCI conformance suite (runtime-tools) expects create to fail on one.
    private static void CheckCapabilitySet(List<string>? names, string path)
    {
        if (names is null)
            return;
        for (int i = 0; i < names.Count; i++)
        {
            if (names[i] is null)
                throw Fail(SpecPath.Index(path, i), "expected a string, got null");
            if (!LinuxCapabilityNames.TryGetNumber(names[i], out _))
                throw Fail(SpecPath.Index(path, i), $"unknown capability {SpecPath.Quote(names[i])}");
        }
    }

    // Mirrors runc's scheduler check, which follows sched_setattr(2).
    private static void CheckScheduler(LinuxScheduler? scheduler, string path)
    {
        if (scheduler is null)
            return;
        string policyPath = SpecPath.Field(path, "policy");
        if (string.IsNullOrEmpty(scheduler.Policy))
            throw Missing(policyPath);
        if (!SchedulerNames.Policies.ContainsKey(scheduler.Policy))
            throw Fail(policyPath, $"unknown policy {SpecPath.Quote(scheduler.Policy)}, expected one of {string.Join(", ", SchedulerNames.Policies.Keys)}");

        if (scheduler.Flags is { } flags)
            for (int i = 0; i < flags.Count; i++)
                if (flags[i] is null || !SchedulerNames.Flags.ContainsKey(flags[i]))
                    throw Fail(SpecPath.Index(SpecPath.Field(path, "flags"), i), $"unknown scheduler flag {SpecPath.Quote(flags[i])}");

        bool isOtherOrBatch = scheduler.Policy is "SCHED_OTHER" or "SCHED_BATCH";
        if (isOtherOrBatch && (scheduler.Nice < -20 || scheduler.Nice > 19))
            throw Fail(SpecPath.Field(path, "nice"), $"must be between -20 and 19 for {scheduler.Policy}, got {scheduler.Nice}");
        if (scheduler.Priority != 0 && !SchedulerNames.IsRealtime(scheduler.Policy))
            throw Fail(SpecPath.Field(path, "priority"), $"can only be set for SCHED_FIFO or SCHED_RR, not {scheduler.Policy}");
        if (scheduler.Policy != "SCHED_DEADLINE" && (scheduler.Runtime != 0 || scheduler.Deadline != 0 || scheduler.Period != 0))
            throw Fail(path, $"runtime, deadline and period can only be set for SCHED_DEADLINE, not {scheduler.Policy}");
        // Beyond runc: the kernel refuses these with a bare EINVAL (sched(7)); saying which
        // field is wrong before anything is created is kinder.
        if (SchedulerNames.IsRealtime(scheduler.Policy) && (scheduler.Priority < 1 || scheduler.Priority > 99))
            throw Fail(SpecPath.Field(path, "priority"), $"must be between 1 and 99 for {scheduler.Policy}, got {scheduler.Priority}");
        if (scheduler.Policy == "SCHED_DEADLINE")
        {
            if (scheduler.Deadline == 0)
                throw Fail(SpecPath.Field(path, "deadline"), "SCHED_DEADLINE needs a deadline greater than 0");
            if (scheduler.Runtime > scheduler.Deadline)
                throw Fail(SpecPath.Field(path, "runtime"), $"must not exceed deadline ({scheduler.Runtime} > {scheduler.Deadline})");
            if (scheduler.Period != 0 && scheduler.Deadline > scheduler.Period)
                throw Fail(SpecPath.Field(path, "deadline"), $"must not exceed period ({scheduler.Deadline} > {scheduler.Period})");
        }
    }

    private static void CheckIOPriority(LinuxIOPriority? ioPriority, string path)
    {
        if (ioPriority is null)
            return;
        string classPath = SpecPath.Field(path, "class");
        if (string.IsNullOrEmpty(ioPriority.Class))
            throw Missing(classPath);
        if (!IOPriorityNames.Classes.ContainsKey(ioPriority.Class))
            throw Fail(classPath, $"unknown class {SpecPath.Quote(ioPriority.Class)}, expected one of {string.Join(", ", IOPriorityNames.Classes.Keys)}");
        if (ioPriority.Priority < 0 || ioPriority.Priority > IOPriorityNames.MaxLevel)
            throw Fail(SpecPath.Field(path, "priority"), $"must be between 0 and {IOPriorityNames.MaxLevel}, got {ioPriority.Priority}");
    }

    private static void CheckCpuAffinity(LinuxCpuAffinity? affinity, string path)
    {
        if (affinity is null)
            return;
        if (!CpuList.TryParse(affinity.Initial, out _, out string? error))
            throw Fail(SpecPath.Field(path, "initial"), error!);
        if (!CpuList.TryParse(affinity.Final, out _, out error))
            throw Fail(SpecPath.Field(path, "final"), error!);
    }
}
