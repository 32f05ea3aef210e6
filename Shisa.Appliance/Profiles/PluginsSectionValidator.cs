using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Profiles;

/// <summary>[plugins]: a directory of extra module assemblies (DESIGN 4), relative to the profile's directory.</summary>
internal static class PluginsSectionValidator
{
    private static readonly string[] Keys = ["directory"];

    public static PluginsSection? Validate(TomlTable table, string? baseDirectory, ProfileDiagnostics diagnostics)
    {
        var reader = SectionReader.Open(table, "[plugins]", diagnostics, Keys);
        if (reader.Text("directory", required: true) is not { } directory)
        {
            return null;
        }

        if (directory.Value.Contains('\0', StringComparison.Ordinal))
        {
            reader.Error(directory.Position, "key 'directory' in [plugins] is not a path");
            return null;
        }

        return new PluginsSection(baseDirectory is null ? directory.Value : Path.GetFullPath(directory.Value, baseDirectory));
    }
}
