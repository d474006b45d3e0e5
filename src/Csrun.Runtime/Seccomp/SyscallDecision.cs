namespace Csrun.Runtime.Seccomp;

/// <summary>
/// Everything the profile says about one syscall number on one architecture. As in libseccomp,
/// an unconditional rule subsumes conditional ones, and the first unconditional rule wins;
/// conditional rules are tried in profile order. The default value is "no rule": the default
/// action. A struct, so a profile's few hundred numbers cost no allocation each.
/// </summary>
internal struct SyscallDecision
{
    public bool IsUnconditional { get; private set; }

    /// <summary>The verdict when <see cref="IsUnconditional"/>.</summary>
    public uint Return { get; private set; }

    /// <summary>The conditional rules in profile order; null once a rule decides unconditionally.</summary>
    public List<FilterRule>? Conditional { get; private set; }

    /// <summary>No rule names this number.</summary>
    public readonly bool IsDefault => !IsUnconditional && Conditional is null;

    public void Add(FilterRule rule)
    {
        if (IsUnconditional)
            return;
        if (rule.IsUnconditional)
        {
            IsUnconditional = true;
            Return = rule.Return;
            Conditional = null;
            return;
        }
        (Conditional ??= new List<FilterRule>(2)).Add(rule);
    }

    /// <summary>Whether two numbers can share one leaf of the dispatch: both default, the same verdict, or the same rules.</summary>
    public readonly bool SameAs(in SyscallDecision other)
    {
        if (IsDefault || other.IsDefault)
            return IsDefault && other.IsDefault;
        if (IsUnconditional || other.IsUnconditional)
            return IsUnconditional && other.IsUnconditional && Return == other.Return;
        List<FilterRule> mine = Conditional!, theirs = other.Conditional!;
        if (mine.Count != theirs.Count)
            return false;
        for (int i = 0; i < mine.Count; i++)
            if (!ReferenceEquals(mine[i], theirs[i]))
                return false;
        return true;
    }
}
