using Shisa.DataPlane.Bus;
using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Profiles;

/// <summary>[movement_detector]: how to notice a new link (SHISA's babymdd); <c>method</c> lists what to use, all by default.</summary>
internal static class MovementDetectorSectionValidator
{
    private static readonly string[] Keys = ["method"];

    public static MovementDetectorSection? Validate(TomlTable table, ProfileDiagnostics diagnostics)
    {
        int errors = diagnostics.Count;
        var reader = SectionReader.Open(table, "[movement_detector]", diagnostics, Keys);
        if (reader.Strings("method") is not { } names)
        {
            return diagnostics.Count == errors ? MovementDetectorSection.Default : null;
        }

        var methods = new List<MovementDetectionMethod>();
        foreach (var name in names)
        {
            if (!ProfileNames.Methods.TryGetValue(name.Value, out var method))
            {
                reader.Error(name.Position, $"key 'method' lists '{name.Value}'; each entry must be one of {string.Join(", ", ProfileNames.Methods.Keys)}");
            }
            else if (methods.Contains(method))
            {
                reader.Error(name.Position, $"key 'method' lists '{name.Value}' twice");
            }
            else
            {
                methods.Add(method);
            }
        }

        if (names.Count == 0 && diagnostics.Count == errors)
        {
            reader.Error(reader.Position, "key 'method' is empty; list at least one of " + string.Join(", ", ProfileNames.Methods.Keys));
        }

        return diagnostics.Count == errors ? new MovementDetectorSection(new EquatableArray<MovementDetectionMethod>(methods)) : null;
    }
}
