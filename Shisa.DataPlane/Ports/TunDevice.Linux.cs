using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Shisa.DataPlane.Ports;

/// <summary>
/// A TUN device (IFF_TUN | IFF_NO_PI): the virtual home interface that carries home addresses on a mobile node
/// (SHISA's <c>mip</c>) and the mobile network's traffic on a mobile router (<c>mtun</c>). Frames are bare IPv6
/// packets. Opened non-blocking; a receive reads until EAGAIN and only polls when nothing was waiting (DESIGN 5:
/// a poll before each read cost 30 %). Configuration (MTU, txqueuelen, up, addresses) goes through ioctls on a
/// control socket opened with the device, so it applies in the device's own network namespace. The device is
/// not persistent: it disappears, with its addresses and routes, when disposed.
/// </summary>
public sealed unsafe class TunDevice : IPacketPort
{
    /// <summary>DESIGN 5: raise txqueuelen above 500.</summary>
    public const int DefaultTxQueueLength = 1000;

    private readonly int _fd;
    private readonly int _controlFd;
    private readonly int _wakeFd;
    private readonly Lock _rxLock = new();
    private readonly Lock _txLock = new();
    private volatile bool _disposed;

    private TunDevice(string name, int fd, int controlFd, int wakeFd, int index)
    {
        Name = name;
        _fd = fd;
        _controlFd = controlFd;
        _wakeFd = wakeFd;
        InterfaceIndex = index;
    }

    public string Name { get; }

    public int InterfaceIndex { get; }

    public PortFrameKind FrameKind => PortFrameKind.Ipv6;

    public PhysicalAddress LinkAddress => PhysicalAddress.None;

    public int Mtu => LinkInfo.GetMtu(_controlFd, Name);

    public PortCounters Counters { get; } = new();

    /// <summary>
    /// Creates the TUN device <paramref name="name"/> (or a pattern such as "shisa%d") in the calling thread's
    /// network namespace. It starts down, with the kernel's MTU (1500) and txqueuelen (500).
    /// </summary>
    public static TunDevice Create(string name)
    {
        int fd = Libc.open("/dev/net/tun", Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            throw Libc.Fail("open(/dev/net/tun)");
        }

        int controlFd = -1;
        int wakeFd = -1;
        try
        {
            var request = Libc.IfReq.For(name);
            *(short*)request.Data = Libc.IFF_TUN | Libc.IFF_NO_PI;
            if (Libc.ioctl(fd, Libc.TUNSETIFF, &request) < 0)
            {
                throw Libc.Fail($"TUNSETIFF '{name}'");
            }

            string actual = request.GetName();
            controlFd = Libc.socket(Libc.AF_INET6, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
            if (controlFd < 0)
            {
                throw Libc.Fail("socket(AF_INET6, SOCK_DGRAM)");
            }

            wakeFd = Libc.eventfd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
            if (wakeFd < 0)
            {
                throw Libc.Fail("eventfd");
            }

            return new TunDevice(actual, fd, controlFd, wakeFd, LinkInfo.GetIndex(controlFd, actual));
        }
        catch
        {
            _ = Libc.close(fd);
            if (controlFd >= 0)
            {
                _ = Libc.close(controlFd);
            }

            if (wakeFd >= 0)
            {
                _ = Libc.close(wakeFd);
            }

            throw;
        }
    }

    /// <summary>Sets the MTU (the kernel then sends Packet Too Big for what does not fit, DESIGN 5).</summary>
    public void SetMtu(int mtu)
    {
        var request = Libc.IfReq.For(Name);
        *(int*)request.Data = mtu;
        Control(Libc.SIOCSIFMTU, &request, $"SIOCSIFMTU {mtu}");
    }

    public void SetTxQueueLength(int length)
    {
        var request = Libc.IfReq.For(Name);
        *(int*)request.Data = length;
        Control(Libc.SIOCSIFTXQLEN, &request, $"SIOCSIFTXQLEN {length}");
    }

    /// <summary>Brings the interface up or down.</summary>
    public void SetUp(bool up = true)
    {
        var request = Libc.IfReq.For(Name);
        Control(Libc.SIOCGIFFLAGS, &request, "SIOCGIFFLAGS");
        short* flags = (short*)request.Data;
        *flags = up ? (short)(*flags | Libc.IFF_UP) : (short)(*flags & ~Libc.IFF_UP);
        Control(Libc.SIOCSIFFLAGS, &request, "SIOCSIFFLAGS");
    }

    /// <summary>Adds an IPv6 address (no DAD: a TUN is NOARP, so the address is usable at once).</summary>
    public void AddAddress(IPAddress address, int prefixLength) => ChangeAddress(Libc.SIOCSIFADDR, address, prefixLength);

    public void RemoveAddress(IPAddress address, int prefixLength) => ChangeAddress(Libc.SIOCDIFADDR, address, prefixLength);

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

            int received = ReadUntilEmpty(batch);
            if (received == 0 && timeoutMilliseconds != 0
                && Libc.Wait(_fd, Libc.POLLIN, _wakeFd, timeoutMilliseconds) && !_disposed)
            {
                received = ReadUntilEmpty(batch);
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

            int sent = 0;
            for (int i = 0; i < batch.Count; i++)
            {
                int length = batch.Info(i).Length;
                nint result;
                do
                {
                    result = Libc.write(_fd, batch.SlotPointer(i), (nuint)length);
                }
                while (result < 0 && Libc.Errno == Libc.EINTR);

                if (result < 0)
                {
                    Counters.sendErrors++; // EINVAL for a malformed packet, EIO when down: counted, not fatal
                    continue;
                }

                sent++;
                Counters.sentBytes += length;
            }

            Counters.sent += sent;
            return sent;
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
                _ = Libc.close(_controlFd);
                _ = Libc.close(_wakeFd);
            }
        }
    }

    public override string ToString() => $"tun:{Name}";

    private int ReadUntilEmpty(PacketBatch batch)
    {
        int count = 0;
        while (count < batch.Capacity)
        {
            nint result = Libc.read(_fd, batch.SlotPointer(count), (nuint)batch.SlotSize);
            if (result < 0)
            {
                int errno = Libc.Errno;
                if (errno == Libc.EINTR)
                {
                    continue;
                }

                if (errno != Libc.EAGAIN)
                {
                    Counters.receiveErrors++;
                }

                break;
            }

            ref FrameInfo info = ref batch.InfoRef(count);
            info.Length = (int)result;
            info.OriginalLength = (int)result;
            info.Flags = FrameFlags.None;
            info.PacketType = LinkPacketType.Host;
            Counters.receivedBytes += result;
            count++;
        }

        Counters.received += count;
        batch.SetCount(count);
        return count;
    }

    private void ChangeAddress(nuint request, IPAddress address, int prefixLength)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException("An IPv6 address is needed.", nameof(address));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, 128);
        var change = new Libc.In6IfReq { PrefixLength = (uint)prefixLength, IfIndex = InterfaceIndex };
        address.TryWriteBytes(new Span<byte>(change.Address, 16), out _);
        Control(request, &change, $"{(request == Libc.SIOCSIFADDR ? "adding" : "removing")} {address}/{prefixLength} on {Name}");
    }

    private void Control(nuint request, void* argument, string what)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Libc.ioctl(_controlFd, request, argument) < 0)
        {
            throw Libc.Fail(what);
        }
    }
}
