namespace Csrun.Runtime.Seccomp;

/// <summary>One comparison of args[Index]; for MaskedEqual, Value is the mask and ValueTwo the expected result.</summary>
internal readonly record struct ArgumentCondition(int Index, SeccompOperator Op, ulong Value, ulong ValueTwo);
