using System.Net;
using Shisa.DataPlane.Bus;

namespace Shisa.DataPlane.Tests.Bus;

/// <summary>The one way binding cache and update list messages are applied to keyed tables (bus resync, journal, status view).</summary>
public class BindingStateTablesTests
{
    private static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");

    [Test]
    public void Adds_replace_per_key_removes_and_flushes_take_entries_of_their_table_only()
    {
        var tables = new BindingStateTables<ushort, ushort>();
        tables.Apply(new BindingCacheAdd(Cache("2001:db8:1::100", 1)), a => a.Entry.Sequence, a => a.Entry.Sequence);
        tables.Apply(new BindingCacheAdd(Cache("2001:db8:1::100", 2)), a => a.Entry.Sequence, a => a.Entry.Sequence);
        tables.Apply(new BindingCacheAdd(Cache("2001:db8:1::101", 1)), a => a.Entry.Sequence, a => a.Entry.Sequence);
        tables.Apply(new BindingUpdateListAdd(List(5)), a => a.Entry.Sequence, a => a.Entry.Sequence);
        Assert.That(tables.Cache.Values, Is.EquivalentTo(new ushort[] { 2, 1 }));

        tables.Apply(new BindingCacheRemove(Cache("2001:db8:1::101", 9)), a => a.Entry.Sequence, a => a.Entry.Sequence);
        Assert.That(tables.Cache, Has.Count.EqualTo(1));
        tables.Apply(new BindingCacheFlush(), a => a.Entry.Sequence, a => a.Entry.Sequence);
        Assert.That(tables.Cache, Is.Empty);
        Assert.That(tables.UpdateList.Values, Is.EqualTo(new ushort[] { 5 }), "a cache flush leaves the update list");

        tables.Apply(new BindingUpdateListFlush(), a => a.Entry.Sequence, a => a.Entry.Sequence);
        Assert.That(tables.Count, Is.Zero);
    }

    [Test]
    public void Past_capacity_a_new_key_is_refused_and_a_known_one_still_updates()
    {
        var tables = new BindingStateTables<ushort, ushort>(capacity: 1);
        Assert.That(tables.Apply(new BindingCacheAdd(Cache("2001:db8:1::100", 1)), a => a.Entry.Sequence, a => 0), Is.True);
        Assert.That(tables.Apply(new BindingCacheAdd(Cache("2001:db8:1::101", 1)), a => a.Entry.Sequence, a => 0), Is.False);
        Assert.That(tables.Apply(new BindingCacheAdd(Cache("2001:db8:1::100", 3)), a => a.Entry.Sequence, a => 0), Is.True);
        Assert.That(tables.Cache.Values, Is.EqualTo(new ushort[] { 3 }));
    }

    private static BindingCacheEntry Cache(string home, ushort sequence) =>
        new(IPAddress.Parse(home), IPAddress.Parse("2001:db8:a1::1"), HomeAgent, BindingUpdateFlags.HomeRegistration, TimeSpan.FromSeconds(60), sequence, default);

    private static BindingUpdateListEntry List(ushort sequence) =>
        new(HomeAgent, IPAddress.Parse("2001:db8:1::100"), IPAddress.Parse("2001:db8:a1::1"), BindingUpdateFlags.HomeRegistration, TimeSpan.FromSeconds(60), sequence, BindingUpdateListState.Bound);
}
