using System.Runtime.InteropServices;

namespace Shisa.ExternalDetector;

/// <summary>
/// A NETLINK_ROUTE socket subscribed to link and IPv6 address notifications, used only to wake the detector at
/// once when something changed (it reads the state itself from /proc and /sys, so no message is parsed). Without
/// it a carrier loss shorter than the poll interval would be seen only through the carrier-down count, after the
/// next link's address may already be there.
/// </summary>
/// <remarks>Plain <c>[DllImport]</c>: the managed Socket does not accept AF_NETLINK.</remarks>
internal sealed class NetlinkWakeup : IDisposable
{
    private const int AfNetlink = 16;
    private const int SockRaw = 3;
    private const int SockCloexec = 0x80000;
    private const int NetlinkRoute = 0;
    private const uint RtmgrpLink = 0x1;
    private const uint RtmgrpIpv6Ifaddr = 0x100;
    private const int SolSocket = 1;
    private const int SoRcvtimeo = 20;

    private readonly int _fd;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private volatile bool _stopping;
    private Thread? _thread;

    private NetlinkWakeup(int fd) => _fd = fd;

    /// <summary>The socket, or null when netlink is not available (the detector then only polls).</summary>
    public static NetlinkWakeup? TryOpen()
    {
        int fd = Native.socket(AfNetlink, SockRaw | SockCloexec, NetlinkRoute);
        if (fd < 0)
        {
            return null;
        }

        var address = new Native.SockAddrNl { Family = AfNetlink, Groups = RtmgrpLink | RtmgrpIpv6Ifaddr };
        var timeout = new Native.TimeVal { Seconds = 0, Microseconds = 200_000 };
        if (Native.bind(fd, ref address, Marshal.SizeOf<Native.SockAddrNl>()) != 0
            || Native.setsockopt(fd, SolSocket, SoRcvtimeo, ref timeout, Marshal.SizeOf<Native.TimeVal>()) != 0)
        {
            Native.close(fd);
            return null;
        }

        return new NetlinkWakeup(fd);
    }

    /// <summary>Calls <paramref name="changed"/> after every notification, from a thread of its own.</summary>
    public void Start(Action changed)
    {
        _thread = new Thread(() =>
        {
            while (!_stopping)
            {
                if (Native.recv(_fd, _buffer, _buffer.Length, 0) > 0 || Marshal.GetLastPInvokeError() == 105 /* ENOBUFS: lost some, look anyway */)
                {
                    changed();
                }
            }
        })
        { IsBackground = true, Name = "netlink-wakeup" };
        _thread.Start();
    }

    public void Dispose()
    {
        _stopping = true;
        _thread?.Join(TimeSpan.FromSeconds(1));
        Native.close(_fd);
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
        internal static extern int close(int fd);
    }
}
