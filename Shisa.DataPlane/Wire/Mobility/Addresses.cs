using System.Net;
using System.Net.Sockets;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>Reading and writing the raw IPv6 and IPv4 addresses of mobility messages and options.</summary>
internal static class Addresses
{
    public const int IPv6Length = 16;
    public const int IPv4Length = 4;

    public static IPAddress ReadIPv6(ReadOnlySpan<byte> source) => new(source[..IPv6Length]);

    public static IPAddress ReadIPv4(ReadOnlySpan<byte> source) => new(source[..IPv4Length]);

    public static void WriteIPv6(IPAddress address, Span<byte> destination) => Write(address, AddressFamily.InterNetworkV6, IPv6Length, destination);

    public static void WriteIPv4(IPAddress address, Span<byte> destination) => Write(address, AddressFamily.InterNetwork, IPv4Length, destination);

    private static void Write(IPAddress address, AddressFamily family, int length, Span<byte> destination)
    {
        if (address.AddressFamily != family || !address.TryWriteBytes(destination[..length], out _))
        {
            throw new InvalidOperationException($"{address} is not an {family} address");
        }
    }
}
