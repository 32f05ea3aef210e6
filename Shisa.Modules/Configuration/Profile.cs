using System.Net;

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

/// <summary>An IPv6 prefix, e.g. 2001:db8:1::/64, with the host bits clear.</summary>
public readonly record struct Ipv6Prefix(IPAddress Network, int Length)
{
    public override string ToString() => $"{Network}/{Length}";

    /// <summary>True when <paramref name="address"/> lies inside this prefix.</summary>
    public bool Contains(IPAddress address)
    {
        Span<byte> a = stackalloc byte[16];
        Span<byte> n = stackalloc byte[16];
        if (!address.TryWriteBytes(a, out _) || !Network.TryWriteBytes(n, out _) || address.AddressFamily != Network.AddressFamily)
        {
            return false;
        }

        int full = Length / 8;
        if (!a[..full].SequenceEqual(n[..full]))
        {
            return false;
        }

        int rest = Length % 8;
        if (rest == 0)
        {
            return true;
        }

        byte mask = (byte)(0xFF << (8 - rest));
        return (a[full] & mask) == (n[full] & mask);
    }

    /// <summary>True when every address of <paramref name="inner"/> lies inside this prefix.</summary>
    public bool Contains(Ipv6Prefix inner) => inner.Length >= Length && Contains(inner.Network);
}

public sealed record Profile(
    NodeSection Node,
    StatusSection Status,
    ValueList<InterfaceSection> Interfaces,
    HomeAgentSection? HomeAgent,
    MobileNodeSection? MobileNode,
    MobileRouterSection? MobileRouter,
    CorrespondentSection? Correspondent,
    MovementDetectorSection? MovementDetector,
    PluginsSection? Plugins);

public sealed record NodeSection(string Name, ValueList<Role> Roles);

/// <summary>Listen address of the status page and API; null when disabled (empty string in the profile).</summary>
public sealed record StatusSection(IPEndPoint? Listen);

public sealed record InterfaceSection(string Name, LinkKind Link);

public sealed record HomeAgentSection(
    IPAddress Address,
    Ipv6Prefix Prefix,
    int MaxBindings,
    TimeSpan MaxLifetime,
    ValueList<AuthorizedMobileNode> MobileNodes);

/// <summary>One entry of the home agent's deny-by-default list: who may register, and which prefixes.</summary>
public sealed record AuthorizedMobileNode(
    IPAddress HomeAddress,
    ValueList<Ipv6Prefix> Prefixes,
    uint? Spi,
    ValueList<byte> Key);

/// <summary><c>home_agent = "discover"</c> gives a null <see cref="HomeAgent"/>: find it with DHAAD.</summary>
public sealed record MobileNodeSection(
    IPAddress HomeAddress,
    int HomePrefixLength,
    IPAddress? HomeAgent,
    ValueList<string> Interfaces,
    TimeSpan Lifetime,
    bool RouteOptimization,
    uint? Spi,
    ValueList<byte> Key);

public sealed record MobileRouterSection(
    ValueList<Ipv6Prefix> Prefixes,
    MobileRouterMode Mode,
    ValueList<string> Ingress);

public sealed record CorrespondentSection(bool RouteOptimization);

public sealed record MovementDetectorSection(MovementDetectionMethod Method);

/// <summary>Directory of extra module assemblies (DESIGN 4).</summary>
public sealed record PluginsSection(string Directory);
