using Shisa.Modules.Configuration;
using Shisa.DataPlane.Bus;

namespace Shisa.Appliance.Profiles;

/// <summary>
/// [node]: the name, the roles (which decide the node type as SHISA's set of daemons did) and the state directory
/// (journal and lock, DESIGN 5).
/// </summary>
internal static class NodeSectionValidator
{
    private static readonly string[] Keys = ["name", "roles", "state_directory"];

    /// <param name="table">The profile's <c>[node]</c> table.</param>
    /// <param name="diagnostics">Where errors go, with line and column.</param>
    /// <param name="roles">The valid roles with where each was written, for the cross-section checks.</param>
    public static NodeSection? Validate(TomlTable table, ProfileDiagnostics diagnostics, out IReadOnlyList<Located<Role>>? roles)
    {
        var reader = SectionReader.Open(table, "[node]", diagnostics, Keys);
        var name = reader.Text("name", required: true);
        if (name is { } n && n.Value.Any(char.IsControl))
        {
            reader.Error(n.Position, "key 'name' must not contain control characters");
            name = null;
        }

        roles = ReadRoles(reader);
        bool stateOk = ReadStateDirectory(reader, out string stateDirectory);
        return name is { } valid && roles is not null && stateOk
            ? new NodeSection(valid.Value, new EquatableArray<Role>(roles.Select(r => r.Value))) { StateDirectory = stateDirectory }
            : null;
    }

    /// <summary>An absolute path without control characters; <see cref="NodeSection.DefaultStateDirectory"/> when absent.</summary>
    private static bool ReadStateDirectory(SectionReader reader, out string directory)
    {
        directory = NodeSection.DefaultStateDirectory;
        if (!reader.Has("state_directory"))
        {
            return true;
        }

        if (reader.Text("state_directory") is not { } text)
        {
            return false;
        }

        if (text.Value.Any(char.IsControl))
        {
            reader.Error(text.Position, "key 'state_directory' must not contain control characters");
            return false;
        }

        if (!Path.IsPathFullyQualified(text.Value))
        {
            reader.Error(text.Position, $"key 'state_directory' must be an absolute path, not '{text.Value}'");
            return false;
        }

        directory = Path.TrimEndingDirectorySeparator(text.Value);
        return true;
    }

    private static List<Located<Role>>? ReadRoles(SectionReader reader)
    {
        if (reader.Strings("roles", required: true) is not { } texts)
        {
            return null;
        }

        if (texts.Count == 0)
        {
            reader.Error(reader.Position, "key 'roles' in [node] must name at least one role");
            return null;
        }

        var roles = new List<Located<Role>>(texts.Count);
        bool ok = true;
        foreach (var text in texts)
        {
            if (!ProfileNames.Roles.TryGetValue(text.Value, out var role))
            {
                reader.Error(text.Position, $"unknown role '{text.Value}' (expected {string.Join(", ", ProfileNames.Roles.Keys)})");
                ok = false;
            }
            else if (roles.Any(r => r.Value == role))
            {
                reader.Error(text.Position, $"role '{text.Value}' is listed twice");
                ok = false;
            }
            else
            {
                roles.Add(new Located<Role>(role, text.Position));
            }
        }

        return ok ? roles : null;
    }
}
