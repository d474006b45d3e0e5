namespace Csrun.Runtime.Process;

/// <summary>Signal names and numbers as `kill` accepts them: KILL, SIGKILL, 9, and RTMIN+N.</summary>
public static class Signals
{
    private static readonly Dictionary<string, int> Numbers = new(StringComparer.Ordinal)
    {
        ["HUP"] = 1, ["INT"] = 2, ["QUIT"] = 3, ["ILL"] = 4, ["TRAP"] = 5, ["ABRT"] = 6, ["IOT"] = 6,
        ["BUS"] = 7, ["FPE"] = 8, ["KILL"] = 9, ["USR1"] = 10, ["SEGV"] = 11, ["USR2"] = 12,
        ["PIPE"] = 13, ["ALRM"] = 14, ["TERM"] = 15, ["STKFLT"] = 16, ["CHLD"] = 17, ["CLD"] = 17,
        ["CONT"] = 18, ["STOP"] = 19, ["TSTP"] = 20, ["TTIN"] = 21, ["TTOU"] = 22, ["URG"] = 23,
        ["XCPU"] = 24, ["XFSZ"] = 25, ["VTALRM"] = 26, ["PROF"] = 27, ["WINCH"] = 28, ["IO"] = 29,
        ["POLL"] = 29, ["PWR"] = 30, ["SYS"] = 31,
    };

    public const int RtMin = 34, RtMax = 64;

    /// <summary>The signal number, or null when the text names no signal.</summary>
    public static int? Parse(string text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (int.TryParse(text, out int n)) return n is > 0 and <= RtMax ? n : null;
        string name = text.ToUpperInvariant();
        if (name.StartsWith("SIG", StringComparison.Ordinal)) name = name.Substring(3);
        if (Numbers.TryGetValue(name, out int number)) return number;
        if (name == "RTMIN") return RtMin;
        if (name == "RTMAX") return RtMax;
        if (name.StartsWith("RTMIN+", StringComparison.Ordinal) && int.TryParse(name.AsSpan(6), out int plus) && RtMin + plus <= RtMax && plus >= 0)
            return RtMin + plus;
        if (name.StartsWith("RTMAX-", StringComparison.Ordinal) && int.TryParse(name.AsSpan(6), out int minus) && RtMax - minus >= RtMin && minus >= 0)
            return RtMax - minus;
        return null;
    }
}
