using System.Net;
using System.Net.Sockets;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.Modules.HomeAgent;

/// <summary>One binding a Binding Update's Binding Identifier option asks for (RFC 5648 6.1).</summary>
/// <param name="BindingId">The option's binding id (never 0).</param>
/// <param name="CareOfAddress">The option's care-of address, or the Binding Update's when the option has none (RFC 5648 6.1).</param>
/// <param name="Option">The option as received, echoed in the Binding Acknowledgement with its status (RFC 5648 6.2).</param>
internal sealed record BindingIdentifierRequest(ushort BindingId, IPAddress CareOfAddress, BindingIdentifierOption Option);

/// <summary>
/// The Binding Identifier options of a home registration (RFC 5648 6.1, 6.2): one is an individual registration, several
/// a bulk registration (5.3); read and checked before any binding changes, so a malformed set refuses the whole
/// Binding Update and leaves every binding as it was.
/// </summary>
internal static class BindingIdentifierRequests
{
    /// <summary>
    /// Reads the options of <paramref name="update"/>: null when there are none (a Binding Update of RFC 6275 alone);
    /// otherwise the bindings asked for, or a refusal in <paramref name="status"/>: 164 MCOA MALFORMED for binding id 0
    /// (reserved, RFC 5648 6.1), the same binding id twice, or a care-of address that is not routable IPv6 (an IPv4
    /// care-of address is RFC 5555's, which this home agent does not serve through this option); 169 for the H flag (RFC
    /// 5648 5.6: simultaneous home and foreign binding, which this home agent does not offer; it does not defend the
    /// home address on the home link while tunnelling it).
    /// </summary>
    public static IReadOnlyList<BindingIdentifierRequest>? Read(BindingUpdate update, IPAddress careOf, out BindingAcknowledgementStatus status)
    {
        status = BindingAcknowledgementStatus.Accepted;
        List<BindingIdentifierRequest>? requests = null;
        foreach (var option in update.Options)
        {
            if (option is not BindingIdentifierOption bid)
            {
                continue;
            }

            requests ??= [];
            var address = bid.CareOfAddress ?? careOf;
            if (bid.BindingId == 0 || requests.Exists(r => r.BindingId == bid.BindingId) || !IsRoutableIpv6(address))
            {
                status = BindingAcknowledgementStatus.McoaMalformed;
                return [];
            }

            if ((bid.Flags & BindingIdentifierFlags.H) != 0)
            {
                status = BindingAcknowledgementStatus.McoaSimultaneousHomeAndForeignProhibited;
                return [];
            }

            requests.Add(new BindingIdentifierRequest(bid.BindingId, address, bid));
        }

        return requests;
    }

    /// <summary>RFC 5648 6.2: the O flag of a registration's options removes every other binding of the home address.</summary>
    public static bool Overwrites(IReadOnlyList<BindingIdentifierRequest> requests) =>
        requests.Any(r => (r.Option.Flags & BindingIdentifierFlags.O) != 0);

    /// <summary>RFC 5648 6.2: every Binding Identifier option of the Binding Update, copied into the Binding Acknowledgement with its own status.</summary>
    public static MobilityOption[] Echo(IEnumerable<BindingIdentifierRequest> requests, Func<BindingIdentifierRequest, BindingAcknowledgementStatus> status) =>
        [.. requests.Select(r => (MobilityOption)(r.Option with { Status = (byte)status(r) }))];

    private static bool IsRoutableIpv6(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return Ipv6Address.IsRoutableUnicast(bytes);
    }
}
