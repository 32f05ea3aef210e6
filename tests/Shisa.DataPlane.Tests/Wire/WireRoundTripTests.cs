using System.Net;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;

namespace Shisa.DataPlane.Tests.Wire;

/// <summary>Round-trip properties on random valid values: write, parse, equal, write again, same bytes.</summary>
public class WireRoundTripTests
{
    private const int Iterations = 2_000;

    private static byte[] Address(Random rng)
    {
        var a = new byte[16];
        rng.NextBytes(a);
        a[0] = 0x20; // global unicast, accepted in a Home Address option
        return a;
    }

    private static IPAddress Ip(Random rng) => new(Address(rng));

    private static IIcmpv6Message RandomMessage(Random rng)
    {
        switch (rng.Next(6))
        {
            case 0:
                var data = new byte[rng.Next(0, 64)];
                rng.NextBytes(data);
                return new EchoMessage(rng.Next(2) == 1, (ushort)rng.Next(65536), (ushort)rng.Next(65536), data);
            case 1:
                return new HomeAgentAddressDiscoveryRequest((ushort)rng.Next(65536), rng.Next(2) == 1);
            case 2:
                return new HomeAgentAddressDiscoveryReply((ushort)rng.Next(65536), rng.Next(2) == 1,
                    Enumerable.Range(0, rng.Next(0, 5)).Select(_ => Ip(rng)).ToArray());
            case 3:
                return new MobilePrefixSolicitation((ushort)rng.Next(65536));
            case 4:
                return new MobilePrefixAdvertisement((ushort)rng.Next(65536), rng.Next(2) == 1, rng.Next(2) == 1,
                    Enumerable.Range(0, rng.Next(0, 4)).Select(_ => new PrefixInformation((byte)rng.Next(129), rng.Next(2) == 1,
                        rng.Next(2) == 1, rng.Next(2) == 1, (uint)rng.NextInt64(uint.MaxValue + 1L), (uint)rng.NextInt64(uint.MaxValue + 1L), Ip(rng))).ToArray());
            default:
                var invoking = new byte[rng.Next(40, 1500)];
                rng.NextBytes(invoking);
                return new ParameterProblem((ParameterProblemCode)rng.Next(3), (uint)rng.NextInt64(uint.MaxValue + 1L), invoking);
        }
    }

    [Test]
    public void Ipv6_header_round_trips()
    {
        var rng = new Random(201);
        var buffer = new byte[40];
        var again = new byte[40];
        for (int i = 0; i < Iterations; i++)
        {
            var record = new Ipv6HeaderRecord((byte)rng.Next(256), (uint)rng.Next(1 << 20), (ushort)rng.Next(65536),
                (byte)rng.Next(256), (byte)rng.Next(256), Ip(rng), Ip(rng));
            Assert.That(record.TryWrite(buffer, out int written), Is.True);
            Assert.That(written, Is.EqualTo(record.GetByteCount()));
            Assert.That(Ipv6Header.TryRead(buffer, out var view), Is.True);
            var parsed = view.ToRecord();
            Assert.That(parsed, Is.EqualTo(record));
            Assert.That(parsed.TryWrite(again, out _), Is.True);
            Assert.That(again, Is.EqualTo(buffer));
        }
    }

    [Test]
    public void Icmpv6_packets_with_any_addressing_round_trip()
    {
        var rng = new Random(202);
        var buffer = new byte[2048];
        var again = new byte[2048];
        for (int i = 0; i < Iterations; i++)
        {
            var message = RandomMessage(rng);
            var envelope = new Ipv6Envelope(Ip(rng), Ip(rng), (byte)rng.Next(256),
                rng.Next(2) == 1 ? Ip(rng) : null, rng.Next(2) == 1 ? Ip(rng) : null, (byte)rng.Next(256), (uint)rng.Next(1 << 20));
            Assert.That(Icmpv6PacketBuilder.TryWrite(buffer, envelope, message, out int written), Is.True, message.ToString());
            Assert.That(written, Is.LessThanOrEqualTo(message is ParameterProblem ? Ipv6Header.MinimumMtu : int.MaxValue));

            Assert.That(Ipv6Packet.TryParse(buffer.AsSpan(0, written), out var packet, out var refusal), Is.True, refusal.ToString());
            Assert.That(packet.HasHomeAddress, Is.EqualTo(envelope.HomeAddress is not null));
            Assert.That(packet.HasType2RoutingHeader, Is.EqualTo(envelope.RoutingHomeAddress is not null));
            Assert.That(OracleAssert.Ip(packet.PseudoSource), Is.EqualTo(envelope.HomeAddress ?? envelope.Source));
            Assert.That(OracleAssert.Ip(packet.PseudoDestination), Is.EqualTo(envelope.RoutingHomeAddress ?? envelope.Destination));
            Assert.That(Icmpv6Header.TryRead(packet.UpperLayer, out var view), Is.True);
            Assert.That(view.VerifyChecksum(packet.PseudoSource, packet.PseudoDestination), Is.True);

            var parsed = IcmpRecords.Parse(packet.UpperLayer);
            if (message is ParameterProblem pp && pp.GetByteCount(Ipv6Header.MinimumMtu - (written - packet.UpperLayer.Length)) < pp.GetByteCount(int.MaxValue))
            {
                // Truncated to the minimum MTU: the parsed invoking packet is the prefix that fitted.
                var cut = (ParameterProblem)parsed!;
                Assert.That(pp.InvokingPacket.Span.StartsWith(cut.InvokingPacket.Span), Is.True);
                continue;
            }

            Assert.That(parsed, Is.EqualTo(message));
            var reEnvelope = new Ipv6Envelope(packet.Header.SourceAddress, packet.Header.DestinationAddress, packet.Header.HopLimit,
                packet.HasHomeAddress ? OracleAssert.Ip(packet.HomeAddress) : null,
                packet.HasType2RoutingHeader ? OracleAssert.Ip(packet.RoutingHomeAddress) : null,
                packet.Header.TrafficClass, packet.Header.FlowLabel);
            Assert.That(reEnvelope, Is.EqualTo(envelope));
            Assert.That(Icmpv6PacketBuilder.TryWrite(again, reEnvelope, parsed!, out int rewritten), Is.True);
            Assert.That(again.AsSpan(0, rewritten).SequenceEqual(buffer.AsSpan(0, written)), Is.True);
        }
    }

    [Test]
    public void Parameter_problem_fits_the_minimum_mtu_with_extension_headers()
    {
        var rng = new Random(203);
        var invoking = new byte[2000];
        rng.NextBytes(invoking);
        var problem = new ParameterProblem(ParameterProblemCode.ErroneousHeaderField, 6, invoking);
        var envelope = new Ipv6Envelope(Ip(rng), Ip(rng), 255, RoutingHomeAddress: Ip(rng));
        var buffer = new byte[4096];
        Assert.That(Icmpv6PacketBuilder.TryWrite(buffer, envelope, problem, out int written), Is.True);
        Assert.That(written, Is.EqualTo(Ipv6Header.MinimumMtu));
    }

    [Test]
    public void Type2_routing_header_round_trips()
    {
        var rng = new Random(204);
        var buffer = new byte[24];
        var again = new byte[24];
        for (int i = 0; i < Iterations; i++)
        {
            var record = new Type2RoutingHeaderRecord((byte)rng.Next(256), Ip(rng));
            Assert.That(record.TryWrite(buffer, out int written), Is.True);
            Assert.That(written, Is.EqualTo(record.GetByteCount()));
            Assert.That(Type2RoutingHeaderRecord.TryParse(buffer, out var parsed), Is.True);
            Assert.That(parsed, Is.EqualTo(record));
            Assert.That(parsed!.TryWrite(again, out _), Is.True);
            Assert.That(again, Is.EqualTo(buffer));
        }
    }

    [Test]
    public void Destination_options_with_home_address_round_trip()
    {
        var rng = new Random(205);
        var buffer = new byte[24];
        for (int i = 0; i < Iterations; i++)
        {
            var home = Address(rng);
            byte next = (byte)rng.Next(256);
            Assert.That(DestinationOptionsHeader.TryWriteHomeAddress(buffer, next, home, out int written), Is.True);
            Assert.That(written, Is.EqualTo(24));
            Assert.That(DestinationOptionsHeader.TryRead(buffer, out var header), Is.True);
            Assert.That(header.NextHeader, Is.EqualTo(next));
            Assert.That(header.TryFindHomeAddress(out var parsed, out int offset), Is.True);
            Assert.That(offset % HomeAddressOption.Alignment, Is.EqualTo(HomeAddressOption.AlignmentOffset));
            Assert.That(parsed.SequenceEqual(home), Is.True);
            var record = new HomeAddressOptionRecord(new IPAddress(parsed));
            var option = new byte[18];
            Assert.That(record.TryWrite(option, out _), Is.True);
            Assert.That(option.AsSpan().SequenceEqual(buffer.AsSpan(offset, 18)), Is.True);
        }
    }

    [Test]
    public void Tunnel_round_trips_any_inner_packet()
    {
        var rng = new Random(206);
        var outer = new byte[4096];
        var again = new byte[4096];
        for (int i = 0; i < Iterations; i++)
        {
            var data = new byte[rng.Next(0, 1400)];
            rng.NextBytes(data);
            var inner = new byte[2048];
            var addressing = new Ipv6Addressing(Address(rng), Address(rng), 64);
            Assert.That(Icmpv6PacketBuilder.TryWrite(inner, addressing, new EchoMessage(false, 1, (ushort)i, data), out int innerLength), Is.True);
            var entry = Address(rng);
            var exit = Address(rng);
            Assert.That(Ipv6Tunnel.TryEncapsulate(inner.AsSpan(0, innerLength), entry, exit, outer, out int written), Is.True);
            Assert.That(written, Is.EqualTo(innerLength + Ipv6Tunnel.Overhead));
            Assert.That(Ipv6Tunnel.TryDecapsulate(outer.AsSpan(0, written), out var decapsulated), Is.True);
            Assert.That(decapsulated.SequenceEqual(inner.AsSpan(0, innerLength)), Is.True);
            Assert.That(Ipv6Tunnel.TryEncapsulate(decapsulated, entry, exit, again, out int rewritten), Is.True);
            Assert.That(again.AsSpan(0, rewritten).SequenceEqual(outer.AsSpan(0, written)), Is.True);
        }
    }

    [Test]
    public void Home_address_insertion_keeps_the_checksum_and_swaps_back()
    {
        var rng = new Random(207);
        var packet = new byte[2048];
        var sent = new byte[2048];
        for (int i = 0; i < Iterations; i++)
        {
            var home = Address(rng);
            var careOf = Address(rng);
            var data = new byte[rng.Next(0, 200)];
            rng.NextBytes(data);
            var addressing = new Ipv6Addressing(home, Address(rng), 64) { RoutingHomeAddress = rng.Next(2) == 1 ? Address(rng) : default };
            Assert.That(Icmpv6PacketBuilder.TryWrite(packet, addressing, new EchoMessage(false, 7, (ushort)i, data), out int length), Is.True);
            Assert.That(HomeAddressOption.TryInsert(packet.AsSpan(0, length), careOf, sent, out int written), Is.True);
            Assert.That(written, Is.EqualTo(length + HomeAddressOption.InsertedLength));

            Assert.That(Ipv6Packet.TryParse(sent.AsSpan(0, written), out var parsed), Is.True);
            Assert.That(parsed.Header.Source.SequenceEqual(careOf), Is.True);
            Assert.That(parsed.HomeAddress.SequenceEqual(home), Is.True);
            Assert.That(Icmpv6Header.TryRead(parsed.UpperLayer, out var icmp), Is.True);
            Assert.That(icmp.VerifyChecksum(parsed.PseudoSource, parsed.PseudoDestination), Is.True);

            // Built directly with the HAO, the packet is the same.
            var direct = new byte[2048];
            var withHome = new Ipv6Addressing(careOf, addressing.Destination, 64) { HomeAddress = home, RoutingHomeAddress = addressing.RoutingHomeAddress };
            Assert.That(Icmpv6PacketBuilder.TryWrite(direct, withHome, new EchoMessage(false, 7, (ushort)i, data), out int directLength), Is.True);
            Assert.That(direct.AsSpan(0, directLength).SequenceEqual(sent.AsSpan(0, written)), Is.True);
        }
    }
}
