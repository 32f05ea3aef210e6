using System.Text;

namespace Shisa.Appliance.Cli;

/// <summary>A plain aligned text table for terminals (what <c>shisa status</c> prints).</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public int Count => _rows.Count;

    public void Add(params string[] cells) => _rows.Add(cells);

    public string Render()
    {
        var widths = headers.Select(h => h.Length).ToArray();
        foreach (var row in _rows)
        {
            for (int i = 0; i < widths.Length && i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        var b = new StringBuilder();
        Line(b, headers, widths);
        Line(b, widths.Select(w => new string('-', w)).ToArray(), widths);
        foreach (var row in _rows)
        {
            Line(b, row, widths);
        }

        return b.ToString();
    }

    private static void Line(StringBuilder b, string[] cells, int[] widths)
    {
        for (int i = 0; i < widths.Length; i++)
        {
            var cell = i < cells.Length ? cells[i] : "";
            b.Append(i == widths.Length - 1 ? cell : cell.PadRight(widths[i] + 2));
        }

        b.Append('\n');
    }
}
