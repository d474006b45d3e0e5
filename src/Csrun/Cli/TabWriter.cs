using System.Text;

namespace Csrun.Cli;

/// <summary>Go's text/tabwriter as runc's list uses it: each cell padded to its column's widest
/// cell plus padding, at least minWidth; the last column unpadded.</summary>
public static class TabWriter
{
    public static string Format(List<string[]> rows, int minWidth, int padding)
    {
        int columns = rows.Max(r => r.Length);
        var widths = new int[columns];
        foreach (var row in rows)
            for (int c = 0; c < row.Length - 1; c++)
                widths[c] = Math.Max(widths[c], Math.Max(minWidth, row[c].Length + padding));
        var sb = new StringBuilder();
        foreach (var row in rows)
        {
            for (int c = 0; c < row.Length; c++)
                sb.Append(c == row.Length - 1 ? row[c] : row[c].PadRight(widths[c]));
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
