using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Shisa.DataPlane.Wire.Icmp;

/// <summary>
/// Home Agent Address Discovery Request (RFC 6275 6.5), sent by a mobile node to the Mobile IPv6 Home-Agents
/// anycast address of its home prefix (RFC 2526); a mobile router sets R (RFC 3963 7.1) to ask only for home
/// agents that support mobile routers.
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |    Type=144   |     Code=0    |            Checksum           |   0
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Identifier          |R|         Reserved            |   4
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public sealed record HomeAgentAddressDiscoveryRequest(ushort Identifier, bool MobileRouterSupport = false) : IIcmpv6Message
{
    public const int Length = 8;
    internal const int IdentifierOffset = 4;
    internal const int FlagsOffset = 6;

    /// <summary>The R flag (RFC 3963 7.1, 7.2): high-order bit of the reserved field.</summary>
    internal const ushort MobileRouterFlag = 0x8000;

    public byte Type => Icmpv6Type.HomeAgentAddressDiscoveryRequest;

    public static bool TryParse(ReadOnlySpan<byte> message, [NotNullWhen(true)] out HomeAgentAddressDiscoveryRequest? request)
    {
        request = null;
        if (message.Length < Length || message[0] != Icmpv6Type.HomeAgentAddressDiscoveryRequest)
        {
            return false;
        }

        request = new HomeAgentAddressDiscoveryRequest(BinaryPrimitives.ReadUInt16BigEndian(message[IdentifierOffset..]),
            (BinaryPrimitives.ReadUInt16BigEndian(message[FlagsOffset..]) & MobileRouterFlag) != 0);
        return true;
    }

    public int GetByteCount() => Length;

    public bool TryWrite(Span<byte> destination, ReadOnlySpan<byte> pseudoSource, ReadOnlySpan<byte> pseudoDestination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (destination.Length < Length)
        {
            return false;
        }

        var message = destination[..Length];
        Icmpv6Header.WriteHeader(message, Type, 0);
        BinaryPrimitives.WriteUInt16BigEndian(message[IdentifierOffset..], Identifier);
        BinaryPrimitives.WriteUInt16BigEndian(message[FlagsOffset..], MobileRouterSupport ? MobileRouterFlag : (ushort)0);
        Icmpv6Header.FillChecksum(message, pseudoSource, pseudoDestination);
        bytesWritten = Length;
        return true;
    }
}
