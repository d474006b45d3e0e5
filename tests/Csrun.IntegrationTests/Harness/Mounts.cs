using System.Text;

namespace Csrun.IntegrationTests.Harness;

/// <summary>One line of /proc/PID/mountinfo.</summary>
public sealed record MountInfo(string Root, string MountPoint, string Options, string FsType, string Source, string SuperOptions)
{
    public override string ToString() => $"{Source} on {MountPoint} type {FsType} ({Options}; {SuperOptions}) root={Root}";
}

public static class Mounts
{
    public static IReadOnlyList<MountInfo> Read(string file = "/proc/self/mountinfo")
    {
        var list = new List<MountInfo>();
        foreach (string line in File.ReadAllLines(file))
        {
            string[] f = line.Split(' ');
            int sep = Array.IndexOf(f, "-");
            if (sep < 6 || f.Length < sep + 4) continue;
            list.Add(new MountInfo(Unescape(f[3]), Unescape(f[4]), f[5], f[sep + 1], Unescape(f[sep + 2]), f[sep + 3]));
        }
        return list;
    }

    /// <summary>Mounts whose mount point is <paramref name="dir"/> or below it.</summary>
    public static IReadOnlyList<MountInfo> Under(string dir) =>
        Read().Where(m => Procs.IsUnder(m.MountPoint, dir)).ToList();

    /// <summary>Decodes the \NNN octal escapes of mountinfo (space, tab, newline, backslash).</summary>
    public static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var sb = new StringBuilder();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && IsOct(s, i + 1))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else sb.Append(s[i]);
        }
        return sb.ToString();
    }

    private static bool IsOct(string s, int at) =>
        at + 3 <= s.Length && s.Substring(at, 3).All(c => c is >= '0' and <= '7');
}
