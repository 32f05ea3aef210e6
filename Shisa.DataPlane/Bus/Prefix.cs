using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Shisa.DataPlane.Bus;

/// <summary>
/// An address prefix (e.g. a mobile network prefix 2001:db8:1:100::/56) with the host bits clear. The data
/// plane's own twin of the profile's prefix type: the data plane does not depend on the modules.
/// </summary>
public readonly record struct Prefix
{
    public Prefix(IPAddress network, int length)
    {
        ArgumentNullException.ThrowIfNull(network);
        int max = MaxLength(network.AddressFamily);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, max);
        Network = Mask(network, length);
        Length = length;
    }

    public IPAddress Network { get; }

    public int Length { get; }

    public override string ToString() => $"{Network}/{Length}";

    /// <summary>True when <paramref name="address"/> lies inside this prefix.</summary>
    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (Network is null || address.AddressFamily != Network.AddressFamily)
        {
            return false;
        }

        return Mask(address, Length).Equals(Network);
    }

    /// <summary>True when every address of <paramref name="inner"/> lies inside this prefix.</summary>
    public bool Contains(Prefix inner) => inner.Network is not null && inner.Length >= Length && Contains(inner.Network);

    /// <summary>Parses "address/length"; the host bits are cleared.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Prefix? prefix)
    {
        prefix = null;
        int slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (slash < 0
            || !IPAddress.TryParse(text.AsSpan(0, slash), out var address)
            || !int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out int length)
            || length > MaxLength(address.AddressFamily))
        {
            return false;
        }

        prefix = new Prefix(address, length);
        return true;
    }

    public static Prefix Parse(string text) =>
        TryParse(text, out var prefix) ? prefix.Value : throw new FormatException($"'{text}' is not a prefix (address/length)");

    private static int MaxLength(AddressFamily family) => family switch
    {
        AddressFamily.InterNetworkV6 => 128,
        AddressFamily.InterNetwork => 32,
        _ => throw new ArgumentException($"address family {family} has no prefixes here", nameof(family)),
    };

    private static IPAddress Mask(IPAddress address, int length)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        bytes = bytes[..written];
        for (int i = 0; i < bytes.Length; i++)
        {
            int keep = Math.Clamp(length - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF00 >> keep);
        }

        return new IPAddress(bytes);
    }
}
