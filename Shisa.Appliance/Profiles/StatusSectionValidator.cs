using System.Net;
using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Profiles;

/// <summary>[status]: where the status page and JSON API listen (DESIGN 8); an empty string disables them.</summary>
internal static class StatusSectionValidator
{
    /// <summary>Without a [status] section or a listen key the page listens here, on loopback only.</summary>
    public static readonly IPEndPoint DefaultListen = new(IPAddress.Loopback, 8780);

    private static readonly string[] Keys = ["listen"];

    public static StatusSection? Validate(TomlTable? table, ProfileDiagnostics diagnostics)
    {
        if (table is null)
        {
            return new StatusSection(DefaultListen);
        }

        var reader = SectionReader.Open(table, "[status]", diagnostics, Keys);
        if (!reader.Has("listen"))
        {
            return new StatusSection(DefaultListen);
        }

        if (reader.String("listen") is not { } listen)
        {
            return null;
        }

        if (listen.Value.Length == 0)
        {
            return new StatusSection(null);
        }

        if (ProfileValues.TryParseListen(listen.Value, out var endpoint))
        {
            return new StatusSection(endpoint);
        }

        reader.Error(listen.Position, $"'{listen.Value}' is not an ip:port listen address (e.g. 127.0.0.1:8780 or [::1]:8780; \"\" disables)");
        return null;
    }
}
