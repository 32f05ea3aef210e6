using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Shisa.DataPlane.Wire.Icmp;

/// <summary>
/// Home Agent Address Discovery Reply (RFC 6275 6.6): the home agents of the home link in order of
/// preference; R echoes a mobile router's request (RFC 3963 7.2).
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |    Type=145   |     Code=0    |            Checksum           |   0
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Identifier          |R|         Reserved            |   4
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                     Home Agent Addresses (16 each)            .   8
/// </code>
/// A body that is not a whole number of addresses is refused.
/// </remarks>
public sealed record HomeAgentAddressDiscoveryReply(ushort Identifier, bool MobileRouterSupport, IReadOnlyList<IPAddress> HomeAgents) : IIcmpv6Message
{
    public const int HeaderLength = 8;

    public byte Type => Icmpv6Type.HomeAgentAddressDiscoveryReply;

    public static bool TryParse(ReadOnlySpan<byte> message, [NotNullWhen(true)] out HomeAgentAddressDiscoveryReply? reply)
    {
        reply = null;
        if (message.Length < HeaderLength || message[0] != Icmpv6Type.HomeAgentAddressDiscoveryReply
            || (message.Length - HeaderLength) % Ipv6Header.AddressLength != 0)
        {
            return false;
        }

        var agents = new IPAddress[(message.Length - HeaderLength) / Ipv6Header.AddressLength];
        for (int i = 0; i < agents.Length; i++)
        {
            agents[i] = new IPAddress(message.Slice(HeaderLength + i * Ipv6Header.AddressLength, Ipv6Header.AddressLength));
        }

        reply = new HomeAgentAddressDiscoveryReply(
            BinaryPrimitives.ReadUInt16BigEndian(message[HomeAgentAddressDiscoveryRequest.IdentifierOffset..]),
            (BinaryPrimitives.ReadUInt16BigEndian(message[HomeAgentAddressDiscoveryRequest.FlagsOffset..]) & HomeAgentAddressDiscoveryRequest.MobileRouterFlag) != 0,
            agents);
        return true;
    }

    public int GetByteCount() => HeaderLength + HomeAgents.Count * Ipv6Header.AddressLength;

    public bool TryWrite(Span<byte> destination, ReadOnlySpan<byte> pseudoSource, ReadOnlySpan<byte> pseudoDestination, out int bytesWritten)
    {
        bytesWritten = 0;
        int length = GetByteCount();
        if (destination.Length < length)
        {
            return false;
        }

        var message = destination[..length];
        Icmpv6Header.WriteHeader(message, Type, 0);
        BinaryPrimitives.WriteUInt16BigEndian(message[HomeAgentAddressDiscoveryRequest.IdentifierOffset..], Identifier);
        BinaryPrimitives.WriteUInt16BigEndian(message[HomeAgentAddressDiscoveryRequest.FlagsOffset..],
            MobileRouterSupport ? HomeAgentAddressDiscoveryRequest.MobileRouterFlag : (ushort)0);
        for (int i = 0; i < HomeAgents.Count; i++)
        {
            if (!Ipv6Header.TryWriteAddress(HomeAgents[i], message.Slice(HeaderLength + i * Ipv6Header.AddressLength, Ipv6Header.AddressLength)))
            {
                return false;
            }
        }

        Icmpv6Header.FillChecksum(message, pseudoSource, pseudoDestination);
        bytesWritten = length;
        return true;
    }

    public bool Equals(HomeAgentAddressDiscoveryReply? other) => other is not null && Identifier == other.Identifier
        && MobileRouterSupport == other.MobileRouterSupport && HomeAgents.SequenceEqual(other.HomeAgents);

    public override int GetHashCode() => HashCode.Combine(Identifier, MobileRouterSupport, HomeAgents.Count);
}
