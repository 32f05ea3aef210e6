using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Shisa.DataPlane.Dsmip;

/// <summary>
/// An IPv4 address and UDP port as plain integers: the outer end of a UDP-encapsulated tunnel (RFC 5555 4.1), compared
/// and copied without allocation. <see cref="SocketAddress"/> holds them as a sockaddr_in: port then address, big-endian.
/// </summary>
public readonly record struct Ipv4Endpoint(uint Address, ushort Port)
{
    private const int PortOffset = 2;
    private const int AddressOffset = 4;

    public static Ipv4Endpoint From(IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException($"{address} is not an IPv4 address", nameof(address));
        }

        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return new Ipv4Endpoint(BinaryPrimitives.ReadUInt32BigEndian(bytes), checked((ushort)port));
    }

    /// <summary>The endpoint a receive filled in (an AF_INET socket address).</summary>
    public static Ipv4Endpoint Read(SocketAddress socketAddress)
    {
        ArgumentNullException.ThrowIfNull(socketAddress);
        var bytes = socketAddress.Buffer.Span;
        return new Ipv4Endpoint(BinaryPrimitives.ReadUInt32BigEndian(bytes[AddressOffset..]), BinaryPrimitives.ReadUInt16BigEndian(bytes[PortOffset..]));
    }

    /// <summary>Writes this endpoint into an AF_INET socket address (made once by <see cref="NewSocketAddress"/>), for a send.</summary>
    public void WriteTo(SocketAddress socketAddress)
    {
        ArgumentNullException.ThrowIfNull(socketAddress);
        var bytes = socketAddress.Buffer.Span;
        BinaryPrimitives.WriteUInt16BigEndian(bytes[PortOffset..], Port);
        BinaryPrimitives.WriteUInt32BigEndian(bytes[AddressOffset..], Address);
    }

    /// <summary>An AF_INET socket address to reuse for sends and receives.</summary>
    public static SocketAddress NewSocketAddress() => new IPEndPoint(IPAddress.Any, 0).Serialize();

    /// <summary>The IPv4-mapped IPv6 form as an address key (::ffff:a.b.c.d), how the binding tables hold IPv4 care-of addresses.</summary>
    public UInt128 MappedKey => ((UInt128)0xFFFF << 32) | Address;

    /// <summary>True when <paramref name="key"/> is an IPv4-mapped IPv6 address (RFC 4291 2.5.5.2).</summary>
    public static bool IsMapped(UInt128 key) => key >> 32 == 0xFFFF;

    public IPAddress ToAddress()
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, Address);
        return new IPAddress(bytes);
    }

    public override string ToString() => $"{ToAddress()}:{Port}";
}
