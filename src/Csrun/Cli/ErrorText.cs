using System.Text.Json;

namespace Csrun.Cli;

/// <summary>The one line a failure is reported as.</summary>
public static class ErrorText
{
    public static string Of(Exception e) => e switch
    {
        JsonException j => $"invalid JSON: {j.Message}",
        UnauthorizedAccessException u => u.Message,
        _ => e.Message,
    };
}
