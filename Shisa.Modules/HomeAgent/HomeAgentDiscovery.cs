using System.Net;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.Modules.Configuration;

namespace Shisa.Modules.HomeAgent;

/// <summary>
/// The home agent's ICMPv6 side: Home Agent Address Discovery (RFC 6275 10.5, RFC 3963 7.2) and mobile prefix
/// solicitations and advertisements (RFC 6275 10.6), answered from the binding cache and the profile's home prefix.
/// </summary>
internal sealed class HomeAgentDiscovery(HomeBindingCache cache, HomeAgentReplies replies, HomeAgentTuning tuning, HomeAgentCounterSet counters, ILogger logger)
{
    private HomeAgentSection _section = null!;
    private IPAddress _anycast = IPAddress.IPv6None;
    private bool _supportsMobileRouters;
    private ushort _nextAdvertisementId;

    /// <summary>The Mobile IPv6 Home-Agents anycast address of the home prefix (RFC 2526).</summary>
    public IPAddress AnycastAddress => _anycast;

    /// <summary>Takes the profile's home prefix and mobile node list (at start and at each reload).</summary>
    public void Apply(HomeAgentSection section)
    {
        _section = section;
        _anycast = HomeAgentsAnycast.For(section.Prefix);
        _supportsMobileRouters = section.MobileNodes.Any(n => n.Prefixes.Count > 0);
    }

    /// <summary>An ICMPv6 packet for the home agent: a discovery request or a prefix solicitation; anything else is dropped.</summary>
    public void OnIcmp(ReadOnlySpan<byte> bytes)
    {
        Ipv6Packet.TryParse(bytes, out var ip);
        var message = ip.UpperLayer;
        var source = ip.Header.SourceAddress;
        if (!Icmpv6Header.TryRead(message, out var icmp) || icmp.Code != 0 || !icmp.VerifyChecksum(ip.PseudoSource, ip.PseudoDestination)
            || !Ipv6Address.IsRoutableUnicast(ip.Header.Source))
        {
            replies.Drop(HomeAgentDropReason.BadIcmp, source);
            return;
        }

        var destination = ip.Header.DestinationAddress;
        switch (icmp.Type)
        {
            case Icmpv6Type.HomeAgentAddressDiscoveryRequest when HomeAgentAddressDiscoveryRequest.TryParse(message, out var request):
                OnDiscoveryRequest(request, source, destination);
                break;
            case Icmpv6Type.MobilePrefixSolicitation when MobilePrefixSolicitation.TryParse(message, out var solicitation):
                var home = ip.HasHomeAddress ? new IPAddress(ip.HomeAddress) : source;
                OnPrefixSolicitation(solicitation, source, destination, home);
                break;
            default:
                replies.Drop(HomeAgentDropReason.UnexpectedMessageType, source);
                break;
        }
    }

    /// <summary>RFC 6275 10.6.3: the home prefix changed; every registered mobile node is told, unsolicited.</summary>
    public void AnnouncePrefixChange()
    {
        foreach (var binding in cache.Bindings.ToList())
        {
            SendPrefixAdvertisement(binding, ++_nextAdvertisementId);
        }
    }

    /// <summary>RFC 6275 10.5: answer a request sent to the home subnet's anycast address with the home agent list (just us).</summary>
    private void OnDiscoveryRequest(HomeAgentAddressDiscoveryRequest request, IPAddress source, IPAddress destination)
    {
        if (!destination.Equals(_anycast))
        {
            replies.Drop(HomeAgentDropReason.DiscoveryNotForUs, source);
            return;
        }

        if (request.MobileRouterSupport && !_supportsMobileRouters)
        {
            // RFC 3963 7.2: only home agents that support mobile routers are listed for R; that is not us here.
            replies.Drop(HomeAgentDropReason.DiscoveryMobileRouterUnsupported, source);
            return;
        }

        var reply = new HomeAgentAddressDiscoveryReply(request.Identifier, request.MobileRouterSupport, [_section.Address]);
        if (replies.SendIcmp(reply, new Ipv6Envelope(_section.Address, source, tuning.HopLimit)))
        {
            counters.DiscoveryRepliesSent++;
            HomeAgentLog.DiscoveryReplied(logger, request.Identifier, source);
        }
    }

    /// <summary>RFC 6275 10.6.2: a solicitation from a registered mobile node's care-of address gets the home prefix.</summary>
    private void OnPrefixSolicitation(MobilePrefixSolicitation solicitation, IPAddress source, IPAddress destination, IPAddress home)
    {
        if (!destination.Equals(_section.Address))
        {
            replies.Drop(HomeAgentDropReason.NotForHomeAgent, source);
            return;
        }

        // Any of the home address's bindings (RFC 5648: one per care-of address) may ask.
        if (cache.Of(home).FirstOrDefault(b => b.CareOfAddress.Equals(source)) is not { } binding)
        {
            replies.Drop(HomeAgentDropReason.SolicitationWithoutBinding, source);
            return;
        }

        SendPrefixAdvertisement(binding, solicitation.Identifier);
    }

    /// <summary>RFC 6275 10.6.1, 10.6.3: the home prefix, to the care-of address with a type 2 routing header.</summary>
    private void SendPrefixAdvertisement(HomeBinding binding, ushort identifier)
    {
        var prefix = new PrefixInformation((byte)_section.Prefix.Length, OnLink: true, Autonomous: true, RouterAddress: false,
            Seconds(tuning.PrefixValidLifetime), Seconds(tuning.PrefixPreferredLifetime), _section.Prefix.Network);
        var advertisement = new MobilePrefixAdvertisement(identifier, false, false, [prefix]);
        if (replies.SendIcmp(advertisement, new Ipv6Envelope(_section.Address, binding.CareOfAddress, tuning.HopLimit, RoutingHomeAddress: binding.HomeAddress)))
        {
            counters.PrefixAdvertisementsSent++;
            HomeAgentLog.PrefixAdvertised(logger, identifier, binding.HomeAddress, binding.CareOfAddress);
        }
    }

    private static uint Seconds(TimeSpan lifetime) => (uint)Math.Clamp((long)lifetime.TotalSeconds, 0, uint.MaxValue);
}
