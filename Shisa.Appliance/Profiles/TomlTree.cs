using Tomlyn.Syntax;

namespace Shisa.Appliance.Profiles;

// A TOML document as plain tables, arrays and scalars that remember where they were written. Built from
// Tomlyn's syntax tree once the document is valid TOML, so validators never deal with the several ways TOML
// can spell the same table ([a] b = 1, a.b = 1, a = { b = 1 }) and every key and value keeps its position.

internal abstract class TomlNode(SourcePosition position)
{
    /// <summary>Where the value starts (for tables: the header's name or the inline table's brace).</summary>
    public SourcePosition Position { get; } = position;

    /// <summary>The TOML type as an error message names it.</summary>
    public abstract string TypeName { get; }
}

internal sealed record TomlEntry(string Key, SourcePosition KeyPosition, TomlNode Value);

internal sealed class TomlTable(SourcePosition position) : TomlNode(position)
{
    private readonly List<TomlEntry> _entries = [];
    private readonly Dictionary<string, TomlEntry> _byKey = new(StringComparer.Ordinal);

    public override string TypeName => "a table";

    public IReadOnlyList<TomlEntry> Entries => _entries;

    public TomlEntry? this[string key] => _byKey.GetValueOrDefault(key);

    /// <summary>Adds an entry; false when the key exists (Tomlyn's validation reports that before we get here).</summary>
    public bool TryAdd(TomlEntry entry)
    {
        if (!_byKey.TryAdd(entry.Key, entry))
        {
            return false;
        }

        _entries.Add(entry);
        return true;
    }
}

/// <summary>An array; <c>[[x]]</c> table arrays are arrays whose items are tables.</summary>
internal sealed class TomlArray(SourcePosition position) : TomlNode(position)
{
    public List<TomlNode> Items { get; } = [];

    public override string TypeName => "an array";
}

internal sealed class TomlScalar(SourcePosition position, object value) : TomlNode(position)
{
    /// <summary>string, long, double, bool or <see cref="Tomlyn.TomlDateTime"/>.</summary>
    public object Value { get; } = value;

    public override string TypeName => Value switch
    {
        string => "a string",
        long => "an integer",
        double => "a float",
        bool => "a boolean",
        _ => "a date-time",
    };
}

internal static class TomlTreeBuilder
{
    public static SourcePosition PositionOf(SyntaxNodeBase node) => new(node.Span.Start.Line + 1, node.Span.Start.Column + 1);

    /// <summary>Builds the tree of a document that parsed and validated without errors.</summary>
    public static TomlTable Build(DocumentSyntax document)
    {
        var root = new TomlTable(SourcePosition.Start);
        foreach (var keyValue in document.KeyValues)
        {
            AddKeyValue(root, keyValue);
        }

        foreach (var table in document.Tables)
        {
            if (table.Name is null)
            {
                continue;
            }

            var path = Segments(table.Name);
            if (path.Count == 0)
            {
                continue;
            }

            var parent = root;
            for (int i = 0; i < path.Count - 1 && parent is not null; i++)
            {
                parent = Descend(parent, path[i], path[i].Position);
            }

            // A table made by a header is positioned at the header's name: "missing key" errors point there.
            var header = PositionOf(table.Name);
            var target = parent is null ? null : table is TableArraySyntax
                ? AppendToTableArray(parent, path[^1], header)
                : Descend(parent, path[^1], header);
            if (target is null)
            {
                continue;
            }

            foreach (var keyValue in table.Items)
            {
                AddKeyValue(target, keyValue);
            }
        }

        return root;
    }

    private static void AddKeyValue(TomlTable table, KeyValueSyntax keyValue)
    {
        if (keyValue.Key is null || keyValue.Value is null)
        {
            return;
        }

        var path = Segments(keyValue.Key);
        if (path.Count == 0)
        {
            return;
        }

        TomlTable? target = table;
        for (int i = 0; i < path.Count - 1 && target is not null; i++)
        {
            target = Descend(target, path[i], path[i].Position);
        }

        var value = Convert(keyValue.Value);
        if (target is not null && value is not null)
        {
            target.TryAdd(new TomlEntry(path[^1].Name, path[^1].Position, value));
        }
    }

    /// <summary>The table at <paramref name="segment"/> below <paramref name="table"/>, made when missing.</summary>
    private static TomlTable? Descend(TomlTable table, (string Name, SourcePosition Position) segment, SourcePosition position)
    {
        switch (table[segment.Name]?.Value)
        {
            case TomlTable existing:
                return existing;
            case TomlArray { Items: [.., TomlTable last] }:
                return last;
            case null:
                var created = new TomlTable(position);
                table.TryAdd(new TomlEntry(segment.Name, segment.Position, created));
                return created;
            default:
                return null;
        }
    }

    private static TomlTable? AppendToTableArray(TomlTable parent, (string Name, SourcePosition Position) segment, SourcePosition position)
    {
        var item = new TomlTable(position);
        switch (parent[segment.Name]?.Value)
        {
            case TomlArray array:
                array.Items.Add(item);
                return item;
            case null:
                var created = new TomlArray(position);
                created.Items.Add(item);
                parent.TryAdd(new TomlEntry(segment.Name, segment.Position, created));
                return item;
            default:
                return null;
        }
    }

    private static TomlNode? Convert(ValueSyntax value)
    {
        var position = PositionOf(value);
        switch (value)
        {
            case StringValueSyntax s:
                return s.Value is null ? null : new TomlScalar(position, s.Value);
            case IntegerValueSyntax i:
                return new TomlScalar(position, i.Value);
            case FloatValueSyntax f:
                return new TomlScalar(position, f.Value);
            case BooleanValueSyntax b:
                return new TomlScalar(position, b.Value);
            case DateTimeValueSyntax d:
                return new TomlScalar(position, d.Value);
            case ArraySyntax a:
                var array = new TomlArray(position);
                foreach (var item in a.Items)
                {
                    if (item.Value is not null && Convert(item.Value) is { } converted)
                    {
                        array.Items.Add(converted);
                    }
                }

                return array;
            case InlineTableSyntax t:
                var table = new TomlTable(position);
                foreach (var item in t.Items)
                {
                    if (item.KeyValue is not null)
                    {
                        AddKeyValue(table, item.KeyValue);
                    }
                }

                return table;
            default:
                return null;
        }
    }

    private static List<(string Name, SourcePosition Position)> Segments(KeySyntax key)
    {
        var segments = new List<(string, SourcePosition)>();
        if (key.Key is { } first && NameOf(first) is { } firstName)
        {
            segments.Add((firstName, PositionOf(first)));
        }

        foreach (var dotted in key.DotKeys)
        {
            if (dotted.Key is { } part && NameOf(part) is { } name)
            {
                segments.Add((name, PositionOf(part)));
            }
        }

        return segments;
    }

    private static string? NameOf(BareKeyOrStringValueSyntax key) => key switch
    {
        BareKeySyntax bare => bare.Key?.Text,
        StringValueSyntax quoted => quoted.Value,
        _ => null,
    };
}
