namespace Csrun.Runtime.Seccomp;

/// <summary>
/// Builds a classic BPF program with symbolic jump targets.
/// <para>
/// Return pools: a filter returns a handful of distinct values from hundreds of places. A jump
/// may target <see cref="ReturnTarget"/>(value) instead of a <c>ret</c> of its own; the
/// assembler keeps one pending <c>ret value</c> per value and places it at the next point that
/// nothing falls through into, once its first user is getting far away (like an ARM assembler's
/// literal pool). Code that would follow there is reached only through labels, which bind after
/// the pool, so placing it never changes the program's meaning.
/// </para>
/// <para>
/// Layout: cBPF jumps only forward, and a conditional jump's jt/jf are 8 bits wide, so
/// <see cref="Assemble"/> routes a branch whose target is more than 255 instructions away
/// through a trampoline placed right after the jump: a copy of the target when it is a
/// <c>ret</c>, else a <c>ja</c> (32-bit offset). Trampolines move other targets further, so
/// layout repeats until nothing changes; it only ever grows, so it ends.
/// </para>
/// </summary>
internal sealed class BpfAssembler
{
    /// <summary>A jump target meaning "the instruction that follows".</summary>
    public const int Next = -1;

    private const int Unbound = -1;

    /// <summary>Return targets are labels numbered downward from here; they are never bound.</summary>
    private const int FirstReturnTarget = -2;

    /// <summary>
    /// A pool is placed once its oldest user is this far back: well inside a conditional jump's
    /// reach, leaving room for the code emitted before the next point a pool can go.
    /// </summary>
    private const int PoolDistance = 160;

    private struct Pending
    {
        public ushort Code;
        public uint K;
        /// <summary>Label (or <see cref="Next"/>) when true; for ja, its only target.</summary>
        public int WhenTrue;
        public int WhenFalse;
    }

    /// <summary>A ret waiting for its place: the label its users jump to, and where the first of them is.</summary>
    private struct PoolEntry
    {
        public uint Value;
        public int Label;
        public int FirstUser;
    }

    private Pending[] _instructions;
    private int _count;
    private int[] _labelTargets;
    private int _labelCount;
    private readonly List<uint> _returnTargetValues = new();
    private readonly List<PoolEntry> _pool = new();

    public BpfAssembler(int capacity = 512)
    {
        _instructions = new Pending[capacity];
        _labelTargets = new int[capacity];
    }

    /// <summary>Instructions emitted so far, before any trampoline.</summary>
    public int Count => _count;

    public int NewLabel()
    {
        if (_labelCount == _labelTargets.Length)
            Array.Resize(ref _labelTargets, _labelTargets.Length * 2);
        _labelTargets[_labelCount] = Unbound;
        return _labelCount++;
    }

    /// <summary>The label now names the next instruction emitted.</summary>
    public void Bind(int label)
    {
        if (label < 0)
            throw new InvalidOperationException($"BPF label {label} cannot be bound");
        if (_labelTargets[label] != Unbound)
            throw new InvalidOperationException($"BPF label {label} is bound twice");
        _labelTargets[label] = _count;
    }

    /// <summary>A jump target that returns <paramref name="value"/>; it can be used any number of times.</summary>
    public int ReturnTarget(uint value)
    {
        for (int i = 0; i < _returnTargetValues.Count; i++)
            if (_returnTargetValues[i] == value)
                return FirstReturnTarget - i;
        _returnTargetValues.Add(value);
        return FirstReturnTarget - (_returnTargetValues.Count - 1);
    }

    public void LoadWord(uint offset) => Add(BpfOpcodes.LoadWordAbsolute, offset, Next, Next);

    public void And(uint mask) => Add(BpfOpcodes.AndConstant, mask, Next, Next);

    public void Jump(int label) => Add(BpfOpcodes.JumpAlways, 0, label, Next);

    /// <summary>A conditional jump against the constant <paramref name="k"/>.</summary>
    public void JumpIf(ushort condition, uint k, int whenTrue, int whenFalse)
    {
        if (!BpfOpcodes.IsConditionalJump(condition))
            throw new ArgumentOutOfRangeException(nameof(condition), $"0x{condition:x} is not a conditional jump");
        Add(condition, k, whenTrue, whenFalse);
    }

    public void Return(uint value) => Add(BpfOpcodes.ReturnConstant, value, Next, Next);

    private void Add(ushort code, uint k, int whenTrue, int whenFalse)
    {
        bool jumps = code == BpfOpcodes.JumpAlways || BpfOpcodes.IsConditionalJump(code);
        if (jumps)
        {
            whenTrue = PoolLabel(whenTrue);
            whenFalse = PoolLabel(whenFalse);
        }
        Append(code, k, whenTrue, whenFalse);
        if (!FallsThrough(_instructions[_count - 1]) && PoolIsDue())
            PlacePool();
    }

    /// <summary>Nothing falls through past a ret, a ja, or a conditional jump with two labelled targets.</summary>
    private static bool FallsThrough(in Pending ins) => ins.Code switch
    {
        BpfOpcodes.ReturnConstant or BpfOpcodes.JumpAlways => false,
        _ when BpfOpcodes.IsConditionalJump(ins.Code) => ins.WhenTrue == Next || ins.WhenFalse == Next,
        _ => true,
    };

    private void Append(ushort code, uint k, int whenTrue, int whenFalse)
    {
        if (_count == _instructions.Length)
            Array.Resize(ref _instructions, _instructions.Length * 2);
        _instructions[_count++] = new Pending { Code = code, K = k, WhenTrue = whenTrue, WhenFalse = whenFalse };
    }

    /// <summary>A return target becomes the label of the pending ret of its value; other labels pass.</summary>
    private int PoolLabel(int target)
    {
        if (target > FirstReturnTarget)
            return target;
        uint value = _returnTargetValues[FirstReturnTarget - target];
        for (int i = 0; i < _pool.Count; i++)
            if (_pool[i].Value == value)
                return _pool[i].Label;
        int label = NewLabel();
        _pool.Add(new PoolEntry { Value = value, Label = label, FirstUser = _count });
        return label;
    }

    private bool PoolIsDue()
    {
        for (int i = 0; i < _pool.Count; i++)
            if (_count - _pool[i].FirstUser >= PoolDistance)
                return true;
        return false;
    }

    private void PlacePool()
    {
        for (int i = 0; i < _pool.Count; i++)
        {
            _labelTargets[_pool[i].Label] = _count;
            Append(BpfOpcodes.ReturnConstant, _pool[i].Value, Next, Next);
        }
        _pool.Clear();
    }

    /// <summary>The index of the instruction a jump at <paramref name="from"/> lands on.</summary>
    private int Resolve(int from, int label)
    {
        int target = label == Next ? from + 1 : _labelTargets[label];
        if (target == Unbound)
            throw new InvalidOperationException($"BPF label {label} is never bound");
        // A label bound after the last instruction would run off the end of the program.
        if (target <= from || target >= _count)
            throw new InvalidOperationException($"BPF jump from {from} to {target} is not forward inside the program");
        return target;
    }

    // Per instruction: which branches go through a trampoline.
    private const byte TrueFar = 1, FalseFar = 2;

    private static int TrampolineCount(byte far, bool sameTarget) => far switch
    {
        0 => 0,
        TrueFar or FalseFar => 1,
        _ => sameTarget ? 1 : 2,
    };

    public SockFilter[] Assemble()
    {
        if (_count == 0 || FallsThrough(_instructions[_count - 1]))
            throw new InvalidOperationException("the BPF program would run off its end");
        PlacePool();

        int n = _count;
        var trueTargets = new int[n];
        var falseTargets = new int[n];
        for (int i = 0; i < n; i++)
        {
            ref Pending ins = ref _instructions[i];
            if (ins.Code == BpfOpcodes.JumpAlways)
                trueTargets[i] = Resolve(i, ins.WhenTrue);
            else if (BpfOpcodes.IsConditionalJump(ins.Code))
            {
                trueTargets[i] = Resolve(i, ins.WhenTrue);
                falseTargets[i] = Resolve(i, ins.WhenFalse);
            }
        }

        var far = new byte[n];
        var position = new int[n + 1];
        while (true)
        {
            int p = 0;
            for (int i = 0; i < n; i++)
            {
                position[i] = p;
                p += 1 + TrampolineCount(far[i], trueTargets[i] == falseTargets[i]);
            }
            position[n] = p;

            bool grew = false;
            for (int i = 0; i < n; i++)
            {
                if (!BpfOpcodes.IsConditionalJump(_instructions[i].Code))
                    continue;
                if ((far[i] & TrueFar) == 0 && position[trueTargets[i]] - position[i] - 1 > BpfOpcodes.MaxConditionalOffset)
                {
                    far[i] |= TrueFar;
                    grew = true;
                }
                if ((far[i] & FalseFar) == 0 && position[falseTargets[i]] - position[i] - 1 > BpfOpcodes.MaxConditionalOffset)
                {
                    far[i] |= FalseFar;
                    grew = true;
                }
            }
            if (!grew)
                break;
        }

        var program = new SockFilter[position[n]];
        for (int i = 0; i < n; i++)
        {
            Pending ins = _instructions[i];
            int at = position[i];
            if (ins.Code == BpfOpcodes.JumpAlways)
            {
                program[at] = new SockFilter(ins.Code, 0, 0, (uint)(position[trueTargets[i]] - at - 1));
            }
            else if (BpfOpcodes.IsConditionalJump(ins.Code))
            {
                int trueAt = position[trueTargets[i]];
                int falseAt = position[falseTargets[i]];
                int slot = at + 1;
                if ((far[i] & TrueFar) != 0)
                {
                    program[slot] = Trampoline(trueTargets[i], slot, trueAt);
                    trueAt = slot++;
                }
                if ((far[i] & FalseFar) != 0)
                {
                    if (falseTargets[i] == trueTargets[i] && (far[i] & TrueFar) != 0)
                        falseAt = trueAt;
                    else
                    {
                        program[slot] = Trampoline(falseTargets[i], slot, falseAt);
                        falseAt = slot;
                    }
                }
                program[at] = new SockFilter(ins.Code, (byte)(trueAt - at - 1), (byte)(falseAt - at - 1), ins.K);
            }
            else
            {
                program[at] = new SockFilter(ins.Code, 0, 0, ins.K);
            }
        }
        return program;
    }

    /// <summary>A far branch's stand-in at <paramref name="at"/>: the target itself when it is a
    /// <c>ret</c> (no further jump needed), else a <c>ja</c> to it.</summary>
    private SockFilter Trampoline(int target, int at, int targetPosition)
    {
        Pending destination = _instructions[target];
        if (destination.Code == BpfOpcodes.ReturnConstant)
            return new SockFilter(BpfOpcodes.ReturnConstant, 0, 0, destination.K);
        return new SockFilter(BpfOpcodes.JumpAlways, 0, 0, (uint)(targetPosition - at - 1));
    }
}
