using System.Net;

namespace Shisa.Modules.HomeAgent;

/// <summary>Addresses a home agent derives from its home prefix.</summary>
public static class HomeAgentAddresses
{
    /// <summary>The link-local address with the interface identifier of <paramref name="homeAddress"/> (RFC 6275 10.3.1, L flag).</summary>
    public static IPAddress LinkLocalOf(IPAddress homeAddress)
    {
        Span<byte> bytes = stackalloc byte[16];
        homeAddress.TryWriteBytes(bytes, out _);
        bytes[..8].Clear();
        bytes[0] = 0xFE;
        bytes[1] = 0x80;
        return new IPAddress(bytes);
    }
}
