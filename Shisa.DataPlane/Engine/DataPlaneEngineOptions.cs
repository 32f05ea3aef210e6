using System.Net;
using Shisa.DataPlane.Bus;

namespace Shisa.DataPlane.Engine;

/// <summary>What an interface is attached to (the data plane's twin of the profile's link kinds).</summary>
public enum EngineLinkKind
{
    Home,
    Foreign,
    MobileNetwork,
    Backbone,
}

/// <summary>One interface the engine works on.</summary>
public sealed record EngineInterface(string Name, EngineLinkKind Link);

/// <summary>
/// How a <see cref="DataPlaneEngine"/> runs: which node types it forwards for, on which interfaces, and the
/// home agent's or mobile node's addresses. Immutable; the appliance maps its profile onto it.
/// </summary>
public sealed record DataPlaneEngineOptions
{
    /// <summary>The node types (SHISA's MIP6_NODETYPE_*): which tables and paths are active.</summary>
    public NodeType NodeTypes { get; init; }

    /// <summary>The interfaces; an AF_PACKET port is opened on every one but mobile network links.</summary>
    public EquatableArray<EngineInterface> Interfaces { get; init; }

    /// <summary>Home agent: its address (the outer source of the tunnels it starts, unless a binding names another).</summary>
    public IPAddress? HomeAgentAddress { get; init; }

    /// <summary>Home agent: the home prefix (its DHAAD anycast address is taken as local).</summary>
    public Prefix? HomePrefix { get; init; }

    /// <summary>Home agent: the home link's interface (proxy ND, unsolicited advertisements); the first Home link when null.</summary>
    public string? HomeInterface { get; init; }

    /// <summary>Mobile node: its home address.</summary>
    public IPAddress? HomeAddress { get; init; }

    /// <summary>Mobile node: egress interfaces, in order of preference (ports are opened on them too).</summary>
    public EquatableArray<string> EgressInterfaces { get; init; }

    /// <summary>Home agent: its IPv4 address, where RFC 5555's UDP tunnel listens (port 4191); null: none.</summary>
    public IPAddress? Ipv4Address { get; init; }

    /// <summary>Mobile node: the home agent's IPv4 address, where an IPv4 care-of address's UDP tunnel goes; null: none.</summary>
    public IPAddress? HomeAgentIpv4 { get; init; }

    /// <summary>The TUN device's name (a pattern such as "shisa%d" works too).</summary>
    public string TunnelName { get; init; } = "shisa0";

    /// <summary>The nftables table (<c>ip6 NAME</c>) the engine owns.</summary>
    public string NftTableName { get; init; } = "shisa";

    /// <summary>Bound of each binding table (RFC 6275 gives none; a flood must not grow it).</summary>
    public int MaxBindings { get; init; } = 4096;

    /// <summary>Mobile node: the routing table that holds the default route into the TUN.</summary>
    public int PolicyTable { get; init; } = 1910;

    /// <summary>Mobile node: the priority of the <c>from HoA lookup TABLE</c> rules.</summary>
    public int PolicyPriority { get; init; } = 1000;

    /// <summary>
    /// Mobile node: the routing table of the first egress interface; the others follow (<c>UplinkTableBase + i</c>),
    /// each holding that uplink's default routes for the packets sent from its care-of address.
    /// </summary>
    public int UplinkTableBase { get; init; } = 1920;

    /// <summary>Mobile node: the priority of the <c>from CoA lookup UPLINK-TABLE</c> rules.</summary>
    public int UplinkPriority { get; init; } = 1002;

    /// <summary>Correspondent: the routing table holding the routes of bound home addresses into the TUN.</summary>
    public int CorrespondentTable { get; init; } = 1911;

    /// <summary>Correspondent: the priority of the <c>not fwmark MARK lookup TABLE</c> rule.</summary>
    public int CorrespondentPriority { get; init; } = 1001;

    /// <summary>
    /// Correspondent: the mark (SO_MARK) on the appliance's own packets, which bypass the correspondent table: the
    /// Home Test must reach the home address through the home agent, not the TUN (RFC 6275 5.2.5).
    /// </summary>
    public int OwnPacketMark { get; init; } = Kernel.MobilityFilter.SignallingMark;

    /// <summary>The network namespace to open sockets and the TUN in (tests, <c>shisa demo</c>); null: the process's own.</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>RetransTimer between DAD probes (RFC 4861 10).</summary>
    public TimeSpan DadRetransTimer { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>DupAddrDetectTransmits (RFC 4862 5.1).</summary>
    public int DadTransmits { get; init; } = 1;

    /// <summary>How often the interfaces' addresses are read again (they decide what is addressed to this node).</summary>
    public TimeSpan AddressRefreshInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the forwarding-state writer reads back the kernel's tagged state and repairs it.</summary>
    public TimeSpan ReconcileInterval { get; init; } = TimeSpan.FromSeconds(30);

    public bool IsHomeAgent => (NodeTypes & NodeType.HomeAgent) != 0;

    public bool IsMobileNode => (NodeTypes & (NodeType.MobileNode | NodeType.MobileRouter)) != 0;

    public bool IsCorrespondent => (NodeTypes & NodeType.CorrespondentNode) != 0;

    /// <summary>A correspondent needs the TUN too: route-optimized packets to home addresses are read from it.</summary>
    public bool NeedsTunnel => IsHomeAgent || IsMobileNode || IsCorrespondent;

    /// <summary>The home link's interface of a home agent.</summary>
    public string? ResolvedHomeInterface =>
        HomeInterface ?? Interfaces.FirstOrDefault(i => i.Link == EngineLinkKind.Home)?.Name;

    /// <summary>The interfaces that get a port: all but mobile network links, plus egress interfaces not listed.</summary>
    public IReadOnlyList<string> PortInterfaces()
    {
        List<string> names = [];
        foreach (var i in Interfaces)
        {
            if (i.Link != EngineLinkKind.MobileNetwork && !names.Contains(i.Name))
            {
                names.Add(i.Name);
            }
        }

        foreach (string name in EgressInterfaces)
        {
            if (!names.Contains(name))
            {
                names.Add(name);
            }
        }

        if (ResolvedHomeInterface is { } home && IsHomeAgent && !names.Contains(home))
        {
            names.Add(home);
        }

        return names;
    }

    /// <summary>Throws when the options contradict each other.</summary>
    public void Validate()
    {
        if (IsHomeAgent && HomeAgentAddress is null)
        {
            throw new ArgumentException("A home agent needs its address.");
        }

        if (IsHomeAgent && ResolvedHomeInterface is null)
        {
            throw new ArgumentException("A home agent needs its home link interface.");
        }

        if (PortInterfaces().Count == 0)
        {
            throw new ArgumentException("No interface to work on.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBindings, 1);
    }
}
