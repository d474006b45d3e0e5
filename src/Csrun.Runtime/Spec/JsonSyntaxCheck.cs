using System.Text.Json;

namespace Csrun.Runtime.Spec;

/// <summary>
/// A token-only pass over the document that turns malformed JSON into
/// "invalid JSON at line L, byte B: ..." before deserialization is attempted, so that
/// later errors can be assumed to be about types, not syntax.
/// </summary>
internal static class JsonSyntaxCheck
{
    public static void ThrowIfInvalid(ReadOnlySpan<byte> utf8, string sourceName)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions
        {
            MaxDepth = SpecJsonContext.MaxJsonDepth,
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
        });
        try
        {
            while (reader.Read())
            {
            }
        }
        catch (JsonException ex)
        {
            long line = ex.LineNumber ?? 0;
            long column = ex.BytePositionInLine ?? 0;
            string reason = Reason(utf8, line, column, reader.CurrentDepth);
            throw new SpecException(
                $"{sourceName}: invalid JSON at line {line + 1}, byte {column + 1}: {reason}", null, ex);
        }
    }

    private static string Reason(ReadOnlySpan<byte> utf8, long line, long column, int depth)
    {
        long offset = OffsetOf(utf8, line, column);
        if (offset >= utf8.Length)
            return "unexpected end of input";

        byte b = utf8[(int)offset];
        if ((b == (byte)'{' || b == (byte)'[') && depth >= SpecJsonContext.MaxJsonDepth - 1)
            return $"nested more than {SpecJsonContext.MaxJsonDepth} levels deep";
        if (b == (byte)'\'')
            return "unexpected character \"'\" (JSON strings use double quotes)";
        if (b == (byte)'/')
            return "unexpected character '/' (comments are not allowed in JSON)";
        if (b > 0x20 && b < 0x7f)
            return $"unexpected character '{(char)b}'";
        if (b < 0x20)
            return $"unexpected control character 0x{b:X2}";
        return $"unexpected byte 0x{b:X2} (not valid UTF-8 here)";
    }

    private static long OffsetOf(ReadOnlySpan<byte> utf8, long line, long column)
    {
        long currentLine = 0;
        int i = 0;
        while (currentLine < line && i < utf8.Length)
        {
            if (utf8[i] == (byte)'\n')
                currentLine++;
            i++;
        }
        return i + column;
    }
}
