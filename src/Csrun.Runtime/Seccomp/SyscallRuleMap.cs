namespace Csrun.Runtime.Seccomp;

/// <summary>
/// The profile's rules for one architecture, by syscall number as the filter sees it (x32
/// numbers carry <see cref="SeccompArchitectures.X32SyscallBit"/>).
/// </summary>
internal sealed class SyscallRuleMap(SeccompArch arch)
{
    private readonly Dictionary<uint, SyscallDecision> _decisions = new();

    public SeccompArch Arch { get; } = arch;

    /// <summary>Whether any of the profile's names exists on this architecture, rules skipped or not.</summary>
    public bool HasNumbers { get; private set; }

    /// <summary>The largest such number: runc's ENOSYS stub answers for everything above it.</summary>
    public uint MaxNumber { get; private set; }

    /// <summary>The number seccomp_data.nr holds for the table's <paramref name="number"/>.</summary>
    public uint FilterNumber(int number) =>
        Arch == SeccompArch.X32 ? (uint)number | SeccompArchitectures.X32SyscallBit : (uint)number;

    /// <summary>Counts a profile name toward the ENOSYS stub's bound, even when its rule is skipped.</summary>
    public void Note(uint nr)
    {
        if (!HasNumbers || nr > MaxNumber)
            MaxNumber = nr;
        HasNumbers = true;
    }

    public void Add(uint nr, FilterRule rule)
    {
        if (!_decisions.TryGetValue(nr, out SyscallDecision? decision))
        {
            decision = new SyscallDecision();
            _decisions.Add(nr, decision);
        }
        decision.Add(rule);
    }

    /// <summary>
    /// The numbers from <paramref name="first"/> to <paramref name="last"/> as runs with one
    /// decision each, in order; numbers no rule names fall in runs with a null decision (the
    /// default action). Neighbours with the same verdict share a run, so a profile of mostly
    /// consecutive allowed syscalls becomes a few intervals.
    /// </summary>
    public List<DispatchSegment> Segments(uint first, uint last)
    {
        int count = _decisions.Count;
        var numbers = new uint[count];
        var decisions = new SyscallDecision[count];
        int i = 0;
        foreach (KeyValuePair<uint, SyscallDecision> entry in _decisions)
        {
            numbers[i] = entry.Key;
            decisions[i++] = entry.Value;
        }
        Array.Sort(numbers, decisions);

        var segments = new List<DispatchSegment>(2 * count + 1);
        ulong next = first; // one past the last number covered; ulong so 0xffffffff + 1 does not wrap
        for (i = 0; i < count; i++)
        {
            uint nr = numbers[i];
            if (nr < first || nr > last)
                continue;
            if (nr > next)
                Append(segments, (uint)next, null);
            Append(segments, nr, decisions[i]);
            next = (ulong)nr + 1;
        }
        if (next <= last)
            Append(segments, (uint)next, null);
        return segments;
    }

    private static void Append(List<DispatchSegment> segments, uint start, SyscallDecision? decision)
    {
        if (segments.Count > 0)
        {
            SyscallDecision? previous = segments[^1].Decision;
            bool same = previous is null ? decision is null : decision is not null && previous.SameAs(decision);
            if (same)
                return;
        }
        segments.Add(new DispatchSegment(start, decision));
    }
}

/// <summary>Syscall numbers from <see cref="Start"/> up to the next segment's start share <see cref="Decision"/> (null: the default action).</summary>
internal readonly record struct DispatchSegment(uint Start, SyscallDecision? Decision);
