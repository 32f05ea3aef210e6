using System.Net.NetworkInformation;

namespace Shisa.DataPlane.Ports;

/// <summary>Reads an interface's index, MTU and link-layer address with ioctls on a socket, so the answers come
/// from the network namespace that socket lives in.</summary>
internal static unsafe class LinkInfo
{
    public static int GetIndex(int socketFd, string name)
    {
        var request = Libc.IfReq.For(name);
        if (Libc.ioctl(socketFd, Libc.SIOCGIFINDEX, &request) < 0)
        {
            throw Libc.Fail($"SIOCGIFINDEX for '{name}' (no such interface in this network namespace?)");
        }

        return *(int*)request.Data;
    }

    public static int GetMtu(int socketFd, string name)
    {
        var request = Libc.IfReq.For(name);
        if (Libc.ioctl(socketFd, Libc.SIOCGIFMTU, &request) < 0)
        {
            throw Libc.Fail($"SIOCGIFMTU for '{name}'");
        }

        return *(int*)request.Data;
    }

    /// <summary>
    /// How frames look on <paramref name="name"/>, from its hardware type (ARPHRD_*): Ethernet (loopback too), or bare IP for the
    /// links that carry no link-layer header (TUN's ARPHRD_NONE, PPP, a cellular modem's ARPHRD_RAWIP, an IPv6
    /// tunnel device). Any other type is refused: its header is unknown here.
    /// </summary>
    public static PortFrameKind GetFrameKind(int socketFd, string name)
    {
        var request = Libc.IfReq.For(name);
        if (Libc.ioctl(socketFd, Libc.SIOCGIFHWADDR, &request) < 0)
        {
            throw Libc.Fail($"SIOCGIFHWADDR for '{name}'");
        }

        ushort type = *(ushort*)request.Data;
        return type switch
        {
            // ARPHRD_ETHER; ARPHRD_LOOPBACK: a packet socket on lo sees an Ethernet header with zero addresses (the
            // default profile's correspondent listens there).
            1 or 772 => PortFrameKind.Ethernet,
            512 or 519 or 769 or 0xFFFE => PortFrameKind.Ipv6, // ARPHRD_PPP, ARPHRD_RAWIP, ARPHRD_TUNNEL6, ARPHRD_NONE
            _ => throw new IOException($"'{name}' has link type {type} (ARPHRD_*): neither Ethernet nor bare IP"),
        };
    }

    public static PhysicalAddress GetLinkAddress(int socketFd, string name)
    {
        var request = Libc.IfReq.For(name);
        if (Libc.ioctl(socketFd, Libc.SIOCGIFHWADDR, &request) < 0)
        {
            throw Libc.Fail($"SIOCGIFHWADDR for '{name}'");
        }

        // struct sockaddr: sa_family (2 octets), then the address.
        ushort family = *(ushort*)request.Data;
        if (family != 1) // ARPHRD_ETHER
        {
            return PhysicalAddress.None;
        }

        return new PhysicalAddress(new ReadOnlySpan<byte>(request.Data + 2, 6).ToArray());
    }
}
