using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Profiles;

/// <summary>[movement_detector]: how to notice a new link (SHISA's babymdd); neighbour unreachability by default.</summary>
internal static class MovementDetectorSectionValidator
{
    private static readonly string[] Keys = ["method"];

    public static MovementDetectorSection? Validate(TomlTable table, ProfileDiagnostics diagnostics)
    {
        int errors = diagnostics.Count;
        var reader = SectionReader.Open(table, "[movement_detector]", diagnostics, Keys);
        var method = reader.Enum("method", ProfileNames.Methods);
        return diagnostics.Count == errors ? new MovementDetectorSection(method?.Value ?? MovementDetectionMethod.Nud) : null;
    }
}
