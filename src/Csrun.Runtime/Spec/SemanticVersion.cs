namespace Csrun.Runtime.Spec;

/// <summary>
/// Just enough SemVer 2.0.0 to check ociVersion: the full grammar is verified so typos are
/// caught, but only the major number is returned because that is all compatibility needs.
/// </summary>
internal static class SemanticVersion
{
    public static bool TryGetMajor(string version, out ulong major)
    {
        major = 0;
        ReadOnlySpan<char> rest = version;

        int plus = rest.IndexOf('+');
        if (plus >= 0)
        {
            if (!AreIdentifiers(rest[(plus + 1)..], numericRule: false))
                return false;
            rest = rest[..plus];
        }

        int dash = rest.IndexOf('-');
        if (dash >= 0)
        {
            if (!AreIdentifiers(rest[(dash + 1)..], numericRule: true))
                return false;
            rest = rest[..dash];
        }

        int first = rest.IndexOf('.');
        if (first < 0)
            return false;
        int second = rest[(first + 1)..].IndexOf('.');
        if (second < 0)
            return false;
        second += first + 1;

        return IsNumber(rest[..first], out major)
            && IsNumber(rest[(first + 1)..second], out _)
            && IsNumber(rest[(second + 1)..], out _);
    }

    // A core number: digits, no leading zero unless it is "0".
    private static bool IsNumber(ReadOnlySpan<char> s, out ulong value)
    {
        value = 0;
        if (s.IsEmpty || (s.Length > 1 && s[0] == '0'))
            return false;
        foreach (char c in s)
            if (c is < '0' or > '9')
                return false;
        return ulong.TryParse(s, out value);
    }

    // Dot-separated [0-9A-Za-z-]+; in pre-release parts a purely numeric one has no leading zero.
    private static bool AreIdentifiers(ReadOnlySpan<char> s, bool numericRule)
    {
        if (s.IsEmpty)
            return false;
        foreach (Range range in s.Split('.'))
        {
            ReadOnlySpan<char> id = s[range];
            if (id.IsEmpty)
                return false;
            bool numeric = true;
            foreach (char c in id)
            {
                if (c is >= '0' and <= '9')
                    continue;
                if (c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '-')
                {
                    numeric = false;
                    continue;
                }
                return false;
            }
            if (numericRule && numeric && id.Length > 1 && id[0] == '0')
                return false;
        }
        return true;
    }
}
