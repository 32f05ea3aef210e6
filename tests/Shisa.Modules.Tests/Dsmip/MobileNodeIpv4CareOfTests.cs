using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Dsmip;
using Shisa.Modules.MobileNode;
using WireFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;

namespace Shisa.Modules.Tests.Dsmip;

/// <summary>RFC 5555 at the mobile node: choosing an IPv4 care-of address, the Binding Update it sends, keepalives.</summary>
public sealed class MobileNodeIpv4CareOfTests
{
    private static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    private static readonly IPAddress Home = IPAddress.Parse("2001:db8:1::100");
    private static readonly IPAddress Ipv4 = IPAddress.Parse("198.51.100.10");
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public void A_bu_from_a_mapped_care_of_address_names_it_in_the_ipv4_care_of_address_option_and_asks_for_udp()
    {
        var request = new BindingUpdateRequest(7, WireFlags.A | WireFlags.H, TimeSpan.FromSeconds(60), Ipv4.MapToIPv6(), HomeAgent, Home);
        var update = MobileNodePackets.CreateBindingUpdate(request, null, T0);
        Assert.That(update.Options.Find<IPv4CareOfAddressOption>()?.CareOfAddress, Is.EqualTo(Ipv4));
        Assert.That(update.Flags, Is.EqualTo(WireFlags.A | WireFlags.H | WireFlags.F));
    }

    [Test]
    public void A_bu_from_an_ipv6_care_of_address_has_neither_option_nor_F()
    {
        var request = new BindingUpdateRequest(7, WireFlags.A | WireFlags.H, TimeSpan.FromSeconds(60), IPAddress.Parse("2001:db8:a1::10"), HomeAgent, Home);
        var update = MobileNodePackets.CreateBindingUpdate(request, null, T0);
        Assert.That(update.Options.Find<IPv4CareOfAddressOption>(), Is.Null);
        Assert.That(update.Flags & WireFlags.F, Is.EqualTo(WireFlags.None));
    }

    [Test]
    public void Behind_a_nat_the_refresh_comes_at_the_refresh_time_of_the_nat_detection_option()
    {
        var machine = new HomeRegistration(new HomeRegistrationOptions(Home, 64, HomeAgent, TimeSpan.FromSeconds(120), InitialSequence: 1000));
        machine.Handle(new MovedTo(Ipv4.MapToIPv6(), "mn0"), T0);
        var ba = new BindingAcknowledgement(BindingAcknowledgementStatus.Accepted, BindingAcknowledgementFlags.None, 1001, 30)
        {
            Options = [new NatDetectionOption(true, 5)],
        };
        var actions = machine.Handle(new BaReceived(ba, HomeAgent, Ipv4.MapToIPv6(), Home), T0 + TimeSpan.FromMilliseconds(100));
        Assert.That(actions.OfType<ArmTimer>().Single().After, Is.EqualTo(TimeSpan.FromSeconds(5)));

        var keepalive = machine.Handle(RegistrationTimeout.Instance, T0 + TimeSpan.FromSeconds(5.1));
        Assert.That(keepalive.OfType<SendBindingUpdate>().Single().Request.Source, Is.EqualTo(Ipv4.MapToIPv6()));
    }

    [Test]
    public void Without_a_nat_no_keepalive_shortens_the_refresh()
    {
        var machine = new HomeRegistration(new HomeRegistrationOptions(Home, 64, HomeAgent, TimeSpan.FromSeconds(120), InitialSequence: 1000));
        machine.Handle(new MovedTo(Ipv4.MapToIPv6(), "mn0"), T0);
        var ba = new BindingAcknowledgement(BindingAcknowledgementStatus.Accepted, BindingAcknowledgementFlags.None, 1001, 30)
        {
            Options = [new NatDetectionOption(true, NatDetectionOption.NoKeepalives)],
        };
        var actions = machine.Handle(new BaReceived(ba, HomeAgent, Ipv4.MapToIPv6(), Home), T0 + TimeSpan.FromMilliseconds(100));
        Assert.That(actions.OfType<ArmTimer>().Single().After, Is.GreaterThan(TimeSpan.FromSeconds(60)));
    }

    [Test]
    public void An_ipv4_care_of_address_is_chosen_only_where_no_uplink_has_a_global_ipv6_address_in_order_of_preference()
    {
        var a = IPAddress.Parse("198.51.100.10");
        var b = IPAddress.Parse("192.0.2.7");
        Assert.That(Ipv4CareOfChoice.Choose([new("mn0", true, a, false), new("mn1", true, b, false)]), Is.EqualTo(new Ipv4CareOf(a.MapToIPv6(), "mn0")));
        Assert.That(Ipv4CareOfChoice.Choose([new("mn0", false, a, false), new("mn1", true, b, false)]), Is.EqualTo(new Ipv4CareOf(b.MapToIPv6(), "mn1")));
        Assert.That(Ipv4CareOfChoice.Choose([new("mn0", true, null, true), new("mn1", true, b, false)]), Is.Null);
        Assert.That(Ipv4CareOfChoice.Choose([new("mn0", true, null, false)]), Is.Null);
    }

    [Test]
    public void The_watcher_reports_each_change_once_with_the_previous_choice()
    {
        var time = new FakeTimeProvider(T0);
        var views = new List<UplinkView> { new("mn0", true, Ipv4, false) };
        var changes = new List<(Ipv4CareOf? Previous, Ipv4CareOf? Current)>();
        using var watcher = new Ipv4UplinkWatcher(time, ["mn0"], (p, c) => changes.Add((p, c)), _ => [.. views]);
        time.Advance(Ipv4UplinkWatcher.PollInterval);
        views[0] = new UplinkView("mn0", false, Ipv4, false);
        time.Advance(Ipv4UplinkWatcher.PollInterval);
        time.Advance(Ipv4UplinkWatcher.PollInterval);

        var chosen = new Ipv4CareOf(Ipv4.MapToIPv6(), "mn0");
        Assert.That(changes, Is.EqualTo(new (Ipv4CareOf?, Ipv4CareOf?)[] { (null, chosen), (chosen, null) }));
    }
}
