using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Dsmip;
using Shisa.DataPlane.Engine;
using Shisa.DataPlane.Forwarding;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.State;
using Shisa.DataPlane.Tunnels;

namespace Shisa.DataPlane.Tests.Forwarding;

/// <summary>
/// The one writer of forwarding state against a kernel in memory: every bus message type per role, batching that
/// spares the kernel a remove-and-re-add, reconcile after a crash or behind-the-back changes, failures retried,
/// the journal and the signalling queue ordered behind each apply.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public class ForwardingStateWriterTests
{
    private const string Tun = "shisa0";
    private const string HomeLink = "eth0";
    private const string Egress = "mn0";
    private static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    private static readonly IPAddress Home = IPAddress.Parse("2001:db8:1::100");
    private static readonly IPAddress Home2 = IPAddress.Parse("2001:db8:1::101");
    private static readonly IPAddress CareOf = IPAddress.Parse("2001:db8:a1::10");
    private static readonly IPAddress CareOf2 = IPAddress.Parse("2001:db8:a2::10");
    private static readonly IPAddress Cn = IPAddress.Parse("2001:db8:c::2");
    private static readonly Prefix Mnp = new(IPAddress.Parse("2001:db8:1:100::"), 56);

    private static readonly DataPlaneEngineOptions HomeAgentOptions = new()
    {
        NodeTypes = NodeType.HomeAgent,
        Interfaces = new([new EngineInterface(HomeLink, EngineLinkKind.Home)]),
        HomeAgentAddress = HomeAgent,
        HomePrefix = new Prefix(IPAddress.Parse("2001:db8:1::"), 64),
    };

    private static readonly DataPlaneEngineOptions MobileNodeOptions = new()
    {
        NodeTypes = NodeType.MobileNode,
        Interfaces = new([new EngineInterface(Egress, EngineLinkKind.Foreign)]),
        HomeAddress = Home,
        EgressInterfaces = new([Egress]),
    };

    private static readonly DataPlaneEngineOptions CorrespondentOptions = new()
    {
        NodeTypes = NodeType.CorrespondentNode,
        Interfaces = new([new EngineInterface("cn0", EngineLinkKind.Backbone)]),
    };

    private readonly RecordingKernel _kernel = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly List<IPAddress> _announced = [];

    [Test]
    public void Start_installs_the_table_and_stop_removes_it_leaving_sysctls_alone()
    {
        var writer = HomeAgentWriter();
        writer.Start();
        Assert.That(_kernel.Tables, Is.EquivalentTo(new[] { "shisa" }));

        writer.Stop();
        Assert.That(_kernel.Tables, Is.Empty);
        Assert.That(_kernel.Sysctls, Is.Empty, "proxy ND is the appliance's own: no proxy_ndp");
    }

    [Test]
    public void Home_agent_binding_routes_the_home_address_and_prefixes_into_the_tun_and_announces_it()
    {
        var writer = Started(HomeAgentWriter());
        writer.Apply(new BindingCacheAdd(CacheEntry(Home, CareOf, [Mnp])));

        Assert.That(_kernel.Routes, Is.EquivalentTo(new[]
        {
            new KernelRoute(IPNetwork.Parse("2001:db8:1::100/128"), Tun),
            new KernelRoute(IPNetwork.Parse("2001:db8:1:100::/56"), Tun),
            new KernelRoute(IPNetwork.Parse("2001:db8:1:100::/56"), HomeLink, Metric: HomeAgentBindings.HomeLinkPrefixMetric, Via: Home),
        }));
        Assert.That(_announced, Is.EqualTo(new[] { Home }), "a new binding is announced with an unsolicited NA");
        Assert.That(writer.Tables.BindingCache!.Count, Is.EqualTo(1));
    }

    [Test]
    public void Home_agent_binding_removed_takes_its_tunnel_routes_but_keeps_the_home_link_prefix_route()
    {
        var writer = Started(HomeAgentWriter());
        writer.Apply(new BindingCacheAdd(CacheEntry(Home, CareOf, [Mnp])));
        writer.Apply(new BindingCacheRemove(CacheEntry(Home, CareOf, [Mnp])));

        Assert.That(_kernel.Routes, Is.EquivalentTo(new[]
        {
            new KernelRoute(IPNetwork.Parse("2001:db8:1:100::/56"), HomeLink, Metric: HomeAgentBindings.HomeLinkPrefixMetric, Via: Home),
        }), "RFC 3963: the router at home is reached on the home link");
        Assert.That(writer.Tables.BindingCache!.Count, Is.Zero);
    }

    [Test]
    public void Home_agent_bindings_of_one_home_address_prefer_the_lowest_binding_id_and_fail_over_when_it_goes()
    {
        var writer = Started(HomeAgentWriter());
        writer.Apply(new BindingCacheAdd(CacheEntry(Home, CareOf2, [], bindingId: 2)));
        writer.Apply(new BindingCacheAdd(CacheEntry(Home, CareOf, [], bindingId: 1)));
        var routes = _kernel.Routes.ToList();

        Assert.That(writer.Tables.BindingCache!.TryGetByHomeAddress(AddressKey.From(Home), out var both), Is.True);
        Assert.That((both!.BindingId, AddressKey.ToAddress(both.RemoteEndpoint)), Is.EqualTo(((ushort)1, CareOf)));
        Assert.That(both.Alternates.Select(a => a.BindingId), Is.EqualTo(new ushort[] { 2 }));
        Assert.That(_announced, Is.EqualTo(new[] { Home }), "one announcement for the home address");
        both.Traffic.CountOut(100);

        writer.Apply(new BindingCacheRemove(CacheEntry(Home, CareOf, [], bindingId: 1)));

        Assert.That(writer.Tables.BindingCache.TryGetByHomeAddress(AddressKey.From(Home), out var left), Is.True);
        Assert.That((left!.BindingId, AddressKey.ToAddress(left.RemoteEndpoint), left.Alternates.Count), Is.EqualTo(((ushort)2, CareOf2, 0)));
        Assert.That(_kernel.Routes, Is.EquivalentTo(routes), "the home address keeps its route while a binding is left");

        writer.Apply(new BindingCacheAdd(CacheEntry(Home, CareOf, [], sequence: 2, bindingId: 1)));
        writer.Tables.BindingCache.TryGetByHomeAddress(AddressKey.From(Home), out var back);
        Assert.That(back!.BindingId, Is.EqualTo(1), "the preferred binding takes the traffic back");

        writer.Apply(new BindingCacheRemove(CacheEntry(Home, CareOf2, [], bindingId: 2)));
        writer.Apply(new BindingCacheRemove(CacheEntry(Home, CareOf, [], bindingId: 1)));
        Assert.That(_kernel.Routes, Is.Empty);
        Assert.That(writer.Tables.BindingCache.Count, Is.Zero);
    }

    [Test]
    public void A_bindings_traffic_counters_survive_its_refresh()
    {
        var writer = Started(HomeAgentWriter());
        writer.Apply(new BindingCacheAdd(CacheEntry(Home, CareOf, [], bindingId: 1)));
        writer.Tables.BindingCache!.TryGetByHomeAddress(AddressKey.From(Home), out var first);
        first!.Traffic.CountIn(80);

        writer.Apply(new BindingCacheAdd(CacheEntry(Home, CareOf2, [], sequence: 2, bindingId: 1)));

        writer.Tables.BindingCache.TryGetByHomeAddress(AddressKey.From(Home), out var moved);
        Assert.That((moved!.Traffic.PacketsIn, moved.Traffic.OctetsIn), Is.EqualTo((1L, 80L)));
    }

    [Test]
    public void Home_agent_flush_removes_every_binding()
    {
        var writer = Started(HomeAgentWriter());
        writer.Apply(new BindingCacheAdd(CacheEntry(Home, CareOf, [])));
        writer.Apply(new BindingCacheAdd(CacheEntry(Home2, CareOf2, [])));
        writer.Apply(new BindingCacheFlush());

        Assert.That(_kernel.Routes, Is.Empty);
        Assert.That(writer.Tables.BindingCache!.Count, Is.Zero);
    }

    [Test]
    public void A_handover_changes_the_tunnel_endpoint_without_touching_the_kernel()
    {
        var writer = Started(HomeAgentWriter());
        writer.Apply(new BindingCacheAdd(CacheEntry(Home, CareOf, [])));
        int before = _kernel.Requests.Count;

        writer.Apply(new BindingCacheAdd(CacheEntry(Home, CareOf2, [], sequence: 2)));

        Assert.That(_kernel.Requests.Skip(before), Is.Empty, "same routes: nothing to change");
        Assert.That(_announced, Is.EqualTo(new[] { Home }), "a handover is not a new binding: announced once");
        Assert.That(writer.Tables.BindingCache!.TryGetByHomeAddress(AddressKey.From(Home), out var binding), Is.True);
        Assert.That(AddressKey.ToAddress(binding!.RemoteEndpoint), Is.EqualTo(CareOf2));
    }

    [Test]
    public void Remove_and_add_of_the_same_binding_in_one_batch_leave_the_kernel_alone()
    {
        var writer = Started(HomeAgentWriter());
        writer.Apply(new BindingCacheAdd(CacheEntry(Home, CareOf, [])));
        int before = _kernel.Requests.Count;

        writer.ApplyBatch([new BindingCacheRemove(CacheEntry(Home, CareOf, [])), new BindingCacheAdd(CacheEntry(Home, CareOf, []))], 0);

        Assert.That(_kernel.Requests.Skip(before), Is.Empty);
        Assert.That(_kernel.Routes, Has.Count.EqualTo(1));
    }

    [Test]
    public void Binding_cache_full_refuses_the_binding_and_installs_nothing()
    {
        var writer = Started(new ForwardingStateWriter(HomeAgentOptions with { MaxBindings = 1 }, _kernel, Tun, null, _time, NullLogger.Instance));
        writer.Apply(new BindingCacheAdd(CacheEntry(Home, CareOf, [])));
        writer.Apply(new BindingCacheAdd(CacheEntry(Home2, CareOf2, [])));

        Assert.That(_kernel.Routes, Has.Count.EqualTo(1));
        Assert.That(writer.Tables.Rejected, Is.EqualTo(1));
    }

    [Test]
    public void Correspondent_bindings_share_the_home_address_route_in_their_table_and_the_unmarked_rule_is_installed_at_start()
    {
        var writer = Started(new ForwardingStateWriter(CorrespondentOptions, _kernel, Tun, null, _time, NullLogger.Instance));
        Assert.That(_kernel.Rules, Is.EquivalentTo(new[] { new KernelRule(null, CorrespondentOptions.CorrespondentTable, CorrespondentOptions.CorrespondentPriority, CorrespondentOptions.OwnPacketMark) }));

        var route = new KernelRoute(IPNetwork.Parse("2001:db8:1::100/128"), Tun, CorrespondentOptions.CorrespondentTable);
        writer.Apply(new BindingCacheAdd(CorrespondentEntry(Cn)));
        writer.Apply(new BindingCacheAdd(CorrespondentEntry(IPAddress.Parse("2001:db8:c::3"))));
        Assert.That(_kernel.Routes, Is.EquivalentTo(new[] { route }));

        writer.Apply(new BindingCacheRemove(CorrespondentEntry(Cn)));
        Assert.That(_kernel.Routes, Is.EquivalentTo(new[] { route }), "the other correspondent's binding still needs it");

        writer.Apply(new BindingCacheFlush());
        Assert.That(_kernel.Routes, Is.Empty);
        Assert.That(writer.Tables.CorrespondentCache!.Count, Is.Zero);
    }

    [Test]
    public void Mobile_node_bound_puts_the_home_address_on_the_tun_and_source_routes_it_and_its_prefixes()
    {
        var writer = Started(MobileNodeWriter());
        writer.Apply(new BindingUpdateListAdd(ListEntry(BindingUpdateListState.WaitingAck)));
        Assert.That(_kernel.Addresses, Is.Empty, "not before the BA");

        writer.Apply(new BindingUpdateListAdd(ListEntry(BindingUpdateListState.Bound, [Mnp])));

        var o = MobileNodeOptions;
        Assert.That(_kernel.Addresses, Is.EquivalentTo(new[] { new KernelAddress(Home, 128, Tun) }));
        Assert.That(_kernel.Routes, Is.EquivalentTo(new[] { new KernelRoute(IPNetwork.Parse("::/0"), Tun, o.PolicyTable) }));
        Assert.That(_kernel.Rules, Is.EquivalentTo(new[]
        {
            new KernelRule(IPNetwork.Parse("2001:db8:1::100/128"), o.PolicyTable, o.PolicyPriority),
            new KernelRule(IPNetwork.Parse("2001:db8:1:100::/56"), o.PolicyTable, o.PolicyPriority),
        }));
        Assert.That(writer.Tables.LocalAddresses.Contains(Home), Is.True);
        Assert.That(writer.Tables.LocalAddresses.Contains(CareOf), Is.True);
    }

    [Test]
    public void Mobile_node_with_one_entry_per_uplink_sends_through_the_lowest_bound_binding_id_and_the_next_when_it_goes()
    {
        var writer = Started(MobileNodeWriter());
        writer.Apply(new BindingUpdateListAdd(ListEntry(BindingUpdateListState.Bound) with { CareOfAddress = CareOf2, BindingId = 2 }));
        writer.Apply(new BindingUpdateListAdd(ListEntry(BindingUpdateListState.Bound) with { BindingId = 1 }));
        var addresses = _kernel.Addresses.ToList();

        writer.Tables.BindingUpdateList!.TryGetByHomeAddress(AddressKey.From(Home), out var preferred);
        Assert.That((preferred!.BindingId, AddressKey.ToAddress(preferred.LocalEndpoint)), Is.EqualTo(((ushort)1, CareOf)));

        writer.Apply(new BindingUpdateListRemove(ListEntry(BindingUpdateListState.Bound) with { BindingId = 1 }));

        writer.Tables.BindingUpdateList.TryGetByHomeAddress(AddressKey.From(Home), out var next);
        Assert.That((next!.BindingId, AddressKey.ToAddress(next.LocalEndpoint), next.Forwarding), Is.EqualTo(((ushort)2, CareOf2, true)));
        Assert.That(_kernel.Addresses, Is.EquivalentTo(addresses), "the home address stays on the TUN");
        Assert.That(writer.Tables.LocalAddresses.Contains(CareOf), Is.False);

        writer.Apply(new BindingUpdateListRemove(ListEntry(BindingUpdateListState.Bound) with { CareOfAddress = CareOf2, BindingId = 2 }));
        Assert.That(_kernel.Addresses, Is.Empty);
    }

    [Test]
    public void Mobile_node_deregistering_and_removed_take_everything_out_of_the_kernel()
    {
        var writer = Started(MobileNodeWriter());
        writer.Apply(new BindingUpdateListAdd(ListEntry(BindingUpdateListState.Bound)));
        writer.Apply(new BindingUpdateListAdd(ListEntry(BindingUpdateListState.Deregistering)));
        Assert.That(_kernel.Addresses, Is.Empty);
        Assert.That(_kernel.Rules, Is.Empty);
        Assert.That(_kernel.Routes, Is.Empty);

        writer.Apply(new BindingUpdateListAdd(ListEntry(BindingUpdateListState.Bound)));
        writer.Apply(new BindingUpdateListRemove(ListEntry(BindingUpdateListState.Bound)));
        Assert.That(_kernel.Addresses, Is.Empty);
        Assert.That(writer.Tables.BindingUpdateList!.Count, Is.Zero);
        Assert.That(writer.Tables.LocalAddresses.Contains(CareOf), Is.False);

        writer.Apply(new BindingUpdateListAdd(ListEntry(BindingUpdateListState.Bound)));
        writer.Apply(new BindingUpdateListFlush());
        Assert.That(_kernel.Rules, Is.Empty);
        Assert.That(writer.Tables.BindingUpdateList!.Count, Is.Zero);
    }

    [Test]
    public void Mobile_router_bound_with_prefixes_sends_the_rest_of_its_mobile_networks_traffic_into_the_tun_by_an_iif_rule()
    {
        var options = MobileNodeOptions with
        {
            NodeTypes = NodeType.MobileNode | NodeType.MobileRouter,
            Interfaces = new([new EngineInterface(Egress, EngineLinkKind.Foreign), new EngineInterface("mnp0", EngineLinkKind.MobileNetwork)]),
        };
        var writer = Started(new ForwardingStateWriter(options, _kernel, Tun, null, _time, NullLogger.Instance));

        writer.Apply(new BindingUpdateListAdd(ListEntry(BindingUpdateListState.Bound, [Mnp])));

        Assert.That(_kernel.Rules, Is.EquivalentTo(new[]
        {
            new KernelRule(IPNetwork.Parse("2001:db8:1::100/128"), options.PolicyTable, options.PolicyPriority),
            new KernelRule(IPNetwork.Parse("2001:db8:1:100::/56"), options.PolicyTable, options.PolicyPriority),
            new KernelRule(IPNetwork.Parse("::/0"), options.PolicyTable, options.PolicyPriority + 1, InputInterface: "mnp0"),
        }));

        writer.Apply(new BindingUpdateListAdd(ListEntry(BindingUpdateListState.Deregistering, [Mnp])));
        Assert.That(_kernel.Rules, Is.Empty, "at home or unbound, the mobile network's traffic is routed natively again");
    }

    [Test]
    public void Mobile_router_prefixes_follow_a_re_registration_while_bound()
    {
        var writer = Started(MobileNodeWriter());
        writer.Apply(new BindingUpdateListAdd(ListEntry(BindingUpdateListState.Bound, [Mnp])));
        var other = new Prefix(IPAddress.Parse("2001:db8:1:200::"), 56);
        writer.Apply(new BindingUpdateListAdd(ListEntry(BindingUpdateListState.WaitingAck, [other])));

        Assert.That(_kernel.Rules.Select(r => r.From!.Value.ToString()), Is.EquivalentTo(new[] { "2001:db8:1::100/128", "2001:db8:1:200::/56" }));
    }

    [Test]
    public void Route_optimization_entries_fill_the_correspondent_list_only()
    {
        var writer = Started(MobileNodeWriter());
        var entry = new BindingUpdateListEntry(Cn, Home, CareOf, BindingUpdateFlags.Acknowledge, TimeSpan.FromSeconds(60), 1, BindingUpdateListState.Bound);
        writer.Apply(new BindingUpdateListAdd(entry));
        Assert.That(writer.Tables.CorrespondentList!.Count, Is.EqualTo(1));
        Assert.That(_kernel.Addresses, Is.Empty);

        writer.Apply(new BindingUpdateListRemove(entry));
        Assert.That(writer.Tables.CorrespondentList!.Count, Is.Zero);
    }

    [Test]
    public void Back_home_the_classifier_takes_packets_to_the_home_address_before_the_interfaces_are_read_again()
    {
        // RFC 6275 11.5.4: the deregistration's BA comes to the home address on the home link within a round trip;
        // the engine's read of the interfaces' addresses on the movement ran before the kernel had the address.
        var writer = Started(MobileNodeWriter());
        var classifier = new PacketClassifier(writer.Tables.LocalAddresses, null, writer.Tables.BindingUpdateList);
        var ack = BindingAcknowledgementTo(Home);
        Assert.That(classifier.ClassifyInbound(ack).Action, Is.EqualTo(InboundAction.Ignore), "not an address of this node yet");

        var away = new BindingUpdateListEntry(HomeAgent, Home, CareOf, BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.Acknowledge,
            TimeSpan.FromSeconds(60), 1, BindingUpdateListState.Bound);
        writer.Apply(new BindingUpdateListAdd(away));
        writer.Apply(new MovementInfo(MovementCommand.ReturnedHome, null, Egress, 2, true, Home));
        Assert.That(classifier.ClassifyInbound(ack).Action, Is.EqualTo(InboundAction.Signalling));

        // The binding update list's removal takes the home address off the TUN, not off the home link.
        writer.Apply(new BindingUpdateListRemove(away));
        Assert.That(classifier.ClassifyInbound(ack).Action, Is.EqualTo(InboundAction.Signalling));
    }

    /// <summary>A minimal Binding Acknowledgement (status 0) from the home agent to <paramref name="destination"/>.</summary>
    private static byte[] BindingAcknowledgementTo(IPAddress destination)
    {
        var packet = new byte[40 + 16];
        packet[0] = 0x60;
        packet[5] = 16; // payload length
        packet[6] = 135; // Mobility Header
        packet[7] = 64;
        HomeAgent.GetAddressBytes().CopyTo(packet, 8);
        destination.GetAddressBytes().CopyTo(packet, 24);
        packet[40] = 59; // no next header
        packet[41] = 1; // 16 bytes
        packet[42] = 6; // Binding Acknowledgement
        return packet;
    }

    [Test]
    public void Returning_home_puts_the_home_address_on_the_egress_interface_and_leaving_takes_it_off()
    {
        var writer = Started(MobileNodeWriter());
        writer.Apply(new MovementInfo(MovementCommand.ReturnedHome, null, Egress, 2, true, Home));
        Assert.That(_kernel.Addresses, Is.EquivalentTo(new[] { new KernelAddress(Home, 128, Egress) }));

        writer.Apply(new MovementInfo(MovementCommand.Scan, null, Egress, 2, false));
        Assert.That(_kernel.Addresses, Is.Empty);
        Assert.That(writer.Tables.LocalAddresses.Contains(Home), Is.False, "no longer taken for the home address off the home link");
        Assert.That(_kernel.Requests, Does.Contain($"forget {Egress}"), "what the gone link's RAs taught the kernel is flushed");

        writer.Apply(new MovementInfo(MovementCommand.NewCareOfAddress, CareOf2, Egress, 2, false));
        Assert.That(writer.Tables.LocalAddresses.Contains(CareOf2), Is.True);
    }

    [Test]
    public void Packets_from_each_care_of_address_leave_through_its_uplinks_table_and_a_gone_link_takes_its_table_along()
    {
        var options = MobileNodeOptions with
        {
            Interfaces = new([new EngineInterface(Egress, EngineLinkKind.Foreign), new EngineInterface("mn1", EngineLinkKind.Foreign)]),
            EgressInterfaces = new([Egress, "mn1"]),
        };
        var router1 = IPAddress.Parse("fe80::1");
        var router2 = IPAddress.Parse("fe80::2");
        _kernel.MainDefaultRoutes.Add(new KernelRoute(IPNetwork.Parse("::/0"), Egress, Via: router1));
        _kernel.MainDefaultRoutes.Add(new KernelRoute(IPNetwork.Parse("::/0"), "mn1", Via: router2));
        var writer = Started(new ForwardingStateWriter(options, _kernel, Tun, null, _time, NullLogger.Instance));

        writer.Apply(new MovementInfo(MovementCommand.NewCareOfAddress, CareOf, Egress, 2, false));
        Assert.That(_kernel.Rules, Is.EquivalentTo(new[] { new KernelRule(IPNetwork.Parse("2001:db8:a1::10/128"), 1920, 1002) }));
        Assert.That(_kernel.Routes, Is.EquivalentTo(new[]
        {
            new KernelRoute(IPNetwork.Parse("::/0"), Egress, 1920, Via: router1),
            new KernelRoute(IPNetwork.Parse("fe80::/64"), Egress, 1920),
        }));

        // The preferred uplink loses carrier: the second one's care-of address, its table, and mn0's withdrawn.
        writer.Apply(new MovementInfo(MovementCommand.NewCareOfAddress, CareOf2, "mn1", 3, false));
        writer.Apply(new MovementInfo(MovementCommand.Scan, null, Egress, 2, false));
        Assert.That(_kernel.Rules, Is.EquivalentTo(new[] { new KernelRule(IPNetwork.Parse("2001:db8:a2::10/128"), 1921, 1002) }));
        Assert.That(_kernel.Routes, Is.EquivalentTo(new[]
        {
            new KernelRoute(IPNetwork.Parse("::/0"), "mn1", 1921, Via: router2),
            new KernelRoute(IPNetwork.Parse("fe80::/64"), "mn1", 1921),
        }));

        // An uplink with no default route yet gets no rule: its packets follow the main table rather than a black hole.
        writer.Apply(new MovementInfo(MovementCommand.Scan, null, "mn1", 3, false));
        _kernel.MainDefaultRoutes.Clear();
        writer.Apply(new MovementInfo(MovementCommand.NewCareOfAddress, CareOf, Egress, 2, false));
        Assert.That(_kernel.Rules, Is.Empty);
        Assert.That(_kernel.Routes, Is.Empty);
    }

    [Test]
    public void Dad_requests_go_to_the_detector_and_results_are_ignored()
    {
        List<Dad> requests = [];
        var writer = new ForwardingStateWriter(HomeAgentOptions, _kernel, Tun, null, _time, NullLogger.Instance, onDadRequest: requests.Add);
        writer.Start();
        var request = new Dad(DadMessage.Do, Home, HomeLink, 2);
        writer.Apply(request);
        writer.Apply(new Dad(DadMessage.Success, Home, HomeLink, 2));
        Assert.That(requests, Is.EqualTo(new[] { request }));
    }

    [Test]
    public void Reconcile_at_start_removes_what_a_crashed_run_left_behind()
    {
        var leftover = new KernelRoute(IPNetwork.Parse("2001:db8:1::99/128"), Tun);
        _kernel.Routes.Add(leftover);
        _kernel.Rules.Add(new KernelRule(IPNetwork.Parse("2001:db8:1::99/128"), 1910, 1000));
        var writer = Started(HomeAgentWriter());

        Assert.That(_kernel.Routes, Is.Empty);
        Assert.That(_kernel.Rules, Is.Empty);
        var counters = new Dictionary<string, long>();
        writer.AddCounters(counters);
        Assert.That(counters["dataplane_kernel_repaired_removed"], Is.EqualTo(2));
    }

    [Test]
    public void Reconcile_re_adds_what_was_deleted_behind_the_writers_back_and_keeps_what_is_ours()
    {
        var writer = Started(HomeAgentWriter());
        writer.Apply(new BindingCacheAdd(CacheEntry(Home, CareOf, [])));
        _kernel.Routes.Clear();

        Assert.That(writer.Reconcile(), Is.EqualTo(1));
        Assert.That(_kernel.Routes, Has.Count.EqualTo(1));
        Assert.That(writer.Reconcile(), Is.Zero, "converged");
    }

    [Test]
    public void Reconcile_leaves_the_home_address_on_an_interface_it_does_not_own_but_clears_the_tun()
    {
        _kernel.Addresses.Add(new KernelAddress(Home2, 128, Tun));
        _kernel.Addresses.Add(new KernelAddress(CareOf, 64, Egress));
        Started(MobileNodeWriter());
        Assert.That(_kernel.Addresses, Is.EquivalentTo(new[] { new KernelAddress(CareOf, 64, Egress) }));
    }

    [Test]
    public void Reconcile_at_home_finds_the_home_address_on_the_egress_interface_and_repairs_nothing()
    {
        var writer = Started(MobileNodeWriter());
        writer.Apply(new MovementInfo(MovementCommand.ReturnedHome, null, Egress, 2, true, Home));
        _kernel.Addresses.Add(new KernelAddress(CareOf, 64, Egress));

        Assert.That(writer.Reconcile(), Is.Zero, "the home address is there and the care-of address is not ours to remove");
        _kernel.Addresses.Remove(new KernelAddress(Home, 128, Egress));
        Assert.That(writer.Reconcile(), Is.EqualTo(1), "deleted behind our back: re-added");
        Assert.That(_kernel.Addresses, Does.Contain(new KernelAddress(Home, 128, Egress)));
        Assert.That(_kernel.Addresses, Does.Contain(new KernelAddress(CareOf, 64, Egress)));
    }

    [Test]
    public void A_failed_kernel_request_is_counted_and_retried_by_the_next_apply()
    {
        var writer = Started(HomeAgentWriter());
        _kernel.Fails = r => r.StartsWith("replace route 2001:db8:1::100/128", StringComparison.Ordinal);
        writer.Apply(new BindingCacheAdd(CacheEntry(Home, CareOf, [Mnp])));
        Assert.That(_kernel.Routes, Has.Count.EqualTo(2), "the prefix's routes go on without the home address's");

        _kernel.Fails = _ => false;
        writer.Apply(new BindingCacheAdd(CacheEntry(Home2, CareOf2, [])));
        Assert.That(_kernel.Routes, Has.Count.EqualTo(4), "the failed route is tried again");
        var counters = new Dictionary<string, long>();
        writer.AddCounters(counters);
        Assert.That(counters["dataplane_kernel_errors"], Is.EqualTo(1));
    }

    [Test]
    public void Every_applied_state_message_is_journalled_and_flushed_before_waiting_packets_leave()
    {
        var journal = new RecordingJournal();
        var wire = new RecordingSender(journal.Events);
        long mark = 5;
        var writer = new ForwardingStateWriter(HomeAgentOptions, _kernel, Tun, journal, _time, NullLogger.Instance);
        var sender = writer.CreateSender(wire, () => mark);
        writer.Start();

        Assert.That(sender.TrySend([1, 2, 3]), Is.True, "queued, not refused");
        Assert.That(wire.Sent, Is.Empty, "the state published before it is not applied yet");

        writer.ApplyBatch([new BindingCacheAdd(CacheEntry(Home, CareOf, [])), new HomeHint(Egress, 2, new Prefix(Home, 64))], consumedThrough: 5);

        Assert.That(journal.Events, Is.EqualTo(new[] { "append BindingCacheAdd", "flush", "send 3" }), "journalled, durable, then sent; the hint is not state");
        mark = 6;
        writer.ApplyBatch([], consumedThrough: 5);
        Assert.That(sender.TrySend([4]), Is.True);
        Assert.That(wire.Sent, Has.Count.EqualTo(1), "waits for message 6");
        writer.ApplyBatch([], consumedThrough: 6);
        Assert.That(wire.Sent, Has.Count.EqualTo(2));

        Assert.That(sender.TrySend([5]), Is.True);
        Assert.That(wire.Sent, Has.Count.EqualTo(3), "nothing pending: sent at once");
    }

    [Test]
    public void A_binding_with_an_ipv4_mapped_care_of_address_is_journalled_with_its_udp_endpoint()
    {
        var journal = new RecordingJournal();
        var writer = new ForwardingStateWriter(HomeAgentOptions, _kernel, Tun, journal, _time, NullLogger.Instance);
        var nat = new Ipv4Endpoint(0xC6336401, 40000);
        writer.UdpEndpointOf = entry => entry.CareOfAddress.IsIPv4MappedToIPv6 ? nat : null;
        writer.Start();
        var mapped = IPAddress.Parse("::ffff:192.0.2.10");

        writer.ApplyBatch([new BindingCacheAdd(CacheEntry(Home, mapped, [])), new BindingCacheRemove(CacheEntry(Home, mapped, []))], consumedThrough: 1);

        Assert.That(journal.UdpEndpoints, Is.EqualTo(new Ipv4Endpoint?[] { nat, null }), "the add carries the endpoint, the remove none");
    }

    [Test]
    public void A_packet_sent_ahead_leaves_at_once_while_others_wait_for_the_state_published_before_them()
    {
        var wire = new RecordingSender([]);
        var writer = new ForwardingStateWriter(HomeAgentOptions, _kernel, Tun, null, _time, NullLogger.Instance);
        IPacketSender sender = writer.CreateSender(wire, () => 5);
        writer.Start();

        Assert.That(sender.TrySend([1]), Is.True);
        Assert.That(sender.TrySendAhead([2]), Is.True);

        Assert.That(wire.Sent.Select(p => p[0]), Is.EqualTo(new byte[] { 2 }), "the ordered one waits, the one sent ahead does not");
        writer.ApplyBatch([], consumedThrough: 5);
        Assert.That(wire.Sent.Select(p => p[0]), Is.EqualTo(new byte[] { 2, 1 }));
    }

    [Test]
    public void The_signalling_queue_is_bounded()
    {
        var writer = new ForwardingStateWriter(HomeAgentOptions, _kernel, Tun, null, _time, NullLogger.Instance);
        var sender = writer.CreateSender(new RecordingSender([]), () => 1);
        for (int i = 0; i < OrderedSignallingSender.Capacity; i++)
        {
            Assert.That(sender.TrySend([1]), Is.True);
        }

        Assert.That(sender.TrySend([1]), Is.False);
        Assert.That(sender.Dropped, Is.EqualTo(1));
    }

    [Test]
    public void Stop_removes_everything_installed()
    {
        var writer = Started(MobileNodeWriter());
        writer.Apply(new BindingUpdateListAdd(ListEntry(BindingUpdateListState.Bound, [Mnp])));
        writer.Stop();
        Assert.That(_kernel.Routes, Is.Empty);
        Assert.That(_kernel.Rules, Is.Empty);
        Assert.That(_kernel.Addresses, Is.Empty);
        Assert.That(_kernel.Tables, Is.Empty);
    }

    [Test]
    public void Applied_in_order_from_a_small_bus_subscription_the_tables_end_as_the_bus_says()
    {
        using var bus = new MobilityBus(_time);
        var writer = Started(HomeAgentWriter());
        using var subscription = bus.Subscribe("test", MessageKinds.BindingCache, capacity: 4);
        var random = new Random(7);
        var truth = new Dictionary<IPAddress, IPAddress>();
        for (int i = 0; i < 500; i++)
        {
            var home = IPAddress.Parse($"2001:db8:1::{random.Next(1, 40):x}");
            if (random.Next(3) == 0)
            {
                bus.Publish(new BindingCacheRemove(CacheEntry(home, CareOf, [])));
                truth.Remove(home);
            }
            else
            {
                var careOf = IPAddress.Parse($"2001:db8:a1::{random.Next(1, 9):x}");
                bus.Publish(new BindingCacheAdd(CacheEntry(home, careOf, [])));
                truth[home] = careOf;
            }
        }

        subscription.Dispose();
        writer.Run(subscription, () => false);

        var table = writer.Tables.BindingCache!.Snapshot()
            .ToDictionary(b => AddressKey.ToAddress(b.HomeAddress), b => AddressKey.ToAddress(b.RemoteEndpoint));
        Assert.That(table, Is.EquivalentTo(truth));
        Assert.That(_kernel.Routes.Select(r => r.Destination.BaseAddress), Is.EquivalentTo(truth.Keys));
    }

    private ForwardingStateWriter HomeAgentWriter() =>
        new(HomeAgentOptions, _kernel, Tun, null, _time, NullLogger.Instance, homeAddresses => _announced.AddRange(homeAddresses.Select(AddressKey.ToAddress)));

    private ForwardingStateWriter MobileNodeWriter() =>
        new(MobileNodeOptions, _kernel, Tun, null, _time, NullLogger.Instance);

    private static ForwardingStateWriter Started(ForwardingStateWriter writer)
    {
        writer.Start();
        return writer;
    }

    private static BindingCacheEntry CacheEntry(IPAddress home, IPAddress careOf, Prefix[] prefixes, ushort sequence = 1, ushort bindingId = 0) =>
        new(home, careOf, HomeAgent, BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.Acknowledge, TimeSpan.FromSeconds(60), sequence, new(prefixes), bindingId);

    private static BindingCacheEntry CorrespondentEntry(IPAddress correspondent) =>
        new(Home, CareOf, correspondent, BindingUpdateFlags.Acknowledge, TimeSpan.FromSeconds(60), 1, default);

    private static BindingUpdateListEntry ListEntry(BindingUpdateListState state, Prefix[]? prefixes = null) =>
        new(HomeAgent, Home, CareOf, BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.Acknowledge, TimeSpan.FromSeconds(60), 1, state, new(prefixes ?? []));

    private sealed class RecordingJournal : IStateJournal
    {
        public List<string> Events { get; } = [];

        public List<Ipv4Endpoint?> UdpEndpoints { get; } = [];

        public RestoredState Restored => RestoredState.Empty;

        public void Append(MobilityMessage message, DateTimeOffset at, Ipv4Endpoint? udpEndpoint = null)
        {
            Events.Add($"append {message.Type}");
            UdpEndpoints.Add(udpEndpoint);
        }

        public void Flush() => Events.Add("flush");
    }

    private sealed class RecordingSender(List<string> events) : IPacketSender
    {
        public List<byte[]> Sent { get; } = [];

        public bool TrySend(ReadOnlySpan<byte> ipv6Packet)
        {
            Sent.Add(ipv6Packet.ToArray());
            events.Add($"send {ipv6Packet.Length}");
            return true;
        }
    }
}
