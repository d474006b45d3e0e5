namespace Csrun.Runtime.Security;

/// <summary>Reads the container's /etc/passwd (never the host's): csrun only needs the home
/// directory of a uid, for HOME when the spec's env lacks it.</summary>
public static class PasswdFile
{
    public static string? HomeOf(IEnumerable<string> lines, uint uid)
    {
        foreach (var line in lines)
        {
            var f = line.Split(':');
            if (f.Length >= 6 && uint.TryParse(f[2], out uint u) && u == uid) return f[5];
        }
        return null;
    }
}
