using System.Net;
using System.Net.Sockets;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;

namespace Shisa.Modules.Dsmip;

/// <summary>What the home agent makes of a Binding Update that carries an IPv4 Care-of Address option.</summary>
/// <param name="Status">Accepted to go on; <see cref="BindingAcknowledgementStatus.InvalidCareOfAddress"/> to refuse.</param>
/// <param name="CareOfAddress">The IPv4 care-of address as the binding cache holds it: IPv4-mapped (::ffff:a.b.c.d).</param>
/// <param name="NatDetection">The option the Binding Acknowledgement carries; null when neither a NAT nor forced UDP.</param>
public sealed record Ipv4CareOfVerdict(BindingAcknowledgementStatus Status, IPAddress CareOfAddress, NatDetectionOption? NatDetection)
{
    public bool NatDetected => NatDetection is { RefreshTimeSeconds: not NatDetectionOption.NoKeepalives };
}

/// <summary>
/// The home agent's side of RFC 5555 4.2.2 (NAT detection) for a Binding Update with an IPv4 care-of address. The
/// Binding Update travels UDP-encapsulated in IPv4 (RFC 5555 4.1, 4.2.1), its IPv6 source being the IPv4-mapped
/// care-of address and its IPv4 Care-of Address option (3.1.2) naming the same address; a NAT is there when the
/// outer IPv4 source differs from the option's address. Then the acknowledgement carries the NAT Detection option
/// (3.2.2) with the keepalive interval, and traffic both ways is UDP-encapsulated; with F set in the Binding Update
/// (3.1.3) UDP is used without a NAT too (the option says F, keepalives not needed).
/// </summary>
public static class Ipv4CareOfCheck
{
    /// <summary>Null when the packet is to be dropped silently (an IPv4 care-of address that is not unicast).</summary>
    public static Ipv4CareOfVerdict? Evaluate(ReceivedMobilityMessage received, BindingUpdate update, IPv4CareOfAddressOption option, TimeSpan keepalive)
    {
        ArgumentNullException.ThrowIfNull(received);
        ArgumentNullException.ThrowIfNull(update);
        ArgumentNullException.ThrowIfNull(option);
        var careOf = option.CareOfAddress;
        if (!IsUnicast(careOf))
        {
            return null;
        }

        var mapped = careOf.MapToIPv6();
        var outer = received.Packet.TunnelSource;
        if (outer is not { AddressFamily: AddressFamily.InterNetwork } || !received.Source.Equals(mapped))
        {
            // The option came over IPv6, or the inner IPv6 source is not the option's address: the care-of address
            // cannot be trusted to be where the Binding Update came from (IANA status 174, RFC 5555).
            return new Ipv4CareOfVerdict(BindingAcknowledgementStatus.InvalidCareOfAddress, mapped, null);
        }

        bool forced = (update.Flags & BindingUpdateFlags.F) != 0;
        bool nat = !outer.Equals(careOf);
        NatDetectionOption? detection = nat
            ? new NatDetectionOption(forced, (uint)Math.Clamp(keepalive.TotalSeconds, 1, NatDetectionOption.NoKeepalives - 1))
            : forced ? new NatDetectionOption(true, NatDetectionOption.NoKeepalives) : null;
        return new Ipv4CareOfVerdict(BindingAcknowledgementStatus.Accepted, mapped, detection);
    }

    private static bool IsUnicast(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return bytes[0] is not (0 or 127 or >= 224);
    }
}
