using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Csrun.Runtime.Spec;

/// <summary>Serializes the spec model to the indented JSON `csrun spec` writes.</summary>
public static class SpecWriter
{
    // The default encoder escapes '+', '<', '&' and all non-ASCII text; relaxed escaping
    // keeps values such as env entries readable, matching what Go's encoder emits.
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        IndentCharacter = '\t',
        IndentSize = 1,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string ToJson(RuntimeSpec spec) => Encoding.UTF8.GetString(ToUtf8(spec));

    public static byte[] ToUtf8(RuntimeSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            JsonSerializer.Serialize(writer, spec, SpecJsonContext.Default.RuntimeSpec);
        return buffer.WrittenSpan.ToArray();
    }

    public static string ToJson(RuntimeFeatures features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var buffer = new ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            JsonSerializer.Serialize(writer, features, SpecJsonContext.Default.RuntimeFeatures);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
