using System.Text;

namespace Csrun.Runtime.Spec;

/// <summary>
/// Builds the JSON paths used in error messages: "linux.namespaces[2].type" for fields and
/// indexes, and linux.sysctl["net.ipv4.ip_forward"] for map keys, which may contain dots.
/// </summary>
internal static class SpecPath
{
    public static string Field(string parent, string name) =>
        parent.Length == 0 ? name : parent + "." + name;

    public static string Index(string parent, int index) => parent + "[" + index + "]";

    public static string Key(string parent, string key) => parent + "[" + Quote(key) + "]";

    /// <summary>A value quoted the way Go's %q would, so odd characters stay visible.</summary>
    public static string Quote(string? value)
    {
        value ??= "";
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20 || c == 0x7f)
                        sb.Append("\\x").Append(((int)c).ToString("x2"));
                    else
                        sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
        return sb.ToString();
    }
}
