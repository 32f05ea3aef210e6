using System.Net.NetworkInformation;
using System.Runtime.InteropServices;

namespace Shisa.DataPlane.Ports;

/// <summary>
/// An AF_PACKET SOCK_RAW socket bound to one interface: batched recvmmsg/sendmmsg straight into a pinned
/// <see cref="PacketBatch"/>, PACKET_IGNORE_OUTGOING, PACKET_AUXDATA to learn partial checksums, and an optional
/// classic BPF filter attached before bind. Every message header, iovec, address and control buffer is
/// allocated once when the port opens; a receive or send allocates nothing.
/// </summary>
/// <remarks>
/// The kernel still processes what this port reads (a tap, not an interception): the appliance drops what it
/// handles in its nftables table (see Shisa.DataPlane.Kernel). A frame longer than the MTU plus the Ethernet
/// header is counted as oversize and not sent, because AF_PACKET would drop it silently.
/// </remarks>
public sealed unsafe class AfPacketPort : IPacketPort
{
    private const int ControlSize = 64;   // CMSG_SPACE(sizeof(struct tpacket_auxdata)) = 40
    private const int EthernetHeaderLength = 14;

    private readonly int _fd;
    private readonly int _wakeFd;
    private readonly int _maxBatch;
    private readonly bool _completeChecksums;
    private readonly Libc.MMsgHdr* _rxHeaders;
    private readonly Libc.IoVec* _rxIov;
    private readonly Libc.SockAddrLl* _rxAddresses;
    private readonly byte* _rxControl;
    private readonly Libc.MMsgHdr* _txHeaders;
    private readonly Libc.IoVec* _txIov;
    private readonly Lock _rxLock = new();
    private readonly Lock _txLock = new();
    private volatile bool _disposed;

    private AfPacketPort(string name, int fd, int wakeFd, int index, int mtu, PhysicalAddress linkAddress, PortFrameKind frameKind, AfPacketPortOptions options)
    {
        Name = name;
        FrameKind = frameKind;
        _fd = fd;
        _wakeFd = wakeFd;
        InterfaceIndex = index;
        Mtu = mtu;
        LinkAddress = linkAddress;
        Options = options;
        _maxBatch = options.MaxBatch;
        _completeChecksums = options.CompleteChecksums;
        _rxHeaders = (Libc.MMsgHdr*)NativeMemory.AllocZeroed((nuint)_maxBatch, (nuint)sizeof(Libc.MMsgHdr));
        _rxIov = (Libc.IoVec*)NativeMemory.AllocZeroed((nuint)_maxBatch, (nuint)sizeof(Libc.IoVec));
        _rxAddresses = (Libc.SockAddrLl*)NativeMemory.AllocZeroed((nuint)_maxBatch, (nuint)sizeof(Libc.SockAddrLl));
        _rxControl = (byte*)NativeMemory.AllocZeroed((nuint)_maxBatch, ControlSize);
        _txHeaders = (Libc.MMsgHdr*)NativeMemory.AllocZeroed((nuint)_maxBatch, (nuint)sizeof(Libc.MMsgHdr));
        _txIov = (Libc.IoVec*)NativeMemory.AllocZeroed((nuint)_maxBatch, (nuint)sizeof(Libc.IoVec));
        for (int i = 0; i < _maxBatch; i++)
        {
            _rxHeaders[i].Header.Iov = &_rxIov[i];
            _rxHeaders[i].Header.IovLength = 1;
            _txHeaders[i].Header.Iov = &_txIov[i];
            _txHeaders[i].Header.IovLength = 1;
        }
    }

    public string Name { get; }

    public int InterfaceIndex { get; }

    /// <summary>
    /// Ethernet frames, or bare IPv6 packets on a link without a link-layer header (TUN, PPP, a cellular modem in
    /// raw-IP mode): a SOCK_RAW packet socket then reads and writes from the IP header on.
    /// </summary>
    public PortFrameKind FrameKind { get; }

    private int LinkHeaderLength => FrameKind == PortFrameKind.Ethernet ? EthernetHeaderLength : 0;

    /// <summary>How frames look on <paramref name="interfaceName"/> (in the calling thread's namespace): a filter for its port is compiled for that.</summary>
    public static PortFrameKind FrameKindOf(string interfaceName)
    {
        int fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Libc.Fail("socket(AF_PACKET, SOCK_RAW)");
        }

        try
        {
            return LinkInfo.GetFrameKind(fd, interfaceName);
        }
        finally
        {
            _ = Libc.close(fd);
        }
    }

    public PhysicalAddress LinkAddress { get; }

    public int Mtu { get; }

    public PortCounters Counters { get; } = new();

    public AfPacketPortOptions Options { get; }

    /// <summary>
    /// Opens a packet socket on <paramref name="interfaceName"/> in the calling thread's network namespace
    /// (see Shisa.DataPlane.Kernel.NetworkNamespace to open one in another).
    /// </summary>
    public static AfPacketPort Open(string interfaceName, AfPacketPortOptions? options = null)
    {
        options ??= new AfPacketPortOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatch, 1);

        // Protocol 0: the socket receives nothing until bind, so the filter is in place before the first frame.
        int fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Libc.Fail("socket(AF_PACKET, SOCK_RAW)");
        }

        int wakeFd = -1;
        try
        {
            int index = LinkInfo.GetIndex(fd, interfaceName);
            int mtu = LinkInfo.GetMtu(fd, interfaceName);
            var linkAddress = LinkInfo.GetLinkAddress(fd, interfaceName);
            var frameKind = LinkInfo.GetFrameKind(fd, interfaceName);

            Libc.SetInt(fd, Libc.SOL_PACKET, Libc.PACKET_AUXDATA, 1, "PACKET_AUXDATA");
            if (options.IgnoreOutgoing)
            {
                Libc.SetInt(fd, Libc.SOL_PACKET, Libc.PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
            }

            if (options.ReceiveBufferSize > 0)
            {
                Libc.SetInt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, options.ReceiveBufferSize, "SO_RCVBUFFORCE");
            }

            if (options.SendBufferSize > 0)
            {
                Libc.SetInt(fd, Libc.SOL_SOCKET, Libc.SO_SNDBUFFORCE, options.SendBufferSize, "SO_SNDBUFFORCE");
            }

            if (options.Filter is { } filter)
            {
                Attach(fd, filter);
            }

            var address = new Libc.SockAddrLl
            {
                Family = Libc.AF_PACKET,
                Protocol = Libc.HostToNetwork(options.Protocol),
                IfIndex = index,
            };
            if (Libc.bind(fd, &address, (uint)sizeof(Libc.SockAddrLl)) < 0)
            {
                throw Libc.Fail($"bind(AF_PACKET) to '{interfaceName}'");
            }

            if (options.Promiscuous)
            {
                var request = new Libc.PacketMreq { IfIndex = index, Type = Libc.PACKET_MR_PROMISC };
                if (Libc.setsockopt(fd, Libc.SOL_PACKET, Libc.PACKET_ADD_MEMBERSHIP, &request, (uint)sizeof(Libc.PacketMreq)) < 0)
                {
                    throw Libc.Fail("PACKET_ADD_MEMBERSHIP (promiscuous)");
                }
            }

            if (options.AllMulticast)
            {
                var request = new Libc.PacketMreq { IfIndex = index, Type = Libc.PACKET_MR_ALLMULTI };
                if (Libc.setsockopt(fd, Libc.SOL_PACKET, Libc.PACKET_ADD_MEMBERSHIP, &request, (uint)sizeof(Libc.PacketMreq)) < 0)
                {
                    throw Libc.Fail("PACKET_ADD_MEMBERSHIP (all multicast)");
                }
            }

            wakeFd = Libc.eventfd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
            if (wakeFd < 0)
            {
                throw Libc.Fail("eventfd");
            }

            return new AfPacketPort(interfaceName, fd, wakeFd, index, mtu, linkAddress, frameKind, options);
        }
        catch
        {
            _ = Libc.close(fd);
            if (wakeFd >= 0)
            {
                _ = Libc.close(wakeFd);
            }

            throw;
        }
    }

    /// <summary>Replaces the attached filter (SO_ATTACH_FILTER swaps atomically).</summary>
    public void AttachFilter(ClassicBpfProgram filter)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Attach(_fd, filter);
    }

    public int Receive(PacketBatch batch, int timeoutMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(batch);
        batch.Clear();
        lock (_rxLock)
        {
            if (_disposed)
            {
                return 0;
            }

            int received = ReceiveNow(batch);
            if (received == 0 && timeoutMilliseconds != 0
                && Libc.Wait(_fd, Libc.POLLIN, _wakeFd, timeoutMilliseconds) && !_disposed)
            {
                received = ReceiveNow(batch);
            }

            return received;
        }
    }

    public int Send(PacketBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_txLock)
        {
            if (_disposed)
            {
                return 0;
            }

            int maxFrame = Mtu + LinkHeaderLength;
            int sentTotal = 0;
            int next = 0;
            while (next < batch.Count)
            {
                // Gather up to MaxBatch frames that fit the link, counting the others.
                int count = 0;
                for (; next < batch.Count && count < _maxBatch; next++)
                {
                    int length = batch.Info(next).Length;
                    if (length > maxFrame || length < LinkHeaderLength + 1)
                    {
                        Counters.oversize += length > maxFrame ? 1 : 0;
                        Counters.sendErrors += length > maxFrame ? 0 : 1;
                        continue;
                    }

                    _txIov[count].Base = batch.SlotPointer(next);
                    _txIov[count].Length = (nuint)length;
                    _txHeaders[count].Header.Name = null;
                    _txHeaders[count].Header.NameLength = 0;
                    count++;
                }

                int done = 0;
                while (done < count)
                {
                    int result = Libc.sendmmsg(_fd, _txHeaders + done, (uint)(count - done), 0);
                    if (result < 0)
                    {
                        if (Libc.Errno == Libc.EINTR)
                        {
                            continue;
                        }

                        // The first unsent message failed: count it and go on with the rest.
                        Counters.sendErrors++;
                        done++;
                        continue;
                    }

                    for (int i = done; i < done + result; i++)
                    {
                        Counters.sentBytes += (long)_txIov[i].Length;
                    }

                    done += result;
                    sentTotal += result;
                    Counters.sent += result;
                }
            }

            return sentTotal;
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Libc.Signal(_wakeFd);
        lock (_rxLock)
        {
            lock (_txLock)
            {
                _ = Libc.close(_fd);
                _ = Libc.close(_wakeFd);
                NativeMemory.Free(_rxHeaders);
                NativeMemory.Free(_rxIov);
                NativeMemory.Free(_rxAddresses);
                NativeMemory.Free(_rxControl);
                NativeMemory.Free(_txHeaders);
                NativeMemory.Free(_txIov);
            }
        }
    }

    public override string ToString() => $"af_packet:{Name}";

    private static void Attach(int fd, ClassicBpfProgram filter)
    {
        fixed (ClassicBpfInstruction* code = filter.Instructions)
        {
            var program = new Libc.SockFprog { Length = (ushort)filter.Instructions.Length, Filter = code };
            if (Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_ATTACH_FILTER, &program, (uint)sizeof(Libc.SockFprog)) < 0)
            {
                throw Libc.Fail($"SO_ATTACH_FILTER ({filter})");
            }
        }
    }

    private int ReceiveNow(PacketBatch batch)
    {
        int count = Math.Min(batch.Capacity, _maxBatch);
        for (int i = 0; i < count; i++)
        {
            ref var header = ref _rxHeaders[i].Header;
            _rxIov[i].Base = batch.SlotPointer(i);
            _rxIov[i].Length = (nuint)batch.SlotSize;
            header.Name = &_rxAddresses[i];
            header.NameLength = (uint)sizeof(Libc.SockAddrLl);
            header.Control = _rxControl + (i * ControlSize);
            header.ControlLength = ControlSize;
            header.Flags = 0;
        }

        int received;
        do
        {
            // MSG_TRUNC: msg_len is the frame's real length even when the slot was too short.
            received = Libc.recvmmsg(_fd, _rxHeaders, (uint)count, Libc.MSG_DONTWAIT | Libc.MSG_TRUNC, null);
        }
        while (received < 0 && Libc.Errno == Libc.EINTR);

        if (received < 0)
        {
            if (Libc.Errno != Libc.EAGAIN)
            {
                Counters.receiveErrors++; // e.g. ENETDOWN once after the link went down: not fatal
            }

            return 0;
        }

        for (int i = 0; i < received; i++)
        {
            ref FrameInfo info = ref batch.InfoRef(i);
            int original = (int)_rxHeaders[i].Length;
            info.OriginalLength = original;
            info.Length = Math.Min(original, batch.SlotSize);
            info.PacketType = (LinkPacketType)_rxAddresses[i].PktType;
            info.Flags = FrameFlags.None;
            if (original > batch.SlotSize)
            {
                info.Flags |= FrameFlags.Truncated;
                Counters.truncated++;
            }

            uint status = AuxiliaryStatus(ref _rxHeaders[i].Header);
            if ((status & Libc.TP_STATUS_CSUM_VALID) != 0)
            {
                info.Flags |= FrameFlags.ChecksumValid;
            }

            if ((status & Libc.TP_STATUS_CSUMNOTREADY) != 0)
            {
                if (_completeChecksums && (info.Flags & FrameFlags.Truncated) == 0
                    && (FrameKind == PortFrameKind.Ethernet
                        ? Ipv6ChecksumCompletion.TryCompleteEthernet(batch.Slot(i)[..info.Length])
                        : Ipv6ChecksumCompletion.TryComplete(batch.Slot(i)[..info.Length])))
                {
                    info.Flags |= FrameFlags.ChecksumCompleted;
                    Counters.checksumsCompleted++;
                }
                else
                {
                    info.Flags |= FrameFlags.ChecksumNotReady;
                    Counters.checksumsNotCompleted++;
                }
            }

            Counters.receivedBytes += info.Length;
        }

        Counters.received += received;
        batch.SetCount(received);
        return received;
    }

    /// <summary>tp_status from the PACKET_AUXDATA control message, 0 when there is none.</summary>
    private static uint AuxiliaryStatus(ref Libc.MsgHdr header)
    {
        byte* control = (byte*)header.Control;
        nuint length = header.ControlLength;
        nuint offset = 0;
        while (offset + (nuint)sizeof(Libc.CMsgHdr) <= length)
        {
            var cmsg = (Libc.CMsgHdr*)(control + offset);
            if (cmsg->Length < (nuint)sizeof(Libc.CMsgHdr) || offset + cmsg->Length > length)
            {
                break;
            }

            if (cmsg->Level == Libc.SOL_PACKET && cmsg->Type == Libc.PACKET_AUXDATA
                && cmsg->Length >= (nuint)(sizeof(Libc.CMsgHdr) + sizeof(Libc.TPacketAuxData)))
            {
                return ((Libc.TPacketAuxData*)(cmsg + 1))->Status;
            }

            offset += (cmsg->Length + 7) & ~(nuint)7; // CMSG_ALIGN
        }

        return 0;
    }
}
