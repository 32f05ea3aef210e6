using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Shisa.DataPlane.Bindings;

/// <summary>
/// IPv6 addresses as <see cref="UInt128"/> keys (the 16 octets read big-endian), so the forwarding path looks
/// tables up straight from packet bytes without an <see cref="IPAddress"/> per packet.
/// </summary>
public static class AddressKey
{
    public const int Length = 16;

    /// <summary>The key of 16 address octets (e.g. a header's source field).</summary>
    public static UInt128 From(ReadOnlySpan<byte> address) => BinaryPrimitives.ReadUInt128BigEndian(address);

    /// <summary>The key of an IPv6 address; throws for another family.</summary>
    public static UInt128 From(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException($"{address} is not an IPv6 address.", nameof(address));
        }

        Span<byte> bytes = stackalloc byte[Length];
        address.TryWriteBytes(bytes, out _);
        return From(bytes);
    }

    /// <summary>Writes the key's 16 octets into <paramref name="destination"/>.</summary>
    public static void Write(UInt128 key, Span<byte> destination) => BinaryPrimitives.WriteUInt128BigEndian(destination, key);

    public static IPAddress ToAddress(UInt128 key)
    {
        Span<byte> bytes = stackalloc byte[Length];
        Write(key, bytes);
        return new IPAddress(bytes);
    }

    /// <summary>The first <paramref name="prefixLength"/> bits of <paramref name="key"/>, the rest cleared.</summary>
    public static UInt128 Mask(UInt128 key, int prefixLength) => prefixLength switch
    {
        <= 0 => UInt128.Zero,
        >= 128 => key,
        _ => key & (UInt128.MaxValue << (128 - prefixLength)),
    };
}
