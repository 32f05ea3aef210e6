using System.Runtime.InteropServices;

namespace Shisa.DataPlane.Ports;

/// <summary>
/// Sends whole IPv6 packets through <c>socket(AF_INET6, SOCK_RAW, IPPROTO_RAW)</c> (header included): any source
/// address and extension headers go out as given, and the kernel routes them and resolves the next hop
/// (DESIGN 5). The data plane's send API for signalling. Opened routing by source, each packet carries its own
/// source address as IPV6_PKTINFO: the kernel routes a header-included packet as if its source were unspecified
/// (the main table decides), unless told the source, and then the policy rules <c>from ADDRESS</c> apply (a mobile
/// node's care-of address leaves through its own uplink). Failures are counted by errno, never thrown: EPROTO
/// after an ICMP error, ENETUNREACH while a route is missing and EMSGSIZE are all part of normal operation.
/// </summary>
public sealed unsafe class RawIpv6Sender : IPacketSender, IDisposable
{
    private const int Ipv6HeaderLength = 40;
    private const int MaxErrno = 134;

    /// <summary>CMSG_SPACE(sizeof(struct in6_pktinfo)) on a 64-bit machine: the 16-byte header, 20 bytes, padded to 8.</summary>
    private static readonly int ControlSpace = Align(sizeof(Libc.CMsgHdr) + sizeof(Libc.In6PktInfo));

    private readonly int _fd;
    private readonly int _maxBatch;
    private readonly long[] _failuresByErrno = new long[MaxErrno + 1];
    private readonly Libc.MMsgHdr* _headers;
    private readonly Libc.IoVec* _iov;
    private readonly Libc.SockAddrIn6* _destinations;
    private readonly byte* _controls;
    private readonly Lock _lock = new();
    private long _sent;
    private long _failed;
    private int _lastErrno;
    private bool _disposed;

    private RawIpv6Sender(int fd, int scopeInterfaceIndex, int maxBatch, bool routeBySource)
    {
        _fd = fd;
        ScopeInterfaceIndex = scopeInterfaceIndex;
        _maxBatch = maxBatch;
        _headers = (Libc.MMsgHdr*)NativeMemory.AllocZeroed((nuint)maxBatch, (nuint)sizeof(Libc.MMsgHdr));
        _iov = (Libc.IoVec*)NativeMemory.AllocZeroed((nuint)maxBatch, (nuint)sizeof(Libc.IoVec));
        _destinations = (Libc.SockAddrIn6*)NativeMemory.AllocZeroed((nuint)maxBatch, (nuint)sizeof(Libc.SockAddrIn6));
        for (int i = 0; i < maxBatch; i++)
        {
            _headers[i].Header.Iov = &_iov[i];
            _headers[i].Header.IovLength = 1;
            _headers[i].Header.Name = &_destinations[i];
            _headers[i].Header.NameLength = (uint)sizeof(Libc.SockAddrIn6);
        }

        if (routeBySource)
        {
            _controls = (byte*)NativeMemory.AllocZeroed((nuint)maxBatch, (nuint)ControlSpace);
            for (int i = 0; i < maxBatch; i++)
            {
                var header = (Libc.CMsgHdr*)(_controls + (i * ControlSpace));
                header->Length = (nuint)(sizeof(Libc.CMsgHdr) + sizeof(Libc.In6PktInfo));
                header->Level = Libc.IPPROTO_IPV6;
                header->Type = Libc.IPV6_PKTINFO;
                _headers[i].Header.Control = header;
                _headers[i].Header.ControlLength = (nuint)ControlSpace;
            }
        }
    }

    /// <summary>Whether each packet's source address takes part in the kernel's route lookup (policy rules).</summary>
    public bool RoutesBySource => _controls != null;

    /// <summary>The interface index given to link-local and multicast destinations (their scope), 0 for none.</summary>
    public int ScopeInterfaceIndex { get; }

    public long Sent => Volatile.Read(ref _sent);

    public long Failed => Volatile.Read(ref _failed);

    /// <summary>The errno of the last failure, 0 when none.</summary>
    public int LastError => Volatile.Read(ref _lastErrno);

    /// <summary>
    /// Opens the socket in the calling thread's network namespace. <paramref name="scopeInterfaceName"/> names the
    /// interface for link-scoped destinations (the kernel refuses them without one). A non-zero
    /// <paramref name="mark"/> (SO_MARK, needs CAP_NET_ADMIN) lets packet filters tell these packets from the kernel's.
    /// With <paramref name="routeBySource"/>, each packet is routed by its source address too (IPV6_PKTINFO; with
    /// IPV6_FREEBIND, so that a source the kernel does not hold is still sent, as without it).
    /// </summary>
    public static RawIpv6Sender Open(string? scopeInterfaceName = null, int maxBatch = PacketBatch.DefaultCapacity, int mark = 0, bool routeBySource = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        int fd = Libc.socket(Libc.AF_INET6, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.IPPROTO_RAW);
        if (fd < 0)
        {
            throw Libc.Fail("socket(AF_INET6, SOCK_RAW, IPPROTO_RAW)");
        }

        try
        {
            int scope = scopeInterfaceName is null ? 0 : LinkInfo.GetIndex(fd, scopeInterfaceName);
            if (mark != 0)
            {
                Libc.SetInt(fd, Libc.SOL_SOCKET, Libc.SO_MARK, mark, "setsockopt(SO_MARK)");
            }

            if (routeBySource)
            {
                Libc.SetInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_FREEBIND, 1, "setsockopt(IPV6_FREEBIND)");
            }

            return new RawIpv6Sender(fd, scope, maxBatch, routeBySource);
        }
        catch
        {
            _ = Libc.close(fd);
            throw;
        }
    }

    /// <summary>
    /// Marks everything this socket sends (SO_MARK, needs CAP_NET_ADMIN), so policy rules can tell the appliance's own
    /// packets from the kernel's (a correspondent routes home addresses into its TUN for every packet but these).
    /// </summary>
    public void SetMark(int mark)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Libc.SetInt(_fd, Libc.SOL_SOCKET, Libc.SO_MARK, mark, "setsockopt(SO_MARK)");
        }
    }

    /// <summary>Failures seen with one errno value (e.g. 71 EPROTO, 101 ENETUNREACH, 90 EMSGSIZE).</summary>
    public long FailuresWith(int errno) => (uint)errno <= MaxErrno ? Volatile.Read(ref _failuresByErrno[errno]) : 0;

    public bool TrySend(ReadOnlySpan<byte> ipv6Packet)
    {
        if (!IsIpv6(ipv6Packet))
        {
            CountFailure(22); // EINVAL
            return false;
        }

        lock (_lock)
        {
            if (_disposed)
            {
                return false;
            }

            int result;
            fixed (byte* data = ipv6Packet)
            {
                _iov[0].Base = data;
                _iov[0].Length = (nuint)ipv6Packet.Length;
                Prepare(0, ipv6Packet);
                do
                {
                    result = Libc.sendmmsg(_fd, _headers, 1, Libc.MSG_DONTWAIT);
                }
                while (result < 0 && Libc.Errno == Libc.EINTR);
            }

            if (result < 0)
            {
                CountFailure(Libc.Errno);
                return false;
            }

            _sent++;
            return true;
        }
    }

    /// <summary>Sends every IPv6 packet of <paramref name="batch"/> with sendmmsg; returns how many went out.</summary>
    public int Send(PacketBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_lock)
        {
            if (_disposed)
            {
                return 0;
            }

            int sentTotal = 0;
            int next = 0;
            while (next < batch.Count)
            {
                int count = 0;
                for (; next < batch.Count && count < _maxBatch; next++)
                {
                    var packet = batch[next];
                    if (!IsIpv6(packet))
                    {
                        CountFailure(22);
                        continue;
                    }

                    _iov[count].Base = batch.SlotPointer(next);
                    _iov[count].Length = (nuint)packet.Length;
                    Prepare(count, packet);
                    count++;
                }

                int done = 0;
                while (done < count)
                {
                    int result = Libc.sendmmsg(_fd, _headers + done, (uint)(count - done), Libc.MSG_DONTWAIT);
                    if (result < 0)
                    {
                        int errno = Libc.Errno;
                        if (errno != Libc.EINTR)
                        {
                            CountFailure(errno);
                            done++;
                        }

                        continue;
                    }

                    done += result;
                    sentTotal += result;
                }
            }

            _sent += sentTotal;
            return sentTotal;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _ = Libc.close(_fd);
            NativeMemory.Free(_headers);
            NativeMemory.Free(_iov);
            NativeMemory.Free(_destinations);
            NativeMemory.Free(_controls);
        }
    }

    private static bool IsIpv6(ReadOnlySpan<byte> packet) => packet.Length >= Ipv6HeaderLength && (packet[0] >> 4) == 6;

    private static int Align(int length) => (length + sizeof(nuint) - 1) & ~(sizeof(nuint) - 1);

    /// <summary>Slot <paramref name="slot"/>'s destination, and its source when routing by source.</summary>
    private void Prepare(int slot, ReadOnlySpan<byte> packet)
    {
        _destinations[slot] = default;
        SetDestination(ref _destinations[slot], packet);
        if (_controls != null)
        {
            var info = (Libc.In6PktInfo*)(_controls + (slot * ControlSpace) + sizeof(Libc.CMsgHdr));
            packet.Slice(8, 16).CopyTo(new Span<byte>(info->Address, 16));
            info->InterfaceIndex = 0;
        }
    }

    private void SetDestination(ref Libc.SockAddrIn6 destination, ReadOnlySpan<byte> packet)
    {
        // The IPv6 destination field: the next hop the kernel routes to (with a type 2 routing header, the
        // care-of address).
        ReadOnlySpan<byte> address = packet.Slice(24, 16);
        destination.Family = Libc.AF_INET6;
        fixed (byte* target = destination.Address)
        {
            address.CopyTo(new Span<byte>(target, 16));
        }

        bool linkScoped = (address[0] == 0xFE && (address[1] & 0xC0) == 0x80)
            || (address[0] == 0xFF && (address[1] & 0x0F) <= 2);
        destination.ScopeId = linkScoped ? (uint)ScopeInterfaceIndex : 0;
    }

    private void CountFailure(int errno)
    {
        Interlocked.Increment(ref _failed);
        Volatile.Write(ref _lastErrno, errno);
        if ((uint)errno <= MaxErrno)
        {
            Interlocked.Increment(ref _failuresByErrno[errno]);
        }
    }
}
