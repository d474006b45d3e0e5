namespace Csrun.Runtime.Security;

/// <summary>Reads the container's /etc/passwd (never the host's): csrun only needs the home
/// directory of a uid, for HOME when the spec's env lacks it.</summary>
public static class PasswdFile
{
    /// <summary>The process environment with HOME added when missing: the user's home from the
    /// container's passwd file, else "/", as runc does.</summary>
    public static List<string> EnvironmentWithHome(IEnumerable<string>? env, uint uid, string passwdPath)
    {
        var result = new List<string>(env ?? Enumerable.Empty<string>());
        if (result.Any(e => e.StartsWith("HOME=", StringComparison.Ordinal))) return result;
        string? home = null;
        try { home = HomeOf(File.ReadLines(passwdPath), uid); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        result.Add("HOME=" + (home is { Length: > 0 } ? home : "/"));
        return result;
    }

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
