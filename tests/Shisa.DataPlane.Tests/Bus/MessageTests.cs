using System.Net;
using Shisa.DataPlane.Bus;

namespace Shisa.DataPlane.Tests.Bus;

public class MessageTests
{
    private static BindingCacheEntry Entry(params string[] prefixes) => new(
        IPAddress.Parse("2001:db8:1::100"),
        IPAddress.Parse("2001:db8:a1::100"),
        IPAddress.Parse("2001:db8:1::1"),
        BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.MobileRouter | BindingUpdateFlags.Acknowledge,
        TimeSpan.FromSeconds(60),
        7,
        [.. prefixes.Select(Prefix.Parse)]);

    [Test]
    public void Every_message_carries_its_mipsock_number()
    {
        var address = IPAddress.IPv6Loopback;
        var entry = Entry();
        var bul = new BindingUpdateListEntry(address, address, address, BindingUpdateFlags.None, TimeSpan.Zero, 0, BindingUpdateListState.Idle);
        var messages = new (MobilityMessage Message, int Number)[]
        {
            (new NodeTypeInfo(NodeType.HomeAgent, true), 1),
            (new BindingCacheAdd(entry), 2),
            (new BindingCacheRemove(entry), 4),
            (new BindingCacheFlush(), 5),
            (new BindingUpdateListAdd(bul), 6),
            (new BindingUpdateListRemove(bul), 8),
            (new BindingUpdateListFlush(), 9),
            (new MovementInfo(MovementCommand.NewCareOfAddress, address, "eth0", 2, false), 10),
            (new HomeHint("eth0", 2, Prefix.Parse("2001:db8:1::/64")), 11),
            (new RrHint(address, address), 12),
            (new BeHint(BindingErrorStatus.UnknownBindingForHomeAddressOption, address, address, null), 13),
            (new Dad(DadMessage.Do, address, "eth0", 2), 14),
        };

        Assert.That(messages.Select(m => (int)m.Message.Type), Is.EqualTo(messages.Select(m => m.Number)));
        Assert.That(messages.Select(m => m.Message.Type).Distinct().Count(), Is.EqualTo(Enum.GetValues<MessageType>().Length));
    }

    [Test]
    public void Messages_with_prefix_lists_compare_by_value()
    {
        var a = new BindingCacheAdd(Entry("2001:db8:1:100::/56", "2001:db8:1:200::/56"));
        var b = new BindingCacheAdd(Entry("2001:db8:1:100::/56", "2001:db8:1:200::/56"));
        var c = new BindingCacheAdd(Entry("2001:db8:1:100::/56"));

        Assert.Multiple(() =>
        {
            Assert.That(a, Is.EqualTo(b));
            Assert.That(a.GetHashCode(), Is.EqualTo(b.GetHashCode()));
            Assert.That(a, Is.Not.EqualTo(c));
            Assert.That(new BindingCacheRemove(a.Entry), Is.Not.EqualTo((MobilityMessage)a), "same entry, other message");
            MobilityMessage flush = new BindingCacheFlush();
            Assert.That(flush, Is.EqualTo(new BindingCacheFlush()));
        });
    }

    [Test]
    public void The_flag_values_are_those_of_the_binding_update()
    {
        Assert.Multiple(() =>
        {
            Assert.That((ushort)BindingUpdateFlags.Acknowledge, Is.EqualTo(0x8000));
            Assert.That((ushort)BindingUpdateFlags.HomeRegistration, Is.EqualTo(0x4000));
            Assert.That((ushort)BindingUpdateFlags.MobileRouter, Is.EqualTo(0x0400));
            Assert.That(Entry().IsHomeRegistration && Entry().IsMobileRouter, Is.True);
            Assert.That(Entry().Key, Is.EqualTo(new BindingCacheKey(IPAddress.Parse("2001:db8:1::1"), IPAddress.Parse("2001:db8:1::100"), 0)));
        });
    }

    [Test]
    public void Kinds_sets_hold_their_types()
    {
        Assert.Multiple(() =>
        {
            Assert.That(MessageKinds.BindingCache.Includes(MessageType.BindingCacheRemove), Is.True);
            Assert.That(MessageKinds.BindingCache.Includes(MessageType.BindingUpdateListAdd), Is.False);
            Assert.That(Enum.GetValues<MessageType>().All(t => MessageKinds.All.Includes(t)), Is.True);
            Assert.That(MessageTypeExtensions.Of(MessageType.Dad, MessageType.RrHint), Is.EqualTo(MessageKinds.Dad | MessageKinds.RrHint));
        });
    }

    [Test]
    public void Prefixes_clear_host_bits_and_contain_their_addresses()
    {
        var prefix = Prefix.Parse("2001:db8:1:1ff::1/56");
        Assert.Multiple(() =>
        {
            Assert.That(prefix.ToString(), Is.EqualTo("2001:db8:1:100::/56"));
            Assert.That(prefix, Is.EqualTo(Prefix.Parse("2001:db8:1:100::/56")));
            Assert.That(prefix.Contains(IPAddress.Parse("2001:db8:1:1ab::10")), Is.True);
            Assert.That(prefix.Contains(IPAddress.Parse("2001:db8:1:200::10")), Is.False);
            Assert.That(prefix.Contains(Prefix.Parse("2001:db8:1:120::/64")), Is.True);
            Assert.That(Prefix.Parse("2001:db8:1:120::/64").Contains(prefix), Is.False);
            Assert.That(Prefix.TryParse("2001:db8::/129", out _), Is.False);
            Assert.That(Prefix.TryParse("2001:db8::", out _), Is.False);
            Assert.That(Prefix.TryParse("2001:db8::/-1", out _), Is.False);
            Assert.That(Prefix.TryParse(null, out _), Is.False);
        });
    }

    [Test]
    public void Dad_tells_requests_from_results() =>
        Assert.That(
            Enum.GetValues<DadMessage>().Select(m => new Dad(m, IPAddress.IPv6Loopback, "eth0", 1).IsResult),
            Is.EqualTo(new[] { false, false, false, true, true, true }));
}
