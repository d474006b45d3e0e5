namespace Csrun.Runtime.Seccomp;

/// <summary>
/// One rule as the filter applies it: every condition must hold for <see cref="Return"/> to be
/// the verdict. No conditions means the rule decides its syscalls outright.
/// </summary>
internal sealed class FilterRule(uint returnValue, ArgumentCondition[] conditions)
{
    public uint Return { get; } = returnValue;

    public ArgumentCondition[] Conditions { get; } = conditions;

    public bool IsUnconditional => Conditions.Length == 0;
}
