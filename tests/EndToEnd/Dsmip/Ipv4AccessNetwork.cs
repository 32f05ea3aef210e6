using System.Net;

namespace Shisa.EndToEnd.Tests.Dsmip;

/// <summary>
/// DESIGN 9's IPv4 variant on top of the mobility topology (built without router advertisements, so the mn has no
/// IPv6 care-of address): an IPv4-only access router <c>ar4</c> whose access link 198.51.100.0/24 is masqueraded by
/// nftables (random source ports, like a carrier NAT) towards the core on 203.0.113.0/24; ha and cn get IPv4
/// addresses in 192.0.2.0/24. The mn's veth moves from ar1 onto ar4's link and gets 198.51.100.10 statically.
/// Only documentation ranges; the namespace goes on dispose (the topology takes the rest).
/// </summary>
internal sealed class Ipv4AccessNetwork : IDisposable
{
    public const string Bridge = "br-a4";
    public const string Uplink = "ar4-up";
    public static readonly IPAddress HomeAgentIpv4 = IPAddress.Parse("192.0.2.1");
    public static readonly IPAddress CorrespondentIpv4 = IPAddress.Parse("192.0.2.130");
    public static readonly IPAddress NatPublic = IPAddress.Parse("203.0.113.4");
    public static readonly IPAddress MobileNodeIpv4 = IPAddress.Parse("198.51.100.10");

    private Ipv4AccessNetwork(MobilityTopology topology, string ar4)
    {
        Topology = topology;
        Ar4 = ar4;
    }

    public MobilityTopology Topology { get; }

    public string Ar4 { get; }

    public static Ipv4AccessNetwork Build(MobilityTopology topology, bool nat = true)
    {
        string ar4 = topology.Names.Namespace("ar4");
        Host.Run("ip", "netns", "add", ar4);
        var network = new Ipv4AccessNetwork(topology, ar4);
        try
        {
            network.Wire(nat);
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Checksums filled in by the senders of the tunnel's outer packets (ha-up, mn0): veth otherwise hands them on
    /// partial, and a capture on the way shows them as bad. False when ethtool is missing.
    /// </summary>
    public bool CompleteChecksums()
    {
        if (!File.Exists("/usr/sbin/ethtool"))
        {
            return false;
        }

        Host.Exec(Topology.Ha, "ethtool", "-K", "ha-up", "tx", "off");
        Host.Exec(Topology.Mn, "ethtool", "-K", MobilityTopology.MobileInterface, "tx", "off");
        return true;
    }

    /// <summary>Forgets every NAT mapping of ar4, as a NAT that restarts does.</summary>
    public void FlushConntrack() => Host.Exec(Ar4, "conntrack", "-F");

    private void Wire(bool nat)
    {
        var t = Topology;
        Host.Exec(Ar4, "ip", "link", "set", "lo", "up");
        Host.Sysctl(t.Core, "net.ipv4.ip_forward=1");
        Host.Sysctl(Ar4, "net.ipv4.ip_forward=1");
        Host.Run("ip", "link", "add", "core-ar4", "netns", t.Core, "type", "veth", "peer", "name", Uplink, "netns", Ar4);
        Host.Exec(t.Core, "ip", "link", "set", "core-ar4", "up");
        Host.Exec(Ar4, "ip", "link", "set", Uplink, "up");

        Host.Exec(t.Core, "ip", "addr", "add", "203.0.113.1/24", "dev", "core-ar4");
        Host.Exec(Ar4, "ip", "addr", "add", $"{NatPublic}/24", "dev", Uplink);
        Host.Exec(t.Core, "ip", "addr", "add", "192.0.2.126/25", "dev", "core-ha");
        Host.Exec(t.Ha, "ip", "addr", "add", $"{HomeAgentIpv4}/25", "dev", "ha-up");
        Host.Exec(t.Core, "ip", "addr", "add", "192.0.2.129/25", "dev", "core-cn");
        Host.Exec(t.Cn, "ip", "addr", "add", $"{CorrespondentIpv4}/25", "dev", MobilityTopology.CorrespondentInterface);
        Host.Exec(t.Ha, "ip", "route", "add", "default", "via", "192.0.2.126");
        Host.Exec(t.Cn, "ip", "route", "add", "default", "via", "192.0.2.129");
        Host.Exec(Ar4, "ip", "route", "add", "default", "via", "203.0.113.1");

        Host.Exec(Ar4, "ip", "link", "add", Bridge, "type", "bridge", "stp_state", "0");
        Host.Exec(Ar4, "ip", "addr", "add", "198.51.100.1/24", "dev", Bridge);
        Host.Exec(Ar4, "ip", "link", "set", Bridge, "up");
        if (nat)
        {
            Host.Exec(Ar4, "nft", "add", "table", "ip", "nat");
            Host.Exec(Ar4, "nft", "add", "chain", "ip", "nat", "post", "{ type nat hook postrouting priority 100 ; }");
            Host.Exec(Ar4, "nft", "add", "rule", "ip", "nat", "post", "oifname", Uplink, "masquerade", "random");
        }
        else
        {
            Host.Exec(t.Core, "ip", "route", "add", "198.51.100.0/24", "via", NatPublic.ToString());
        }

        // The mn's veth leaves ar1's link for ar4's (mn0 sees carrier down and up), with a static IPv4 address.
        string from = t.NamespaceOf(t.CurrentLink);
        Host.Exec(from, "ip", "link", "set", MobilityTopology.MobilePeer, "down");
        Host.Exec(from, "ip", "link", "set", MobilityTopology.MobilePeer, "netns", Ar4);
        Host.Exec(Ar4, "ip", "link", "set", MobilityTopology.MobilePeer, "master", Bridge);
        Host.Exec(Ar4, "ip", "link", "set", MobilityTopology.MobilePeer, "up");
        Host.Exec(t.Mn, "ip", "addr", "add", $"{MobileNodeIpv4}/24", "dev", MobilityTopology.MobileInterface);
        Host.Exec(t.Mn, "ip", "route", "add", "default", "via", "198.51.100.1");
    }

    public void Dispose() => RunNames.DeleteNamespace(Ar4);
}
