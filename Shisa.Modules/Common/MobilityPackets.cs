using System.Buffers;
using System.Net;
using Shisa.DataPlane;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.Modules.Common;

/// <summary>A Mobility Header message as a module receives it, with the addresses it came with.</summary>
/// <param name="Message">The parsed Mobility Header message.</param>
/// <param name="Source">IPv6 source (the care-of address when a Home Address option is present).</param>
/// <param name="Destination">IPv6 destination.</param>
/// <param name="HomeAddress">The Home Address option's address, if any (RFC 6275 6.3).</param>
/// <param name="RoutingHomeAddress">The type 2 routing header's address, if any (RFC 6275 6.4).</param>
/// <param name="MobilityHeader">The MH bytes as received (for authenticators computed over them).</param>
/// <param name="Packet">The signalling packet the message was read from.</param>
public sealed record ReceivedMobilityMessage(
    MobilityMessage Message,
    IPAddress Source,
    IPAddress Destination,
    IPAddress? HomeAddress,
    IPAddress? RoutingHomeAddress,
    ReadOnlyMemory<byte> MobilityHeader,
    SignallingPacket Packet)
{
    /// <summary>The address the sender speaks for: the HAO's address when present, else the source.</summary>
    public IPAddress Sender => HomeAddress ?? Source;
}

/// <summary>Why a received signalling packet was not handed on as a Mobility Header message.</summary>
public enum ReceiveRefusal
{
    None,
    NotIpv6,
    NotMobilityHeader,
    MobilityHeader,
}

/// <summary>
/// Building and reading whole Mobility Header packets for the role modules: the IPv6 header, an optional type 2
/// routing header and Home Address option, then the MH with its checksum over the right pseudo-header.
/// Signalling is not on the forwarding path, so records and a pooled buffer per packet are fine here.
/// </summary>
public static class MobilityPackets
{
    /// <summary>Signalling fits the IPv6 minimum MTU.</summary>
    public const int MaxPacketLength = 1280;

    /// <summary>Writes a whole packet: headers per <paramref name="envelope"/>, then <paramref name="message"/>.</summary>
    public static bool TryWrite(MobilityMessage message, Ipv6Envelope envelope, Span<byte> destination, out int written)
    {
        written = 0;
        Span<byte> src = stackalloc byte[16];
        Span<byte> dst = stackalloc byte[16];
        Span<byte> hoa = stackalloc byte[16];
        Span<byte> rh = stackalloc byte[16];
        if (!envelope.Source.TryWriteBytes(src, out _) || !envelope.Destination.TryWriteBytes(dst, out _))
        {
            return false;
        }

        var addressing = new Ipv6Addressing(src, dst, envelope.HopLimit)
        {
            HomeAddress = envelope.HomeAddress is { } h && h.TryWriteBytes(hoa, out _) ? hoa : default,
            RoutingHomeAddress = envelope.RoutingHomeAddress is { } r && r.TryWriteBytes(rh, out _) ? rh : default,
            TrafficClass = envelope.TrafficClass,
            FlowLabel = envelope.FlowLabel,
        };
        int length = message.GetByteCount();
        if (!Ipv6PacketBuilder.TryWriteHeaders(destination, addressing, MobilityHeader.NextHeader, length, out int headers)
            || !message.TryWrite(destination[headers..], addressing.PseudoSource, addressing.PseudoDestination, out int mh))
        {
            return false;
        }

        written = headers + mh;
        return true;
    }

    /// <summary>Builds and sends; false when it does not fit or the data plane refused it.</summary>
    public static bool Send(IPacketSender sender, MobilityMessage message, Ipv6Envelope envelope)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxPacketLength);
        try
        {
            return TryWrite(message, envelope, buffer, out int n) && sender.TrySend(buffer.AsSpan(0, n));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Parses a received packet down to its Mobility Header message, checking the MH checksum over the pseudo-
    /// header the packet's HAO and RH2 give. <paramref name="mhError"/> says why an MH was refused (e.g.
    /// <see cref="MobilityParseError.UnknownType"/>, which RFC 6275 9.2 answers with a Binding Error).
    /// </summary>
    public static bool TryRead(SignallingPacket packet, out ReceivedMobilityMessage? received, out ReceiveRefusal refusal, out MobilityParseError mhError)
    {
        received = null;
        mhError = MobilityParseError.None;
        var bytes = packet.Packet.Span;
        if (!Ipv6Packet.TryParse(bytes, out var ip))
        {
            refusal = ReceiveRefusal.NotIpv6;
            return false;
        }

        if (ip.UpperLayerProtocol != MobilityHeader.NextHeader)
        {
            refusal = ReceiveRefusal.NotMobilityHeader;
            return false;
        }

        var mh = ip.UpperLayer;
        if (!MobilityHeader.TryParse(mh, ip.PseudoSource, ip.PseudoDestination, out var message, out mhError) || message is null)
        {
            refusal = ReceiveRefusal.MobilityHeader;
            return false;
        }

        received = new ReceivedMobilityMessage(
            message,
            ip.Header.SourceAddress,
            ip.Header.DestinationAddress,
            ip.HasHomeAddress ? new IPAddress(ip.HomeAddress) : null,
            ip.HasType2RoutingHeader ? new IPAddress(ip.RoutingHomeAddress) : null,
            packet.Packet.Slice(ip.UpperLayerOffset, mh.Length),
            packet);
        refusal = ReceiveRefusal.None;
        return true;
    }
}
