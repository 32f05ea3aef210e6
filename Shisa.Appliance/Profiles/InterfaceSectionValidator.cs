using Shisa.Modules.Configuration;
using Shisa.DataPlane.Bus;

namespace Shisa.Appliance.Profiles;

/// <summary>[[interface]]: the links the node is attached to, each with a unique Linux interface name.</summary>
internal static class InterfaceSectionValidator
{
    /// <summary>IFNAMSIZ is 16 with the terminating NUL.</summary>
    private const int MaxNameLength = 15;

    private static readonly string[] Keys = ["name", "link"];

    /// <summary>The valid interfaces, in profile order, with the position of each name.</summary>
    public static List<Located<InterfaceSection>> Validate(IReadOnlyList<TomlTable> tables, ProfileDiagnostics diagnostics)
    {
        var interfaces = new List<Located<InterfaceSection>>(tables.Count);
        foreach (var table in tables)
        {
            var reader = SectionReader.Open(table, "[[interface]]", diagnostics, Keys);
            var name = reader.Text("name", required: true);
            var link = reader.Enum("link", ProfileNames.LinkKinds, required: true);
            if (name is { } n && !IsValidName(n.Value))
            {
                reader.Error(n.Position, $"'{n.Value}' is not an interface name (1 to {MaxNameLength} characters, no '/', ':' or white space)");
                continue;
            }

            int first = name is { } unique ? interfaces.FindIndex(i => i.Value.Name == unique.Value) : -1;
            if (first >= 0)
            {
                reader.Error(name!.Value.Position, $"duplicate interface '{name.Value.Value}' (first declared at line {interfaces[first].Position.Line})");
                continue;
            }

            if (name is { } valid && link is { } kind)
            {
                interfaces.Add(new Located<InterfaceSection>(new InterfaceSection(valid.Value, kind.Value), valid.Position));
            }
        }

        return interfaces;
    }

    /// <summary>Checks that every name in a list is a declared interface, of a link kind the list allows.</summary>
    public static EquatableArray<string>? ResolveNames(
        SectionReader reader,
        string key,
        IReadOnlyList<Located<InterfaceSection>> declared,
        Func<LinkKind, bool> allowed,
        string allowedText)
    {
        if (reader.Strings(key, required: true) is not { } names)
        {
            return null;
        }

        if (names.Count == 0)
        {
            reader.Error(reader.Position, $"key '{key}' in {reader.Label} must name at least one interface");
            return null;
        }

        bool ok = true;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var match = declared.Select(i => i.Value).FirstOrDefault(i => i.Name == name.Value);
            if (match is null)
            {
                reader.Error(name.Position, $"interface '{name.Value}' in {reader.Label} {key} is not declared in [[interface]]");
                ok = false;
            }
            else if (!allowed(match.Link))
            {
                reader.Error(name.Position, $"interface '{name.Value}' in {reader.Label} {key} has link = \"{ProfileNames.Of(match.Link)}\"; {allowedText}");
                ok = false;
            }
            else if (!seen.Add(name.Value))
            {
                reader.Error(name.Position, $"interface '{name.Value}' is listed twice in {reader.Label} {key}");
                ok = false;
            }
        }

        return ok ? new EquatableArray<string>(names.Select(n => n.Value)) : null;
    }

    private static bool IsValidName(string name) =>
        name.Length <= MaxNameLength && name is not "." and not ".." && !name.Any(c => c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c));
}
