using System.Text.Json;
using Shisa.DataPlane.Tests.Vectors;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;

namespace Shisa.DataPlane.Tests.Wire;

/// <summary>Every interoperability vector against the IPv6-level codecs, driven by the vectors' JSON oracles.</summary>
public class VectorTests
{
    private static IEnumerable<TestCaseData> All() => Named(VectorCatalog.Cases());

    private static IEnumerable<TestCaseData> WithIcmp() => Named(VectorCatalog.Cases(v => HasIcmp(v.Oracle)));

    private static IEnumerable<TestCaseData> Tunnelled() => Named(VectorCatalog.Cases(v => v.Oracle.TryGetProperty("inner", out _)));

    /// <summary>Prefixes the method name ({m}) so each test's full name is unique across methods.</summary>
    private static IEnumerable<TestCaseData> Named(IEnumerable<TestCaseData> cases) =>
        cases.Select(c => c.SetName("{m}(" + c.TestName + ")"));

    private static bool HasIcmp(JsonElement oracle) =>
        (oracle.TryGetProperty("icmpv6", out var i) && i.ValueKind != JsonValueKind.Null)
        || (oracle.TryGetProperty("inner", out var inner) && HasIcmp(inner));

    [TestCaseSource(nameof(All))]
    public void Vector_decodes_to_its_oracle_ipv6_fields(Vector vector) =>
        OracleAssert.Ipv6(vector.Oracle, vector.Packet, vector.ToString());

    [TestCaseSource(nameof(All))]
    public void Vector_headers_reencode_byte_for_byte(Vector vector)
    {
        // Rebuild the fixed header and the mobility extension headers from the parsed fields, copy the upper
        // layer, and compare with the vector: the writers agree with scapy's layout (PadN(2) + HAO, RH2).
        Assert.That(Ipv6Packet.TryParse(vector.Packet, out var packet), Is.True);
        var rebuilt = new byte[vector.Packet.Length];
        Assert.That(TryRebuildHeaders(packet, rebuilt, out int at), Is.True, "extension headers not in the layout Shisa writes");
        packet.UpperLayer.CopyTo(rebuilt.AsSpan(at));
        Assert.That(Convert.ToHexString(rebuilt), Is.EqualTo(Convert.ToHexString(vector.Packet)));
    }

    [TestCaseSource(nameof(WithIcmp))]
    public void Icmpv6_vector_rebuilds_whole_packet_from_records(Vector vector)
    {
        var rebuilt = RebuildIcmpPacket(vector.Packet, vector.ToString());
        Assert.That(Convert.ToHexString(rebuilt), Is.EqualTo(Convert.ToHexString(vector.Packet)));
    }

    [TestCaseSource(nameof(Tunnelled))]
    public void Tunnel_vector_reencapsulates_inner_packet_identically(Vector vector)
    {
        Assert.That(Ipv6Tunnel.TryDecapsulate(vector.Packet, out var inner), Is.True);
        Assert.That(Ipv6Header.TryRead(vector.Packet, out var outer), Is.True);
        var buffer = new byte[vector.Packet.Length];
        Assert.That(Ipv6Tunnel.TryEncapsulate(inner, outer.Source, outer.Destination, buffer, out int written,
            outer.HopLimit, outer.TrafficClass, outer.FlowLabel), Is.True);
        Assert.That(Convert.ToHexString(buffer, 0, written), Is.EqualTo(Convert.ToHexString(vector.Packet)));
    }

    [TestCaseSource(nameof(Tunnelled))]
    public void Tunnel_vector_with_default_parameters_matches(Vector vector)
    {
        // What the HA and MN send: hop limit 64, traffic class and flow label 0 (RFC 2473 6.3-6.5 defaults).
        Assert.That(Ipv6Tunnel.TryDecapsulate(vector.Packet, out var inner), Is.True);
        Assert.That(Ipv6Header.TryRead(vector.Packet, out var outer), Is.True);
        var buffer = new byte[vector.Packet.Length];
        Assert.That(Ipv6Tunnel.TryEncapsulate(inner, outer.Source, outer.Destination, buffer, out int written), Is.True);
        Assert.That(buffer.AsSpan(0, written).SequenceEqual(vector.Packet), Is.True);
    }

    [Test]
    public void Hao_vector_is_the_home_address_packet_with_the_option_inserted()
    {
        var vector = VectorCatalog.All.Single(v => v.File == "hao.json" && v.Name == "echo_request_with_hao");
        Assert.That(Ipv6Packet.TryParse(vector.Packet, out var packet), Is.True);
        var careOf = packet.Header.Source.ToArray();
        Assert.That(EchoMessage.TryParse(packet.UpperLayer, out var echo), Is.True);

        // The packet the upper layer sent: from the home address, no HAO.
        var plain = new byte[256];
        var addressing = new Ipv6Addressing(packet.HomeAddress, packet.Header.Destination, packet.Header.HopLimit);
        Assert.That(Icmpv6PacketBuilder.TryWrite(plain, addressing, echo!, out int plainLength), Is.True);

        var sent = new byte[256];
        Assert.That(HomeAddressOption.TryInsert(plain.AsSpan(0, plainLength), careOf, sent, out int written), Is.True);
        Assert.That(Convert.ToHexString(sent, 0, written), Is.EqualTo(Convert.ToHexString(vector.Packet)));

        // In place, in the same buffer.
        Assert.That(HomeAddressOption.TryInsert(plain.AsSpan(0, plainLength), careOf, plain, out written), Is.True);
        Assert.That(Convert.ToHexString(plain, 0, written), Is.EqualTo(Convert.ToHexString(vector.Packet)));
    }

    [Test]
    public void Param_problem_answer_decodes_as_code_0_pointer_65_and_reencodes()
    {
        var vector = VectorCatalog.All.Single(v => v.File == "malformed.json" && v.Name == "param_problem_answer");
        Assert.That(Ipv6Packet.TryParse(vector.Packet, out var packet), Is.True);
        Assert.That(ParameterProblem.TryParse(packet.UpperLayer, out var problem), Is.True);
        Assert.That(problem!.Code, Is.EqualTo(ParameterProblemCode.ErroneousHeaderField));
        Assert.That(problem.Pointer, Is.EqualTo(65u));
        var rebuilt = RebuildIcmpPacket(vector.Packet, vector.ToString());
        Assert.That(Convert.ToHexString(rebuilt), Is.EqualTo(Convert.ToHexString(vector.Packet)));
    }

    [Test]
    public void Parameter_problem_for_bu_header_len_0_from_home_agent_is_the_expected_answer()
    {
        var invoking = VectorCatalog.All.Single(v => v.File == "malformed.json" && v.Name == "bu_header_len_0");
        var answer = VectorCatalog.All.Single(v => v.File == "malformed.json" && v.Name == "param_problem_answer");
        Assert.That(Ipv6Header.TryRead(invoking.Packet, out var header), Is.True);
        var homeAgent = header.Destination.ToArray();

        var buffer = new byte[Ipv6Header.MinimumMtu];
        Assert.That(Icmpv6PacketBuilder.TryWriteParameterProblem(buffer, invoking.Packet, homeAgent,
            ParameterProblemCode.ErroneousHeaderField, 65, 255, out int written), Is.True);
        Assert.That(Convert.ToHexString(buffer, 0, written), Is.EqualTo(Convert.ToHexString(answer.Packet)));

        // The same through the record and the generic builder.
        var record = new ParameterProblem(ParameterProblemCode.ErroneousHeaderField, 65, invoking.Packet);
        var addressing = new Ipv6Addressing(homeAgent, header.Source, 255);
        Assert.That(Icmpv6PacketBuilder.TryWrite(buffer, addressing, record, out written), Is.True);
        Assert.That(Convert.ToHexString(buffer, 0, written), Is.EqualTo(Convert.ToHexString(answer.Packet)));
    }

    /// <summary>Parses a packet carrying ICMPv6 (possibly tunnelled) and writes it again from records only.</summary>
    internal static byte[] RebuildIcmpPacket(byte[] bytes, string where)
    {
        Assert.That(Ipv6Packet.TryParse(bytes, out var packet, out var refusal), Is.True, $"{where}: {refusal}");
        var header = packet.Header.ToRecord();
        if (packet.UpperLayerProtocol == IpProtocol.Ipv6)
        {
            var inner = RebuildIcmpPacket(packet.UpperLayer.ToArray(), where + ".inner");
            var outer = new byte[inner.Length + Ipv6Tunnel.Overhead];
            Span<byte> src = stackalloc byte[16];
            Span<byte> dst = stackalloc byte[16];
            Ipv6Header.TryWriteAddress(header.Source, src);
            Ipv6Header.TryWriteAddress(header.Destination, dst);
            Assert.That(Ipv6Tunnel.TryEncapsulate(inner, src, dst, outer, out _, header.HopLimit, header.TrafficClass, header.FlowLabel), Is.True);
            return outer;
        }

        Assert.That(packet.UpperLayerProtocol, Is.EqualTo(IpProtocol.Icmpv6), where);
        var message = IcmpRecords.Parse(packet.UpperLayer);
        Assert.That(message, Is.Not.Null, where);
        var envelope = new Ipv6Envelope(header.Source, header.Destination, header.HopLimit,
            packet.HasHomeAddress ? OracleAssert.Ip(packet.HomeAddress) : null,
            packet.HasType2RoutingHeader ? OracleAssert.Ip(packet.RoutingHomeAddress) : null,
            header.TrafficClass, header.FlowLabel);
        var buffer = new byte[Ipv6Header.MinimumMtu + 100];
        Assert.That(Icmpv6PacketBuilder.TryWrite(buffer, envelope, message!, out int written), Is.True, where);
        return buffer[..written];
    }

    /// <summary>
    /// Writes header + RH2 + HAO as <see cref="Ipv6PacketBuilder"/> does, when the packet's extension headers are
    /// exactly that layout (none, RH2, PadN(2)+HAO, or both in that order).
    /// </summary>
    private static bool TryRebuildHeaders(Ipv6Packet packet, Span<byte> destination, out int headersLength)
    {
        headersLength = 0;
        int expected = (packet.HasType2RoutingHeader ? 1 : 0) + (packet.HasHomeAddress ? 1 : 0);
        if (packet.ExtensionHeaderCount != expected)
        {
            return false;
        }

        var h = packet.Header;
        var addressing = new Ipv6Addressing(h.Source, h.Destination, h.HopLimit)
        {
            HomeAddress = packet.HomeAddress,
            RoutingHomeAddress = packet.RoutingHomeAddress,
            TrafficClass = h.TrafficClass,
            FlowLabel = h.FlowLabel,
        };
        return Ipv6PacketBuilder.TryWriteHeaders(destination, addressing, packet.UpperLayerProtocol, packet.UpperLayer.Length, out headersLength);
    }
}
