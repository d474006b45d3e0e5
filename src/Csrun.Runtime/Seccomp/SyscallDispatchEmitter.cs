namespace Csrun.Runtime.Seccomp;

/// <summary>
/// Emits the code that picks a verdict from the syscall number (A holds seccomp_data.nr):
/// a balanced binary search over the <see cref="DispatchSegment"/>s, so a syscall is decided
/// in about log2(segments) jumps. A segment with a plain verdict costs no code of its own: the
/// search jumps straight to a pooled <c>ret</c>. A segment with conditional rules gets them in
/// order, each jumping to its verdict when it matches, the last falling to the default.
/// </summary>
internal static class SyscallDispatchEmitter
{
    public static void Emit(BpfAssembler asm, List<DispatchSegment> segments, bool is64Bit, uint defaultReturn)
    {
        // The section's label is bound here, so something must be emitted even for one verdict.
        if (segments.Count == 1 && TryGetReturn(segments[0], defaultReturn, out uint only))
        {
            asm.Return(only);
            return;
        }
        EmitRange(asm, segments, 0, segments.Count - 1, is64Bit, defaultReturn);
    }

    private static bool TryGetReturn(DispatchSegment segment, uint defaultReturn, out uint value)
    {
        SyscallDecision decision = segment.Decision;
        if (decision.IsDefault)
        {
            value = defaultReturn;
            return true;
        }
        value = decision.Return;
        return decision.IsUnconditional;
    }

    /// <summary>Emits a range that is not a single plain verdict.</summary>
    private static void EmitRange(BpfAssembler asm, List<DispatchSegment> segments, int first, int last, bool is64Bit, uint defaultReturn)
    {
        if (first == last)
        {
            EmitRules(asm, segments[first].Decision.Conditional!, is64Bit, defaultReturn);
            return;
        }
        // The lower half falls through, the upper half is jumped to: both forward, as cBPF needs.
        int middle = first + (last - first + 1) / 2;
        uint lowerValue = 0, upperValue = 0;
        bool lowerIsReturn = middle - 1 == first && TryGetReturn(segments[first], defaultReturn, out lowerValue);
        bool upperIsReturn = middle == last && TryGetReturn(segments[last], defaultReturn, out upperValue);
        int lowerTarget = lowerIsReturn ? asm.ReturnTarget(lowerValue) : BpfAssembler.Next;
        int upperTarget = upperIsReturn ? asm.ReturnTarget(upperValue)
            : lowerIsReturn ? BpfAssembler.Next
            : asm.NewLabel();
        asm.JumpIf(BpfOpcodes.JumpIfGreaterOrEqual, segments[middle].Start, upperTarget, lowerTarget);
        if (!lowerIsReturn)
            EmitRange(asm, segments, first, middle - 1, is64Bit, defaultReturn);
        if (!upperIsReturn)
        {
            if (!lowerIsReturn)
                asm.Bind(upperTarget);
            EmitRange(asm, segments, middle, last, is64Bit, defaultReturn);
        }
    }

    private static ConditionOutcome RuleOutcome(FilterRule rule, bool is64Bit)
    {
        bool always = true;
        foreach (ArgumentCondition condition in rule.Conditions)
        {
            ConditionOutcome outcome = ArgumentConditionEmitter.Fold(condition, is64Bit);
            if (outcome == ConditionOutcome.AlwaysFalse)
                return ConditionOutcome.AlwaysFalse;
            always &= outcome == ConditionOutcome.AlwaysTrue;
        }
        return always ? ConditionOutcome.AlwaysTrue : ConditionOutcome.DependsOnArgument;
    }

    /// <summary>
    /// The conditional rules of one syscall in profile order: the first that matches decides.
    /// Rules that can never match are left out, and a rule that always matches ends the chain.
    /// </summary>
    private static void EmitRules(BpfAssembler asm, List<FilterRule> rules, bool is64Bit, uint defaultReturn)
    {
        uint otherwise = defaultReturn;
        int lastTested = -1;
        int end = rules.Count;
        for (int r = 0; r < rules.Count; r++)
        {
            ConditionOutcome outcome = RuleOutcome(rules[r], is64Bit);
            if (outcome == ConditionOutcome.AlwaysTrue)
            {
                otherwise = rules[r].Return;
                end = r;
                break;
            }
            if (outcome == ConditionOutcome.DependsOnArgument)
                lastTested = r;
        }
        if (lastTested < 0)
        {
            asm.Return(otherwise);
            return;
        }

        for (int r = 0; r <= lastTested && r < end; r++)
        {
            FilterRule rule = rules[r];
            if (RuleOutcome(rule, is64Bit) != ConditionOutcome.DependsOnArgument)
                continue;
            int fail = r == lastTested ? asm.ReturnTarget(otherwise) : asm.NewLabel();
            ArgumentCondition[] conditions = rule.Conditions;
            int lastCondition = conditions.Length - 1;
            while (ArgumentConditionEmitter.Fold(conditions[lastCondition], is64Bit) != ConditionOutcome.DependsOnArgument)
                lastCondition--;
            for (int c = 0; c <= lastCondition; c++)
            {
                if (ArgumentConditionEmitter.Fold(conditions[c], is64Bit) != ConditionOutcome.DependsOnArgument)
                    continue;   // always true here: AlwaysFalse rules were skipped above
                if (c == lastCondition)
                {
                    ArgumentConditionEmitter.Emit(asm, conditions[c], is64Bit, asm.ReturnTarget(rule.Return), fail);
                }
                else
                {
                    int pass = asm.NewLabel();
                    ArgumentConditionEmitter.Emit(asm, conditions[c], is64Bit, pass, fail);
                    asm.Bind(pass);
                }
            }
            if (r != lastTested)
                asm.Bind(fail);
        }
    }
}
