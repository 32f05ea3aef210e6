using Shisa.DataPlane.Tests.Vectors;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;

namespace Shisa.DataPlane.Tests.Wire;

/// <summary>
/// Robustness: each IPv6-level parser meets <see cref="FuzzInputs.PerParser"/> random and mutated inputs seeded
/// with every vector packet and its upper-layer and extension-header slices, and must never throw.
/// </summary>
public class WireFuzzTests
{
    private static readonly Lazy<List<byte[]>> s_seeds = new(BuildSeeds);

    private static List<byte[]> BuildSeeds()
    {
        var seeds = new List<byte[]>();
        foreach (var vector in VectorCatalog.All)
        {
            AddPacket(seeds, vector.Packet);
        }

        return seeds;
    }

    private static void AddPacket(List<byte[]> seeds, byte[] bytes)
    {
        seeds.Add(bytes);
        if (!Ipv6Packet.TryParse(bytes, out var packet))
        {
            return;
        }

        seeds.Add(packet.UpperLayer.ToArray());
        for (int i = 0; i < packet.ExtensionHeaderCount; i++)
        {
            seeds.Add(packet.Bytes[packet.GetExtensionHeader(i).Offset..].ToArray());
        }

        if (packet.UpperLayerProtocol == IpProtocol.Ipv6)
        {
            AddPacket(seeds, packet.UpperLayer.ToArray());
        }
    }

    [Test]
    public void Ipv6_packet_parser_and_walker_never_throw()
    {
        int accepted = 0;
        FuzzInputs.Run(s_seeds.Value, 101, input =>
        {
            if (!Ipv6Packet.TryParse(input, out var packet, out var refusal))
            {
                Assert.That(refusal.Reason, Is.Not.EqualTo(Ipv6RefusalReason.None));
                return;
            }

            accepted++;
            _ = packet.Header.FlowLabel + packet.Header.TrafficClass + packet.Header.HopLimit;
            for (int i = 0; i < packet.ExtensionHeaderCount; i++)
            {
                var header = packet.GetExtensionHeader(i);
                foreach (var option in packet.GetOptions(header))
                {
                    _ = option.Data.Length + option.TotalLength;
                }
            }

            _ = packet.HomeAddress.Length + packet.RoutingHomeAddress.Length + packet.UpperLayer.Length;
            if (packet.PseudoSource.Length != 16 || packet.PseudoDestination.Length != 16)
            {
                throw new InvalidOperationException("pseudo-header address not 16 octets");
            }
        });
        Assert.That(accepted, Is.GreaterThan(1000), "mutations should leave many packets valid");
    }

    [Test]
    public void Icmpv6_parsers_never_throw() =>
        FuzzInputs.Run(s_seeds.Value, 102, input =>
        {
            if (Icmpv6Header.TryRead(input, out var view))
            {
                _ = view.VerifyChecksum(new byte[16], new byte[16]);
            }

            _ = IcmpRecords.Parse(input);
        });

    [Test]
    public void Each_icmpv6_codec_parses_any_type_without_throwing()
    {
        // Force every codec to see every input with its own type byte in place.
        byte[] types = [Icmpv6Type.EchoRequest, Icmpv6Type.ParameterProblem, Icmpv6Type.HomeAgentAddressDiscoveryRequest,
            Icmpv6Type.HomeAgentAddressDiscoveryReply, Icmpv6Type.MobilePrefixSolicitation, Icmpv6Type.MobilePrefixAdvertisement];
        var buffer = new byte[2048];
        int n = 0;
        FuzzInputs.Run(s_seeds.Value, 103, input =>
        {
            if (input.IsEmpty)
            {
                return;
            }

            input.CopyTo(buffer);
            buffer[0] = types[n++ % types.Length];
            _ = IcmpRecords.Parse(buffer.AsSpan(0, input.Length));
        });
    }

    [Test]
    public void Type2_routing_header_reader_never_throws() =>
        FuzzInputs.Run(s_seeds.Value, 104, input =>
        {
            if (Type2RoutingHeader.TryRead(input, out var view, out _))
            {
                _ = view.HomeAddress.Length + view.NextHeader + view.Reserved;
            }
        });

    [Test]
    public void Destination_options_and_home_address_readers_never_throw() =>
        FuzzInputs.Run(s_seeds.Value, 105, input =>
        {
            if (DestinationOptionsHeader.TryRead(input, out var header))
            {
                _ = header.TryFindHomeAddress(out var home, out int offset);
                _ = home.Length + offset;
            }
        });

    [Test]
    public void Decapsulation_never_throws() =>
        FuzzInputs.Run(s_seeds.Value, 106, input =>
        {
            if (Ipv6Tunnel.TryDecapsulate(input, out var inner) && inner.Length < Ipv6Header.Length)
            {
                throw new InvalidOperationException("inner packet shorter than a header");
            }
        });

    [Test]
    public void Home_address_insertion_of_hostile_packets_never_throws_and_yields_valid_packets()
    {
        var careOf = new byte[16];
        careOf[0] = 0x20;
        var output = new byte[4096];
        FuzzInputs.Run(s_seeds.Value, 107, input =>
        {
            if (HomeAddressOption.TryInsert(input, careOf, output, out int written))
            {
                // Insertion accepts only packets the walker accepts and adds one well-formed option.
                if (!Ipv6Packet.TryParse(output.AsSpan(0, written), out var after, out var refusal) || !after.HasHomeAddress)
                {
                    throw new InvalidOperationException($"inserted packet refused: {refusal}");
                }
            }
        });
    }
}
