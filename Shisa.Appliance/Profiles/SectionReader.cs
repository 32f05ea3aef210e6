using System.Net;
using Shisa.Modules.Configuration;
using Shisa.DataPlane.Bus;

namespace Shisa.Appliance.Profiles;

/// <summary>
/// Typed, positioned reads of one TOML table for a section validator. Every read that fails reports an error
/// (missing, wrong type, bad value) and returns null, so a validator reads all its keys and carries on.
/// </summary>
internal sealed class SectionReader
{
    private readonly TomlTable _table;
    private readonly ProfileDiagnostics _diagnostics;

    private SectionReader(TomlTable table, string label, ProfileDiagnostics diagnostics)
    {
        _table = table;
        Label = label;
        _diagnostics = diagnostics;
    }

    /// <summary>How errors name the section, e.g. "[mobile_node]" or "[[interface]]".</summary>
    public string Label { get; }

    /// <summary>Where the section starts; errors about missing keys point here.</summary>
    public SourcePosition Position => _table.Position;

    /// <summary>Opens a table as a section and reports every key it does not know (none when knownKeys is null).</summary>
    public static SectionReader Open(TomlTable table, string label, ProfileDiagnostics diagnostics, IReadOnlyCollection<string>? knownKeys)
    {
        foreach (var entry in table.Entries)
        {
            if (knownKeys is not null && !knownKeys.Contains(entry.Key))
            {
                diagnostics.Error(entry.KeyPosition, $"unknown key '{entry.Key}' in {label}");
            }
        }

        return new SectionReader(table, label, diagnostics);
    }

    public void Error(SourcePosition position, string message) => _diagnostics.Error(position, message);

    public Located<string>? String(string key, bool required = false) => Scalar<string>(key, "a string", required);

    public Located<long>? Integer(string key, bool required = false) => Scalar<long>(key, "an integer", required);

    public Located<bool>? Boolean(string key, bool required = false) => Scalar<bool>(key, "a boolean", required);

    /// <summary>A non-empty string.</summary>
    public Located<string>? Text(string key, bool required = false)
    {
        var value = String(key, required);
        if (value is { Value.Length: 0 })
        {
            Error(value.Value.Position, $"key '{key}' in {Label} must not be empty");
            return null;
        }

        return value;
    }

    public Located<long>? Integer(string key, long min, long max, string rule, bool required = false)
    {
        var value = Integer(key, required);
        if (value is { } v && (v.Value < min || v.Value > max))
        {
            Error(v.Position, $"key '{key}' is {v.Value}, out of range: {rule}");
            return null;
        }

        return value;
    }

    /// <summary>An array of strings; null when absent or when it is not an array.</summary>
    public IReadOnlyList<Located<string>>? Strings(string key, bool required = false)
    {
        if (Array(key, required) is not { } array)
        {
            return null;
        }

        var result = new List<Located<string>>(array.Items.Count);
        foreach (var item in array.Items)
        {
            if (item is TomlScalar { Value: string s })
            {
                result.Add(new Located<string>(s, item.Position));
            }
            else
            {
                Error(item.Position, $"key '{key}' must be an array of strings, found {item.TypeName}");
            }
        }

        return result;
    }

    /// <summary>An array of tables, from <c>[[key]]</c> or <c>key = [{ ... }]</c>.</summary>
    public IReadOnlyList<TomlTable> Tables(string key)
    {
        var entry = _table[key];
        if (entry is null)
        {
            return [];
        }

        if (entry.Value is not TomlArray array)
        {
            Error(entry.Value.Position, $"'{QualifiedKey(key)}' must be an array of tables: write [[{QualifiedKey(key)}]]");
            return [];
        }

        var tables = new List<TomlTable>(array.Items.Count);
        foreach (var item in array.Items)
        {
            if (item is TomlTable table)
            {
                tables.Add(table);
            }
            else
            {
                Error(item.Position, $"'{QualifiedKey(key)}' must be an array of tables, found {item.TypeName}");
            }
        }

        return tables;
    }

    /// <summary>A sub-table, from <c>[key]</c> or <c>key = { ... }</c>; null when absent or not a table.</summary>
    public TomlTable? Table(string key)
    {
        var entry = _table[key];
        if (entry is null || entry.Value is TomlTable)
        {
            return entry?.Value as TomlTable;
        }

        string what = entry.Value is TomlArray { Items: [TomlTable, ..] } ? $"a table, not an array of tables: write [{QualifiedKey(key)}]" : $"a table, found {entry.Value.TypeName}";
        Error(entry.Value.Position, $"'{QualifiedKey(key)}' must be {what}");
        return null;
    }

    public Located<TEnum>? Enum<TEnum>(string key, IReadOnlyDictionary<string, TEnum> names, bool required = false)
        where TEnum : struct, Enum
    {
        if (String(key, required) is not { } text)
        {
            return null;
        }

        if (names.TryGetValue(text.Value, out var value))
        {
            return new Located<TEnum>(value, text.Position);
        }

        Error(text.Position, $"key '{key}' must be one of {string.Join(", ", names.Keys)}; not '{text.Value}'");
        return null;
    }

    public Located<IPAddress>? Unicast(string key, bool required = false)
    {
        if (String(key, required) is not { } text)
        {
            return null;
        }

        if (ProfileValues.TryParseUnicast(text.Value, out var address, out var error))
        {
            return new Located<IPAddress>(address, text.Position);
        }

        Error(text.Position, error);
        return null;
    }

    public Located<IPAddress>? Ipv4Unicast(string key, bool required = false)
    {
        if (String(key, required) is not { } text)
        {
            return null;
        }

        if (ProfileValues.TryParseIpv4Unicast(text.Value, out var address, out var error))
        {
            return new Located<IPAddress>(address, text.Position);
        }

        Error(text.Position, error);
        return null;
    }

    public Located<Prefix>? Prefix(string key, bool required = false) =>
        String(key, required) is { } text ? ParsePrefix(text) : null;

    public IReadOnlyList<Located<Prefix>>? Prefixes(string key, bool required = false)
    {
        if (Strings(key, required) is not { } texts)
        {
            return null;
        }

        var prefixes = new List<Located<Prefix>>(texts.Count);
        foreach (var text in texts)
        {
            if (ParsePrefix(text) is not { } prefix)
            {
                continue;
            }

            int other = prefixes.FindIndex(p => ProfileValues.Overlap(p.Value, prefix.Value));
            if (other >= 0)
            {
                Error(prefix.Position, $"prefix {prefix.Value} overlaps {prefixes[other].Value} (line {prefixes[other].Position.Line})");
                continue;
            }

            prefixes.Add(prefix);
        }

        return prefixes;
    }

    /// <summary>
    /// The RFC 4285 mobility SPI and shared key, which go together. SPIs 0-255 are reserved (RFC 4285 5.1).
    /// </summary>
    public (uint? Spi, EquatableArray<byte> Key) Authentication()
    {
        var spi = Integer("spi", 256, uint.MaxValue, "256..4294967295 (RFC 4285 reserves 0-255)");
        var keyText = String("key");
        byte[] key = [];
        if (keyText is { } k && !ProfileValues.TryParseHexKey(k.Value, out key, out var error))
        {
            Error(k.Position, error);
        }

        if (Has("spi") != Has("key"))
        {
            string present = Has("spi") ? "spi" : "key", absent = Has("spi") ? "key" : "spi";
            Error(_table[present]!.KeyPosition, $"key '{present}' needs key '{absent}' in {Label} (RFC 4285 authenticates with both)");
        }

        return (spi is { } s ? (uint)s.Value : null, new EquatableArray<byte>(key));
    }

    public bool Has(string key) => _table[key] is not null;

    private Located<Prefix>? ParsePrefix(Located<string> text)
    {
        if (ProfileValues.TryParsePrefix(text.Value, out var prefix, out var error))
        {
            return new Located<Prefix>(prefix, text.Position);
        }

        Error(text.Position, error);
        return null;
    }

    private TomlArray? Array(string key, bool required)
    {
        var entry = _table[key];
        if (entry is null)
        {
            ReportMissing(key, required);
            return null;
        }

        if (entry.Value is TomlArray array)
        {
            return array;
        }

        Error(entry.Value.Position, $"key '{key}' must be an array, found {entry.Value.TypeName}");
        return null;
    }

    private Located<T>? Scalar<T>(string key, string typeName, bool required)
    {
        var entry = _table[key];
        if (entry is null)
        {
            ReportMissing(key, required);
            return null;
        }

        if (entry.Value is TomlScalar { Value: T value })
        {
            return new Located<T>(value, entry.Value.Position);
        }

        Error(entry.Value.Position, $"key '{key}' must be {typeName}, found {entry.Value.TypeName}");
        return null;
    }

    private void ReportMissing(string key, bool required)
    {
        if (required)
        {
            Error(Position, $"missing key '{key}' in {Label}");
        }
    }

    private string QualifiedKey(string key) => Label.StartsWith('[') ? $"{Label.Trim('[', ']')}.{key}" : key;
}
