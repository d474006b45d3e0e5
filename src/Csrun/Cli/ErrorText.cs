using System.Text.Json;

namespace Csrun.Cli;

/// <summary>The one line a failure is reported as.</summary>
public static class ErrorText
{
    public static string Of(Exception e) => e switch
    {
        JsonException j => $"invalid JSON: {j.Message}",
        UnauthorizedAccessException u => PermissionDenied(u.Message),
        _ => e.Message,
    };

    // With UseSystemResourceKeys .NET's message is the resource key and the path
    // ("UnauthorizedAccess_IODenied_Path, /x"): say it in runc's words.
    private static string PermissionDenied(string message)
    {
        const string key = "UnauthorizedAccess_IODenied_Path, ";
        return message.StartsWith(key, StringComparison.Ordinal) ? $"open {message.Substring(key.Length)}: permission denied" : message;
    }
}
