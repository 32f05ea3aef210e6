using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Engine;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Kernel.Netlink;
using Shisa.DataPlane.Signalling;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.DataPlane;

/// <summary>
/// RFC 3963 through the engines: a mobile router in <c>mn</c> (forwarding, on foreign link 1) registers its
/// mobile network prefix; the mobile network node in <c>mnn</c> and the correspondent reach each other through
/// the MR-HA tunnel.
/// </summary>
[TestFixture]
[NonParallelizable]
public class NemoTunnelTests
{
    private static readonly Prefix MobileNetwork = Prefix.Parse("2001:db8:1:100::/56");

    [Test]
    public async Task The_mobile_network_reaches_the_correspondent_through_the_tunnel_and_back()
    {
        Assume.That(Host.IsRoot, Is.True, "needs root (network namespaces)");
        using var topology = MobilityTopology.Create(new TopologyOptions { InitialLink = AccessLink.Foreign1, MobileNodeForwards = true });
        var careOf = await Host.WaitForAddressAsync(topology.Mn, MobilityTopology.MobileInterface, MobilityTopology.Foreign1Prefix, TimeSpan.FromSeconds(20));
        Assert.That(careOf, Is.Not.Null);

        using var haBus = new MobilityBus();
        using var mrBus = new MobilityBus();
        using var ha = new DataPlaneEngine(
            new DataPlaneEngineOptions
            {
                NodeTypes = NodeType.HomeAgent,
                Interfaces = new([new EngineInterface(MobilityTopology.HomeBridge, EngineLinkKind.Home), new EngineInterface("ha-up", EngineLinkKind.Backbone)]),
                HomeAgentAddress = MobilityTopology.HomeAgentAddress,
                HomePrefix = Prefix.Parse("2001:db8:1::/64"),
                NetworkNamespace = topology.Ha,
            },
            haBus, new SignallingHub(), TimeProvider.System, NullLoggerFactory.Instance, NetlinkKernel.Open(topology.Ha));
        using var mr = new DataPlaneEngine(
            new DataPlaneEngineOptions
            {
                NodeTypes = NodeType.MobileNode | NodeType.MobileRouter,
                Interfaces = new([
                    new EngineInterface(MobilityTopology.MobileInterface, EngineLinkKind.Foreign),
                    new EngineInterface(MobilityTopology.MobileRouterInterface, EngineLinkKind.MobileNetwork)]),
                HomeAddress = MobilityTopology.HomeAddress,
                EgressInterfaces = new([MobilityTopology.MobileInterface]),
                NetworkNamespace = topology.Mn,
            },
            mrBus, new SignallingHub(), TimeProvider.System, NullLoggerFactory.Instance, NetlinkKernel.Open(topology.Mn));
        ha.Start();
        mr.Start();

        var flags = BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.MobileRouter | BindingUpdateFlags.Acknowledge;
        haBus.Publish(new BindingCacheAdd(new BindingCacheEntry(
            MobilityTopology.HomeAddress, careOf!, MobilityTopology.HomeAgentAddress, flags, TimeSpan.FromSeconds(60), 1, new([MobileNetwork]))));
        mrBus.Publish(new BindingUpdateListAdd(new BindingUpdateListEntry(
            MobilityTopology.HomeAgentAddress, MobilityTopology.HomeAddress, careOf!, flags, TimeSpan.FromSeconds(60), 1, BindingUpdateListState.Bound, new([MobileNetwork]))));
        await DataPlaneEngineTests.WaitUntilAsync(() => ha.MessagesApplied > 0 && mr.MessagesApplied > 0, TimeSpan.FromSeconds(10));

        Assert.That(await Host.PingUntilAsync(topology.Mnn, MobilityTopology.CorrespondentAddress, TimeSpan.FromSeconds(10)), Is.True, "mnn -> cn");
        Assert.That(Host.Ping(topology.Cn, MobilityTopology.MobileNetworkNodeAddress, count: 3), Is.True, "cn -> mnn");
        Assert.That(Host.Ping(topology.Mn, MobilityTopology.MobileNetworkNodeAddress, count: 2), Is.True, "the mobile router still reaches its own mobile network directly");
        Assert.That(ha.ForwardingCounters.Decapsulated, Is.GreaterThanOrEqualTo(4));
        Assert.That(mr.ForwardingCounters.Decapsulated, Is.GreaterThanOrEqualTo(3));
    }
}
