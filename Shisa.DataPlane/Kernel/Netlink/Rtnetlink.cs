using System.Net;

namespace Shisa.DataPlane.Kernel.Netlink;

/// <summary>
/// NETLINK_ROUTE messages (rtnetlink(7); linux/rtnetlink.h, linux/fib_rules.h, linux/if_addr.h,
/// linux/neighbour.h, linux/if_link.h): the requests <see cref="NetlinkKernel"/> sends and the replies it reads.
/// Family headers, all in host byte order:
/// <code>
/// rtmsg        (12): u8 family | u8 dst_len | u8 src_len | u8 tos | u8 table | u8 protocol | u8 scope | u8 type | u32 flags
/// fib_rule_hdr (12): u8 family | u8 dst_len | u8 src_len | u8 tos | u8 table | u8 res1 | u8 res2 | u8 action | u32 flags
/// ifaddrmsg     (8): u8 family | u8 prefixlen | u8 flags | u8 scope | u32 index
/// ndmsg        (12): u8 family | u8 pad1 | u16 pad2 | s32 ifindex | u16 state | u8 flags | u8 type
/// ifinfomsg    (16): u8 family | u8 pad | u16 type | s32 index | u32 flags | u32 change
/// </code>
/// </summary>
public static class Rtnetlink
{
    // Message types (linux/rtnetlink.h).
    public const ushort NewLink = 16;
    public const ushort DelLink = 17;
    public const ushort GetLink = 18;
    public const ushort NewAddress = 20;
    public const ushort DelAddress = 21;
    public const ushort GetAddress = 22;
    public const ushort NewRoute = 24;
    public const ushort DelRoute = 25;
    public const ushort GetRoute = 26;
    public const ushort NewRule = 32;
    public const ushort DelRule = 33;
    public const ushort GetRule = 34;

    public const byte FamilyInet6 = 10; // AF_INET6

    public const int RouteHeaderLength = 12;   // sizeof(struct rtmsg)
    public const int RuleHeaderLength = 12;    // sizeof(struct fib_rule_hdr)
    public const int AddressHeaderLength = 8;  // sizeof(struct ifaddrmsg)
    public const int LinkHeaderLength = 16;    // sizeof(struct ifinfomsg)

    // enum rtattr_type_t.
    public const ushort RouteDestination = 1;  // RTA_DST
    public const ushort RouteOutputInterface = 4; // RTA_OIF
    public const ushort RouteGateway = 5;      // RTA_GATEWAY
    public const ushort RoutePriority = 6;     // RTA_PRIORITY: the metric
    public const ushort RouteCacheInfo = 12;   // RTA_CACHEINFO: struct rta_cacheinfo
    public const ushort RouteTable = 15;       // RTA_TABLE: u32, any table id
    public const ushort RouteExpires = 23;     // RTA_EXPIRES

    /// <summary>Offset of rta_expires (s32) in struct rta_cacheinfo (clntref, lastuse, expires, ...).</summary>
    public const int CacheInfoExpiresOffset = 8;

    public const byte ProtocolRouterAdvertisement = 9; // RTPROT_RA
    public const byte ScopeUniverse = 0;              // RT_SCOPE_UNIVERSE: global
    public const byte RouteTypeUnicast = 1;           // RTN_UNICAST
    public const byte TableUnspecified = 0;           // RT_TABLE_UNSPEC: the id is in RTA_TABLE

    // Policy rules (linux/fib_rules.h).
    public const ushort RuleSource = 2;    // FRA_SRC
    public const ushort RuleInputInterface = 3; // FRA_IIFNAME
    public const ushort RulePriority = 6;  // FRA_PRIORITY
    public const ushort RuleFirewallMark = 10; // FRA_FWMARK
    public const ushort RuleTable = 15;    // FRA_TABLE
    public const ushort RuleProtocol = 21; // FRA_PROTOCOL
    public const uint RuleFlagInvert = 0x2; // FIB_RULE_INVERT
    public const byte RuleActionToTable = 1; // FR_ACT_TO_TBL

    // Addresses (linux/if_addr.h).
    public const ushort AddressAddress = 1; // IFA_ADDRESS
    public const ushort AddressLocal = 2;   // IFA_LOCAL
    public const ushort AddressFlags = 8;   // IFA_FLAGS: all 32 flag bits; ifa_flags holds the low 8
    public const ushort AddressCacheInfo = 6; // IFA_CACHEINFO: struct ifa_cacheinfo
    public const int AddressCacheInfoLength = 16;
    public const uint AddressFlagNoDad = 0x02;      // IFA_F_NODAD
    public const uint AddressFlagPermanent = 0x80;  // IFA_F_PERMANENT: configured, not autoconfigured

    // Neighbours (linux/neighbour.h).

    // Links (linux/if_link.h).
    public const ushort LinkName = 3; // IFLA_IFNAME

    /// <summary>An RTM_NEWROUTE / RTM_DELROUTE for <paramref name="route"/> (RTA_DST, RTA_TABLE, RTA_OIF, RTA_PRIORITY, RTA_GATEWAY).</summary>
    public static bool TryWriteRoute(Span<byte> buffer, ushort type, ushort flags, uint sequence, in RouteEntry route, out int bytesWritten)
    {
        var writer = new NetlinkWriter(buffer);
        int start = writer.BeginMessage(type, flags, sequence);
        var header = writer.WriteHeader(RouteHeaderLength);
        if (!header.IsEmpty)
        {
            header[0] = FamilyInet6;
            header[1] = (byte)route.Destination.PrefixLength;
            header[4] = route.Table is > 0 and < 256 ? (byte)route.Table : TableUnspecified;
            header[5] = route.Protocol;
            header[6] = ScopeUniverse;
            header[7] = RouteTypeUnicast;
        }

        writer.WriteAttributeAddress(RouteDestination, route.Destination.BaseAddress);
        writer.WriteAttributeUInt32(RouteTable, (uint)route.Table);
        writer.WriteAttributeUInt32(RouteOutputInterface, (uint)route.InterfaceIndex);
        writer.WriteAttributeUInt32(RoutePriority, (uint)route.Metric);
        if (route.Gateway is { } gateway)
        {
            writer.WriteAttributeAddress(RouteGateway, gateway);
        }

        writer.EndMessage(start);
        return writer.TryGetWritten(out bytesWritten);
    }

    /// <summary>An RTM_NEWRULE / RTM_DELRULE (AF_INET6, FR_ACT_TO_TBL) for <paramref name="rule"/>, tagged with <paramref name="protocol"/>.</summary>
    public static bool TryWriteRule(Span<byte> buffer, ushort type, ushort flags, uint sequence, KernelRule rule, byte protocol, out int bytesWritten)
    {
        var writer = new NetlinkWriter(buffer);
        int start = writer.BeginMessage(type, flags, sequence);
        var header = writer.WriteHeader(RuleHeaderLength);
        if (!header.IsEmpty)
        {
            header[0] = FamilyInet6;
            header[2] = (byte)(rule.From?.PrefixLength ?? 0);
            header[4] = rule.Table is > 0 and < 256 ? (byte)rule.Table : TableUnspecified;
            header[7] = RuleActionToTable;
            NetlinkWriter.WriteHost32(header[8..], rule.NotMark is null ? 0 : RuleFlagInvert);
        }

        writer.WriteAttributeUInt32(RulePriority, (uint)rule.Priority);
        writer.WriteAttributeUInt32(RuleTable, (uint)rule.Table);
        if (rule.From is { PrefixLength: > 0 } from)
        {
            writer.WriteAttributeAddress(RuleSource, from.BaseAddress);
        }

        if (rule.NotMark is { } mark)
        {
            writer.WriteAttributeUInt32(RuleFirewallMark, (uint)mark);
        }

        if (rule.InputInterface is { } input)
        {
            writer.WriteAttributeString(RuleInputInterface, input);
        }

        writer.WriteAttributeUInt8(RuleProtocol, protocol);
        writer.EndMessage(start);
        return writer.TryGetWritten(out bytesWritten);
    }

    /// <summary>
    /// An RTM_NEWADDR / RTM_DELADDR of a global IPv6 address; NEW carries IFA_F_NODAD, and with
    /// <paramref name="lifetimes"/> an IFA_CACHEINFO: finite lifetimes make the address dynamic, as SLAAC's are
    /// (the kernel sets IFA_F_PERMANENT only on an address without them, and expires it when they run out).
    /// </summary>
    public static bool TryWriteAddress(Span<byte> buffer, ushort type, ushort flags, uint sequence, IPAddress address, int prefixLength, int interfaceIndex, out int bytesWritten,
        (TimeSpan Valid, TimeSpan Preferred)? lifetimes = null)
    {
        var writer = new NetlinkWriter(buffer);
        int start = writer.BeginMessage(type, flags, sequence);
        var header = writer.WriteHeader(AddressHeaderLength);
        uint addressFlags = type == NewAddress ? AddressFlagNoDad : 0;
        if (!header.IsEmpty)
        {
            header[0] = FamilyInet6;
            header[1] = (byte)prefixLength;
            header[2] = (byte)addressFlags;
            header[3] = ScopeUniverse;
            NetlinkWriter.WriteHost32(header[4..], (uint)interfaceIndex);
        }

        writer.WriteAttributeAddress(AddressLocal, address);
        writer.WriteAttributeAddress(AddressAddress, address);
        if (type == NewAddress)
        {
            writer.WriteAttributeUInt32(AddressFlags, addressFlags);
        }

        if (lifetimes is { } l)
        {
            // struct ifa_cacheinfo { __u32 ifa_prefered; __u32 ifa_valid; __u32 cstamp; __u32 tstamp; } (host order)
            Span<byte> cacheInfo = stackalloc byte[AddressCacheInfoLength];
            cacheInfo.Clear();
            NetlinkWriter.WriteHost32(cacheInfo, Seconds(l.Preferred));
            NetlinkWriter.WriteHost32(cacheInfo[4..], Seconds(l.Valid));
            writer.WriteAttribute(AddressCacheInfo, cacheInfo);
        }

        writer.EndMessage(start);
        return writer.TryGetWritten(out bytesWritten);
    }

    // Whole seconds, below the kernel's "forever" (INFINITY_LIFE_TIME, 0xFFFFFFFF).
    private static uint Seconds(TimeSpan t) => t <= TimeSpan.Zero ? 0 : t.TotalSeconds >= uint.MaxValue - 1 ? uint.MaxValue - 1 : (uint)t.TotalSeconds;

    /// <summary>An RTM_GETLINK for one interface by name (IFLA_IFNAME): the reply is its RTM_NEWLINK, or ENODEV.</summary>
    public static bool TryWriteGetLink(Span<byte> buffer, uint sequence, string name, out int bytesWritten)
    {
        var writer = new NetlinkWriter(buffer);
        int start = writer.BeginMessage(GetLink, NetlinkMessage.FlagRequest | NetlinkMessage.FlagAck, sequence);
        _ = writer.WriteHeader(LinkHeaderLength);
        writer.WriteAttributeString(LinkName, name);
        writer.EndMessage(start);
        return writer.TryGetWritten(out bytesWritten);
    }

    /// <summary>
    /// A dump request (NLM_F_DUMP) of <paramref name="type"/> (GETLINK, GETADDR, GETROUTE, GETRULE) with a family
    /// header of the right size whose family is <paramref name="family"/>.
    /// </summary>
    public static bool TryWriteDump(Span<byte> buffer, ushort type, byte family, uint sequence, out int bytesWritten)
    {
        int headerLength = type switch
        {
            GetLink => LinkHeaderLength,
            GetAddress => AddressHeaderLength,
            GetRule => RuleHeaderLength,
            _ => RouteHeaderLength,
        };
        var writer = new NetlinkWriter(buffer);
        int start = writer.BeginMessage(type, NetlinkMessage.FlagRequest | NetlinkMessage.FlagDump, sequence);
        var header = writer.WriteHeader(headerLength);
        if (!header.IsEmpty)
        {
            header[0] = family;
        }

        writer.EndMessage(start);
        return writer.TryGetWritten(out bytesWritten);
    }

    /// <summary>An IPv6 route of an RTM_NEWROUTE (a dump's entry); false for other families or a short header.</summary>
    public static bool TryReadRoute(ReadOnlySpan<byte> payload, out RouteEntry route)
    {
        route = default;
        if (payload.Length < RouteHeaderLength || payload[0] != FamilyInet6)
        {
            return false;
        }

        int prefixLength = payload[1];
        int table = payload[4];
        byte protocol = payload[5];
        IPAddress destination = IPAddress.IPv6Any;
        IPAddress? gateway = null;
        int interfaceIndex = 0;
        int metric = 0;
        bool expires = false;
        var attributes = new NetlinkAttributeReader(payload[RouteHeaderLength..]);
        while (attributes.TryReadNext(out ushort type, out var data))
        {
            switch (type)
            {
                case RouteDestination when data.Length == 16:
                    destination = new IPAddress(data);
                    break;
                case RouteGateway when data.Length == 16:
                    gateway = new IPAddress(data);
                    break;
                case RouteOutputInterface when NetlinkAttributeReader.TryReadUInt32(data, out uint index):
                    interfaceIndex = (int)index;
                    break;
                case RoutePriority when NetlinkAttributeReader.TryReadUInt32(data, out uint priority):
                    metric = (int)priority;
                    break;
                case RouteTable when NetlinkAttributeReader.TryReadUInt32(data, out uint id):
                    table = (int)id;
                    break;
                case RouteExpires:
                    expires = true;
                    break;
                case RouteCacheInfo when data.Length >= CacheInfoExpiresOffset + 4:
                    expires |= NetlinkMessageView.HostUInt32(data[CacheInfoExpiresOffset..]) != 0;
                    break;
            }
        }

        if (prefixLength > 128)
        {
            return false;
        }

        route = new RouteEntry(new IPNetwork(destination, prefixLength), interfaceIndex, table, metric, gateway, protocol, expires);
        return true;
    }

    /// <summary>An IPv6 policy rule of an RTM_NEWRULE and its FRA_PROTOCOL (0 when absent).</summary>
    public static bool TryReadRule(ReadOnlySpan<byte> payload, out KernelRule rule, out byte protocol)
    {
        rule = default;
        protocol = 0;
        if (payload.Length < RuleHeaderLength || payload[0] != FamilyInet6)
        {
            return false;
        }

        int sourceLength = payload[2];
        int table = payload[4];
        bool invert = (NetlinkMessageView.HostUInt32(payload[8..]) & RuleFlagInvert) != 0;
        IPAddress? source = null;
        int priority = 0;
        int? mark = null;
        string? input = null;
        var attributes = new NetlinkAttributeReader(payload[RuleHeaderLength..]);
        while (attributes.TryReadNext(out ushort type, out var data))
        {
            switch (type)
            {
                case RuleSource when data.Length == 16:
                    source = new IPAddress(data);
                    break;
                case RulePriority when NetlinkAttributeReader.TryReadUInt32(data, out uint value):
                    priority = (int)value;
                    break;
                case RuleTable when NetlinkAttributeReader.TryReadUInt32(data, out uint value):
                    table = (int)value;
                    break;
                case RuleFirewallMark when NetlinkAttributeReader.TryReadUInt32(data, out uint value):
                    mark = (int)value;
                    break;
                case RuleInputInterface when data.Length > 0:
                    int end = data.IndexOf((byte)0);
                    input = System.Text.Encoding.UTF8.GetString(end < 0 ? data : data[..end]);
                    break;
                case RuleProtocol when data.Length >= 1:
                    protocol = data[0];
                    break;
            }
        }

        if (sourceLength > 128)
        {
            return false;
        }

        IPNetwork? from = source is not null ? new IPNetwork(source, sourceLength)
            : invert && mark is not null ? null
            : new IPNetwork(IPAddress.IPv6Any, 0);
        rule = new KernelRule(from, table, priority, invert ? mark : null, input);
        return true;
    }

    /// <summary>An IPv6 address of an RTM_NEWADDR / RTM_DELADDR (IFA_LOCAL, else IFA_ADDRESS; flags from IFA_FLAGS).</summary>
    public static bool TryReadAddress(ReadOnlySpan<byte> payload, out AddressEntry address)
    {
        address = default;
        if (payload.Length < AddressHeaderLength || payload[0] != FamilyInet6)
        {
            return false;
        }

        uint flags = payload[2];
        IPAddress? ip = null;
        IPAddress? local = null;
        var attributes = new NetlinkAttributeReader(payload[AddressHeaderLength..]);
        while (attributes.TryReadNext(out ushort type, out var data))
        {
            switch (type)
            {
                case AddressAddress when data.Length == 16:
                    ip = new IPAddress(data);
                    break;
                case AddressLocal when data.Length == 16:
                    local = new IPAddress(data);
                    break;
                case AddressFlags when NetlinkAttributeReader.TryReadUInt32(data, out uint all):
                    flags = all;
                    break;
            }
        }

        if ((local ?? ip) is not { } found)
        {
            return false;
        }

        address = new AddressEntry(found, payload[1], (int)NetlinkMessageView.HostUInt32(payload[4..]), flags, payload[3]);
        return true;
    }

    /// <summary>A link of an RTM_NEWLINK / RTM_DELLINK: index, name (IFLA_IFNAME) and flags (IFF_*).</summary>
    public static bool TryReadLink(ReadOnlySpan<byte> payload, out LinkEntry link)
    {
        link = default;
        if (payload.Length < LinkHeaderLength)
        {
            return false;
        }

        string name = string.Empty;
        var attributes = new NetlinkAttributeReader(payload[LinkHeaderLength..]);
        while (attributes.TryReadNext(out ushort type, out var data))
        {
            if (type == LinkName)
            {
                name = NetlinkAttributeReader.ReadString(data);
            }
        }

        link = new LinkEntry((int)NetlinkMessageView.HostUInt32(payload[4..]), name, NetlinkMessageView.HostUInt32(payload[8..]));
        return true;
    }
}

/// <summary>An IPv6 route as rtnetlink carries it: by interface index, with its protocol and whether it expires.</summary>
public readonly record struct RouteEntry(IPNetwork Destination, int InterfaceIndex, int Table, int Metric, IPAddress? Gateway, byte Protocol, bool Expires = false);

/// <summary>An address as rtnetlink carries it: IFA_F_* flags (all 32 bits) and scope (RT_SCOPE_*).</summary>
public readonly record struct AddressEntry(IPAddress Address, int PrefixLength, int InterfaceIndex, uint Flags, byte Scope);

/// <summary>A link as rtnetlink carries it: IFF_* flags.</summary>
public readonly record struct LinkEntry(int Index, string Name, uint Flags);
