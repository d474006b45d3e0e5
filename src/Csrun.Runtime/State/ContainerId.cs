using System.Text.RegularExpressions;

namespace Csrun.Runtime.State;

/// <summary>Container ids as runc accepts them: word characters, '+', '-', '.', no path tricks,
/// and short enough to be a directory name.</summary>
public static partial class ContainerId
{
    public const int MaxLength = 255;

    [GeneratedRegex(@"^[\w+\-.]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>Null when valid, else the one-line reason.</summary>
    public static string? Check(string? id)
    {
        if (string.IsNullOrEmpty(id)) return "container id cannot be empty";
        if (id.Length > MaxLength) return $"invalid id format: id is {id.Length} characters long, at most {MaxLength} are allowed";
        if (!Pattern().IsMatch(id) || id == "." || id == "..") return $"invalid id format: {id}";
        return null;
    }
}
