using System.Runtime.InteropServices;

namespace Shisa.DataPlane.Ports;

/// <summary>
/// The Linux system calls and structures the port drivers use (LP64: x86_64 and arm64). Blittable structs
/// only, so <see cref="LibraryImportAttribute"/> generates no marshalling.
/// </summary>
internal static unsafe partial class Libc
{
    private const string Library = "libc";

    public const int AF_INET6 = 10;
    public const int AF_PACKET = 17;
    public const int AF_NETLINK = 16;
    public const int NETLINK_ROUTE = 0;
    public const int NETLINK_NETFILTER = 12;
    public const int SOL_NETLINK = 270;
    public const int NETLINK_CAP_ACK = 10;
    public const int NETLINK_EXT_ACK = 11;
    public const int SOCK_DGRAM = 2;
    public const int SOCK_RAW = 3;
    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int IPPROTO_RAW = 255;

    public const int SOL_SOCKET = 1;
    public const int IPPROTO_IPV6 = 41;
    public const int IPV6_PKTINFO = 50;
    public const int IPV6_FREEBIND = 78;
    public const int SO_SNDBUF = 7;
    public const int SO_RCVBUF = 8;
    public const int SO_ATTACH_FILTER = 26;
    public const int SO_MARK = 36;
    public const int SO_RCVTIMEO = 20;
    public const int SO_RCVBUFFORCE = 33;
    public const int SO_SNDBUFFORCE = 32;

    public const int SOL_PACKET = 263;
    public const int PACKET_ADD_MEMBERSHIP = 1;
    public const int PACKET_AUXDATA = 8;
    public const int PACKET_IGNORE_OUTGOING = 23;
    public const int PACKET_MR_PROMISC = 1;
    public const int PACKET_MR_ALLMULTI = 2;

    public const uint TP_STATUS_CSUMNOTREADY = 1 << 3;
    public const uint TP_STATUS_CSUM_VALID = 1 << 7;

    public const int MSG_TRUNC = 0x20;
    public const int MSG_DONTWAIT = 0x40;

    public const short POLLIN = 0x001;
    public const short POLLOUT = 0x004;

    public const int O_RDONLY = 0;
    public const int O_RDWR = 2;
    public const int O_CREAT = 0x40;
    public const int O_DIRECTORY = 0x10000;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;

    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EPROTONOSUPPORT = 93;

    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;

    public const nuint SIOCGIFFLAGS = 0x8913;
    public const nuint SIOCSIFFLAGS = 0x8914;
    public const nuint SIOCSIFADDR = 0x8916;
    public const nuint SIOCGIFMTU = 0x8921;
    public const nuint SIOCSIFMTU = 0x8922;
    public const nuint SIOCGIFHWADDR = 0x8927;
    public const nuint SIOCGIFINDEX = 0x8933;
    public const nuint SIOCDIFADDR = 0x8936;
    public const nuint SIOCSIFTXQLEN = 0x8943;
    public const nuint TUNSETIFF = 0x400454CA;

    public const short IFF_UP = 0x1;
    public const short IFF_TUN = 0x0001;
    public const short IFF_NO_PI = 0x1000;

    public const int EFD_NONBLOCK = 0x800;
    public const int EFD_CLOEXEC = 0x80000;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    /// <summary>struct in6_pktinfo.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct In6PktInfo
    {
        public fixed byte Address[16];
        public int InterfaceIndex;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct CMsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    /// <summary>struct tpacket_auxdata.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TPacketAuxData
    {
        public uint Status;
        public uint Length;
        public uint SnapLength;
        public ushort Mac;
        public ushort Net;
        public ushort VlanTci;
        public ushort VlanTpid;
    }

    /// <summary>struct sockaddr_ll (20 octets).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockAddrLl
    {
        public ushort Family;
        public ushort Protocol; // network byte order
        public int IfIndex;
        public ushort HaType;
        public byte PktType;
        public byte HaLength;
        public fixed byte Address[8];
    }

    /// <summary>struct sockaddr_in6 (28 octets).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockAddrIn6
    {
        public ushort Family;
        public ushort Port;
        public uint FlowInfo;
        public fixed byte Address[16];
        public uint ScopeId;
    }

    /// <summary>struct packet_mreq.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PacketMreq
    {
        public int IfIndex;
        public ushort Type;
        public ushort AddressLength;
        public fixed byte Address[8];
    }

    /// <summary>struct sock_fprog.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockFprog
    {
        public ushort Length;
        public ClassicBpfInstruction* Filter;
    }

    /// <summary>struct ifreq: a 16-octet name and a 24-octet union.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 40)]
    public struct IfReq
    {
        public fixed byte Name[16];
        public fixed byte Data[24];

        public static IfReq For(string name)
        {
            if (name.Length is 0 or > 15)
            {
                throw new ArgumentException($"Interface name '{name}' must be 1 to 15 characters.", nameof(name));
            }

            IfReq request = default;
            for (int i = 0; i < name.Length; i++)
            {
                request.Name[i] = (byte)name[i];
            }

            return request;
        }

        public string GetName()
        {
            fixed (byte* p = Name)
            {
                return Marshal.PtrToStringAnsi((nint)p) ?? string.Empty;
            }
        }
    }

    /// <summary>struct in6_ifreq.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct In6IfReq
    {
        public fixed byte Address[16];
        public uint PrefixLength;
        public int IfIndex;
    }

    /// <summary>struct sockaddr_nl (12 octets).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockAddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint PortId;
        public uint Groups;
    }

    /// <summary>struct timeval (LP64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TimeVal
    {
        public long Seconds;
        public long Microseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    [LibraryImport(Library, SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int bind(int fd, void* address, uint addressLength);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int name, void* value, uint valueLength);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int recvmmsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint recvmsg(int fd, MsgHdr* message, int flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int sendmmsg(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint sendto(int fd, void* buffer, nuint length, int flags, void* address, uint addressLength);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint send(int fd, void* buffer, nuint length, int flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint recv(int fd, void* buffer, nuint length, int flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint read(int fd, void* buffer, nuint count);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint write(int fd, void* buffer, nuint count);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int ioctl(int fd, nuint request, void* argument);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [LibraryImport(Library, SetLastError = true, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags, uint mode);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int fsync(int fd);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int flock(int fd, int operation);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int ftruncate(int fd, long length);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint pwrite(int fd, void* buffer, nuint count, long offset);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint pread(int fd, void* buffer, nuint count, long offset);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int eventfd(uint initialValue, int flags);

    public static int Errno => Marshal.GetLastPInvokeError();

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    public static IOException Fail(string what)
    {
        int errno = Errno;
        return new IOException($"{what} failed: {Describe(errno)} (errno {errno}).", errno);
    }

    public static ushort HostToNetwork(ushort value) => BitConverter.IsLittleEndian ? (ushort)((value >> 8) | (value << 8)) : value;

    public static void SetInt(int fd, int level, int name, int value, string what)
    {
        if (setsockopt(fd, level, name, &value, sizeof(int)) < 0)
        {
            throw Fail(what);
        }
    }

    /// <summary>Waits for <paramref name="fd"/> to have <paramref name="events"/>, or for the wake event fd. True when fd is ready.</summary>
    public static bool Wait(int fd, short events, int wakeFd, int timeoutMilliseconds)
    {
        PollFd* fds = stackalloc PollFd[2];
        fds[0] = new PollFd { Fd = fd, Events = events };
        fds[1] = new PollFd { Fd = wakeFd, Events = POLLIN };
        int result = poll(fds, 2, timeoutMilliseconds);
        return result > 0 && fds[0].ReturnedEvents != 0 && fds[1].ReturnedEvents == 0;
    }

    public static void Signal(int eventFd)
    {
        ulong one = 1;
        _ = write(eventFd, &one, sizeof(ulong));
    }
}
