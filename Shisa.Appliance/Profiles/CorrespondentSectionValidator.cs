using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Profiles;

/// <summary>[correspondent_node]: whether to take part in return routability (RFC 6275 5.2.5); on by default.</summary>
internal static class CorrespondentSectionValidator
{
    private static readonly string[] Keys = ["route_optimization"];

    public static CorrespondentSection? Validate(TomlTable table, ProfileDiagnostics diagnostics)
    {
        int errors = diagnostics.Count;
        var reader = SectionReader.Open(table, "[correspondent_node]", diagnostics, Keys);
        var routeOptimization = reader.Boolean("route_optimization");
        return diagnostics.Count == errors ? new CorrespondentSection(routeOptimization?.Value ?? true) : null;
    }
}
