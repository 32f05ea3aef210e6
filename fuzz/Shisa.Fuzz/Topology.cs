using System.Net;
using Shisa.DataPlane.Bus;

namespace Shisa.Fuzz;

/// <summary>The addresses of the interoperability vectors (tests/Shisa.DataPlane.Tests/TestData/vectors), so the seeds
/// reach past the address checks.</summary>
internal static class Topology
{
    public static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    public static readonly IPAddress Home = IPAddress.Parse("2001:db8:1::100");
    public static readonly IPAddress OtherHome = IPAddress.Parse("2001:db8:1::200");
    public static readonly IPAddress RouterHome = IPAddress.Parse("2001:db8:1::300");
    public static readonly IPAddress CareOf = IPAddress.Parse("2001:db8:a1::ff:fe00:10");
    public static readonly IPAddress Correspondent = IPAddress.Parse("2001:db8:c::2");
    public static readonly Prefix HomePrefix = Prefix.Parse("2001:db8:1::/64");
    public static readonly Prefix MobileNetwork = Prefix.Parse("2001:db8:1:100::/56");
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public const uint Spi = 256;
    public static readonly byte[] Key = Convert.FromHexString("00112233445566778899aabbccddeeff");

    /// <summary>The vectors' Kcn and nonces (rr_crypto.json): 257 (home) and 514 (care-of).</summary>
    public static readonly byte[] Kcn = Convert.FromHexString("000102030405060708090a0b0c0d0e0f10111213");
    public static readonly byte[] HomeNonce = Convert.FromHexString("a1a2a3a4a5a6a7a8");
    public static readonly byte[] CareOfNonce = Convert.FromHexString("c1c2c3c4c5c6c7c8");
}

/// <summary>An <see cref="Shisa.DataPlane.IPacketSender"/> that keeps the last packets (bounded) and checks each parses.</summary>
internal sealed class CheckingSender : Shisa.DataPlane.IPacketSender
{
    public int Sent { get; private set; }

    public bool TrySend(ReadOnlySpan<byte> ipv6Packet)
    {
        // What the product sends must itself be a well-formed IPv6 packet.
        if (!Shisa.DataPlane.Wire.Ipv6Packet.TryParse(ipv6Packet, out _))
        {
            throw new InvariantException($"sent a packet that does not parse: {Convert.ToHexString(ipv6Packet)}");
        }

        Sent++;
        return true;
    }
}
