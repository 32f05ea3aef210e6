using System.Net;
using Shisa.DataPlane.Tests.Wire;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.DataPlane.Tests.Vectors;

/// <summary>
/// The whole folder, whole packets: every vector is decoded from its first octet to its last (IPv6 header,
/// type 2 routing header, Home Address option, tunnel, Mobility Header or ICMPv6) into records and written
/// again from those records alone, and must come out byte for byte; every negative vector is refused with a
/// typed reason. Vectors added to the folder later are picked up without a code change.
/// </summary>
public class WholePacketVectorTests
{
    private static IEnumerable<TestCaseData> PositiveCases() =>
        VectorCatalog.Cases(v => !v.Negative && !IsUnknownMobilityType(v)).Select(c => c.SetName("Round_trip(" + c.Arguments[0] + ")"));

    private static IEnumerable<TestCaseData> RefusedCases() =>
        VectorCatalog.Cases(v => v.Negative || IsUnknownMobilityType(v)).Select(c => c.SetName("Refused(" + c.Arguments[0] + ")"));

    /// <summary>An MH whose type no RFC defines parses to a refusal that a Binding Error answers (RFC 6275 9.2).</summary>
    private static bool IsUnknownMobilityType(Vector v) =>
        v.Oracle.TryGetProperty("mh", out var mh) && mh.TryGetProperty("type", out var t) && t.GetInt32() > (int)MobilityHeaderType.BindingError;

    [TestCaseSource(nameof(PositiveCases))]
    public void Round_trip(Vector vector)
    {
        Assert.That(Convert.ToHexString(Rebuild(vector.Packet, vector.ToString())), Is.EqualTo(Convert.ToHexString(vector.Packet)));
    }

    [TestCaseSource(nameof(RefusedCases))]
    public void Refused(Vector vector)
    {
        var reason = Refusal(vector.Packet);
        Assert.That(reason, Is.Not.Null.And.Not.EqualTo(nameof(MobilityParseError.None)), vector.ToString());
        TestContext.Out.WriteLine($"{vector}: refused, {reason}");
    }

    [Test]
    public void Every_vector_is_either_round_tripped_or_refused()
    {
        Assert.That(PositiveCases().Count() + RefusedCases().Count(), Is.EqualTo(VectorCatalog.All.Count));
        Assert.That(VectorCatalog.All, Has.Count.GreaterThanOrEqualTo(41));
    }

    private static string? Refusal(byte[] bytes)
    {
        if (!Ipv6Packet.TryParse(bytes, out var packet, out var refusal))
        {
            return refusal.Reason.ToString();
        }

        if (packet.UpperLayerProtocol == IpProtocol.Ipv6)
        {
            return Refusal(packet.UpperLayer.ToArray());
        }

        if (packet.UpperLayerProtocol == MobilityHeader.NextHeader)
        {
            return MobilityHeader.TryParse(packet.UpperLayer, packet.PseudoSource, packet.PseudoDestination, out _, out var error) ? null : error.ToString();
        }

        return null;
    }

    private static byte[] Rebuild(byte[] bytes, string where)
    {
        Assert.That(Ipv6Packet.TryParse(bytes, out var packet, out var refusal), Is.True, $"{where}: {refusal}");
        var header = packet.Header.ToRecord();
        if (packet.UpperLayerProtocol == IpProtocol.Ipv6)
        {
            var inner = Rebuild(packet.UpperLayer.ToArray(), where + ".inner");
            var outer = new byte[inner.Length + Ipv6Tunnel.Overhead];
            Span<byte> src = stackalloc byte[16];
            Span<byte> dst = stackalloc byte[16];
            Ipv6Header.TryWriteAddress(header.Source, src);
            Ipv6Header.TryWriteAddress(header.Destination, dst);
            Assert.That(Ipv6Tunnel.TryEncapsulate(inner, src, dst, outer, out int n, header.HopLimit, header.TrafficClass, header.FlowLabel), Is.True, where);
            return outer[..n];
        }

        var envelope = new Ipv6Envelope(header.Source, header.Destination, header.HopLimit,
            packet.HasHomeAddress ? new IPAddress(packet.HomeAddress) : null,
            packet.HasType2RoutingHeader ? new IPAddress(packet.RoutingHomeAddress) : null,
            header.TrafficClass, header.FlowLabel);
        var buffer = new byte[Ipv6Header.MinimumMtu + 100];
        if (packet.UpperLayerProtocol == IpProtocol.Icmpv6)
        {
            var message = IcmpRecords.Parse(packet.UpperLayer);
            Assert.That(message, Is.Not.Null, where);
            Assert.That(Icmpv6PacketBuilder.TryWrite(buffer, envelope, message!, out int written), Is.True, where);
            return buffer[..written];
        }

        Assert.That(packet.UpperLayerProtocol, Is.EqualTo(MobilityHeader.NextHeader), where);
        Assert.That(MobilityHeader.TryParse(packet.UpperLayer, packet.PseudoSource, packet.PseudoDestination, out var mh, out var error), Is.True, $"{where}: {error}");
        Span<byte> src16 = stackalloc byte[16];
        Span<byte> dst16 = stackalloc byte[16];
        Span<byte> hoa = stackalloc byte[16];
        Span<byte> rh = stackalloc byte[16];
        envelope.Source.TryWriteBytes(src16, out _);
        envelope.Destination.TryWriteBytes(dst16, out _);
        var addressing = new Ipv6Addressing(src16, dst16, envelope.HopLimit)
        {
            HomeAddress = envelope.HomeAddress is { } h && h.TryWriteBytes(hoa, out _) ? hoa : default,
            RoutingHomeAddress = envelope.RoutingHomeAddress is { } r && r.TryWriteBytes(rh, out _) ? rh : default,
            TrafficClass = envelope.TrafficClass,
            FlowLabel = envelope.FlowLabel,
        };
        Assert.That(Ipv6PacketBuilder.TryWriteHeaders(buffer, addressing, MobilityHeader.NextHeader, mh!.GetByteCount(), out int headers), Is.True, where);
        Assert.That(mh.TryWrite(buffer.AsSpan(headers), addressing.PseudoSource, addressing.PseudoDestination, out int length), Is.True, where);
        return buffer[..(headers + length)];
    }
}
