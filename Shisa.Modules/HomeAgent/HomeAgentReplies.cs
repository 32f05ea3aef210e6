using System.Net;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Crypto;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;

namespace Shisa.Modules.HomeAgent;

/// <summary>
/// Everything the home agent sends, and the drops it counts: Binding Acknowledgements (signed per RFC 4285 when the
/// node has a key), Binding Errors and Parameter Problems for broken Mobility Headers (at a bounded rate), and the
/// ICMPv6 answers of discovery. One send buffer, reused: not thread-safe, like the core that owns it.
/// </summary>
internal sealed class HomeAgentReplies(IPacketSender sender, HomeAgentTuning tuning, HomeAgentCounterSet counters, ILogger logger)
{
    /// <summary>Hop limit of the ICMPv6 errors the home agent sends (the malformed.json answer's).</summary>
    public const byte ErrorHopLimit = 255;

    private readonly byte[] _buffer = new byte[MobilityPackets.MaxPacketLength];
    private OneSecondWindow _errorAnswers = new();

    /// <summary>The home agent's address: the source of everything sent (the profile's; a reload cannot change it).</summary>
    public required IPAddress Address { get; set; }

    /// <summary>
    /// RFC 6275 9.5.4: from the home agent to the Binding Update's source; with a type 2 routing header holding the
    /// home address when the Binding Update had a Home Address option (not at home). RFC 4285: to a node with a key,
    /// the replay protection option and the MN-HA authenticator (last) go with it.
    /// </summary>
    public void SendAcknowledgement(AckRoute route, BindingAcknowledgementStatus status, BindingAcknowledgementFlags flags, ushort sequence, ushort lifetimeUnits, DateTimeOffset now,
        MobilityOption[]? bindingIdentifiers = null)
    {
        // RFC 5648 6.2: the Binding Identifier options of the Binding Update, each with its status; RFC 4285's
        // options stay last, the authenticator covering these.
        var options = new List<MobilityOption>(bindingIdentifiers ?? []);
        if (route.NatDetection is { } nat)
        {
            options.Add(nat);
        }

        if (status.IsAccepted() && lifetimeUnits >= 2 && tuning.RefreshAdviceFraction is double fraction)
        {
            // RFC 6275 6.2.4: the refresh interval is smaller than the lifetime.
            ushort refresh = (ushort)Math.Clamp((int)(lifetimeUnits * fraction), 1, lifetimeUnits - 1);
            options.Add(new BindingRefreshAdviceOption(refresh));
        }

        var node = route.Authenticated;
        if (node is not null)
        {
            options.Add(new MobilityMessageReplayProtectionOption(route.ReplayTimestamp ?? NtpTimestamp.FromDateTimeOffset(now)));
            options.Add(MobilityMessageAuthenticationOption.MnHaPlaceholder(node.Spi!.Value));
        }

        var ack = new BindingAcknowledgement(status, flags, sequence, lifetimeUnits) { Options = MobilityOptionList.Create([.. options]) };
        var envelope = new Ipv6Envelope(Address, route.Destination, tuning.HopLimit, RoutingHomeAddress: route.RoutingHomeAddress);
        if (!MobilityPackets.TryWrite(ack, envelope, _buffer, out int written))
        {
            Drop(HomeAgentDropReason.SendFailed, route.Destination);
            return;
        }

        if (node is not null)
        {
            int length = ack.GetByteCount();
            Span<byte> agent = stackalloc byte[16];
            Span<byte> careOf = stackalloc byte[16];
            Span<byte> home = stackalloc byte[16];
            Address.TryWriteBytes(agent, out _);
            route.Destination.TryWriteBytes(careOf, out _);
            (route.RoutingHomeAddress ?? route.Destination).TryWriteBytes(home, out _);
            MnHaAuthentication.TrySign(_buffer.AsSpan(written - length, length), node.Key.Items.AsSpan(), careOf, home, agent, home);
        }

        if (Send(_buffer.AsSpan(0, written), route.Destination))
        {
            counters.AcknowledgementSent(status);
        }
    }

    /// <summary>RFC 6275 9.2: an unknown Mobility Header type gets a Binding Error, status 2.</summary>
    public void SendBindingError(ReadOnlySpan<byte> bytes, DateTimeOffset now)
    {
        if (!MayAnswerWithError(bytes, now, out var ip, out var source))
        {
            return;
        }

        // RFC 6275 9.2, 6.1.9: to the source; the Home Address field is the HAO's address, or unspecified.
        var home = ip.HasHomeAddress ? new IPAddress(ip.HomeAddress) : IPAddress.IPv6Any;
        var error = new BindingError(BindingErrorStatus.UnrecognizedMobilityHeaderType, home);
        if (MobilityPackets.TryWrite(error, new Ipv6Envelope(Address, source, tuning.HopLimit), _buffer, out int written)
            && Send(_buffer.AsSpan(0, written), source))
        {
            counters.BindingErrorsSent++;
            HomeAgentLog.BindingErrorSent(logger, error.Status, source);
        }
    }

    /// <summary>RFC 6275 9.2: a bad Payload Proto or a too short Header Len gets a Parameter Problem, code 0.</summary>
    public void SendParameterProblem(ReadOnlySpan<byte> bytes, int mobilityHeaderPointer, DateTimeOffset now)
    {
        if (!MayAnswerWithError(bytes, now, out var ip, out var source))
        {
            return;
        }

        // RFC 6275 9.2, RFC 4443 3.4: code 0, the pointer counted from the start of the invoking packet.
        uint pointer = (uint)(ip.UpperLayerOffset + mobilityHeaderPointer);
        Span<byte> agent = stackalloc byte[16];
        Address.TryWriteBytes(agent, out _);
        if (Icmpv6PacketBuilder.TryWriteParameterProblem(_buffer, ip.Bytes, agent, ParameterProblemCode.ErroneousHeaderField, pointer, ErrorHopLimit, out int written)
            && Send(_buffer.AsSpan(0, written), source))
        {
            counters.ParameterProblemsSent++;
            HomeAgentLog.ParameterProblemSent(logger, pointer, source);
        }
    }

    public bool SendIcmp<TMessage>(TMessage message, Ipv6Envelope envelope)
        where TMessage : IIcmpv6Message
    {
        if (!Icmpv6PacketBuilder.TryWrite(_buffer, envelope, message, out int written))
        {
            Drop(HomeAgentDropReason.SendFailed, envelope.Destination);
            return false;
        }

        return Send(_buffer.AsSpan(0, written), envelope.Destination);
    }

    public void Drop(HomeAgentDropReason reason, IPAddress? source)
    {
        counters.Drop(reason);
        HomeAgentLog.Dropped(logger, source, reason);
    }

    // An error message answers only a packet sent to us from a routable unicast source, and at a limited rate
    // (RFC 6275 9.2; RFC 4443 2.4 (e.3), (f)); otherwise the offending packet is dropped and counted.
    private bool MayAnswerWithError(ReadOnlySpan<byte> bytes, DateTimeOffset now, out Ipv6Packet ip, out IPAddress source)
    {
        Ipv6Packet.TryParse(bytes, out ip);
        source = ip.Header.SourceAddress;
        var reason = !ip.Header.DestinationAddress.Equals(Address) ? HomeAgentDropReason.NotForHomeAgent
            : !Ipv6Address.IsRoutableUnicast(ip.Header.Source) ? HomeAgentDropReason.CareOfAddressNotRoutable
            : !_errorAnswers.TryTake(now, tuning.ErrorRatePerSecond) ? HomeAgentDropReason.RateLimited
            : (HomeAgentDropReason?)null;
        if (reason is { } r)
        {
            Drop(r, source);
            return false;
        }

        return true;
    }

    private bool Send(ReadOnlySpan<byte> packet, IPAddress destination)
    {
        if (sender.TrySend(packet))
        {
            return true;
        }

        Drop(HomeAgentDropReason.SendFailed, destination);
        return false;
    }
}
