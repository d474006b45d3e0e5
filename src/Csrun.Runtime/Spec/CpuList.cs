namespace Csrun.Runtime.Spec;

/// <summary>
/// Parses the kernel's list format used by execCPUAffinity and memoryPolicy.nodes:
/// "0-3,7", with spaces and empty elements tolerated as runc does.
/// </summary>
public static class CpuList
{
    /// <summary>runc's ceiling; larger ids are certainly typos.</summary>
    public const int MaxId = 64 * 1024;

    /// <summary>
    /// Parses <paramref name="text"/> into sorted, de-duplicated ids. Null or empty yields an
    /// empty list. On failure <paramref name="error"/> says what is wrong.
    /// </summary>
    public static bool TryParse(string? text, out List<int> ids, out string? error)
    {
        ids = new List<int>();
        error = null;
        if (string.IsNullOrEmpty(text))
            return true;

        var set = new SortedSet<int>();
        foreach (string raw in text.Split(','))
        {
            string part = raw.Trim();
            if (part.Length == 0)
                continue;
            int dash = part.IndexOf('-');
            string startText = dash < 0 ? part : part[..dash];
            string endText = dash < 0 ? part : part[(dash + 1)..];
            if (!TryParseId(startText, out int start) || !TryParseId(endText, out int end))
            {
                error = $"invalid list {SpecPath.Quote(text)}: {SpecPath.Quote(part)} is not a number or a range of numbers up to {MaxId}";
                return false;
            }
            if (start > end)
            {
                error = $"invalid list {SpecPath.Quote(text)}: range {SpecPath.Quote(part)} is reversed";
                return false;
            }
            for (int id = start; id <= end; id++)
                set.Add(id);
        }
        if (set.Count == 0)
        {
            error = $"invalid list {SpecPath.Quote(text)}: no members";
            return false;
        }
        ids.AddRange(set);
        return true;
    }

    /// <summary>The ids as the kernel's bit mask (cpu_set_t, nodemask_t): bit N of word N/64.
    /// At least one word, so an empty list is a valid, all-clear mask.</summary>
    public static ulong[] ToMask(IReadOnlyList<int> ids)
    {
        int highest = ids.Count == 0 ? 0 : ids.Max();
        var mask = new ulong[highest / 64 + 1];
        foreach (int id in ids)
            mask[id / 64] |= 1UL << (id % 64);
        return mask;
    }

    private static bool TryParseId(string s, out int id)
    {
        id = 0;
        if (s.Length == 0)
            return false;
        foreach (char c in s)
            if (c is < '0' or > '9')
                return false;
        return int.TryParse(s, out id) && id <= MaxId;
    }
}
