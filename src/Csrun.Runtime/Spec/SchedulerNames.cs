namespace Csrun.Runtime.Spec;

/// <summary>process.scheduler's vocabulary and the numbers sched_setattr(2) takes for it
/// (include/uapi/linux/sched.h).</summary>
public static class SchedulerNames
{
    /// <summary>Policy numbers. SCHED_ISO is in the spec but reserved by the kernel (4): runc
    /// passes it on and the kernel answers EINVAL, which csrun reports with the field.</summary>
    public static readonly IReadOnlyDictionary<string, uint> Policies = new Dictionary<string, uint>(StringComparer.Ordinal)
    {
        ["SCHED_OTHER"] = 0, ["SCHED_FIFO"] = 1, ["SCHED_RR"] = 2, ["SCHED_BATCH"] = 3,
        ["SCHED_ISO"] = 4, ["SCHED_IDLE"] = 5, ["SCHED_DEADLINE"] = 6,
    };

    /// <summary>sched_attr.sched_flags bits.</summary>
    public static readonly IReadOnlyDictionary<string, ulong> Flags = new Dictionary<string, ulong>(StringComparer.Ordinal)
    {
        ["SCHED_FLAG_RESET_ON_FORK"] = 0x01, ["SCHED_FLAG_RECLAIM"] = 0x02, ["SCHED_FLAG_DL_OVERRUN"] = 0x04,
        ["SCHED_FLAG_KEEP_POLICY"] = 0x08, ["SCHED_FLAG_KEEP_PARAMS"] = 0x10,
        ["SCHED_FLAG_UTIL_CLAMP_MIN"] = 0x20, ["SCHED_FLAG_UTIL_CLAMP_MAX"] = 0x40,
    };

    public static bool IsRealtime(string policy) => policy is "SCHED_FIFO" or "SCHED_RR";
}
