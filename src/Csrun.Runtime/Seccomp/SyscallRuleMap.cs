using System.Runtime.InteropServices;

namespace Csrun.Runtime.Seccomp;

/// <summary>
/// The profile's rules for one architecture, by syscall number as the filter sees it (x32
/// numbers carry <see cref="SeccompArchitectures.X32SyscallBit"/>). Syscall numbers are dense
/// and small, so decisions live in an array indexed from <see cref="FirstNumber"/>: no hashing
/// and no sorting on the compile path. The rare outliers (ARM's private calls at 0xf0000+) go
/// to a dictionary.
/// </summary>
internal sealed class SyscallRuleMap
{
    /// <summary>Numbers this far above <see cref="FirstNumber"/> are kept in the dictionary.</summary>
    private const int DenseLimit = 4096;

    private SyscallDecision[] _dense = [];
    private int _denseUsed; // one past the highest index with a rule
    private Dictionary<uint, SyscallDecision>? _sparse;

    public SyscallRuleMap(SeccompArch arch)
    {
        Arch = arch;
        FirstNumber = arch == SeccompArch.X32 ? SeccompArchitectures.X32SyscallBit : 0;
    }

    public SeccompArch Arch { get; }

    /// <summary>The lowest number a syscall of this architecture has.</summary>
    public uint FirstNumber { get; }

    /// <summary>Whether any of the profile's names exists on this architecture, rules skipped or not.</summary>
    public bool HasNumbers { get; private set; }

    /// <summary>The largest such number: runc's ENOSYS stub answers for everything above it.</summary>
    public uint MaxNumber { get; private set; }

    /// <summary>The number seccomp_data.nr holds for the table's <paramref name="number"/>.</summary>
    public uint FilterNumber(int number) => (uint)number | FirstNumber;

    /// <summary>Counts a profile name toward the ENOSYS stub's bound, even when its rule is skipped.</summary>
    public void Note(uint nr)
    {
        if (!HasNumbers || nr > MaxNumber)
            MaxNumber = nr;
        HasNumbers = true;
    }

    public void Add(uint nr, FilterRule rule)
    {
        uint index = nr - FirstNumber;
        if (index < DenseLimit)
        {
            if (index >= _dense.Length)
                Array.Resize(ref _dense, Math.Max((int)index + 1, Math.Max(512, _dense.Length * 2)));
            _dense[index].Add(rule);
            _denseUsed = Math.Max(_denseUsed, (int)index + 1);
            return;
        }
        _sparse ??= new Dictionary<uint, SyscallDecision>();
        CollectionsMarshal.GetValueRefOrAddDefault(_sparse, nr, out _).Add(rule);
    }

    /// <summary>
    /// The numbers from <see cref="FirstNumber"/> to <paramref name="last"/> as runs with one
    /// decision each, in order; numbers no rule names fall in default runs. Neighbours with the
    /// same verdict share a run, so a profile of mostly consecutive allowed syscalls becomes a
    /// few intervals.
    /// </summary>
    public List<DispatchSegment> Segments(uint last)
    {
        var segments = new List<DispatchSegment>(64);
        ulong next = FirstNumber; // one past the last number covered; ulong so 0xffffffff + 1 does not wrap
        for (int i = 0; i < _denseUsed; i++)
        {
            if (_dense[i].IsDefault)
                continue;
            AddRun(segments, FirstNumber + (uint)i, _dense[i], last, ref next);
        }
        if (_sparse is not null)
        {
            var numbers = new uint[_sparse.Count];
            _sparse.Keys.CopyTo(numbers, 0);
            Array.Sort(numbers);
            foreach (uint nr in numbers)
                AddRun(segments, nr, _sparse[nr], last, ref next);
        }
        if (next <= last)
            Append(segments, (uint)next, default);
        return segments;
    }

    private static void AddRun(List<DispatchSegment> segments, uint nr, in SyscallDecision decision, uint last, ref ulong next)
    {
        if (nr > last)
            return;
        if (nr > next)
            Append(segments, (uint)next, default);
        Append(segments, nr, decision);
        next = (ulong)nr + 1;
    }

    private static void Append(List<DispatchSegment> segments, uint start, in SyscallDecision decision)
    {
        if (segments.Count > 0 && segments[^1].Decision.SameAs(decision))
            return;
        segments.Add(new DispatchSegment(start, decision));
    }
}

/// <summary>Syscall numbers from <see cref="Start"/> up to the next segment's start share <see cref="Decision"/>.</summary>
internal readonly record struct DispatchSegment(uint Start, SyscallDecision Decision);
