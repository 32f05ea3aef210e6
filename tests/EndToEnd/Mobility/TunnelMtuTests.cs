using System.Text.Json;

namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>
/// The tunnel's MTU over real packets (issue 14, RFC 2473 7.1, RFC 4443 3.2): a packet from cn that does not fit
/// once encapsulated is answered with a Packet Too Big, never dropped silently; and when a link on the tunnel path
/// narrows, the Packet Too Big that link's router sends the home agent lowers the binding's tunnel MTU, and the home
/// agent answers the next oversize packet itself, from its own address, with the MTU less the tunnel header.
/// </summary>
[NonParallelizable]
public class TunnelMtuTests
{
    private const string HomeAgentAddress = "2001:db8:1::1";

    [Test]
    [CancelAfter(120_000)]
    public async Task An_oversize_packet_for_the_tunnel_gets_a_packet_too_big_and_one_from_the_tunnel_path_lowers_the_tunnel_mtu(CancellationToken cancellationToken)
    {
        Assume.That(Host.IsRoot, "namespaces need root");
        using var session = await MobilitySession.StartAsync(cancellationToken);
        await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        var topology = session.Topology;
        string home = MobilityTopology.HomeAddress.ToString();

        // 1500 octets (1452 of ICMPv6 data) fit cn's link but not the tunnel (1500 with the outer header): the home
        // agent's TUN has the link MTU less 40, so the kernel there answers with mtu=1460.
        var first = Host.TryExec(topology.Cn, "ping", "-6", "-n", "-c", "1", "-W", "2", "-M", "do", "-s", "1452", home);
        TestContext.Out.WriteLine(first.StandardOutput + first.StandardError);
        Assert.That(first.StandardOutput, Does.Contain("Packet too big: mtu=1460"));
        Assert.That(Host.TryExec(topology.Cn, "ping", "-6", "-n", "-c", "2", "-W", "2", "-M", "do", "-s", "1412", home).StandardOutput,
            Does.Contain(" 0% packet loss"), "1460 octets go through the tunnel both ways");

        // The link between core and ar1 narrows to 1400: the next 1500-octet tunnel packet makes core send the home
        // agent a Packet Too Big (mtu=1400), which lowers the binding's tunnel MTU; from then on the home agent answers
        // 1460-octet packets with mtu=1360 itself.
        Host.Run("ip", "-n", topology.Core, "link", "set", "core-ar1", "mtu", "1400");
        Host.Run("ip", "-n", topology.Ar1, "link", "set", "ar1-up", "mtu", "1400");
        var narrowed = Host.TryExec(topology.Cn, "ping", "-6", "-n", "-c", "3", "-i", "0.5", "-W", "2", "-M", "do", "-s", "1412", home);
        TestContext.Out.WriteLine(narrowed.StandardOutput + narrowed.StandardError);
        Assert.That(narrowed.StandardOutput, Does.Contain($"From {HomeAgentAddress} icmp_seq=").And.Contain("Packet too big: mtu=1360"));

        using var status = await session.Ha.TryStatusAsync(cancellationToken);
        Assert.That(status, Is.Not.Null);
        Assert.That(Counter(status!.RootElement, "dataplane_drop_exceeds_tunnel_mtu"), Is.GreaterThanOrEqualTo(1));

        // What fits the narrower tunnel still goes through both ways.
        Assert.That(Host.TryExec(topology.Cn, "ping", "-6", "-n", "-c", "2", "-W", "2", "-M", "do", "-s", "1312", home).StandardOutput,
            Does.Contain(" 0% packet loss"), "1360 octets fit the 1400-octet tunnel path");
    }

    private static long Counter(JsonElement status, string name) =>
        status.GetProperty("counters").TryGetProperty(name, out var value) ? value.GetInt64()
        : status.GetProperty("counters").TryGetProperty("shisa_" + name, out var prefixed) ? prefixed.GetInt64() : 0;
}
