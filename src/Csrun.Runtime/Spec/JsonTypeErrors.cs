using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Csrun.Runtime.Spec;

/// <summary>
/// Turns a deserialization failure (a value of the wrong JSON type or out of range) into
/// "config.json: linux.namespaces[2].type: expected a string, got 5". The expected type
/// comes from the source-generated metadata, the actual value from the document itself.
/// </summary>
internal static class JsonTypeErrors
{
    private const int MaxShownStringLength = 40;

    private readonly record struct Segment(string? Name, int Index);

    public static SpecException Describe(JsonException ex, ReadOnlySpan<byte> utf8, string sourceName, JsonTypeInfo root)
    {
        List<Segment>? segments = ParsePath(ex.Path);
        if (segments is null)
            return new SpecException($"{sourceName}: invalid value{AtLine(ex)}", null, ex);

        (string path, string? expected) = Walk(root, segments);
        string? got = ActualValue(utf8, segments);

        if (path.Length == 0)
            return new SpecException(
                $"{sourceName}: expected a JSON object at the top level{Got(got)}", null, ex);
        if (expected is null)
            return new SpecException($"{sourceName}: {path}: invalid value{Got(got)}", path, ex);
        return new SpecException($"{sourceName}: {path}: expected {expected}{Got(got)}", path, ex);
    }

    private static string Got(string? got) => got is null ? "" : ", got " + got;

    private static string AtLine(JsonException ex) =>
        ex.LineNumber is long line ? $" at line {line + 1}" : "";

    // System.Text.Json paths look like $.linux.namespaces[2].type or $.annotations['a.b'].
    private static List<Segment>? ParsePath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '$')
            return null;
        var segments = new List<Segment>();
        int i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                int start = ++i;
                while (i < path.Length && path[i] != '.' && path[i] != '[')
                    i++;
                segments.Add(new Segment(path[start..i], -1));
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] == '\'')
            {
                int start = i + 2;
                int end = path.IndexOf("']", start, StringComparison.Ordinal);
                if (end < 0)
                    return null;
                segments.Add(new Segment(path[start..end], -1));
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                int end = path.IndexOf(']', i);
                if (end < 0 || !int.TryParse(path.AsSpan(i + 1, end - i - 1), out int index))
                    return null;
                segments.Add(new Segment(null, index));
                i = end + 1;
            }
            else
            {
                return null;
            }
        }
        return segments;
    }

    /// <summary>Follows the path through the model's metadata; returns the display path and the expected kind.</summary>
    private static (string Path, string? Expected) Walk(JsonTypeInfo root, List<Segment> segments)
    {
        string path = "";
        JsonTypeInfo? info = root;
        Type? type = root.Type;
        foreach (Segment segment in segments)
        {
            type = null;
            switch (info?.Kind)
            {
                case JsonTypeInfoKind.Object when segment.Name is not null:
                    JsonPropertyInfo? property = FindProperty(info, segment.Name);
                    path = SpecPath.Field(path, property?.Name ?? segment.Name);
                    type = property?.PropertyType;
                    break;
                case JsonTypeInfoKind.Enumerable:
                    path = segment.Name is null ? SpecPath.Index(path, segment.Index) : SpecPath.Field(path, segment.Name);
                    type = info.ElementType;
                    break;
                case JsonTypeInfoKind.Dictionary:
                    path = SpecPath.Key(path, segment.Name ?? segment.Index.ToString());
                    type = info.ElementType;
                    break;
                default:
                    path = segment.Name is null ? SpecPath.Index(path, segment.Index) : SpecPath.Field(path, segment.Name);
                    break;
            }
            info = type is null ? null : info!.Options.TypeInfoResolver?.GetTypeInfo(Unwrap(type), info.Options);
        }
        return (path, type is null ? null : DescribeType(Unwrap(type), info));
    }

    private static JsonPropertyInfo? FindProperty(JsonTypeInfo info, string name)
    {
        JsonPropertyInfo? caseInsensitive = null;
        foreach (JsonPropertyInfo property in info.Properties)
        {
            if (string.Equals(property.Name, name, StringComparison.Ordinal))
                return property;
            if (caseInsensitive is null && string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                caseInsensitive = property;
        }
        return caseInsensitive;
    }

    private static Type Unwrap(Type type) => Nullable.GetUnderlyingType(type) ?? type;

    private static string? DescribeType(Type type, JsonTypeInfo? info)
    {
        if (type == typeof(string)) return "a string";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(int)) return Range(int.MinValue, int.MaxValue);
        if (type == typeof(uint)) return Range(uint.MinValue, uint.MaxValue);
        if (type == typeof(long)) return Range(long.MinValue, long.MaxValue);
        if (type == typeof(ulong)) return Range(ulong.MinValue, ulong.MaxValue);
        if (type == typeof(ushort)) return Range(ushort.MinValue, ushort.MaxValue);
        if (type == typeof(short)) return Range(short.MinValue, short.MaxValue);
        if (type == typeof(JsonElement)) return "a JSON value";
        return info?.Kind switch
        {
            JsonTypeInfoKind.Object => "an object",
            JsonTypeInfoKind.Dictionary => "an object",
            JsonTypeInfoKind.Enumerable => "an array",
            _ => null,
        };
    }

    private static string Range<T>(T min, T max) => $"an integer between {min} and {max}";

    /// <summary>The offending value as it appears in the document, or null when it cannot be found.</summary>
    private static string? ActualValue(ReadOnlySpan<byte> utf8, List<Segment> segments)
    {
        using JsonDocument document = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions
        {
            MaxDepth = SpecJsonContext.MaxJsonDepth,
        });
        JsonElement element = document.RootElement;
        foreach (Segment segment in segments)
        {
            if (segment.Name is null)
            {
                if (element.ValueKind != JsonValueKind.Array || segment.Index >= element.GetArrayLength())
                    return null;
                element = element[segment.Index];
            }
            else
            {
                if (element.ValueKind != JsonValueKind.Object || !TryGetProperty(element, segment.Name, out element))
                    return null;
            }
        }
        return element.ValueKind switch
        {
            JsonValueKind.String => ShortString(element.GetString()),
            JsonValueKind.Number => element.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Null => "null",
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            _ => null,
        };
    }

    // Mirrors the deserializer: exact match preferred, else case-insensitive; the last duplicate wins.
    private static bool TryGetProperty(JsonElement obj, string name, out JsonElement value)
    {
        bool found = false;
        value = default;
        foreach (JsonProperty property in obj.EnumerateObject())
        {
            if (property.NameEquals(name))
            {
                value = property.Value;
                return true;
            }
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                found = true;
            }
        }
        return found;
    }

    private static string ShortString(string? s)
    {
        s ??= "";
        return s.Length <= MaxShownStringLength
            ? SpecPath.Quote(s)
            : SpecPath.Quote(s[..MaxShownStringLength]) + "...";
    }
}
