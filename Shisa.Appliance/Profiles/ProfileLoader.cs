using Shisa.Modules.Configuration;
using Tomlyn.Parsing;
using Tomlyn.Syntax;
using Shisa.DataPlane.Bus;

namespace Shisa.Appliance.Profiles;

/// <summary>
/// Reads a TOML role profile (DESIGN 7) into the immutable records of <see cref="Profile"/>, reporting every error
/// of the file with its line and column.
/// </summary>
/// <remarks>
/// Which Tomlyn API, and why: Tomlyn 2.10.2 has a source-generated <c>TomlSerializerContext</c>
/// (<c>[TomlSerializable]</c>, generator in analyzers/dotnet/cs). Tried on DTOs of this profile, it ignores unknown
/// keys (a <c>[TomlExtensionData]</c> dictionary catches them, but without positions), and it stops at the first
/// syntax error. Its wrong-type diagnostics do carry positions, but the profile needs more than types (addresses,
/// prefixes, ranges, cross-section rules) and all of them positioned. So the loader uses
/// <see cref="SyntaxParser.Parse(string, string, bool)"/> with validation: one pass gives every syntax and TOML
/// error (duplicate keys, redefined tables) with spans, and a lossless tree whose every key and value has a
/// position. That tree becomes a small positioned model (TomlTree.cs), which one small validator per
/// section reads. No reflection, so the trimmed/AOT appliance stays warning-free.
/// </remarks>
public static class ProfileLoader
{
    private static readonly string[] Sections =
        ["node", "status", "interface", "home_agent", "mobile_node", "mobile_router", "correspondent_node", "movement_detector", "plugins", "bus", "log", "control"];

    /// <summary>Loads a profile file; a file that cannot be read is an error at 1:1.</summary>
    public static ProfileLoadResult LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return new ProfileLoadResult(null, [new ProfileError(path, SourcePosition.Start, $"cannot read the profile: {e.Message}")]);
        }

        return Parse(text, path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>Parses profile text. <paramref name="sourceName"/> names the file in errors; relative plugin
    /// directories are resolved against <paramref name="baseDirectory"/> when given.</summary>
    public static ProfileLoadResult Parse(string text, string sourceName, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sourceName);
        var diagnostics = new ProfileDiagnostics(sourceName);

        // A document that is not valid TOML gets its TOML errors only: the tree of a broken document is partial,
        // and checking it would add errors that are only echoes of the syntax error.
        if (ParseToml(text, diagnostics) is not { } root)
        {
            return new ProfileLoadResult(null, diagnostics.Sorted());
        }

        var profile = Validate(root, baseDirectory, diagnostics);
        return diagnostics.Count == 0 && profile is not null
            ? new ProfileLoadResult(profile, [])
            : new ProfileLoadResult(null, diagnostics.Sorted());
    }

    private static TomlTable? ParseToml(string text, ProfileDiagnostics diagnostics)
    {
        DocumentSyntax document;
        try
        {
            document = SyntaxParser.Parse(text, diagnostics.File, validate: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Tomlyn reports problems as diagnostics; this only guards the promise that loading never throws.
            diagnostics.Error(SourcePosition.Start, $"TOML parser failed: {e.Message}");
            return null;
        }

        foreach (var message in document.Diagnostics)
        {
            if (message.Kind == DiagnosticMessageKind.Error)
            {
                var start = message.Span.Start;
                diagnostics.Error(new SourcePosition(Math.Max(start.Line, 0) + 1, Math.Max(start.Column, 0) + 1), message.Message);
            }
        }

        return diagnostics.Count == 0 ? TomlTreeBuilder.Build(document) : null;
    }

    private static Profile? Validate(TomlTable root, string? baseDirectory, ProfileDiagnostics diagnostics)
    {
        ReportUnknownSections(root, diagnostics);
        var top = SectionReader.Open(root, "the top level", diagnostics, knownKeys: null);

        NodeSection? node = null;
        IReadOnlyList<Located<Role>>? roles = null;
        if (top.Table("node") is { } nodeTable)
        {
            node = NodeSectionValidator.Validate(nodeTable, diagnostics, out roles);
        }
        else if (!top.Has("node"))
        {
            diagnostics.Error(SourcePosition.Start, "missing section [node]");
        }

        var status = StatusSectionValidator.Validate(top.Table("status"), diagnostics);
        var interfaces = InterfaceSectionValidator.Validate(top.Tables("interface"), diagnostics);
        var homeAgent = top.Table("home_agent") is { } ha ? HomeAgentSectionValidator.Validate(ha, interfaces, diagnostics) : null;
        var mobileNode = top.Table("mobile_node") is { } mn ? MobileNodeSectionValidator.Validate(mn, interfaces, diagnostics) : null;
        var mobileRouter = top.Table("mobile_router") is { } mr ? MobileRouterSectionValidator.Validate(mr, interfaces, mobileNode, diagnostics) : null;
        var correspondent = top.Table("correspondent_node") is { } cn ? CorrespondentSectionValidator.Validate(cn, diagnostics) : null;
        var detector = top.Table("movement_detector") is { } md ? MovementDetectorSectionValidator.Validate(md, diagnostics) : null;
        var plugins = top.Table("plugins") is { } pl ? PluginsSectionValidator.Validate(pl, baseDirectory, diagnostics) : null;
        var bus = top.Table("bus") is { } b ? BusSectionValidator.Validate(b, diagnostics) : null;
        var logging = top.Table("log") is { } lg ? LogSectionValidator.Validate(lg, diagnostics) : LogSection.Default;
        var control = top.Table("control") is { } ctl ? ControlSectionValidator.Validate(ctl, diagnostics) : null;

        if (roles is not null)
        {
            RoleConsistencyValidator.Validate(roles, root, diagnostics);
        }

        if (node is null || status is null)
        {
            return null;
        }

        return new Profile(
            node,
            status,
            new EquatableArray<InterfaceSection>(interfaces.Select(i => i.Value)),
            homeAgent,
            mobileNode,
            mobileRouter,
            correspondent,
            detector,
            plugins)
        {
            Bus = bus,
            Log = logging,
            Control = control,
        };
    }

    private static void ReportUnknownSections(TomlTable root, ProfileDiagnostics diagnostics)
    {
        foreach (var entry in root.Entries)
        {
            if (Sections.Contains(entry.Key))
            {
                continue;
            }

            string message = entry.Value switch
            {
                TomlTable => $"unknown section [{entry.Key}]",
                TomlArray { Items: [TomlTable, ..] } => $"unknown section [[{entry.Key}]]",
                _ => $"unknown key '{entry.Key}' at the top level (keys belong in a section such as [node])",
            };
            diagnostics.Error(entry.KeyPosition, message);
        }
    }
}
