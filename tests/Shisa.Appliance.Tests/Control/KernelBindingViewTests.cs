using System.Net;
using Shisa.Appliance.Control;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Kernel;

namespace Shisa.Appliance.Tests.Control;

public class KernelBindingViewTests
{
    private static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    private static readonly IPAddress CareOf = IPAddress.Parse("2001:db8:a1::5");

    private static BindingCacheEntry Home(string home, params Prefix[] prefixes) =>
        new(IPAddress.Parse(home), CareOf, HomeAgent, BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.Acknowledge, TimeSpan.FromSeconds(60), 1, [.. prefixes]);

    private static KernelRoute Route(string network) => new(IPNetwork.Parse(network), "shisa0");

    [Test]
    public void A_home_agent_binding_with_its_routes_is_ok_and_what_is_missing_is_named()
    {
        var mobileRouter = Home("2001:db8:1::200", new Prefix(IPAddress.Parse("2001:db8:1:200::"), 56));
        var kernel = new KernelState(
            [Route("2001:db8:1::100/128"), Route("2001:db8:1::200/128"), Route("2001:db8:1::300/128"), new KernelRoute(IPNetwork.Parse("2001:db8:9::/64"), "eth0")],
            [],
            []);
        var lines = KernelBindingView.Compare([Home("2001:db8:1::100"), mobileRouter], [], kernel, "shisa0", isHomeAgent: true);

        Assert.That(lines.Select(l => l.Mark), Is.EqualTo(new[] { "ok", "MISSING", "STALE" }));
        Assert.That(lines[1].Missing, Is.EqualTo(new[] { "route 2001:db8:1:200::/56 dev shisa0" }));
        Assert.That(lines[2].KernelOnly, Is.EqualTo("route 2001:db8:1::300/128 dev shisa0 table 254 metric 1024"), "a route into the TUN no binding explains; eth0's is not ours to judge");
    }

    [Test]
    public void A_mobile_node_needs_its_home_address_on_the_tunnel_and_its_rule_and_a_correspondent_has_no_kernel_state()
    {
        var update = new BindingUpdateListEntry(HomeAgent, IPAddress.Parse("2001:db8:1::100"), CareOf, BindingUpdateFlags.HomeRegistration, TimeSpan.FromSeconds(60), 3, BindingUpdateListState.Bound);
        var correspondent = new BindingCacheEntry(IPAddress.Parse("2001:db8:1::100"), CareOf, IPAddress.Parse("2001:db8:c::2"), BindingUpdateFlags.Acknowledge, TimeSpan.FromSeconds(60), 1, []);
        var bare = KernelBindingView.Compare([correspondent], [update], new KernelState([], [], []), "shisa0", isHomeAgent: false);
        Assert.That(bare.Select(l => l.Mark), Is.EqualTo(new[] { "ok", "MISSING" }));
        Assert.That(bare[0].Source, Is.EqualTo("correspondent"));
        Assert.That(bare[1].Missing, Is.EqualTo(new[] { "address 2001:db8:1::100/128 dev shisa0", "rule from 2001:db8:1::100/128" }));

        var installed = new KernelState([], [new KernelRule(IPNetwork.Parse("2001:db8:1::100/128"), 1910, 1000)], [new KernelAddress(IPAddress.Parse("2001:db8:1::100"), 128, "shisa0")]);
        Assert.That(KernelBindingView.Compare([], [update], installed, "shisa0", isHomeAgent: false).Single().Mark, Is.EqualTo("ok"));
    }
}
