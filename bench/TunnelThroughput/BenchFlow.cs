using System.Globalization;
using System.Net;

namespace Shisa.Bench.TunnelThroughput;

/// <summary>Which way the packets go through the home agent.</summary>
public enum BenchPath
{
    /// <summary>cn -> core -> ha (the home agent encapsulates, RFC 2473) -> core -> ar1 -> mn0.</summary>
    Encapsulation,

    /// <summary>mn0 -> ar1 -> core -> ha (the home agent decapsulates the reverse tunnel, RFC 6275 10.4.5) -> core -> cn0.</summary>
    Decapsulation,
}

/// <summary>Who forwards in ha: the appliance (tunnel path) or the kernel (plain IPv6 over the same hops, the baseline).</summary>
public enum Forwarder
{
    Appliance,
    Kernel,
}

/// <summary>
/// What one path and forwarder sends, from which namespace, and where and how it is counted: an nftables counter
/// on the receiving interface's ingress hook (which then drops the packet, so the receiving kernel does no more
/// work), and for latency probes a packet socket on the same interface (packet taps see frames before ingress).
/// </summary>
public sealed record BenchFlow(
    BenchPath Path,
    Forwarder Forwarder,
    string SenderNamespace,
    string ReceiverNamespace,
    string ReceiverInterface,
    IPAddress Source,
    IPAddress Destination,
    IPAddress? OuterSource,
    IPAddress? OuterDestination,
    bool ArrivesTunnelled,
    string CounterMatch)
{
    /// <summary>The UDP source port of latency probes (load packets use <see cref="UdpPacket.SourcePort"/>).</summary>
    public const ushort ProbeSourcePort = UdpPacket.SourcePort + 1;

    /// <summary>The flows of both paths for a registered mobile node at <paramref name="careOf"/>.</summary>
    public static IReadOnlyList<BenchFlow> For(string cn, string mn, IPAddress careOf, IPAddress homeAgent, IPAddress homeAddress, IPAddress correspondent) =>
    [
        new(BenchPath.Encapsulation, Forwarder.Appliance, cn, mn, "mn0", correspondent, homeAddress, null, null, true,
            $"ip6 daddr {careOf} ip6 nexthdr 41"),
        new(BenchPath.Encapsulation, Forwarder.Kernel, cn, mn, "mn0", correspondent, careOf, null, null, false,
            $"ip6 daddr {careOf} udp dport {UdpPacket.DestinationPort}"),
        new(BenchPath.Decapsulation, Forwarder.Appliance, mn, cn, "cn0", homeAddress, correspondent, careOf, homeAgent, false,
            $"ip6 saddr {homeAddress} udp dport {UdpPacket.DestinationPort}"),
        new(BenchPath.Decapsulation, Forwarder.Kernel, mn, cn, "cn0", careOf, correspondent, null, null, false,
            $"ip6 saddr {careOf} udp dport {UdpPacket.DestinationPort}"),
    ];

    /// <summary>The nftables counter's name in the receiver's <c>netdev shisabench</c> table.</summary>
    public string CounterName => $"{Path}_{Forwarder}".ToLowerInvariant();

    /// <summary>The length of the packet the sender writes (IPv6 header onwards).</summary>
    public int PacketLength(int payloadBytes) => UdpPacket.HeaderLength + payloadBytes + (OuterSource is null ? 0 : 40);

    /// <summary>Writes the packet (a probe when <paramref name="probeTimestamp"/> is given) into <paramref name="packet"/>, which has <see cref="PacketLength"/> octets.</summary>
    public void Write(Span<byte> packet, long? probeTimestamp)
    {
        int outer = OuterSource is null ? 0 : 40;
        UdpPacket.Write(packet[outer..], Source, Destination, probeTimestamp is null ? UdpPacket.SourcePort : ProbeSourcePort, probeTimestamp);
        if (OuterSource is not null)
        {
            UdpPacket.Encapsulate(packet, OuterSource, OuterDestination!);
        }
    }

    /// <summary>Where the UDP header starts in a frame on the receiving interface (Ethernet, IPv6, and the outer IPv6 header when tunnelled).</summary>
    public int ReceivedUdpOffset => 14 + 40 + (ArrivesTunnelled ? 40 : 0);

    /// <summary>The pcap filter for latency probes on the receiving interface.</summary>
    public string ProbeFilter => ArrivesTunnelled
        ? $"ip6[6] == 41 and ip6[46] == 17 and ip6[80:2] == {ProbePort}"
        : $"ip6[6] == 17 and ip6[40:2] == {ProbePort}";

    private static string ProbePort => ProbeSourcePort.ToString(CultureInfo.InvariantCulture);
}
