using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Profiles;

/// <summary>[bus]: the Unix socket path on which the mobility bus is offered to other processes (DESIGN 3).</summary>
internal static class BusSectionValidator
{
    private static readonly string[] Keys = ["socket"];

    // sockaddr_un.sun_path holds 108 octets with the terminating NUL.
    private const int MaxSocketPath = 107;

    public static BusSection? Validate(TomlTable table, ProfileDiagnostics diagnostics)
    {
        var reader = SectionReader.Open(table, "[bus]", diagnostics, Keys);
        if (reader.Text("socket", required: true) is not { } socket)
        {
            return null;
        }

        if (!Path.IsPathFullyQualified(socket.Value) || socket.Value.Contains('\0', StringComparison.Ordinal)
            || System.Text.Encoding.UTF8.GetByteCount(socket.Value) > MaxSocketPath)
        {
            reader.Error(socket.Position, $"key 'socket' in [bus] must be an absolute path of at most {MaxSocketPath} octets");
            return null;
        }

        return new BusSection(socket.Value);
    }
}
