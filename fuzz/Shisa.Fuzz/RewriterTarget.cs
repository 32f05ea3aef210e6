using Shisa.DataPlane.Tunnels;
using Shisa.DataPlane.Wire;

namespace Shisa.Fuzz;

/// <summary>
/// The route optimization rewrites (<see cref="RouteOptimizationRewriter"/>): a type 2 routing header inserted
/// (correspondent to mobile node), a received type 2 routing header and Home Address option processed. A rewrite
/// that succeeds must leave a packet that parses.
/// </summary>
internal static class RewriterTarget
{
    private static readonly byte[] s_careOf = Topology.CareOf.GetAddressBytes();
    private static readonly byte[] s_destination = new byte[64 * 1024 + 128];

    public static void Run(ReadOnlySpan<byte> input)
    {
        if (RouteOptimizationRewriter.TryInsertType2RoutingHeader(input, s_careOf, s_destination, out int written))
        {
            Check("TryInsertType2RoutingHeader", written);
        }

        if (!Ipv6Packet.TryParse(input, out var parsed))
        {
            return;
        }

        if (RouteOptimizationRewriter.TryProcessType2RoutingHeader(parsed, s_destination, out written))
        {
            Check("TryProcessType2RoutingHeader", written);
        }

        if (RouteOptimizationRewriter.TryProcessHomeAddressOption(parsed, s_destination, out written))
        {
            Check("TryProcessHomeAddressOption", written);
        }
    }

    private static void Check(string rewrite, int written)
    {
        if (written < Ipv6Header.Length || written > s_destination.Length)
        {
            throw new InvariantException($"{rewrite} wrote {written} bytes");
        }

        if (!Ipv6Packet.TryParse(s_destination.AsSpan(0, written), out _))
        {
            throw new InvariantException($"{rewrite} made a packet that does not parse: {Convert.ToHexString(s_destination.AsSpan(0, written))}");
        }
    }
}
