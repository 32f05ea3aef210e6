using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace Shisa.Modules.MovementDetection;

/// <summary>What a NETLINK_ROUTE message said about links and addresses.</summary>
public abstract record NetlinkEvent;

public sealed record AddressAdded(InterfaceAddress Address) : NetlinkEvent;

public sealed record AddressRemoved(InterfaceAddress Address) : NetlinkEvent;

public sealed record LinkChanged(LinkState Link) : NetlinkEvent;

public sealed record LinkRemoved(int Index) : NetlinkEvent;

/// <summary>
/// Reads NETLINK_ROUTE messages (rtnetlink(7)): RTM_NEWADDR / RTM_DELADDR and RTM_NEWLINK / RTM_DELLINK. Netlink
/// is in host byte order. Every length is checked before use; a truncated or malformed message ends the batch.
/// <code>
/// nlmsghdr  (16): u32 nlmsg_len | u16 nlmsg_type | u16 nlmsg_flags | u32 nlmsg_seq | u32 nlmsg_pid
/// ifaddrmsg  (8): u8 family | u8 prefixlen | u8 flags | u8 scope | u32 index        then rtattrs
/// ifinfomsg (16): u8 family | u8 pad | u16 type | s32 index | u32 flags | u32 change  then rtattrs
/// rtattr     (4): u16 rta_len | u16 rta_type | data, each aligned to 4
/// </code>
/// </summary>
public static class NetlinkParser
{
    public const ushort NlmsgError = 2;
    public const ushort NlmsgDone = 3;
    public const ushort RtmNewLink = 16;
    public const ushort RtmDelLink = 17;
    public const ushort RtmNewAddr = 20;
    public const ushort RtmDelAddr = 21;

    public const int HeaderLength = 16;
    public const int IfAddrMsgLength = 8;
    public const int IfInfoMsgLength = 16;
    private const int RtAttrHeaderLength = 4;

    private const ushort IfaAddress = 1;
    private const ushort IfaLocal = 2;
    private const ushort IfaFlags = 8;
    private const ushort IflaIfname = 3;

    private const uint IffUp = 0x1;
    private const uint IffRunning = 0x40;

    private const byte AfInet6 = 10;

    /// <summary>
    /// Appends the events of the messages in <paramref name="buffer"/> (one recv's worth) to <paramref name="events"/>.
    /// Returns false when the batch ends (NLMSG_DONE, NLMSG_ERROR) or a message is malformed.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, List<NetlinkEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        while (buffer.Length >= HeaderLength)
        {
            uint length = Read32(buffer);
            ushort type = Read16(buffer[4..]);
            if (length < HeaderLength || length > buffer.Length)
            {
                return false;
            }

            var payload = buffer[HeaderLength..(int)length];
            switch (type)
            {
                case NlmsgDone or NlmsgError:
                    return false;
                case RtmNewAddr or RtmDelAddr:
                    if (TryReadAddress(payload, out var address) && address is not null)
                    {
                        events.Add(type == RtmNewAddr ? new AddressAdded(address) : new AddressRemoved(address));
                    }

                    break;
                case RtmNewLink or RtmDelLink:
                    if (TryReadLink(payload, out var link) && link is not null)
                    {
                        events.Add(type == RtmNewLink ? new LinkChanged(link) : new LinkRemoved(link.Index));
                    }

                    break;
            }

            int next = Align((int)length);
            if (next >= buffer.Length)
            {
                break;
            }

            buffer = buffer[next..];
        }

        return true;
    }

    /// <summary>An IPv6 address of an ifaddrmsg; other families are skipped (false).</summary>
    public static bool TryReadAddress(ReadOnlySpan<byte> payload, out InterfaceAddress? address)
    {
        address = null;
        if (payload.Length < IfAddrMsgLength || payload[0] != AfInet6)
        {
            return false;
        }

        byte prefixLength = payload[1];
        uint flags = payload[2];
        var scope = (AddressScope)payload[3];
        int index = (int)Read32(payload[4..]);
        IPAddress? ip = null;
        IPAddress? local = null;
        foreach (var (type, data) in Attributes(payload[IfAddrMsgLength..]))
        {
            switch (type)
            {
                case IfaAddress when data.Length == 16:
                    ip = new IPAddress(data);
                    break;
                case IfaLocal when data.Length == 16:
                    local = new IPAddress(data);
                    break;
                case IfaFlags when data.Length >= 4:
                    flags = Read32(data); // the full 32-bit flags; ifa_flags holds only the low 8
                    break;
            }
        }

        if ((local ?? ip) is not { } found)
        {
            return false;
        }

        address = new InterfaceAddress(index, found, prefixLength, (AddressFlags)flags, scope);
        return true;
    }

    public static bool TryReadLink(ReadOnlySpan<byte> payload, out LinkState? link)
    {
        link = null;
        if (payload.Length < IfInfoMsgLength)
        {
            return false;
        }

        int index = (int)Read32(payload[4..]);
        uint flags = Read32(payload[8..]);
        string name = string.Empty;
        foreach (var (type, data) in Attributes(payload[IfInfoMsgLength..]))
        {
            if (type == IflaIfname)
            {
                int end = data.IndexOf((byte)0);
                name = Encoding.UTF8.GetString(end >= 0 ? data[..end] : data);
            }
        }

        link = new LinkState(index, name, (flags & IffUp) != 0 && (flags & IffRunning) != 0);
        return true;
    }

    private static List<(ushort Type, byte[] Data)> Attributes(ReadOnlySpan<byte> attributes)
    {
        var list = new List<(ushort, byte[])>();
        while (attributes.Length >= RtAttrHeaderLength)
        {
            ushort length = Read16(attributes);
            ushort type = Read16(attributes[2..]);
            if (length < RtAttrHeaderLength || length > attributes.Length)
            {
                break;
            }

            list.Add((type, attributes[RtAttrHeaderLength..length].ToArray()));
            int next = Align(length);
            if (next >= attributes.Length)
            {
                break;
            }

            attributes = attributes[next..];
        }

        return list;
    }

    private static int Align(int length) => (length + 3) & ~3;

    // Netlink is in host byte order.
    private static uint Read32(ReadOnlySpan<byte> bytes) => MemoryMarshal.Read<uint>(bytes);

    private static ushort Read16(ReadOnlySpan<byte> bytes) => MemoryMarshal.Read<ushort>(bytes);
}
