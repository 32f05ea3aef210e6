using Shisa.DataPlane.Tests.Vectors;
using Shisa.DataPlane.Wire;

namespace Shisa.DataPlane.Tests.Wire;

/// <summary>The forwarding path's codecs allocate nothing per packet (DESIGN 5).</summary>
public class WireAllocationTests
{
    private const int Loops = 10_000;

    private static byte[] Packet(string file, string name) => VectorCatalog.All.Single(v => v.File == file && v.Name == name).Packet;

    [Test]
    public void Encapsulation_and_decapsulation_allocate_nothing()
    {
        var tunnelled = Packet("ipv6_in_ipv6.json", "reverse_tunnel_mn_to_ha");
        Assert.That(Ipv6Tunnel.TryDecapsulate(tunnelled, out var innerSpan), Is.True);
        var inner = innerSpan.ToArray();
        var entry = tunnelled.AsSpan(8, 16).ToArray();
        var exit = tunnelled.AsSpan(24, 16).ToArray();
        var buffer = new byte[2048];

        long Run()
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Loops; i++)
            {
                Ipv6Tunnel.TryEncapsulate(inner, entry, exit, buffer, out int written);
                Ipv6Tunnel.TryDecapsulate(buffer.AsSpan(0, written), out _);
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Run();
        Assert.That(Run(), Is.Zero);
    }

    [Test]
    public void Home_address_insertion_and_parsing_allocate_nothing()
    {
        var withHao = Packet("hao.json", "echo_request_with_hao");
        Assert.That(Ipv6Packet.TryParse(withHao, out var parsed), Is.True);
        var careOf = parsed.Header.Source.ToArray();
        var plain = new byte[256];
        var addressing = new Ipv6Addressing(parsed.HomeAddress, parsed.Header.Destination, 64);
        Assert.That(Ipv6PacketBuilder.TryWriteHeaders(plain, addressing, 58, 12, out int at), Is.True);
        parsed.UpperLayer.CopyTo(plain.AsSpan(at));
        int plainLength = at + 12;
        var buffer = new byte[256];

        long Run()
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Loops; i++)
            {
                HomeAddressOption.TryInsert(plain.AsSpan(0, plainLength), careOf, buffer, out int written);
                Ipv6Packet.TryParse(buffer.AsSpan(0, written), out var packet);
                HomeAddressOption.SwapSourceInPlace(buffer, packet.HomeAddressOffset);
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Run();
        Assert.That(Run(), Is.Zero);
    }
}
