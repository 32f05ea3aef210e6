using System.Net;
using Shisa.DataPlane.Bus;

namespace Shisa.Modules.Configuration;

// A role profile (DESIGN 7) as immutable records. Loading and validation live in Shisa.Appliance.Profiles;
// modules only ever see these validated records. Sections a profile does not contain are null.

/// <summary>The roles a profile may name; the node type is the set of roles, as SHISA's set of daemons.</summary>
public enum Role
{
    MobileNode,
    MobileRouter,
    HomeAgent,
    CorrespondentNode,
    MovementDetector,
}

public enum LinkKind
{
    Home,
    Foreign,
    MobileNetwork,
    Backbone,
}

public enum MobileRouterMode
{
    Explicit,
    Implicit,
}

/// <summary>What the movement detector uses; a profile lists any of them (all by default).</summary>
public enum MovementDetectionMethod
{
    /// <summary>Carrier loss means the node left the link (netlink link events).</summary>
    Link,

    /// <summary>Router Solicitation at once on link-up; each router tracked from its Router Advertisements and lost when
    /// its advertised interval passes without one (RFC 6275 7.3, 11.5.1).</summary>
    Ra,

    /// <summary>Unicast Neighbor Solicitations probe the default router when its advertisements stop or the link
    /// flaps; movement once they fail (RFC 4861 7.3, UMIP's MnRouterProbes).</summary>
    Nud,

    /// <summary>Simple DNA (RFC 6059): on link-up, unicast NS to the routers seen before; an answer confirms the link.</summary>
    Dna,
}

public sealed record Profile(
    NodeSection Node,
    StatusSection Status,
    EquatableArray<InterfaceSection> Interfaces,
    HomeAgentSection? HomeAgent,
    MobileNodeSection? MobileNode,
    MobileRouterSection? MobileRouter,
    CorrespondentSection? Correspondent,
    MovementDetectorSection? MovementDetector,
    PluginsSection? Plugins)
{
    /// <summary>The mobility bus on a Unix socket for out-of-process modules; null when not offered.</summary>
    public BusSection? Bus { get; init; }

    /// <summary>Log levels, overall and per category; <see cref="LogSection.Default"/> when the profile has no [log].</summary>
    public LogSection Log { get; init; } = LogSection.Default;

    /// <summary>The control socket (<c>shisa ctl</c>, docs/control.md); null when not offered.</summary>
    public ControlSection? Control { get; init; }
}

public sealed record NodeSection(string Name, EquatableArray<Role> Roles)
{
    /// <summary>Where a run keeps what outlives it (DESIGN 5): the binding journal and the instance lock.</summary>
    public const string DefaultStateDirectory = "/var/lib/shisa";

    /// <summary><c>state_directory</c>: an absolute path, <see cref="DefaultStateDirectory"/> when absent.</summary>
    public string StateDirectory { get; init; } = DefaultStateDirectory;
}

/// <summary>Listen address of the status page and API; null when disabled (empty string in the profile).</summary>
public sealed record StatusSection(IPEndPoint? Listen);

public sealed record InterfaceSection(string Name, LinkKind Link);

public sealed record HomeAgentSection(
    IPAddress Address,
    Prefix Prefix,
    int MaxBindings,
    TimeSpan MaxLifetime,
    EquatableArray<AuthorizedMobileNode> MobileNodes)
{
    /// <summary><c>multiple_care_of</c> (default true): RFC 5648 registrations accepted; false refuses a Binding Update
    /// with a Binding Identifier option with 166 (MCOA PROHIBITED).</summary>
    public bool MultipleCareOf { get; init; } = true;

    /// <summary>RFC 5555 6 NATKATIMEOUT: the NAT keepalive interval suggested when the profile names none.</summary>
    public static readonly TimeSpan DefaultNatKeepaliveInterval = TimeSpan.FromSeconds(110);

    /// <summary>The home agent's IPv4 address (RFC 5555): where mobile nodes with an IPv4 care-of address register; null: IPv6 only.</summary>
    public IPAddress? Ipv4Address { get; init; }

    /// <summary>The Refresh Time of the NAT Detection option (RFC 5555 3.2.2, 4.3): how often a mobile node behind a NAT refreshes it.</summary>
    public TimeSpan NatKeepaliveInterval { get; init; } = DefaultNatKeepaliveInterval;
}

/// <summary>One entry of the home agent's deny-by-default list: who may register, and which prefixes.</summary>
public sealed record AuthorizedMobileNode(
    IPAddress HomeAddress,
    EquatableArray<Prefix> Prefixes,
    uint? Spi,
    EquatableArray<byte> Key);

/// <summary><c>home_agent = "discover"</c> gives a null <see cref="HomeAgent"/>: find it with DHAAD.</summary>
public sealed record MobileNodeSection(
    IPAddress HomeAddress,
    int HomePrefixLength,
    IPAddress? HomeAgent,
    EquatableArray<string> Interfaces,
    TimeSpan Lifetime,
    bool RouteOptimization,
    uint? Spi,
    EquatableArray<byte> Key)
{
    /// <summary>Correspondents never to optimize toward (SHISA's noro list), <c>no_route_optimization</c>.</summary>
    public EquatableArray<IPAddress> NoRouteOptimization { get; init; }

    /// <summary><c>optimistic_handoff</c> (default true): outbound traffic uses a new care-of address once its BU is sent, not after the BA.</summary>
    public bool OptimisticHandoff { get; init; } = true;

    /// <summary><c>multiple_care_of</c> (default false): register every usable uplink at once, one RFC 5648 binding each.</summary>
    public bool MultipleCareOf { get; init; }

    /// <summary>
    /// <c>uplink_priority</c>: each uplink's priority with <see cref="MultipleCareOf"/>, 1 first; it is the uplink's
    /// RFC 5648 binding id too, so it is stable across restarts and the home agent prefers the same uplink (it carries
    /// a home address's traffic over the binding with the lowest id). An uplink not named gets its position in
    /// <see cref="Interfaces"/> plus one.
    /// </summary>
    public EquatableArray<UplinkPriority> UplinkPriorities { get; init; }

    /// <summary>The binding id (and priority) of <paramref name="interfaceName"/>; null when it is not an uplink.</summary>
    public ushort? BindingIdOf(string interfaceName)
    {
        foreach (var priority in UplinkPriorities)
        {
            if (priority.Interface == interfaceName)
            {
                return priority.Priority;
            }
        }

        for (int index = 0; index < Interfaces.Count; index++)
        {
            if (Interfaces[index] == interfaceName)
            {
                return (ushort)(index + 1);
            }
        }

        return null;
    }

    /// <summary>The home agent's IPv4 address (RFC 5555 4.2.1): where Binding Updates from an IPv4 care-of address go; null: IPv6 uplinks only.</summary>
    public IPAddress? HomeAgentIpv4 { get; init; }
}

/// <summary>One entry of <c>[mobile_node] uplink_priority</c>: the uplink and its priority (= its RFC 5648 binding id).</summary>
public sealed record UplinkPriority(string Interface, ushort Priority);

public sealed record MobileRouterSection(
    EquatableArray<Prefix> Prefixes,
    MobileRouterMode Mode,
    EquatableArray<string> Ingress);

public sealed record CorrespondentSection(bool RouteOptimization);

/// <summary><c>method</c>: the methods the movement detector uses, each at most once.</summary>
public sealed record MovementDetectorSection(EquatableArray<MovementDetectionMethod> Methods)
{
    /// <summary>Every method: what a profile without <c>method</c> gets.</summary>
    public static MovementDetectorSection Default { get; } = new(new EquatableArray<MovementDetectionMethod>(
        [MovementDetectionMethod.Link, MovementDetectionMethod.Ra, MovementDetectionMethod.Nud, MovementDetectionMethod.Dna]));

    public bool Uses(MovementDetectionMethod method) => Methods.Contains(method);
}

/// <summary>Where the mobility bus is offered to other processes (DESIGN 3), e.g. /run/shisa/bus.sock.</summary>
public sealed record BusSection(string Socket);

/// <summary>
/// <c>[log]</c>: the minimum level of every category, and per-category levels (a category applies to itself and to
/// the categories under it, e.g. "Shisa.Modules" to "Shisa.Modules.home_agent"; the longest match wins).
/// </summary>
public sealed record LogSection(Microsoft.Extensions.Logging.LogLevel Level, EquatableArray<CategoryLevel> Categories)
{
    public static LogSection Default { get; } = new(Microsoft.Extensions.Logging.LogLevel.Information, []);
}

/// <summary>One entry of <c>[log.categories]</c>.</summary>
public sealed record CategoryLevel(string Category, Microsoft.Extensions.Logging.LogLevel Level);

/// <summary>
/// <c>[control]</c>: the Unix socket of <c>shisa ctl</c> (docs/control.md). The socket file is mode 0660, owned by
/// the process's user and by <paramref name="Group"/> when given: its permissions are the authentication.
/// </summary>
public sealed record ControlSection(string Socket, string? Group)
{
    /// <summary>The socket's path unless the profile names one.</summary>
    public const string DefaultSocket = "/run/shisa/control.sock";
}

/// <summary>Directory of extra module assemblies (DESIGN 4).</summary>
public sealed record PluginsSection(string Directory);
