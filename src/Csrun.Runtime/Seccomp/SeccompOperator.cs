namespace Csrun.Runtime.Seccomp;

/// <summary>SCMP_CMP_*: unsigned comparisons of a syscall argument.</summary>
internal enum SeccompOperator
{
    NotEqual,
    LessThan,
    LessOrEqual,
    Equal,
    GreaterOrEqual,
    GreaterThan,
    /// <summary>(arg &amp; value) == valueTwo.</summary>
    MaskedEqual,
}

internal static class SeccompOperators
{
    public static bool TryParse(string? name, out SeccompOperator op)
    {
        switch (name)
        {
            case "SCMP_CMP_NE": op = SeccompOperator.NotEqual; return true;
            case "SCMP_CMP_LT": op = SeccompOperator.LessThan; return true;
            case "SCMP_CMP_LE": op = SeccompOperator.LessOrEqual; return true;
            case "SCMP_CMP_EQ": op = SeccompOperator.Equal; return true;
            case "SCMP_CMP_GE": op = SeccompOperator.GreaterOrEqual; return true;
            case "SCMP_CMP_GT": op = SeccompOperator.GreaterThan; return true;
            case "SCMP_CMP_MASKED_EQ": op = SeccompOperator.MaskedEqual; return true;
            default: op = default; return false;
        }
    }
}
