using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Profiles;

/// <summary>[control]: the Unix socket of <c>shisa ctl</c> (docs/control.md) and the group allowed to use it.</summary>
internal static class ControlSectionValidator
{
    private static readonly string[] Keys = ["socket", "group"];

    // sockaddr_un.sun_path holds 108 octets with the terminating NUL.
    private const int MaxSocketPath = 107;

    public static ControlSection? Validate(TomlTable table, ProfileDiagnostics diagnostics)
    {
        var reader = SectionReader.Open(table, "[control]", diagnostics, Keys);
        string socket = ControlSection.DefaultSocket;
        if (reader.Text("socket") is { } given)
        {
            if (!Path.IsPathFullyQualified(given.Value) || given.Value.Contains('\0', StringComparison.Ordinal)
                || System.Text.Encoding.UTF8.GetByteCount(given.Value) > MaxSocketPath)
            {
                reader.Error(given.Position, $"key 'socket' in [control] must be an absolute path of at most {MaxSocketPath} octets");
                return null;
            }

            socket = given.Value;
        }

        string? group = null;
        if (reader.Text("group") is { } named)
        {
            // A group name (POSIX portable: letters, digits, '.', '_', '-', not starting with '-') or a numeric gid.
            if (named.Value.Length > 32 || named.Value[0] == '-'
                || !named.Value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                reader.Error(named.Position, "key 'group' in [control] must be a group name or a numeric group id");
                return null;
            }

            group = named.Value;
        }

        return new ControlSection(socket, group);
    }
}
