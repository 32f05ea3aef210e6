using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>
/// Issue 16, item 6: a DHAAD request to the Home-Agents anycast address is answered by the appliance and by nothing
/// else: the home agent's kernel neither forwards it onto the home link nor, 3 s later, sends the mobile node an
/// ICMPv6 address unreachable about it.
/// </summary>
[NonParallelizable]
public class DiscoveryTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task A_dhaad_request_to_the_anycast_address_is_answered_and_draws_no_icmpv6_error(CancellationToken cancellationToken)
    {
        string mobileNode = Profiles.MobileNode().Replace("home_agent = \"2001:db8:1::1\"", "home_agent = \"discover\"", StringComparison.Ordinal);
        Assert.That(mobileNode, Does.Contain("\"discover\""));
        using var session = MobilitySession.Create(Profiles.HomeAgent(), mobileNode);
        using var mn0 = LinkCapture.Start(session.Topology.Mn, "mn0");
        using var homeLink = LinkCapture.Start(session.Topology.Ha, "br-home");
        await session.StartAppliancesAsync(cancellationToken);
        await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);

        // RFC 6275 10.5: the request went to the anycast address and the home agent answered from its own address.
        var anycast = System.Net.IPAddress.Parse("2001:db8:1::fdff:ffff:ffff:fffe");
        Assert.That(mn0.Packets.Any(p => p.IcmpType == 144 && p.Destination.Equals(anycast)), Is.True, "the mobile node's DHAAD request");
        Assert.That(mn0.Packets.Any(p => p.IcmpType == 145 && p.Source.Equals(MobilityTopology.HomeAgentAddress)), Is.True, "the home agent's reply");

        // The kernel's address resolution gives up after 3 s (RFC 4861 MAX_MULTICAST_SOLICIT x RETRANS_TIMER).
        await Task.Delay(TimeSpan.FromSeconds(4), cancellationToken);
        var errors = mn0.Packets.Where(p => p.IcmpType is >= 1 and <= 4).ToList();
        Assert.That(errors, Is.Empty, $"ICMPv6 errors at the mobile node: {string.Join('\n', errors)}");
        Assert.That(homeLink.Packets.Where(p => p.Destination.Equals(anycast) || p.IcmpType == 135 && p.Upper.Length >= 24 && new System.Net.IPAddress(p.Upper.Slice(8, 16)).Equals(anycast)),
            Is.Empty, "nothing forwarded onto the home link, no neighbour solicitation for the anycast address");
    }
}
