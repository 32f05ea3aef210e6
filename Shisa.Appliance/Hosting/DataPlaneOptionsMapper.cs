using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Engine;
using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Hosting;

/// <summary>The profile (DESIGN 7) as the data plane engine's options: the data plane knows no profile.</summary>
internal static class DataPlaneOptionsMapper
{
    public static DataPlaneEngineOptions Map(Profile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return new DataPlaneEngineOptions
        {
            NodeTypes = NodeTypes(profile.Node.Roles),
            Interfaces = new(profile.Interfaces.Select(i => new EngineInterface(i.Name, Map(i.Link)))),
            HomeAgentAddress = profile.HomeAgent?.Address,
            HomePrefix = profile.HomeAgent?.Prefix,
            HomeInterface = profile.Interfaces.FirstOrDefault(i => i.Link == LinkKind.Home)?.Name,
            HomeAddress = profile.MobileNode?.HomeAddress,
            EgressInterfaces = profile.MobileNode?.Interfaces ?? default,
            Ipv4Address = profile.HomeAgent?.Ipv4Address,
            HomeAgentIpv4 = profile.MobileNode?.HomeAgentIpv4,
            MaxBindings = profile.HomeAgent?.MaxBindings ?? new DataPlaneEngineOptions().MaxBindings,
        };
    }

    public static NodeType NodeTypes(IEnumerable<Role> roles)
    {
        var types = NodeType.None;
        foreach (var role in roles)
        {
            types |= role switch
            {
                Role.HomeAgent => NodeType.HomeAgent,
                Role.MobileNode => NodeType.MobileNode,
                Role.MobileRouter => NodeType.MobileRouter,
                Role.CorrespondentNode => NodeType.CorrespondentNode,
                _ => NodeType.None,
            };
        }

        return types;
    }

    public static EngineLinkKind Map(LinkKind link) => link switch
    {
        LinkKind.Home => EngineLinkKind.Home,
        LinkKind.Foreign => EngineLinkKind.Foreign,
        LinkKind.MobileNetwork => EngineLinkKind.MobileNetwork,
        LinkKind.Backbone => EngineLinkKind.Backbone,
        _ => throw new ArgumentOutOfRangeException(nameof(link), link, "unknown link kind"),
    };
}
