namespace Csrun.Runtime.Spec;

/// <summary>process.ioPriority's classes and the value ioprio_set(2) takes
/// (include/uapi/linux/ioprio.h).</summary>
public static class IOPriorityNames
{
    public static readonly IReadOnlyDictionary<string, int> Classes = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["IOPRIO_CLASS_RT"] = 1, ["IOPRIO_CLASS_BE"] = 2, ["IOPRIO_CLASS_IDLE"] = 3,
    };

    public const int MaxLevel = 7;

    /// <summary>IOPRIO_PRIO_VALUE: the class in the bits above 13, the level below.</summary>
    public static int Value(int ioClass, int level) => (ioClass << 13) | level;
}
