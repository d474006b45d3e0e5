namespace Csrun.Runtime.Seccomp;

/// <summary>What a condition is worth before looking at the argument.</summary>
internal enum ConditionOutcome
{
    DependsOnArgument,
    AlwaysTrue,
    AlwaysFalse,
}

/// <summary>
/// Emits the test of one <see cref="ArgumentCondition"/>, ending in jumps to a pass and a fail
/// target. cBPF compares 32-bit words, so on 64-bit architectures the high halves are compared
/// first (they decide unless equal), then the low halves; 32-bit architectures only have the
/// low half, compared with the low 32 bits of the value.
/// </summary>
internal static class ArgumentConditionEmitter
{
    /// <summary>Conditions no argument can change (x &lt; 0, (x &amp; 0xf) == 0x10, ...) need no code.</summary>
    public static ConditionOutcome Fold(in ArgumentCondition condition, bool is64Bit)
    {
        ulong width = is64Bit ? ulong.MaxValue : uint.MaxValue;
        ulong value = condition.Value & width;
        switch (condition.Op)
        {
            case SeccompOperator.LessThan when value == 0:
            case SeccompOperator.GreaterThan when value == width:
                return ConditionOutcome.AlwaysFalse;
            case SeccompOperator.GreaterOrEqual when value == 0:
            case SeccompOperator.LessOrEqual when value == width:
                return ConditionOutcome.AlwaysTrue;
            case SeccompOperator.MaskedEqual:
                ulong expected = condition.ValueTwo & width;
                if ((expected & ~value) != 0)
                    return ConditionOutcome.AlwaysFalse;   // wants a bit the mask clears
                return value == 0 ? ConditionOutcome.AlwaysTrue : ConditionOutcome.DependsOnArgument;
            default:
                return ConditionOutcome.DependsOnArgument;
        }
    }

    /// <summary>Emits a condition whose <see cref="Fold"/> is <see cref="ConditionOutcome.DependsOnArgument"/>.</summary>
    public static void Emit(BpfAssembler asm, in ArgumentCondition condition, bool is64Bit, int pass, int fail)
    {
        if (!is64Bit)
        {
            EmitLowWord(asm, condition, pass, fail);
            return;
        }
        if (condition.Op == SeccompOperator.MaskedEqual)
        {
            EmitMaskedEqual64(asm, condition, pass, fail);
            return;
        }

        uint high = (uint)(condition.Value >> 32);
        const int lowWord = BpfAssembler.Next;
        asm.LoadWord(SeccompData.ArgHighOffset(condition.Index));
        switch (condition.Op)
        {
            case SeccompOperator.Equal:
                asm.JumpIf(BpfOpcodes.JumpIfEqual, high, lowWord, fail);
                break;
            case SeccompOperator.NotEqual:
                asm.JumpIf(BpfOpcodes.JumpIfEqual, high, lowWord, pass);
                break;
            case SeccompOperator.GreaterThan:
            case SeccompOperator.GreaterOrEqual:
                // A high half that is not greater than 0 is equal to it: one test settles both.
                if (high == 0)
                    asm.JumpIf(BpfOpcodes.JumpIfGreater, 0, pass, lowWord);
                else
                {
                    asm.JumpIf(BpfOpcodes.JumpIfGreater, high, pass, BpfAssembler.Next);
                    asm.JumpIf(BpfOpcodes.JumpIfEqual, high, lowWord, fail);
                }
                break;
            case SeccompOperator.LessThan:
            case SeccompOperator.LessOrEqual:
                if (high == 0)
                    asm.JumpIf(BpfOpcodes.JumpIfGreater, 0, fail, lowWord);
                else
                {
                    asm.JumpIf(BpfOpcodes.JumpIfGreater, high, fail, BpfAssembler.Next);
                    asm.JumpIf(BpfOpcodes.JumpIfEqual, high, lowWord, pass);
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(condition), condition.Op, "unknown seccomp operator");
        }
        EmitLowWord(asm, condition, pass, fail);
    }

    /// <summary>(arg &amp; mask) == expected, a half at a time; a half whose mask is 0 is skipped
    /// (<see cref="Fold"/> has ruled out an expected bit there).</summary>
    private static void EmitMaskedEqual64(BpfAssembler asm, in ArgumentCondition condition, int pass, int fail)
    {
        uint highMask = (uint)(condition.Value >> 32);
        bool testsLow = (uint)condition.Value != 0;
        if (highMask != 0)
        {
            asm.LoadWord(SeccompData.ArgHighOffset(condition.Index));
            if (highMask != uint.MaxValue)
                asm.And(highMask);
            asm.JumpIf(BpfOpcodes.JumpIfEqual, (uint)(condition.ValueTwo >> 32), testsLow ? BpfAssembler.Next : pass, fail);
        }
        if (testsLow)
            EmitLowWord(asm, condition, pass, fail);
    }

    private static void EmitLowWord(BpfAssembler asm, in ArgumentCondition condition, int pass, int fail)
    {
        uint value = (uint)condition.Value;
        asm.LoadWord(SeccompData.ArgLowOffset(condition.Index));
        switch (condition.Op)
        {
            case SeccompOperator.MaskedEqual:
                if (value != uint.MaxValue)
                    asm.And(value);
                asm.JumpIf(BpfOpcodes.JumpIfEqual, (uint)condition.ValueTwo, pass, fail);
                return;
            case SeccompOperator.Equal:
                asm.JumpIf(BpfOpcodes.JumpIfEqual, value, pass, fail);
                return;
            case SeccompOperator.NotEqual:
                asm.JumpIf(BpfOpcodes.JumpIfEqual, value, fail, pass);
                return;
            case SeccompOperator.GreaterThan:
                asm.JumpIf(BpfOpcodes.JumpIfGreater, value, pass, fail);
                return;
            case SeccompOperator.GreaterOrEqual:
                asm.JumpIf(BpfOpcodes.JumpIfGreaterOrEqual, value, pass, fail);
                return;
            case SeccompOperator.LessThan:
                asm.JumpIf(BpfOpcodes.JumpIfGreaterOrEqual, value, fail, pass);
                return;
            case SeccompOperator.LessOrEqual:
                asm.JumpIf(BpfOpcodes.JumpIfGreater, value, fail, pass);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(condition), condition.Op, "unknown seccomp operator");
        }
    }
}
