namespace Csrun.Runtime.Seccomp;

/// <summary>
/// Emits the test of one <see cref="ArgumentCondition"/>: control reaches the code that follows
/// when it holds, and jumps to the fail label when it does not. cBPF compares 32-bit words, so
/// on 64-bit architectures the high halves are compared first (they decide unless equal), then
/// the low halves; 32-bit architectures only have the low half.
/// </summary>
internal static class ArgumentConditionEmitter
{
    public static void Emit(BpfAssembler asm, in ArgumentCondition condition, bool is64Bit, int fail)
    {
        int pass = asm.NewLabel();
        if (!is64Bit || EmitHighWord(asm, condition, pass, fail))
            EmitLowWord(asm, condition, pass, fail);
        asm.Bind(pass);
    }

    /// <summary>Returns false when the high halves alone decide every case (the low test would be dead code).</summary>
    private static bool EmitHighWord(BpfAssembler asm, in ArgumentCondition condition, int pass, int fail)
    {
        uint value = (uint)(condition.Value >> 32);
        int lowWord = BpfAssembler.Next;
        switch (condition.Op)
        {
            case SeccompOperator.MaskedEqual:
            {
                uint expected = (uint)(condition.ValueTwo >> 32);
                if (value == 0)
                {
                    // (high & 0) is 0: either always equal (nothing to test) or never.
                    if (expected == 0)
                        return true;
                    asm.Jump(fail);
                    return false;
                }
                asm.LoadWord(SeccompData.ArgHighOffset(condition.Index));
                if (value != uint.MaxValue)
                    asm.And(value);
                asm.JumpIf(BpfOpcodes.JumpIfEqual, expected, lowWord, fail);
                return true;
            }
            case SeccompOperator.Equal:
                asm.LoadWord(SeccompData.ArgHighOffset(condition.Index));
                asm.JumpIf(BpfOpcodes.JumpIfEqual, value, lowWord, fail);
                return true;
            case SeccompOperator.NotEqual:
                asm.LoadWord(SeccompData.ArgHighOffset(condition.Index));
                asm.JumpIf(BpfOpcodes.JumpIfEqual, value, lowWord, pass);
                return true;
            case SeccompOperator.GreaterThan:
            case SeccompOperator.GreaterOrEqual:
                asm.LoadWord(SeccompData.ArgHighOffset(condition.Index));
                // A high half of 0 that is not greater is equal: one test settles both.
                if (value == 0)
                    asm.JumpIf(BpfOpcodes.JumpIfGreater, 0, pass, lowWord);
                else
                {
                    asm.JumpIf(BpfOpcodes.JumpIfGreater, value, pass, BpfAssembler.Next);
                    asm.JumpIf(BpfOpcodes.JumpIfEqual, value, lowWord, fail);
                }
                return true;
            case SeccompOperator.LessThan:
            case SeccompOperator.LessOrEqual:
                asm.LoadWord(SeccompData.ArgHighOffset(condition.Index));
                if (value == 0)
                    asm.JumpIf(BpfOpcodes.JumpIfGreater, 0, fail, lowWord);
                else
                {
                    asm.JumpIf(BpfOpcodes.JumpIfGreater, value, fail, BpfAssembler.Next);
                    asm.JumpIf(BpfOpcodes.JumpIfEqual, value, lowWord, pass);
                }
                return true;
            default:
                throw new ArgumentOutOfRangeException(nameof(condition), condition.Op, "unknown seccomp operator");
        }
    }

    private static void EmitLowWord(BpfAssembler asm, in ArgumentCondition condition, int pass, int fail)
    {
        uint value = (uint)condition.Value;
        switch (condition.Op)
        {
            case SeccompOperator.MaskedEqual:
            {
                uint expected = (uint)condition.ValueTwo;
                if (value == 0)
                {
                    if (expected != 0)
                        asm.Jump(fail);
                    return;
                }
                asm.LoadWord(SeccompData.ArgLowOffset(condition.Index));
                if (value != uint.MaxValue)
                    asm.And(value);
                asm.JumpIf(BpfOpcodes.JumpIfEqual, expected, pass, fail);
                return;
            }
            case SeccompOperator.Equal:
                asm.LoadWord(SeccompData.ArgLowOffset(condition.Index));
                asm.JumpIf(BpfOpcodes.JumpIfEqual, value, pass, fail);
                return;
            case SeccompOperator.NotEqual:
                asm.LoadWord(SeccompData.ArgLowOffset(condition.Index));
                asm.JumpIf(BpfOpcodes.JumpIfEqual, value, fail, pass);
                return;
            case SeccompOperator.GreaterThan:
                asm.LoadWord(SeccompData.ArgLowOffset(condition.Index));
                asm.JumpIf(BpfOpcodes.JumpIfGreater, value, pass, fail);
                return;
            case SeccompOperator.GreaterOrEqual:
                asm.LoadWord(SeccompData.ArgLowOffset(condition.Index));
                asm.JumpIf(BpfOpcodes.JumpIfGreaterOrEqual, value, pass, fail);
                return;
            case SeccompOperator.LessThan:
                asm.LoadWord(SeccompData.ArgLowOffset(condition.Index));
                asm.JumpIf(BpfOpcodes.JumpIfGreaterOrEqual, value, fail, pass);
                return;
            case SeccompOperator.LessOrEqual:
                asm.LoadWord(SeccompData.ArgLowOffset(condition.Index));
                asm.JumpIf(BpfOpcodes.JumpIfGreater, value, fail, pass);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(condition), condition.Op, "unknown seccomp operator");
        }
    }
}
