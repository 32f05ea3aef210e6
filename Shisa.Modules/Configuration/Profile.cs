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

public enum MovementDetectionMethod
{
    Nud,
    Ra,
    Link,
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
    EquatableArray<AuthorizedMobileNode> MobileNodes);

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
}

public sealed record MobileRouterSection(
    EquatableArray<Prefix> Prefixes,
    MobileRouterMode Mode,
    EquatableArray<string> Ingress);

public sealed record CorrespondentSection(bool RouteOptimization);

public sealed record MovementDetectorSection(MovementDetectionMethod Method);

/// <summary>Where the mobility bus is offered to other processes (DESIGN 3), e.g. /run/shisa/bus.sock.</summary>
public sealed record BusSection(string Socket);

/// <summary>Directory of extra module assemblies (DESIGN 4).</summary>
public sealed record PluginsSection(string Directory);
