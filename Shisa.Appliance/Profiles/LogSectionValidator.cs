using Microsoft.Extensions.Logging;
using Shisa.Appliance.Hosting;
using Shisa.DataPlane.Bus;
using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Profiles;

/// <summary>
/// [log]: <c>level</c> (every category) and <c>[log.categories]</c>, a table of category name to level, e.g.
/// <c>"Shisa.Modules.home_agent" = "debug"</c>.
/// </summary>
internal static class LogSectionValidator
{
    private static readonly string[] Keys = ["level", "categories"];

    public static LogSection Validate(TomlTable table, ProfileDiagnostics diagnostics)
    {
        var reader = SectionReader.Open(table, "[log]", diagnostics, Keys);
        var level = reader.Enum("level", LogLevelNames.ByName)?.Value ?? LogSection.Default.Level;
        var categories = new List<CategoryLevel>();
        if (reader.Table("categories") is { } table2)
        {
            foreach (var entry in table2.Entries)
            {
                if (!LogLevelNames.IsCategory(entry.Key))
                {
                    diagnostics.Error(entry.KeyPosition, $"'{entry.Key}' in [log.categories] is not a category name (letters, digits, '.', '_', '-')");
                    continue;
                }

                if (entry.Value is not TomlScalar { Value: string name })
                {
                    diagnostics.Error(entry.Value.Position, $"key '{entry.Key}' in [log.categories] must be a string, found {entry.Value.TypeName}");
                    continue;
                }

                if (!LogLevelNames.ByName.TryGetValue(name, out LogLevel categoryLevel))
                {
                    diagnostics.Error(entry.Value.Position, $"key '{entry.Key}' in [log.categories] must be one of {LogLevelNames.All}; not '{name}'");
                    continue;
                }

                categories.Add(new CategoryLevel(entry.Key, categoryLevel));
            }
        }

        return new LogSection(level, new EquatableArray<CategoryLevel>([.. categories]));
    }
}
