namespace Csrun.Runtime.Spec;

/// <summary>
/// A config.json that cannot be read, parsed or accepted. The message is one line that
/// names what to fix; <see cref="JsonPath"/> is the offending field ("linux.namespaces[2].type")
/// when there is one.
/// </summary>
public sealed class SpecException : Exception
{
    public string? JsonPath { get; }

    public SpecException(string message, string? jsonPath = null, Exception? innerException = null)
        : base(message, innerException)
    {
        JsonPath = jsonPath;
    }
}
