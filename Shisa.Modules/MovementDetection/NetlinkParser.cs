using Shisa.DataPlane.Kernel.Netlink;

namespace Shisa.Modules.MovementDetection;

/// <summary>What a NETLINK_ROUTE message said about links and addresses.</summary>
public abstract record NetlinkEvent;

public sealed record AddressAdded(InterfaceAddress Address) : NetlinkEvent;

public sealed record AddressRemoved(InterfaceAddress Address) : NetlinkEvent;

public sealed record LinkChanged(LinkState Link) : NetlinkEvent;

public sealed record LinkRemoved(int Index) : NetlinkEvent;

/// <summary>
/// Reads NETLINK_ROUTE messages (rtnetlink(7)): RTM_NEWADDR / RTM_DELADDR and RTM_NEWLINK / RTM_DELLINK, as the
/// movement detector's events. The wire format (nlmsghdr, ifaddrmsg, ifinfomsg, rtattr) is the data plane's one
/// netlink codec (<see cref="NetlinkMessageView"/>, <see cref="Rtnetlink"/>); every length is checked before use,
/// and a truncated or malformed message ends the batch.
/// </summary>
public static class NetlinkParser
{
    public const ushort NlmsgError = NetlinkMessage.Error;
    public const ushort NlmsgDone = NetlinkMessage.Done;
    public const ushort RtmNewLink = Rtnetlink.NewLink;
    public const ushort RtmDelLink = Rtnetlink.DelLink;
    public const ushort RtmNewAddr = Rtnetlink.NewAddress;
    public const ushort RtmDelAddr = Rtnetlink.DelAddress;

    public const int HeaderLength = NetlinkMessage.HeaderLength;
    public const int IfAddrMsgLength = Rtnetlink.AddressHeaderLength;
    public const int IfInfoMsgLength = Rtnetlink.LinkHeaderLength;

    private const uint IffUp = 0x1;
    private const uint IffRunning = 0x40;

    /// <summary>
    /// Appends the events of the messages in <paramref name="buffer"/> (one recv's worth) to <paramref name="events"/>.
    /// Returns false when the batch ends (NLMSG_DONE, NLMSG_ERROR) or a message is malformed.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, List<NetlinkEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        while (!buffer.IsEmpty)
        {
            if (!NetlinkMessageView.TryRead(buffer, out var message, out int consumed))
            {
                return buffer.Length < HeaderLength; // trailing padding is fine, a broken header is not
            }

            switch (message.Type)
            {
                case NlmsgDone or NlmsgError:
                    return false;
                case RtmNewAddr or RtmDelAddr:
                    if (TryReadAddress(message.Payload, out var address) && address is not null)
                    {
                        events.Add(message.Type == RtmNewAddr ? new AddressAdded(address) : new AddressRemoved(address));
                    }

                    break;
                case RtmNewLink or RtmDelLink:
                    if (TryReadLink(message.Payload, out var link) && link is not null)
                    {
                        events.Add(message.Type == RtmNewLink ? new LinkChanged(link) : new LinkRemoved(link.Index));
                    }

                    break;
            }

            buffer = buffer[consumed..];
        }

        return true;
    }

    /// <summary>An IPv6 address of an ifaddrmsg; other families are skipped (false).</summary>
    public static bool TryReadAddress(ReadOnlySpan<byte> payload, out InterfaceAddress? address)
    {
        address = null;
        if (!Rtnetlink.TryReadAddress(payload, out var entry))
        {
            return false;
        }

        address = new InterfaceAddress(entry.InterfaceIndex, entry.Address, entry.PrefixLength, (AddressFlags)entry.Flags, (AddressScope)entry.Scope);
        return true;
    }

    public static bool TryReadLink(ReadOnlySpan<byte> payload, out LinkState? link)
    {
        link = null;
        if (!Rtnetlink.TryReadLink(payload, out var entry))
        {
            return false;
        }

        link = new LinkState(entry.Index, entry.Name, (entry.Flags & IffUp) != 0 && (entry.Flags & IffRunning) != 0);
        return true;
    }
}
