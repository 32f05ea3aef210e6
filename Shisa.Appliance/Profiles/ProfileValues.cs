using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Shisa.Modules.Configuration;
using Shisa.DataPlane.Bus;

namespace Shisa.Appliance.Profiles;

/// <summary>Parsers for the textual values of a profile: addresses, prefixes, keys, listen endpoints.</summary>
internal static class ProfileValues
{
    /// <summary>
    /// A literal IPv6 address. IPAddress.TryParse alone is too lenient for a profile: it takes "1" as 0.0.0.1,
    /// and ignores a "/64" or "%eth0" after an IPv6 address.
    /// </summary>
    public static bool TryParseIpv6(string text, out IPAddress address)
    {
        address = IPAddress.IPv6None;
        if (text.Length == 0 || !text.Contains(':', StringComparison.Ordinal) || !text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.'))
        {
            return false;
        }

        if (!IPAddress.TryParse(text, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        address = parsed;
        return true;
    }

    /// <summary>An address a node can be reached at: IPv6, not unspecified, loopback, multicast or link-local.</summary>
    public static bool TryParseUnicast(string text, out IPAddress address, out string error)
    {
        error = "";
        if (!TryParseIpv6(text, out address))
        {
            error = $"'{text}' is not an IPv6 address";
            return false;
        }

        if (address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6Loopback) || address.IsIPv6Multicast || address.IsIPv6LinkLocal)
        {
            error = $"'{text}' is not a global unicast IPv6 address";
            return false;
        }

        return true;
    }

    /// <summary>A dotted-quad IPv4 unicast address (RFC 5555's IPv4 addresses): not 0.0.0.0, loopback, multicast or broadcast.</summary>
    public static bool TryParseIpv4Unicast(string text, out IPAddress address, out string error)
    {
        error = "";
        if (!IPAddress.TryParse(text, out address!) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || text.Count(c => c == '.') != 3)
        {
            address = IPAddress.None;
            error = $"'{text}' is not an IPv4 address";
            return false;
        }

        byte first = address.GetAddressBytes()[0];
        if (first is 0 or 127 or >= 224)
        {
            error = $"'{text}' is not a unicast IPv4 address";
            return false;
        }

        return true;
    }

    /// <summary>"network/length" with the host bits clear.</summary>
    public static bool TryParsePrefix(string text, out Prefix prefix, out string error)
    {
        prefix = default;
        error = $"'{text}' is not an IPv6 prefix";
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            error += " (write address/length)";
            return false;
        }

        var lengthText = text.AsSpan(slash + 1);
        if (lengthText.Length is 0 or > 3 || !AllDigits(lengthText)
            || !int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out int length) || length > 128
            || !TryParseIpv6(text[..slash], out var network))
        {
            return false;
        }

        var masked = Mask(network, length);
        if (!masked.Equals(network))
        {
            error = $"'{text}' has host bits set (did you mean {masked}/{length}?)";
            return false;
        }

        prefix = new Prefix(network, length);
        return true;
    }

    public static IPAddress Mask(IPAddress address, int length)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        for (int i = 0; i < 16; i++)
        {
            int keep = Math.Clamp(length - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }

        return new IPAddress(bytes);
    }

    /// <summary>Two prefixes overlap when one contains the other.</summary>
    public static bool Overlap(Prefix a, Prefix b) => a.Contains(b) || b.Contains(a);

    /// <summary>A key as hexadecimal digits, two per byte.</summary>
    public static bool TryParseHexKey(string text, out byte[] key, out string error)
    {
        key = [];
        error = "";
        if (text.Length == 0 || text.Length % 2 != 0 || !text.All(char.IsAsciiHexDigit))
        {
            error = "key 'key' must be hexadecimal digits of even length";
            return false;
        }

        key = System.Convert.FromHexString(text);
        return true;
    }

    /// <summary>"ip:port", an IPv6 address in brackets ("[::1]:8780"); port 1..65535.</summary>
    public static bool TryParseListen(string text, out IPEndPoint endpoint)
    {
        endpoint = new IPEndPoint(IPAddress.Loopback, 0);
        int colon = text.LastIndexOf(':');
        if (colon <= 0)
        {
            return false;
        }

        var host = text[..colon];
        var portText = text.AsSpan(colon + 1);
        if (portText.Length is 0 or > 5 || !AllDigits(portText)
            || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            return false;
        }

        IPAddress? address;
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            if (!TryParseIpv6(host[1..^1], out var v6))
            {
                return false;
            }

            address = v6;
        }
        else if (!host.All(c => char.IsAsciiDigit(c) || c == '.') || host.Count(c => c == '.') != 3
                 || !IPAddress.TryParse(host, out address) || address.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }

        endpoint = new IPEndPoint(address, port);
        return true;
    }

    private static bool AllDigits(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
