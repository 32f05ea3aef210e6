using Shisa.DataPlane.Tests.Vectors;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;

namespace Shisa.DataPlane.Tests.Wire;

/// <summary>The extension-header walker's receive rules (RFC 8200 4, RFC 6275 6.3/6.4) on crafted packets.</summary>
public class WalkerRefusalTests
{
    private static byte[] Vector(string file, string name) =>
        (byte[])VectorCatalog.All.Single(v => v.File == file && v.Name == name).Packet.Clone();

    /// <summary>echo_request_with_hao: dest opts at 40 (PadN at 42, HAO type at 46, length at 47, address 48-63), ICMPv6 at 64.</summary>
    private static byte[] Hao() => Vector("hao.json", "echo_request_with_hao");

    /// <summary>echo_reply_with_rh2: routing header at 40 (Hdr Ext Len 41, type 42, segments left 43), ICMPv6 at 64.</summary>
    private static byte[] Rh2() => Vector("rh2.json", "echo_reply_with_rh2");

    private static readonly byte[] s_a = Convert.FromHexString("20010db8000a00000000000000000001");
    private static readonly byte[] s_b = Convert.FromHexString("20010db8000b00000000000000000002");
    private static readonly byte[] s_echo = Convert.FromHexString("8000000000010001");

    /// <summary>A packet from a to b with the given next header and payload parts.</summary>
    private static byte[] Build(byte nextHeader, params byte[][] parts)
    {
        int payload = parts.Sum(p => p.Length);
        var packet = new byte[Ipv6Header.Length + payload];
        Ipv6Header.TryWrite(packet, 0, 0, payload, nextHeader, 64, s_a, s_b, out _);
        int at = Ipv6Header.Length;
        foreach (var part in parts)
        {
            part.CopyTo(packet, at);
            at += part.Length;
        }

        return packet;
    }

    private static Ipv6Refusal Refuse(byte[] packet)
    {
        Assert.That(Ipv6Packet.TryParse(packet, out _, out var refusal), Is.False, "expected a refusal");
        return refusal;
    }

    private static byte[] PadOnlyHeader(byte next) => [next, 0, Ipv6Options.PadN, 4, 0, 0, 0, 0];

    [Test]
    public void Shorter_than_fixed_header_is_truncated() =>
        Assert.That(Refuse(Hao()[..39]).Reason, Is.EqualTo(Ipv6RefusalReason.Truncated));

    [Test]
    public void Payload_length_past_the_data_is_truncated() =>
        Assert.That(Refuse(Hao()[..75]).Reason, Is.EqualTo(Ipv6RefusalReason.Truncated));

    [Test]
    public void Trailing_octets_after_payload_length_are_not_part_of_the_packet()
    {
        var padded = Hao().Concat(new byte[10]).ToArray();
        Assert.That(Ipv6Packet.TryParse(padded, out var packet), Is.True);
        Assert.That(packet.Bytes.Length, Is.EqualTo(76));
        Assert.That(packet.UpperLayer.Length, Is.EqualTo(12));
    }

    [Test]
    public void Version_4_is_refused()
    {
        var p = Hao();
        p[0] = 0x45;
        Assert.That(Refuse(p).Reason, Is.EqualTo(Ipv6RefusalReason.NotVersion6));
    }

    [Test]
    public void Extension_header_longer_than_payload_is_refused()
    {
        var p = Hao();
        p[41] = 5;
        Assert.That(Refuse(p).Reason, Is.EqualTo(Ipv6RefusalReason.ExtensionHeaderTruncated));
    }

    [Test]
    public void Second_home_address_option_is_refused()
    {
        // 48-octet header: PadN(2) HAO@6 PadN(4) HAO@30.
        var header = new byte[48];
        header[0] = IpProtocol.Icmpv6;
        header[1] = 5;
        Ipv6Options.WritePadding(header.AsSpan(2, 4), 4);
        HomeAddressOption.TryWrite(header.AsSpan(6), s_a, out _);
        Ipv6Options.WritePadding(header.AsSpan(24, 6), 6);
        HomeAddressOption.TryWrite(header.AsSpan(30), s_a, out _);
        var refusal = Refuse(Build(IpProtocol.DestinationOptions, header, s_echo));
        Assert.That(refusal.Reason, Is.EqualTo(Ipv6RefusalReason.DuplicateHomeAddressOption));
        Assert.That(refusal.Offset, Is.EqualTo(40 + 30));
        Assert.That(refusal.SendParameterProblem, Is.False);
    }

    [Test]
    public void Home_address_options_in_two_headers_are_refused()
    {
        var one = new byte[24];
        DestinationOptionsHeader.TryWriteHomeAddress(one, IpProtocol.DestinationOptions, s_a, out _);
        var two = new byte[24];
        DestinationOptionsHeader.TryWriteHomeAddress(two, IpProtocol.Icmpv6, s_a, out _);
        Assert.That(Refuse(Build(IpProtocol.DestinationOptions, one, two, s_echo)).Reason, Is.EqualTo(Ipv6RefusalReason.DuplicateHomeAddressOption));
    }

    [Test]
    public void Home_address_option_of_length_15_is_refused()
    {
        var p = Hao();
        p[47] = 15;
        var refusal = Refuse(p);
        Assert.That(refusal.Reason, Is.EqualTo(Ipv6RefusalReason.HomeAddressOptionLength));
        Assert.That(refusal.Offset, Is.EqualTo(47));
    }

    [Test]
    public void Option_overrunning_its_header_is_refused()
    {
        var p = Hao();
        p[47] = 20;
        var refusal = Refuse(p);
        Assert.That(refusal.Reason, Is.EqualTo(Ipv6RefusalReason.OptionOverrun));
        Assert.That(refusal.Offset, Is.EqualTo(46));
    }

    [TestCase("ff02::1")]
    [TestCase("fe80::1")]
    [TestCase("::1")]
    [TestCase("::")]
    [TestCase("::ffff:192.0.2.1")]
    public void Home_address_not_routable_unicast_is_refused(string address)
    {
        var p = Hao();
        System.Net.IPAddress.Parse(address).TryWriteBytes(p.AsSpan(48, 16), out _);
        Assert.That(Refuse(p).Reason, Is.EqualTo(Ipv6RefusalReason.HomeAddressNotRoutableUnicast));
    }

    [Test]
    public void Unknown_option_with_action_00_is_skipped()
    {
        var p = Hao();
        p[42] = 0x1E;
        Assert.That(Ipv6Packet.TryParse(p, out var packet), Is.True);
        Assert.That(packet.HasHomeAddress, Is.True);
    }

    [Test]
    public void Unknown_option_with_action_01_is_discarded_silently()
    {
        var p = Hao();
        p[42] = 0x5E;
        var refusal = Refuse(p);
        Assert.That(refusal.Reason, Is.EqualTo(Ipv6RefusalReason.UnrecognizedOptionDiscard));
        Assert.That(refusal.SendParameterProblem, Is.False);
    }

    [TestCase((byte)0x9E)]
    [TestCase((byte)0xDE)]
    public void Unknown_option_with_action_1x_answers_parameter_problem_code_2_at_the_option(byte type)
    {
        var p = Hao();
        p[42] = type;
        var refusal = Refuse(p);
        Assert.That(refusal.Reason, Is.EqualTo(Ipv6RefusalReason.UnrecognizedOption));
        Assert.That(refusal.SendParameterProblem, Is.True);
        Assert.That(refusal.Code, Is.EqualTo(ParameterProblemCode.UnrecognizedOption));
        Assert.That(refusal.Pointer, Is.EqualTo(42u));
    }

    [Test]
    public void Unknown_option_with_action_11_to_multicast_sends_nothing()
    {
        var p = Hao();
        p[42] = 0xDE;
        p[24] = 0xFF;
        var refusal = Refuse(p);
        Assert.That(refusal.Reason, Is.EqualTo(Ipv6RefusalReason.UnrecognizedOption));
        Assert.That(refusal.SendParameterProblem, Is.False);
    }

    [Test]
    public void Unknown_option_with_action_10_to_multicast_still_answers()
    {
        var p = Hao();
        p[42] = 0x9E;
        p[24] = 0xFF;
        Assert.That(Refuse(p).SendParameterProblem, Is.True);
    }

    [Test]
    public void Home_address_option_in_hop_by_hop_is_an_unrecognized_option()
    {
        var p = Hao();
        p[6] = IpProtocol.HopByHop;
        var refusal = Refuse(p);
        Assert.That(refusal.Reason, Is.EqualTo(Ipv6RefusalReason.UnrecognizedOption));
        Assert.That(refusal.Pointer, Is.EqualTo(46u));
    }

    [Test]
    public void Hop_by_hop_after_another_header_answers_code_1_at_the_next_header_field()
    {
        var refusal = Refuse(Build(IpProtocol.DestinationOptions, PadOnlyHeader(IpProtocol.HopByHop), PadOnlyHeader(IpProtocol.Icmpv6), s_echo));
        Assert.That(refusal.Reason, Is.EqualTo(Ipv6RefusalReason.HopByHopNotFirst));
        Assert.That(refusal.Code, Is.EqualTo(ParameterProblemCode.UnrecognizedNextHeader));
        Assert.That(refusal.Pointer, Is.EqualTo(40u));
    }

    [Test]
    public void Hop_by_hop_first_is_walked()
    {
        Assert.That(Ipv6Packet.TryParse(Build(IpProtocol.HopByHop, PadOnlyHeader(IpProtocol.Icmpv6), s_echo), out var packet), Is.True);
        Assert.That(packet.ExtensionHeaderCount, Is.EqualTo(1));
        Assert.That(packet.GetExtensionHeader(0).Type, Is.EqualTo(IpProtocol.HopByHop));
        Assert.That(packet.UpperLayerOffset, Is.EqualTo(48));
    }

    [Test]
    public void More_than_eight_extension_headers_are_refused()
    {
        var parts = Enumerable.Range(0, 9).Select(i => PadOnlyHeader(i == 8 ? IpProtocol.Icmpv6 : IpProtocol.DestinationOptions)).Append(s_echo).ToArray();
        Assert.That(Refuse(Build(IpProtocol.DestinationOptions, parts)).Reason, Is.EqualTo(Ipv6RefusalReason.TooManyExtensionHeaders));
        var eight = parts.Skip(1).ToArray();
        Assert.That(Ipv6Packet.TryParse(Build(IpProtocol.DestinationOptions, eight), out _), Is.True);
    }

    [Test]
    public void Type2_routing_header_with_segments_left_0_is_refused()
    {
        var p = Rh2();
        p[43] = 0;
        var refusal = Refuse(p);
        Assert.That(refusal.Reason, Is.EqualTo(Ipv6RefusalReason.Type2RoutingHeaderSegmentsLeft));
        Assert.That(refusal.Offset, Is.EqualTo(43));
    }

    [Test]
    public void Type2_routing_header_with_segments_left_2_is_refused()
    {
        var p = Rh2();
        p[43] = 2;
        Assert.That(Refuse(p).Reason, Is.EqualTo(Ipv6RefusalReason.Type2RoutingHeaderSegmentsLeft));
    }

    [Test]
    public void Type2_routing_header_with_hdr_ext_len_4_is_refused()
    {
        var rh = new byte[40];
        rh[0] = IpProtocol.Icmpv6;
        rh[1] = 4;
        rh[2] = 2;
        rh[3] = 1;
        var refusal = Refuse(Build(IpProtocol.Routing, rh, s_echo));
        Assert.That(refusal.Reason, Is.EqualTo(Ipv6RefusalReason.Type2RoutingHeaderLength));
        Assert.That(refusal.Offset, Is.EqualTo(41));
    }

    [Test]
    public void Second_type2_routing_header_is_refused()
    {
        var one = new byte[24];
        Type2RoutingHeader.TryWrite(one, IpProtocol.Routing, s_a, out _);
        var two = new byte[24];
        Type2RoutingHeader.TryWrite(two, IpProtocol.Icmpv6, s_a, out _);
        Assert.That(Refuse(Build(IpProtocol.Routing, one, two, s_echo)).Reason, Is.EqualTo(Ipv6RefusalReason.DuplicateType2RoutingHeader));
    }

    [Test]
    public void Unknown_routing_type_with_segments_left_answers_code_0_at_the_routing_type()
    {
        var p = Rh2();
        p[42] = 0;
        var refusal = Refuse(p);
        Assert.That(refusal.Reason, Is.EqualTo(Ipv6RefusalReason.UnrecognizedRoutingType));
        Assert.That(refusal.Code, Is.EqualTo(ParameterProblemCode.ErroneousHeaderField));
        Assert.That(refusal.Pointer, Is.EqualTo(42u));
    }

    [Test]
    public void Unknown_routing_type_with_segments_left_0_is_ignored()
    {
        var p = Rh2();
        p[42] = 0;
        p[43] = 0;
        Assert.That(Ipv6Packet.TryParse(p, out var packet), Is.True);
        Assert.That(packet.HasType2RoutingHeader, Is.False);
        Assert.That(packet.PseudoDestination.SequenceEqual(packet.Header.Destination), Is.True);
        Assert.That(packet.UpperLayerProtocol, Is.EqualTo(IpProtocol.Icmpv6));
    }

    [Test]
    public void Atomic_fragment_is_walked_to_the_upper_layer()
    {
        byte[] fragment = [IpProtocol.Icmpv6, 0, 0, 0, 0, 0, 0, 1];
        Assert.That(Ipv6Packet.TryParse(Build(IpProtocol.Fragment, fragment, s_echo), out var packet), Is.True);
        Assert.That(packet.IsFragment, Is.False);
        Assert.That(packet.UpperLayerProtocol, Is.EqualTo(IpProtocol.Icmpv6));
        Assert.That(packet.GetExtensionHeader(0).Type, Is.EqualTo(IpProtocol.Fragment));
    }

    [Test]
    public void Real_fragment_stops_the_walk()
    {
        byte[] fragment = [IpProtocol.Icmpv6, 0, 0, 1, 0, 0, 0, 1];
        Assert.That(Ipv6Packet.TryParse(Build(IpProtocol.Fragment, fragment, s_echo), out var packet), Is.True);
        Assert.That(packet.IsFragment, Is.True);
        Assert.That(packet.UpperLayerOffset, Is.EqualTo(48));
    }

    [Test]
    public void Fragment_with_more_flag_and_odd_length_answers_code_0_at_payload_length()
    {
        byte[] fragment = [IpProtocol.Icmpv6, 0, 0, 1, 0, 0, 0, 1];
        var refusal = Refuse(Build(IpProtocol.Fragment, fragment, s_echo[..7]));
        Assert.That(refusal.Reason, Is.EqualTo(Ipv6RefusalReason.FragmentLength));
        Assert.That(refusal.Pointer, Is.EqualTo(4u));
    }

    [Test]
    public void Routing_header_and_home_address_give_both_pseudo_addresses()
    {
        var rh = new byte[24];
        Type2RoutingHeader.TryWrite(rh, IpProtocol.DestinationOptions, s_b, out _);
        var dest = new byte[24];
        DestinationOptionsHeader.TryWriteHomeAddress(dest, IpProtocol.Icmpv6, s_a, out _);
        Assert.That(Ipv6Packet.TryParse(Build(IpProtocol.Routing, rh, dest, s_echo), out var packet), Is.True);
        Assert.That(packet.PseudoSource.SequenceEqual(s_a), Is.True);
        Assert.That(packet.PseudoDestination.SequenceEqual(s_b), Is.True);
        Assert.That(packet.UpperLayerOffset, Is.EqualTo(88));
    }

    [Test]
    public void No_next_header_ends_the_walk()
    {
        Assert.That(Ipv6Packet.TryParse(Build(IpProtocol.NoNextHeader), out var packet), Is.True);
        Assert.That(packet.UpperLayerProtocol, Is.EqualTo(IpProtocol.NoNextHeader));
        Assert.That(packet.UpperLayer.IsEmpty, Is.True);
    }

    [Test]
    public void Home_address_swap_gives_the_upper_layer_its_addresses()
    {
        var p = Hao();
        Assert.That(Ipv6Packet.TryParse(p, out var packet), Is.True);
        int at = packet.HomeAddressOffset;
        HomeAddressOption.SwapSourceInPlace(p, at);
        Assert.That(Ipv6Packet.TryParse(p, out var swapped), Is.True);
        Assert.That(OracleAssert.Ip(swapped.Header.Source), Is.EqualTo(System.Net.IPAddress.Parse("2001:db8:1::100")));
        Assert.That(OracleAssert.Ip(swapped.HomeAddress), Is.EqualTo(System.Net.IPAddress.Parse("2001:db8:a1::ff:fe00:10")));
    }

    [Test]
    public void Type2_swap_delivers_to_the_home_address()
    {
        var p = Rh2();
        Type2RoutingHeader.SwapDestinationInPlace(p, 40);
        Assert.That(new System.Net.IPAddress(p.AsSpan(24, 16)), Is.EqualTo(System.Net.IPAddress.Parse("2001:db8:1::100")));
        Assert.That(p[43], Is.EqualTo(0));
    }
}
