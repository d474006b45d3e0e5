namespace Csrun.Runtime.Seccomp;

/// <summary>
/// Emits the code that picks a verdict from the syscall number (A holds seccomp_data.nr):
/// a balanced binary search over the <see cref="DispatchSegment"/>s, so a syscall is decided
/// in about log2(segments) jumps. A leaf is a <c>ret</c>, or for a number with conditional
/// rules, the rules in order, each ending in its <c>ret</c>, then <c>ret default</c>.
/// </summary>
internal static class SyscallDispatchEmitter
{
    public static void Emit(BpfAssembler asm, List<DispatchSegment> segments, bool is64Bit, uint defaultReturn) =>
        EmitRange(asm, segments, 0, segments.Count - 1, is64Bit, defaultReturn);

    private static void EmitRange(BpfAssembler asm, List<DispatchSegment> segments, int first, int last, bool is64Bit, uint defaultReturn)
    {
        if (first == last)
        {
            EmitLeaf(asm, segments[first].Decision, is64Bit, defaultReturn);
            return;
        }
        // The lower half falls through, the upper half is jumped to: both forward, as cBPF needs.
        int middle = first + (last - first + 1) / 2;
        int upper = asm.NewLabel();
        asm.JumpIf(BpfOpcodes.JumpIfGreaterOrEqual, segments[middle].Start, upper, BpfAssembler.Next);
        EmitRange(asm, segments, first, middle - 1, is64Bit, defaultReturn);
        asm.Bind(upper);
        EmitRange(asm, segments, middle, last, is64Bit, defaultReturn);
    }

    private static void EmitLeaf(BpfAssembler asm, SyscallDecision? decision, bool is64Bit, uint defaultReturn)
    {
        if (decision is null)
        {
            asm.Return(defaultReturn);
            return;
        }
        if (decision.IsUnconditional)
        {
            asm.Return(decision.Return);
            return;
        }
        List<FilterRule> rules = decision.Conditional!;
        for (int r = 0; r < rules.Count; r++)
        {
            FilterRule rule = rules[r];
            int nextRule = asm.NewLabel();
            ArgumentCondition[] conditions = rule.Conditions;
            for (int c = 0; c < conditions.Length; c++)
                ArgumentConditionEmitter.Emit(asm, conditions[c], is64Bit, nextRule);
            asm.Return(rule.Return);
            asm.Bind(nextRule);
        }
        asm.Return(defaultReturn);
    }
}
