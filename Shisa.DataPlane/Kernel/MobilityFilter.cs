using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Shisa.DataPlane.Kernel;

/// <summary>
/// What the kernel must leave alone because the appliance handles it itself (DESIGN 5). Without
/// CONFIG_IPV6_MIP6 the kernel answers a Mobility Header or IPv6-in-IPv6 packet addressed to it with ICMPv6
/// Parameter Problem code 1, a Home Address option with code 2, a type 2 routing header with code 0; and a
/// packet the appliance intercepts with AF_PACKET would also be forwarded. The rules drop those packets in the
/// kernel (after AF_PACKET taps have seen them) and drop the kernel's Parameter Problem answers about them.
/// </summary>
public sealed class MobilityFilter
{
    /// <summary>
    /// The firewall mark (SO_MARK) of the appliance's own signalling socket: its ICMPv6 Parameter Problems (a home
    /// agent's answer to a malformed Mobility Header, RFC 6275 9.2) are not the kernel's and must go out.
    /// </summary>
    public const int SignallingMark = 0x5348;

    /// <summary>Drop Mobility Header (135) packets addressed to this node.</summary>
    public bool DropMobilityHeader { get; init; } = true;

    /// <summary>Drop IPv6-in-IPv6 (41) packets addressed to this node (the appliance decapsulates them).</summary>
    public bool DropTunnelled { get; init; } = true;

    /// <summary>Drop packets addressed to this node whose Destination Options header carries a Home Address option.</summary>
    public bool DropHomeAddressOption { get; init; } = true;

    /// <summary>Drop packets addressed to this node with a type 2 routing header.</summary>
    public bool DropType2RoutingHeader { get; init; } = true;

    /// <summary>Drop the kernel's own ICMPv6 Parameter Problem about MH, 41, Destination Options and Routing headers.</summary>
    public bool SuppressParameterProblems { get; init; } = true;

    /// <summary>
    /// Destinations the appliance intercepts with AF_PACKET and forwards itself (e.g. home addresses of
    /// registered mobile nodes): the kernel must not forward them too. Kept in the set
    /// <c>intercepted</c>; change it through <see cref="KernelCooperation"/>.
    /// </summary>
    public IReadOnlyList<IPNetwork> InterceptedDestinations { get; init; } = [];

    /// <summary>The nftables script that creates (or replaces, whole and atomically) table <c>ip6 TABLE</c>.</summary>
    public string ToNftScript(string tableName)
    {
        KernelCooperation.CheckName(tableName, nameof(tableName));
        var script = new StringBuilder();

        // "add, delete, define" in one transaction: replaces a table left by a crash, and works when none exists.
        script.Append(CultureInfo.InvariantCulture, $"table ip6 {tableName}\n");
        script.Append(CultureInfo.InvariantCulture, $"delete table ip6 {tableName}\n");
        script.Append(CultureInfo.InvariantCulture, $"table ip6 {tableName} {{\n");
        script.Append("  set intercepted {\n    type ipv6_addr\n    flags interval\n");
        if (InterceptedDestinations.Count > 0)
        {
            script.Append("    elements = { ");
            script.AppendJoin(", ", InterceptedDestinations.Select(Format));
            script.Append(" }\n");
        }

        script.Append("  }\n");

        script.Append("  chain input {\n    type filter hook input priority filter - 10; policy accept;\n");
        if (DropMobilityHeader)
        {
            script.Append("    meta l4proto 135 counter drop comment \"Mobility Header: handled by shisa\"\n");
        }

        if (DropTunnelled)
        {
            script.Append("    meta l4proto 41 counter drop comment \"IPv6-in-IPv6 to this node: decapsulated by shisa\"\n");
        }

        if (DropHomeAddressOption)
        {
            // The Home Address option (type 0xC9) comes first in the Destination Options header that follows
            // the IPv6 header, either at once or after the PadN (01 02 00 00) that aligns it to 8n+6.
            script.Append("    ip6 nexthdr 60 @nh,336,8 0xc9 counter drop comment \"Home Address option: handled by shisa\"\n");
            script.Append("    ip6 nexthdr 60 @nh,336,8 0x01 @nh,368,8 0xc9 counter drop comment \"Home Address option after PadN\"\n");
        }

        if (DropType2RoutingHeader)
        {
            script.Append("    rt type 2 counter drop comment \"type 2 routing header: handled by shisa\"\n");
        }

        script.Append("  }\n");

        script.Append("  chain output {\n    type filter hook output priority filter - 10; policy accept;\n");
        if (SuppressParameterProblems)
        {
            // The invoking packet's next header sits 8 + 6 octets into the ICMPv6 message.
            script.Append(CultureInfo.InvariantCulture, $"    meta mark != 0x{SignallingMark:x} icmpv6 type parameter-problem @th,112,8 {{ 41, 43, 60, 135 }} counter drop comment \"no kernel errors about what shisa handles\"\n");
        }

        script.Append("  }\n");

        script.Append("  chain forward {\n    type filter hook forward priority filter - 10; policy accept;\n");
        script.Append("    ip6 daddr @intercepted counter drop comment \"forwarded by shisa\"\n");
        script.Append("  }\n");
        script.Append("}\n");
        return script.ToString();
    }

    internal static string Format(IPNetwork network)
    {
        if (network.BaseAddress.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException($"{network} is not an IPv6 prefix.", nameof(network));
        }

        return network.PrefixLength == 128 ? network.BaseAddress.ToString() : network.ToString();
    }
}
