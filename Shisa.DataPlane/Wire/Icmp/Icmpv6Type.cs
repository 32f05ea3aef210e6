namespace Shisa.DataPlane.Wire.Icmp;

/// <summary>ICMPv6 message types Shisa reads or writes (RFC 4443 2.1, RFC 6275 6.5-6.8).</summary>
public static class Icmpv6Type
{
    public const byte DestinationUnreachable = 1;
    public const byte PacketTooBig = 2;
    public const byte TimeExceeded = 3;
    public const byte ParameterProblem = 4;
    public const byte EchoRequest = 128;
    public const byte EchoReply = 129;
    public const byte RouterSolicitation = 133;
    public const byte RouterAdvertisement = 134;
    public const byte NeighborSolicitation = 135;
    public const byte NeighborAdvertisement = 136;
    public const byte HomeAgentAddressDiscoveryRequest = 144;
    public const byte HomeAgentAddressDiscoveryReply = 145;
    public const byte MobilePrefixSolicitation = 146;
    public const byte MobilePrefixAdvertisement = 147;

    /// <summary>Error messages have types 0-127 (RFC 4443 2.1).</summary>
    public static bool IsError(byte type) => type < EchoRequest;
}
