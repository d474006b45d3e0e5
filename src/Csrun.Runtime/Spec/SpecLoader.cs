using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Csrun.Runtime.Spec;

/// <summary>
/// Reads config.json into the model. Every failure becomes a <see cref="SpecException"/>
/// with a one-line message naming the file, the position or JSON path, and the problem.
/// </summary>
/// <remarks>
/// The messages are composed here rather than taken from System.Text.Json because the
/// csrun binary is built with UseSystemResourceKeys, which replaces framework exception
/// text with resource ids.
/// </remarks>
public static class SpecLoader
{
    public const string ConfigFileName = "config.json";

    /// <summary>Guards against a config.json that is a link to an endless device.</summary>
    public const int MaxConfigBytes = 32 * 1024 * 1024;

    /// <summary>Reads and parses bundleDir/config.json.</summary>
    public static RuntimeSpec LoadFromBundle(string bundleDir)
    {
        ArgumentNullException.ThrowIfNull(bundleDir);
        string path = Path.Combine(bundleDir, ConfigFileName);
        byte[] data = ReadFile(path);
        return Parse(data, ConfigFileName);
    }

    /// <summary>Parses config.json content.</summary>
    public static RuntimeSpec Parse(ReadOnlySpan<byte> utf8) => Parse(utf8, ConfigFileName);

    /// <summary>Parses config.json content; <paramref name="sourceName"/> prefixes messages.</summary>
    public static RuntimeSpec Parse(ReadOnlySpan<byte> utf8, string sourceName) =>
        Deserialize(utf8, sourceName, static () => SpecJsonContext.Default.RuntimeSpec);

    /// <summary>Parses a process.json (the `exec --process` file): a bare process object.</summary>
    public static SpecProcess ParseProcess(ReadOnlySpan<byte> utf8, string sourceName = "process.json") =>
        Deserialize(utf8, sourceName, static () => SpecJsonContext.Default.SpecProcess);

    /// <summary>Reads a JSON file with the same error wording as config.json.</summary>
    public static byte[] ReadFile(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            var buffer = new MemoryStream();
            byte[] chunk = new byte[64 * 1024];
            int n;
            while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + n > MaxConfigBytes)
                    throw new SpecException($"read {path}: file is larger than {MaxConfigBytes / (1024 * 1024)} MiB");
                buffer.Write(chunk, 0, n);
            }
            return buffer.ToArray();
        }
        catch (FileNotFoundException ex)
        {
            throw new SpecException($"open {path}: no such file or directory", null, ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new SpecException($"open {path}: no such file or directory", null, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            // .NET reports opening a directory as an access error; say what it really is.
            string why = Directory.Exists(path) ? "is a directory" : "permission denied";
            throw new SpecException($"open {path}: {why}", null, ex);
        }
        catch (IOException ex)
        {
            throw new SpecException($"read {path}: {DescribeIOException(ex)}", null, ex);
        }
    }

    private static T Deserialize<T>(ReadOnlySpan<byte> utf8, string sourceName, Func<JsonTypeInfo<T>> typeInfoOf)
        where T : class
    {
        // A UTF-8 BOM is harmless and editors add it; skip it rather than fail on it.
        if (utf8.Length >= 3 && utf8[0] == 0xEF && utf8[1] == 0xBB && utf8[2] == 0xBF)
            utf8 = utf8[3..];

        if (IsBlank(utf8))
            throw new SpecException($"{sourceName}: file is empty, expected a JSON object");

        JsonSyntaxCheck.ThrowIfInvalid(utf8, sourceName);
        ThrowIfInvalidUtf8(utf8, sourceName);

        // The common case without STJ's metadata (see SpecJsonReader); STJ for the rest.
        if (typeof(T) == typeof(RuntimeSpec) && SpecJsonReader.TryRead(utf8) is T quick)
            return quick;

        var typeInfo = typeInfoOf();
        T? value;
        try
        {
            value = JsonSerializer.Deserialize(utf8, typeInfo);
        }
        catch (JsonException ex)
        {
            throw JsonTypeErrors.Describe(ex, utf8, sourceName, typeInfo);
        }

        if (value is null)
            throw new SpecException($"{sourceName}: expected a JSON object at the top level, got null");
        return value;
    }

    /// <summary>The reader does not check the bytes inside strings: without this, invalid
    /// UTF-8 there surfaces as a transcoding error from deep inside the deserializer.</summary>
    private static void ThrowIfInvalidUtf8(ReadOnlySpan<byte> utf8, string sourceName)
    {
        if (System.Text.Unicode.Utf8.IsValid(utf8)) return;
        char[] scratch = new char[utf8.Length];
        System.Text.Unicode.Utf8.ToUtf16(utf8, scratch, out int valid, out _, replaceInvalidSequences: false);
        int line = 1, lineStart = 0;
        for (int i = 0; i < valid; i++)
            if (utf8[i] == (byte)'\n') { line++; lineStart = i + 1; }
        throw new SpecException($"{sourceName}: invalid UTF-8 at line {line}, byte {valid - lineStart + 1}: byte 0x{utf8[valid]:X2} does not start or continue a character");
    }

    private static bool IsBlank(ReadOnlySpan<byte> utf8)
    {
        foreach (byte b in utf8)
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r'))
                return false;
        return true;
    }

    private static string DescribeIOException(IOException ex)
    {
        // On Unix the runtime stores the raw errno in HResult for errors it has no type for.
        int errno = ex.HResult;
        if (errno > 0 && errno < 4096)
        {
            string text = Marshal.GetPInvokeErrorMessage(errno);
            if (text.Length > 1 && char.IsUpper(text[0]) && !char.IsUpper(text[1]))
                text = char.ToLowerInvariant(text[0]) + text[1..];
            return text;
        }
        return ex.Message;
    }
}
