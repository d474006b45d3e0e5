using System.Text.Json;

namespace Csrun.Runtime.Spec;

/// <summary>
/// Reads config.json straight into the model with a Utf8JsonReader. System.Text.Json's
/// source-generated metadata for the whole RuntimeSpec graph costs ~3.5 ms and ~900 KB at its
/// first use in a process (measured: the largest cost of `create` before anything is made),
/// and every create and run is a new process. This reader takes only documents it is sure STJ
/// reads the same way: a type mismatch, a number out of range, a null where a value is required,
/// or a key given twice makes it give up (null), and SpecLoader reads the document with STJ, for
/// the same model or the same error message. Property names match as STJ matches them here
/// (OrdinalIgnoreCase); unknown ones are skipped. The Read methods are generated from the model
/// (gen-spec-reader.py); SpecJsonReaderTests compare the result with STJ's.
/// </summary>
internal static partial class SpecJsonReader
{
    /// <summary>The document is one not to decide on here: STJ reads it.</summary>
    private sealed class UnsureException : Exception { }

    private static readonly UnsureException s_unsure = new();

    private static UnsureException Unsure() => s_unsure;

    /// <summary>The model, or null when STJ must decide (the document may still be valid).</summary>
    public static RuntimeSpec? TryRead(ReadOnlySpan<byte> utf8)
    {
        var r = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = SpecJsonContext.MaxJsonDepth });
        try
        {
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return null;
            var spec = ReadRuntimeSpec(ref r);
            return r.Read() ? null : spec;
        }
        catch (UnsureException) { return null; }
        catch (JsonException) { return null; }
        catch (InvalidOperationException) { return null; }
    }

    /// <summary>Moves to the next property's value; false at the end of the object.</summary>
    private static bool NextProperty(ref Utf8JsonReader r, out string name)
    {
        r.Read();
        if (r.TokenType == JsonTokenType.EndObject)
        {
            name = "";
            return false;
        }
        if (r.TokenType != JsonTokenType.PropertyName) throw Unsure();
        name = r.GetString()!;
        r.Read();
        return true;
    }

    /// <summary>Moves to the next array item; false at the end of the array.</summary>
    private static bool NextItem(ref Utf8JsonReader r)
    {
        r.Read();
        return r.TokenType != JsonTokenType.EndArray;
    }

    private static bool Is(string name, string property) => string.Equals(name, property, StringComparison.OrdinalIgnoreCase);

    /// <summary>A property given twice (in any case): STJ's rule for that decides.</summary>
    private static void Once(ref ulong seen, int index)
    {
        ulong bit = 1UL << index;
        if ((seen & bit) != 0) throw Unsure();
        seen |= bit;
    }

    /// <summary>True for null; otherwise the value must be an object.</summary>
    private static bool NullElseObject(ref Utf8JsonReader r) => r.TokenType switch
    {
        JsonTokenType.Null => true,
        JsonTokenType.StartObject => false,
        _ => throw Unsure(),
    };

    /// <summary>True for null; otherwise the value must be an array.</summary>
    private static bool NullElseArray(ref Utf8JsonReader r) => r.TokenType switch
    {
        JsonTokenType.Null => true,
        JsonTokenType.StartArray => false,
        _ => throw Unsure(),
    };

    private static string? Str(ref Utf8JsonReader r) => r.TokenType switch
    {
        JsonTokenType.String => r.GetString(),
        JsonTokenType.Null => null,
        _ => throw Unsure(),
    };

    private static bool Bool(ref Utf8JsonReader r) => r.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw Unsure(),
    };

    private static bool? BoolOrNull(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Null ? null : Bool(ref r);

    // A number token that fits the type, as STJ's converters require; anything else: unsure.
    private static bool IsNumber(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Number;
    private static int I32(ref Utf8JsonReader r) => IsNumber(ref r) && r.TryGetInt32(out int v) ? v : throw Unsure();
    private static uint U32(ref Utf8JsonReader r) => IsNumber(ref r) && r.TryGetUInt32(out uint v) ? v : throw Unsure();
    private static long I64(ref Utf8JsonReader r) => IsNumber(ref r) && r.TryGetInt64(out long v) ? v : throw Unsure();
    private static ulong U64(ref Utf8JsonReader r) => IsNumber(ref r) && r.TryGetUInt64(out ulong v) ? v : throw Unsure();
    private static ushort U16(ref Utf8JsonReader r) => IsNumber(ref r) && r.TryGetUInt16(out ushort v) ? v : throw Unsure();

    private static int? I32OrNull(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Null ? null : I32(ref r);
    private static uint? U32OrNull(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Null ? null : U32(ref r);
    private static long? I64OrNull(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Null ? null : I64(ref r);
    private static ulong? U64OrNull(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Null ? null : U64(ref r);
    private static ushort? U16OrNull(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Null ? null : U16(ref r);

    /// <summary>An opaque section (solaris, windows, ...): kept as STJ keeps a JsonElement?.</summary>
    private static JsonElement? Element(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Null ? null : JsonElement.ParseValue(ref r);
}
