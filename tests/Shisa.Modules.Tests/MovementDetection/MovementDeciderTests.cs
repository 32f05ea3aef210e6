using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.Modules.MovementDetection;

namespace Shisa.Modules.Tests.MovementDetection;

public class MovementDeciderTests
{
    private static readonly IPAddress Home = IPAddress.Parse("2001:db8:1::100");
    private static readonly IPAddress CareOf = IPAddress.Parse("2001:db8:a1::ff:fe00:10");
    private static readonly IPAddress CareOf2 = IPAddress.Parse("2001:db8:a2::ff:fe00:10");
    private static readonly IPAddress OnHomeLink = IPAddress.Parse("2001:db8:1::ff:fe00:10");
    private static readonly IPAddress LinkLocal = IPAddress.Parse("fe80::ff:fe00:10");

    private static readonly LinkState Eth0 = new(2, "eth0", true);
    private static readonly LinkState Eth1 = new(3, "eth1", true);

    private static MovementDecider Decider(params string[] interfaces) => new(Home, 64, interfaces.Length == 0 ? ["eth0"] : interfaces);

    private static InterfaceAddress Address(IPAddress address, AddressFlags flags = AddressFlags.None, int index = 2, AddressScope? scope = null) =>
        new(index, address, 64, flags, scope ?? (address.IsIPv6LinkLocal ? AddressScope.Link : AddressScope.Universe));

    private static NetworkSnapshot State(IEnumerable<LinkState> links, params InterfaceAddress[] addresses) => new([.. links], addresses);

    private static NetworkSnapshot State(params InterfaceAddress[] addresses) => State([Eth0], addresses);

    [Test]
    public void A_new_global_address_is_a_new_care_of_address()
    {
        var decider = Decider();
        var published = decider.Update(State(Address(LinkLocal), Address(CareOf)));
        Assert.That(published, Is.EqualTo(new[] { new MovementInfo(MovementCommand.NewCareOfAddress, CareOf, "eth0", 2, false) }));
        Assert.That(decider.Update(State(Address(LinkLocal), Address(CareOf))), Is.Empty, "no change, nothing to say");
    }

    [Test]
    public void With_multiple_care_of_addresses_every_uplink_is_reported_and_a_lost_one_alone_is_removed()
    {
        var decider = new MovementDecider(Home, 64, ["eth0", "eth1"], eachUplink: true);
        var both = State([Eth0, Eth1], Address(CareOf), Address(CareOf2, index: 3));

        Assert.That(decider.Update(both), Is.EqualTo(new[]
        {
            new MovementInfo(MovementCommand.NewCareOfAddress, CareOf, "eth0", 2, false),
            new MovementInfo(MovementCommand.NewCareOfAddress, CareOf2, "eth1", 3, false),
        }));
        Assert.That(decider.Update(both), Is.Empty);

        var eth0Down = State([Eth0 with { Up = false }, Eth1], Address(CareOf), Address(CareOf2, index: 3));
        Assert.That(decider.Update(eth0Down), Is.EqualTo(new[]
        {
            new MovementInfo(MovementCommand.CareOfAddressRemoved, CareOf, "eth0", 2, false),
            new MovementInfo(MovementCommand.Scan, null, "eth0", 2, false),
        }), "eth1's care-of address is not reported again");

        var eth0Back = State([Eth0, Eth1], Address(IPAddress.Parse("2001:db8:a1::77")), Address(CareOf2, index: 3));
        Assert.That(decider.Update(eth0Back), Is.EqualTo(new[] { new MovementInfo(MovementCommand.NewCareOfAddress, IPAddress.Parse("2001:db8:a1::77"), "eth0", 2, false) }));

        var home = State([Eth0, Eth1], Address(OnHomeLink), Address(CareOf2, index: 3));
        Assert.That(decider.Update(home).Select(m => m.Command), Is.EqualTo(new[] { MovementCommand.ReturnedHome, MovementCommand.CareOfAddressRemoved, MovementCommand.CareOfAddressRemoved }));
    }

    [Test]
    public void An_optimistic_address_is_used_at_once()
    {
        var decider = Decider();
        var published = decider.Update(State(Address(CareOf, AddressFlags.Tentative | AddressFlags.Optimistic)));
        Assert.That(published.Single().CareOfAddress, Is.EqualTo(CareOf));

        Assert.That(decider.Update(State(Address(CareOf))), Is.Empty, "the end of its DAD changes nothing");
    }

    [Test]
    public void A_care_of_address_another_node_holds_is_left_for_the_next_usable_one()
    {
        var decider = Decider();
        var both = State(Address(CareOf), Address(CareOf2));
        Assert.That(decider.Update(both).Single().CareOfAddress, Is.EqualTo(CareOf));

        Assert.That(decider.Refuse(2, CareOf), Is.True);
        Assert.That(decider.Refuse(2, CareOf), Is.False, "refused once");
        Assert.That(decider.Update(both), Is.EqualTo(new[] { new MovementInfo(MovementCommand.NewCareOfAddress, CareOf2, "eth0", 2, false) }));

        // SLAAC forms it again at the next advertisement: still not used.
        Assert.That(decider.Update(State(Address(CareOf2))), Is.Empty);
        Assert.That(decider.Update(both), Is.Empty);
    }

    [Test]
    public void A_duplicate_that_was_the_only_care_of_address_leaves_the_node_unattached()
    {
        var decider = Decider();
        Assert.That(decider.Update(State(Address(CareOf))).Single().Command, Is.EqualTo(MovementCommand.NewCareOfAddress));
        decider.Refuse(2, CareOf);
        Assert.That(decider.Update(State(Address(CareOf))), Is.EqualTo(new[] { new MovementInfo(MovementCommand.CareOfAddressRemoved, CareOf, "eth0", 2, false) }));
        Assert.That(decider.Refuse(3, CareOf), Is.True, "the same address on another interface is another matter");
    }

    [Test]
    public void A_tentative_address_waits_for_the_end_of_dad()
    {
        var decider = Decider();
        Assert.That(decider.Update(State(Address(CareOf, AddressFlags.Tentative))), Is.Empty);
        Assert.That(decider.Update(State(Address(CareOf))).Single().Command, Is.EqualTo(MovementCommand.NewCareOfAddress));
    }

    [Test]
    public void Failed_dad_link_local_and_host_scope_addresses_are_never_used()
    {
        var decider = Decider();
        Assert.That(decider.Update(State(
            Address(CareOf, AddressFlags.DadFailed | AddressFlags.Tentative),
            Address(LinkLocal),
            Address(IPAddress.IPv6Loopback, scope: AddressScope.Host),
            Address(CareOf2, scope: AddressScope.Site))), Is.Empty);
        Assert.That(decider.Current.Kind, Is.EqualTo(AttachmentKind.None));
    }

    [Test]
    public void An_address_in_the_home_prefix_means_home()
    {
        var decider = Decider();
        decider.Update(State(Address(CareOf)));
        var published = decider.Update(State(Address(OnHomeLink)));
        Assert.That(published, Is.EqualTo(new[] { new MovementInfo(MovementCommand.ReturnedHome, Home, "eth0", 2, true) }));
        Assert.That(decider.Current.Kind, Is.EqualTo(AttachmentKind.Home));
    }

    [Test]
    public void Losing_the_address_or_the_carrier_removes_the_care_of_address()
    {
        var decider = Decider();
        decider.Update(State(Address(CareOf)));
        Assert.That(decider.Update(State(Address(LinkLocal))),
            Is.EqualTo(new[] { new MovementInfo(MovementCommand.CareOfAddressRemoved, CareOf, "eth0", 2, false) }));

        decider.Update(State(Address(CareOf)));
        var down = decider.Update(State([Eth0 with { Up = false }], Address(CareOf)));
        Assert.That(down.Select(m => m.Command), Is.EqualTo(new[] { MovementCommand.CareOfAddressRemoved, MovementCommand.Scan }));
    }

    [Test]
    public void Losing_the_carrier_asks_to_forget_what_the_link_taught_only_then()
    {
        var decider = Decider();
        decider.Update(State(Address(OnHomeLink)));
        Assert.That(decider.Update(State([Eth0 with { Up = false }], Address(OnHomeLink))),
            Is.EqualTo(new[] { new MovementInfo(MovementCommand.Scan, null, "eth0", 2, true) }), "left home: the link is gone");

        decider.Update(State(Address(CareOf)));
        Assert.That(decider.Update(State(Address(CareOf2))).Select(m => m.Command), Is.EqualTo(new[] { MovementCommand.NewCareOfAddress }),
            "a new address on a link that stays up is no link change");
    }

    [Test]
    public void An_address_the_link_had_while_it_was_down_is_not_taken_until_it_has_gone_once()
    {
        var decider = Decider();
        decider.Update(State(Address(CareOf)));
        decider.Update(State([Eth0 with { Up = false }], Address(CareOf)));

        // Plugged into the next link before the data plane removed the old link's address: wait for the new one.
        Assert.That(decider.Update(State(Address(CareOf))), Is.Empty);
        Assert.That(decider.Update(State(Address(CareOf), Address(CareOf2, AddressFlags.Tentative | AddressFlags.Optimistic))).Single().CareOfAddress, Is.EqualTo(CareOf2));

        // Gone once and made again (the same link's advertisement): usable again.
        decider.Update(State(Address(CareOf2)));
        Assert.That(decider.Update(State([Eth0 with { Up = false }], Address(CareOf2))).First().Command, Is.EqualTo(MovementCommand.CareOfAddressRemoved));
        Assert.That(decider.Update(State()), Is.Empty);
        Assert.That(decider.Update(State(Address(CareOf2))).Single().CareOfAddress, Is.EqualTo(CareOf2));
    }

    [Test]
    public void The_home_address_on_the_interface_is_no_sign_of_the_home_link()
    {
        var decider = Decider();
        decider.Update(State(Address(OnHomeLink), Address(Home)));
        Assert.That(decider.Current.Kind, Is.EqualTo(AttachmentKind.Home));

        // Plugged into a foreign link before the data plane took the home address off the interface.
        var published = decider.Update(State(Address(Home), Address(CareOf, AddressFlags.Tentative | AddressFlags.Optimistic)));
        Assert.That(published, Is.EqualTo(new[] { new MovementInfo(MovementCommand.NewCareOfAddress, CareOf, "eth0", 2, false) }));
        Assert.That(decider.Update(State(Address(Home))).Single().Command, Is.EqualTo(MovementCommand.CareOfAddressRemoved), "nor a care-of address");
    }

    [Test]
    public void Leaving_home_with_nothing_new_says_nothing()
    {
        var decider = Decider();
        decider.Update(State(Address(OnHomeLink)));
        Assert.That(decider.Update(State()), Is.Empty);
    }

    [Test]
    public void Moving_between_foreign_links_reports_the_new_care_of_address()
    {
        var decider = Decider();
        decider.Update(State(Address(CareOf)));
        Assert.That(decider.Update(State(Address(CareOf2))).Single(), Is.EqualTo(new MovementInfo(MovementCommand.NewCareOfAddress, CareOf2, "eth0", 2, false)));
    }

    [Test]
    public void The_care_of_address_sticks_while_it_stays_usable()
    {
        var decider = Decider();
        decider.Update(State(Address(CareOf2)));
        Assert.That(decider.Update(State(Address(CareOf2), Address(CareOf))), Is.Empty);
    }

    [Test]
    public void Among_new_addresses_one_past_dad_and_not_deprecated_wins()
    {
        var decider = Decider();
        var chosen = decider.Update(State(
            Address(IPAddress.Parse("2001:db8:a1::1"), AddressFlags.Tentative | AddressFlags.Optimistic),
            Address(IPAddress.Parse("2001:db8:a1::2"), AddressFlags.Deprecated),
            Address(IPAddress.Parse("2001:db8:a1::3"))));
        Assert.That(chosen.Single().CareOfAddress, Is.EqualTo(IPAddress.Parse("2001:db8:a1::3")));
    }

    [Test]
    public void Interfaces_are_tried_in_order_of_preference()
    {
        var decider = Decider("eth1", "eth0");
        var both = State([Eth0, Eth1], Address(CareOf, index: 2), Address(CareOf2, index: 3));
        Assert.That(decider.Update(both).Single().CareOfAddress, Is.EqualTo(CareOf2));

        var eth1Down = State([Eth0, Eth1 with { Up = false }], Address(CareOf, index: 2), Address(CareOf2, index: 3));
        Assert.That(decider.Update(eth1Down), Is.EqualTo(new[]
        {
            new MovementInfo(MovementCommand.NewCareOfAddress, CareOf, "eth0", 2, false),
            new MovementInfo(MovementCommand.Scan, null, "eth1", 3, false),
        }));
    }

    [Test]
    public void Interfaces_not_named_are_not_watched()
    {
        var decider = Decider("eth0");
        Assert.That(decider.Update(State([Eth0, Eth1], Address(CareOf2, index: 3))), Is.Empty);
    }
}
