using System.Net;
using System.Runtime.Versioning;
using Shisa.DataPlane.Ports;
using Shisa.DataPlane.Wire.Icmp;

namespace Shisa.DataPlane.Neighbors;

/// <summary>
/// A raw ICMPv6 socket bound to one interface (SO_BINDTODEVICE) for a movement detector: sends Router
/// Solicitations and unicast Neighbor Solicitations with hop limit 255, and receives only Router and Neighbor
/// Advertisements (ICMP6_FILTER) with the hop limit they arrived with (IPV6_RECVHOPLIMIT), so the caller can apply
/// RFC 4861 6.1.2/7.1.2 (hop limit 255). The kernel fills in the ICMPv6 checksum (RFC 3542 3.1) and chooses the
/// link-local source address. Receiving blocks for at most the given time; one thread receives.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed unsafe class NeighborDiscoverySocket : IDisposable
{
    private const int IPPROTO_IPV6 = 41;
    private const int IPPROTO_ICMPV6 = 58;
    private const int SO_BINDTODEVICE = 25;
    private const int IPV6_UNICAST_HOPS = 16;
    private const int IPV6_MULTICAST_IF = 17;
    private const int IPV6_MULTICAST_HOPS = 18;
    private const int IPV6_RECVHOPLIMIT = 51;
    private const int IPV6_HOPLIMIT = 52;
    private const int SO_TIMESTAMPNS = 35; // SCM_TIMESTAMPNS: struct timespec, CLOCK_REALTIME, when the kernel took the packet in
    private const int ICMP6_FILTER = 1;
    private const int SourceLinkLayerAddressOption = 1;
    private const int NeighborSolicitationLength = 24;
    private const int RouterSolicitationLength = 8;

    private static readonly byte[] AllRouters = IPAddress.Parse("ff02::2").GetAddressBytes();

    private readonly int _fd;
    private readonly int _interfaceIndex;
    private readonly byte[] _linkAddress;
    private readonly byte[] _send = new byte[NeighborSolicitationLength + 16];
    private readonly byte[] _control = new byte[64];
    private int _disposed;

    private NeighborDiscoverySocket(int fd, int interfaceIndex, byte[] linkAddress)
    {
        _fd = fd;
        _interfaceIndex = interfaceIndex;
        _linkAddress = linkAddress;
    }

    /// <summary>Opens the socket on <paramref name="interfaceName"/>; needs CAP_NET_RAW.</summary>
    /// <exception cref="IOException">The socket cannot be opened or configured (no such interface, no privilege).</exception>
    public static NeighborDiscoverySocket Open(string interfaceName)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        int fd = Libc.socket(Libc.AF_INET6, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, IPPROTO_ICMPV6);
        if (fd < 0)
        {
            throw Libc.Fail("socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6)");
        }

        try
        {
            int index = LinkInfo.GetIndex(fd, interfaceName);
            byte[] mac = LinkInfo.GetLinkAddress(fd, interfaceName).GetAddressBytes();
            byte[] name = System.Text.Encoding.ASCII.GetBytes(interfaceName + "\0");
            fixed (byte* n = name)
            {
                Check(Libc.setsockopt(fd, Libc.SOL_SOCKET, SO_BINDTODEVICE, n, (uint)name.Length), "SO_BINDTODEVICE");
            }

            int hops = 255;
            int on = 1;
            Check(Libc.setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(int)), "IPV6_UNICAST_HOPS");
            Check(Libc.setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(int)), "IPV6_MULTICAST_HOPS");
            Check(Libc.setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof(int)), "IPV6_MULTICAST_IF");
            Check(Libc.setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(int)), "IPV6_RECVHOPLIMIT");
            Check(Libc.setsockopt(fd, Libc.SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(int)), "SO_TIMESTAMPNS");

            // struct icmp6_filter: a set bit blocks that type (RFC 3542 3.2; ICMP6_FILTER_SETBLOCKALL / SETPASS).
            uint* filter = stackalloc uint[8];
            new Span<uint>(filter, 8).Fill(uint.MaxValue);
            foreach (byte type in (ReadOnlySpan<byte>)[Icmpv6Type.RouterAdvertisement, Icmpv6Type.NeighborAdvertisement])
            {
                filter[type >> 5] &= ~(1u << (type & 31));
            }

            Check(Libc.setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, filter, 32), "ICMP6_FILTER");
            return new NeighborDiscoverySocket(fd, index, mac);
        }
        catch
        {
            Libc.close(fd);
            throw;
        }
    }

    /// <summary>RFC 4861 4.1: a Router Solicitation to all-routers, with our link-layer address (4.6.1).</summary>
    public bool TrySendRouterSolicitation()
    {
        var message = _send.AsSpan();
        message[..RouterSolicitationLength].Clear();
        message[0] = Icmpv6Type.RouterSolicitation;
        int length = RouterSolicitationLength + WriteSourceLinkLayerAddress(message[RouterSolicitationLength..]);
        return SendTo(message[..length], AllRouters);
    }

    /// <summary>
    /// RFC 4861 4.3: a Neighbor Solicitation for <paramref name="target"/> sent to it directly (7.3.3 PROBE; RFC 6059
    /// 5.2's unicast NS), with our link-layer address so the router can answer without resolving ours first.
    /// </summary>
    public bool TrySendNeighborSolicitation(IPAddress target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var message = _send.AsSpan();
        message[..NeighborSolicitationLength].Clear();
        message[0] = Icmpv6Type.NeighborSolicitation;
        if (!target.TryWriteBytes(message[8..NeighborSolicitationLength], out int written) || written != 16)
        {
            return false;
        }

        int length = NeighborSolicitationLength + WriteSourceLinkLayerAddress(message[NeighborSolicitationLength..]);
        return SendTo(message[..length], message[8..NeighborSolicitationLength].ToArray());
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMilliseconds"/> for a Router or Neighbor Advertisement; returns its ICMPv6
    /// octets' length in <paramref name="buffer"/> (0 on timeout), its source, the hop limit it arrived with and when
    /// the kernel received it (null when it did not say): the kernel may act on an RA (SLAAC) before this thread reads it.
    /// </summary>
    public int Receive(Span<byte> buffer, int timeoutMilliseconds, out IPAddress? source, out int hopLimit, out DateTimeOffset? receivedAt)
    {
        source = null;
        hopLimit = -1;
        receivedAt = null;
        var poll = new Libc.PollFd { Fd = _fd, Events = Libc.POLLIN };
        int ready = Libc.poll(&poll, 1, timeoutMilliseconds);
        if (ready <= 0)
        {
            return 0;
        }

        Libc.SockAddrIn6 from = default;
        fixed (byte* data = buffer)
        fixed (byte* control = _control)
        {
            var iov = new Libc.IoVec { Base = data, Length = (nuint)buffer.Length };
            var header = new Libc.MsgHdr
            {
                Name = &from,
                NameLength = (uint)sizeof(Libc.SockAddrIn6),
                Iov = &iov,
                IovLength = 1,
                Control = control,
                ControlLength = (nuint)_control.Length,
            };
            nint n = Libc.recvmsg(_fd, &header, Libc.MSG_DONTWAIT);
            if (n <= 0)
            {
                return 0;
            }

            hopLimit = ReadHopLimit(control, header.ControlLength);
            receivedAt = ReadTimestamp(control, header.ControlLength);
            source = new IPAddress(new ReadOnlySpan<byte>(from.Address, 16), from.ScopeId);
            return (int)n;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Libc.close(_fd);
        }
    }

    private static int ReadHopLimit(byte* control, nuint length)
    {
        nuint offset = 0;
        while (offset + (nuint)sizeof(Libc.CMsgHdr) <= length)
        {
            var cmsg = (Libc.CMsgHdr*)(control + offset);
            if (cmsg->Length < (nuint)sizeof(Libc.CMsgHdr) || offset + cmsg->Length > length)
            {
                break;
            }

            if (cmsg->Level == IPPROTO_IPV6 && cmsg->Type == IPV6_HOPLIMIT && cmsg->Length >= (nuint)(sizeof(Libc.CMsgHdr) + sizeof(int)))
            {
                return *(int*)(control + offset + (nuint)sizeof(Libc.CMsgHdr));
            }

            offset += (cmsg->Length + 7) & ~(nuint)7;
        }

        return -1;
    }

    private static DateTimeOffset? ReadTimestamp(byte* control, nuint length)
    {
        nuint offset = 0;
        while (offset + (nuint)sizeof(Libc.CMsgHdr) <= length)
        {
            var cmsg = (Libc.CMsgHdr*)(control + offset);
            if (cmsg->Length < (nuint)sizeof(Libc.CMsgHdr) || offset + cmsg->Length > length)
            {
                break;
            }

            if (cmsg->Level == Libc.SOL_SOCKET && cmsg->Type == SO_TIMESTAMPNS && cmsg->Length >= (nuint)(sizeof(Libc.CMsgHdr) + (2 * sizeof(long))))
            {
                long* timespec = (long*)(control + offset + (nuint)sizeof(Libc.CMsgHdr));
                return timespec[0] is >= 0 and < 253_402_300_800 && timespec[1] is >= 0 and < 1_000_000_000
                    ? DateTimeOffset.FromUnixTimeSeconds(timespec[0]).AddTicks(timespec[1] / 100)
                    : null;
            }

            offset += (cmsg->Length + 7) & ~(nuint)7;
        }

        return null;
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw Libc.Fail($"setsockopt({what})");
        }
    }

    // RFC 4861 4.6.1: type 1, length in 8-octet units, the link-layer address, padded. None for a link without one.
    private int WriteSourceLinkLayerAddress(Span<byte> destination)
    {
        if (_linkAddress.Length == 0)
        {
            return 0;
        }

        int length = (2 + _linkAddress.Length + 7) & ~7;
        destination[..length].Clear();
        destination[0] = SourceLinkLayerAddressOption;
        destination[1] = (byte)(length / 8);
        _linkAddress.CopyTo(destination[2..]);
        return length;
    }

    private bool SendTo(ReadOnlySpan<byte> message, ReadOnlySpan<byte> destination)
    {
        var address = new Libc.SockAddrIn6 { Family = Libc.AF_INET6, ScopeId = (uint)_interfaceIndex };
        destination.CopyTo(new Span<byte>(address.Address, 16));
        fixed (byte* data = message)
        {
            return Libc.sendto(_fd, data, (nuint)message.Length, 0, &address, (uint)sizeof(Libc.SockAddrIn6)) == message.Length;
        }
    }
}
