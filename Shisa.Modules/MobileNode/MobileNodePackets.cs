using System.Buffers;
using System.Net;
using Shisa.DataPlane;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Crypto;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;

namespace Shisa.Modules.MobileNode;

/// <summary>The MN-HA security association of RFC 4285: the mobility SPI and the shared key.</summary>
public sealed record MnHaCredentials(uint Spi, ReadOnlyMemory<byte> Key);

/// <summary>Builds the mobile node's signalling packets: Binding Updates (signed per RFC 4285 when a key is
/// configured), DHAAD requests and Mobile Prefix Solicitations.</summary>
public static class MobileNodePackets
{

    /// <summary>The Binding Update message of <paramref name="request"/>, with the RFC 4285 options last when signing.</summary>
    public static BindingUpdate CreateBindingUpdate(BindingUpdateRequest request, MnHaCredentials? credentials, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = new List<MobilityOption>(3 + request.MobileNetworkPrefixes.Count);
        if (request.AlternateCareOfAddress is { } alternate)
        {
            options.Add(new AlternateCareOfAddressOption(alternate));
        }

        var flags = request.Flags;
        if (request.Source.IsIPv4MappedToIPv6)
        {
            // RFC 5555 4.2.1: from an IPv4 care-of address, named in the IPv4 Care-of Address option (3.1.2); F asks
            // for UDP encapsulation with or without a NAT (3.1.3): this node does not do IPv6-in-IPv4 (protocol 41).
            options.Add(new IPv4CareOfAddressOption(request.Source.MapToIPv4()));
            flags |= BindingUpdateFlags.F;
        }

        foreach (var prefix in request.MobileNetworkPrefixes)
        {
            // RFC 3963 4.3, 5.2: explicit mode, one option per mobile network prefix.
            options.Add(new MobileNetworkPrefixOption((byte)prefix.Length, prefix.Network));
        }

        // RFC 5648 6.1: one Binding Identifier option per binding registered (bulk registration) or deregistered.
        options.AddRange(request.BindingIdentifiers);

        if (credentials is not null)
        {
            // RFC 4285 6: a timestamp against replays; RFC 4285 5: the authentication option is the last one.
            options.Add(new MobilityMessageReplayProtectionOption(NtpTimestamp.FromDateTimeOffset(now)));
            options.Add(MobilityMessageAuthenticationOption.MnHaPlaceholder(credentials.Spi));
        }

        return new BindingUpdate(request.Sequence, flags, MobilityLifetime.ToUnits(request.Lifetime))
        {
            Options = MobilityOptionList.Create([.. options]),
        };
    }

    /// <summary>Writes the whole Binding Update packet and, with credentials, signs it (then fixes the checksum).</summary>
    public static bool TryWriteBindingUpdate(BindingUpdateRequest request, MnHaCredentials? credentials, DateTimeOffset now, Span<byte> destination, out int written)
    {
        var message = CreateBindingUpdate(request, credentials, now);
        var envelope = new Ipv6Envelope(request.Source, request.Destination, HomeAddress: request.HomeAddressOption);
        if (!MobilityPackets.TryWrite(message, envelope, destination, out written))
        {
            return false;
        }

        if (credentials is null)
        {
            return true;
        }

        // RFC 4285 5.1: Mobility Data = care-of address | home address | MH data; sent from the home address the
        // two are the same. The checksum's pseudo-header source is the home address when a HAO is present.
        Span<byte> careOf = stackalloc byte[16];
        Span<byte> home = stackalloc byte[16];
        Span<byte> target = stackalloc byte[16];
        request.Source.TryWriteBytes(careOf, out _);
        (request.HomeAddressOption ?? request.Source).TryWriteBytes(home, out _);
        request.Destination.TryWriteBytes(target, out _);
        int mhLength = message.GetByteCount();
        var mh = destination.Slice(written - mhLength, mhLength);
        return MnHaAuthentication.TrySign(mh, credentials.Key.Span, careOf, home, home, target);
    }

    public static bool SendBindingUpdate(IPacketSender sender, BindingUpdateRequest request, MnHaCredentials? credentials, DateTimeOffset now, bool ahead = false)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MobilityPackets.MaxPacketLength);
        try
        {
            return TryWriteBindingUpdate(request, credentials, now, buffer, out int n)
                && (ahead ? sender.TrySendAhead(buffer.AsSpan(0, n)) : sender.TrySend(buffer.AsSpan(0, n)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>True when the received BA carries a valid MN-HA authenticator (RFC 4285 5.1: care-of address = its
    /// destination, home address = its type 2 routing header's address, or the destination when at home).</summary>
    public static bool VerifyAcknowledgement(ReceivedMobilityMessage received, MnHaCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(received);
        ArgumentNullException.ThrowIfNull(credentials);
        Span<byte> careOf = stackalloc byte[16];
        Span<byte> home = stackalloc byte[16];
        received.Destination.TryWriteBytes(careOf, out _);
        (received.RoutingHomeAddress ?? received.Destination).TryWriteBytes(home, out _);
        return MnHaAuthentication.Verify(received.MobilityHeader.Span, credentials.Spi, credentials.Key.Span, careOf, home);
    }

    /// <summary>A DHAAD request from the care-of address to the home agents' anycast address (RFC 6275 11.4.1).</summary>
    public static bool SendHaadRequest(IPacketSender sender, SendHaadRequest request, bool mobileRouter = false) =>
        SendIcmp(sender, new Ipv6Envelope(request.Source, request.Destination), new HomeAgentAddressDiscoveryRequest(request.Identifier, mobileRouter));

    /// <summary>A Mobile Prefix Solicitation from the care-of address with a HAO to the home agent (RFC 6275 11.4.2).</summary>
    public static bool SendPrefixSolicitation(IPacketSender sender, ushort identifier, IPAddress careOf, IPAddress homeAddress, IPAddress homeAgent) =>
        SendIcmp(sender, new Ipv6Envelope(careOf, homeAgent, HomeAddress: homeAddress), new MobilePrefixSolicitation(identifier));

    private static bool SendIcmp<TMessage>(IPacketSender sender, Ipv6Envelope envelope, TMessage message)
        where TMessage : IIcmpv6Message
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MobilityPackets.MaxPacketLength);
        try
        {
            return Icmpv6PacketBuilder.TryWrite(buffer, envelope, message, out int n) && sender.TrySend(buffer.AsSpan(0, n));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
