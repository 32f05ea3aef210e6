using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Kernel.Netlink;

namespace Shisa.Modules.MovementDetection;

/// <summary>
/// Link and IPv6 address changes from a NETLINK_ROUTE socket subscribed to RTMGRP_LINK and RTMGRP_IPV6_IFADDR, read
/// on a thread of its own (STYLE 9). It starts with a dump of links and addresses, then applies the multicast
/// notifications; after an overrun (ENOBUFS) it dumps again.
/// </summary>
/// <remarks>
/// Plain <c>[DllImport]</c> with blittable arguments: <c>[LibraryImport]</c>'s generated code needs
/// AllowUnsafeBlocks in the project (SYSLIB1062), and the managed Socket does not accept AF_NETLINK.
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed class NetlinkWatcher : INetworkWatcher
{
    private const int AfNetlink = 16;
    private const int SockRaw = 3;
    private const int SockCloexec = 0x80000;
    private const int NetlinkRoute = 0;
    private const uint RtmgrpLink = 0x1;
    private const uint RtmgrpIpv6Ifaddr = 0x100;
    private const int SolSocket = 1;
    private const int SoRcvtimeo = 20;
    private const int Eagain = 11;
    private const int Eintr = 4;
    private const int Enobufs = 105;
    private const int BufferLength = 64 * 1024;

    private readonly ILogger _logger;
    private readonly int _fd;
    private readonly InterfaceTable _table = new();
    private readonly byte[] _buffer = new byte[BufferLength];
    private Thread? _thread;
    private volatile bool _stopping;
    private uint _sequence;

    /// <exception cref="IOException">The socket could not be opened or bound (e.g. no netlink in a sandbox).</exception>
    public NetlinkWatcher(ILogger logger)
    {
        _logger = logger;
        _fd = Native.socket(AfNetlink, SockRaw | SockCloexec, NetlinkRoute);
        if (_fd < 0)
        {
            throw new IOException($"netlink socket: errno {Marshal.GetLastPInvokeError()}");
        }

        var address = new Native.SockAddrNl { Family = AfNetlink, Groups = RtmgrpLink | RtmgrpIpv6Ifaddr };
        var timeout = new Native.TimeVal { Seconds = 0, Microseconds = 250_000 };
        if (Native.bind(_fd, ref address, Marshal.SizeOf<Native.SockAddrNl>()) != 0
            || Native.setsockopt(_fd, SolSocket, SoRcvtimeo, ref timeout, Marshal.SizeOf<Native.TimeVal>()) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Native.close(_fd);
            throw new IOException($"netlink bind: errno {errno}");
        }
    }

    public string Kind => "netlink";

    public void Start(Action<NetworkSnapshot> changed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        _thread = new Thread(() => Run(changed)) { IsBackground = true, Name = "shisa-netlink" };
        _thread.Start();
    }

    public void Dispose()
    {
        _stopping = true;
        _thread?.Join(TimeSpan.FromSeconds(2));
        Native.close(_fd);
    }

    private void Run(Action<NetworkSnapshot> changed)
    {
        var events = new List<NetlinkEvent>();
        try
        {
            Dump(events);
            changed(_table.Snapshot());
            while (!_stopping)
            {
                nint n = Native.recv(_fd, _buffer, _buffer.Length, 0);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Enobufs)
                    {
                        // Notifications were lost: read the whole state again.
                        Dump(events);
                        changed(_table.Snapshot());
                    }
                    else if (errno is not (Eagain or Eintr))
                    {
                        MovementDetectorLog.NetlinkFailed(_logger, errno);
                        return;
                    }

                    continue;
                }

                events.Clear();
                NetlinkParser.TryParse(_buffer.AsSpan(0, (int)n), events);
                if (events.Count > 0)
                {
                    events.ForEach(_table.Apply);
                    changed(_table.Snapshot());
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            MovementDetectorLog.WatcherFailed(_logger, e);
        }
    }

    private void Dump(List<NetlinkEvent> events)
    {
        foreach (var (type, family) in new[] { (Rtnetlink.GetLink, (byte)0), (Rtnetlink.GetAddress, Rtnetlink.FamilyInet6) })
        {
            Request(type, family);
            while (!_stopping)
            {
                nint n = Native.recv(_fd, _buffer, _buffer.Length, 0);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno is Eagain or Eintr)
                    {
                        continue;
                    }

                    throw new IOException($"netlink dump: errno {errno}");
                }

                events.Clear();
                bool more = NetlinkParser.TryParse(_buffer.AsSpan(0, (int)n), events);
                events.ForEach(_table.Apply);
                if (!more)
                {
                    break;
                }
            }
        }
    }

    // nlmsghdr + an ifinfomsg or ifaddrmsg with only its family set (the data plane's netlink codec).
    private void Request(ushort type, byte family)
    {
        var request = new byte[NetlinkParser.HeaderLength + NetlinkParser.IfInfoMsgLength];
        if (!Rtnetlink.TryWriteDump(request, type, family, ++_sequence, out int length)
            || Native.send(_fd, request, length, 0) != length)
        {
            throw new IOException($"netlink request: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private static class Native
    {
        [StructLayout(LayoutKind.Sequential)]
        internal struct SockAddrNl
        {
            public ushort Family;
            public ushort Pad;
            public uint Pid;
            public uint Groups;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct TimeVal
        {
            public long Seconds;
            public long Microseconds;
        }

        [DllImport("libc", SetLastError = true)]
        internal static extern int socket(int domain, int type, int protocol);

        [DllImport("libc", SetLastError = true)]
        internal static extern int bind(int fd, ref SockAddrNl address, int length);

        [DllImport("libc", SetLastError = true)]
        internal static extern int setsockopt(int fd, int level, int name, ref TimeVal value, int length);

        [DllImport("libc", SetLastError = true)]
        internal static extern nint recv(int fd, byte[] buffer, nint length, int flags);

        [DllImport("libc", SetLastError = true)]
        internal static extern nint send(int fd, byte[] buffer, nint length, int flags);

        [DllImport("libc", SetLastError = true)]
        internal static extern int close(int fd);
    }
}
