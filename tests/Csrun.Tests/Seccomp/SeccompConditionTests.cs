using Csrun.Runtime.Seccomp;
using Xunit;
using static Csrun.Tests.Seccomp.SeccompTestKit;

namespace Csrun.Tests.Seccomp;

/// <summary>Every operator against every boundary value, on a 64-bit and a 32-bit architecture.</summary>
public sealed class SeccompConditionTests
{
    private static readonly string[] Operators =
        ["SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT"];

    /// <summary>The libseccomp meaning, independent of the compiler.</summary>
    private static bool Holds(string op, ulong arg, ulong value, ulong valueTwo) => op switch
    {
        "SCMP_CMP_NE" => arg != value,
        "SCMP_CMP_LT" => arg < value,
        "SCMP_CMP_LE" => arg <= value,
        "SCMP_CMP_EQ" => arg == value,
        "SCMP_CMP_GE" => arg >= value,
        "SCMP_CMP_GT" => arg > value,
        "SCMP_CMP_MASKED_EQ" => (arg & value) == valueTwo,
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    public static TheoryData<string, ulong> OperatorsAndValues()
    {
        var data = new TheoryData<string, ulong>();
        foreach (string op in Operators)
            foreach (ulong value in Boundaries)
                data.Add(op, value);
        return data;
    }

    private static void AssertVerdicts(string op, ulong value, ulong valueTwo, uint index)
    {
        var profile = Profile("SCMP_ACT_ERRNO", null,
            Rule("SCMP_ACT_ALLOW", null, ["personality"], Arg(index, op, value, valueTwo)));
        var filter = Compile(profile);
        var args = new ulong[6];
        foreach (ulong arg in Boundaries)
        {
            // The other arguments hold the complement, so a load from the wrong slot shows.
            for (int i = 0; i < 6; i++)
                args[i] = ~arg;
            args[index] = arg;

            uint expected64 = Holds(op, arg, value, valueTwo) ? Allow : Eperm;
            Assert.True(expected64 == Run(filter, SeccompArch.X86_64, "personality", args),
                $"x86_64: {op} arg{index}=0x{arg:x} value=0x{value:x} valueTwo=0x{valueTwo:x}: expected {Hex(expected64)}");
            Assert.True(expected64 == Run(filter, SeccompArch.X32, "personality", args),
                $"x32: {op} arg{index}=0x{arg:x} value=0x{value:x}: expected {Hex(expected64)}");

            // 32-bit architectures compare the low words only.
            uint expected32 = Holds(op, (uint)arg, (uint)value, (uint)valueTwo) ? Allow : Eperm;
            Assert.True(expected32 == Run(filter, SeccompArch.X86, "personality", args),
                $"x86: {op} arg{index}=0x{arg:x} value=0x{value:x} valueTwo=0x{valueTwo:x}: expected {Hex(expected32)}");
        }
    }

    [Theory]
    [MemberData(nameof(OperatorsAndValues))]
    public void OperatorAtBoundaries(string op, ulong value) => AssertVerdicts(op, value, 0, 0);

    [Theory]
    [MemberData(nameof(OperatorsAndValues))]
    public void OperatorOnLastArgument(string op, ulong value) => AssertVerdicts(op, value, 0, 5);

    public static TheoryData<ulong, ulong> MasksAndExpected()
    {
        ulong[] masks = [0, 1, 0xff, 0xffffffff, 0xffffffff00000000, ulong.MaxValue, 0x0000ff0000000f00, 0x8000000000000001];
        var cases = new HashSet<(ulong, ulong)>();
        foreach (ulong mask in masks)
        {
            cases.Add((mask, 0));
            cases.Add((mask, mask));
            cases.Add((mask, mask & 0x00000000ffffffff));
            cases.Add((mask, mask & 0xffffffff00000000));
            cases.Add((mask, 0x100000001));   // bits outside most masks: never matches there
        }
        var data = new TheoryData<ulong, ulong>();
        foreach ((ulong mask, ulong expected) in cases)
            data.Add(mask, expected);
        return data;
    }

    [Theory]
    [MemberData(nameof(MasksAndExpected))]
    public void MaskedEqual(ulong mask, ulong expected)
    {
        AssertVerdicts("SCMP_CMP_MASKED_EQ", mask, expected, 0);
        AssertVerdicts("SCMP_CMP_MASKED_EQ", mask, expected, 3);
    }

    [Fact]
    public void ConditionsOfOneRuleAreAnded()
    {
        var profile = Profile("SCMP_ACT_ERRNO", null,
            Rule("SCMP_ACT_ALLOW", null, ["socket"],
                Arg(0, "SCMP_CMP_EQ", 2), Arg(1, "SCMP_CMP_MASKED_EQ", 0xf, 1), Arg(2, "SCMP_CMP_LT", 0x100000000)));
        var filter = Compile(profile);
        Assert.Equal(Allow, Run(filter, SeccompArch.X86_64, "socket", 2, 0x801, 6));
        Assert.Equal(Allow, Run(filter, SeccompArch.X86_64, "socket", 2, 1, 0xffffffff));
        Assert.Equal(Eperm, Run(filter, SeccompArch.X86_64, "socket", 3, 1, 0));
        Assert.Equal(Eperm, Run(filter, SeccompArch.X86_64, "socket", 2, 2, 0));
        Assert.Equal(Eperm, Run(filter, SeccompArch.X86_64, "socket", 2, 1, 0x100000000));
        Assert.Equal(Eperm, Run(filter, SeccompArch.X86_64, "socket", 0x100000002, 1, 0));
        // Low words only on x86: the high halves of the arguments do not matter there...
        Assert.Equal(Eperm, Run(filter, SeccompArch.X86, "socket", 0x100000002, 1, 0x100000000));
        // ...and neither does the value's: LT 0x100000000 is LT 0 there, never true.
        Assert.Equal(Eperm, Run(filter, SeccompArch.X86, "socket", 2, 1, 0));
    }
}
