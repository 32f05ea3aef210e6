using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bus;

namespace Shisa.DataPlane.Tests.Bus;

public class MobilityBusTests
{
    private static readonly IPAddress HomeAddress = IPAddress.Parse("2001:db8:1::100");
    private static readonly IPAddress CareOfAddress = IPAddress.Parse("2001:db8:a1::100");
    private static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");

    private static Dad DadRequest(int index, string name = "eth0") => new(DadMessage.Do, HomeAddress, name, index);

    private static RrHint Hint(int index) => new(HomeAddress, IPAddress.Parse($"2001:db8:2::{index:x}"));

    private static List<BusEnvelope> Drain(MobilitySubscription subscription)
    {
        var list = new List<BusEnvelope>();
        while (subscription.Reader.TryRead(out var envelope))
        {
            list.Add(envelope);
        }

        return list;
    }

    [Test]
    public void Publish_assigns_increasing_sequence_numbers_and_the_time_of_the_time_provider()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        using var bus = new MobilityBus(time);

        var first = bus.Publish(DadRequest(1), "test");
        time.Advance(TimeSpan.FromSeconds(3));
        var second = bus.Publish(new BindingCacheFlush());

        Assert.Multiple(() =>
        {
            Assert.That(first.Sequence, Is.EqualTo(1));
            Assert.That(second.Sequence, Is.EqualTo(2));
            Assert.That(first.Timestamp, Is.EqualTo(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)));
            Assert.That(second.Timestamp - first.Timestamp, Is.EqualTo(TimeSpan.FromSeconds(3)));
            Assert.That(first.Origin, Is.EqualTo("test"));
            Assert.That(second.Type, Is.EqualTo(MessageType.BindingCacheFlush));
            Assert.That(bus.LastSequence, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task A_subscriber_reads_every_message_in_publish_order()
    {
        using var bus = new MobilityBus(new FakeTimeProvider());
        using var subscription = bus.Subscribe("reader", MessageKinds.All, capacity: 100);

        var published = Enumerable.Range(0, 50).Select(i => bus.Publish(DadRequest(i))).ToList();
        bus.Dispose();

        var read = new List<BusEnvelope>();
        await foreach (var envelope in subscription.Reader.ReadAllAsync())
        {
            read.Add(envelope);
        }

        Assert.That(read, Is.EqualTo(published));
        Assert.That(read.Select(e => ((Dad)e.Message).InterfaceIndex), Is.EqualTo(Enumerable.Range(0, 50)));
    }

    [Test]
    public void A_slow_subscriber_does_not_block_the_publisher_and_loses_its_oldest_notifications_counted()
    {
        const int capacity = 8;
        const int count = 1000;
        using var bus = new MobilityBus(new FakeTimeProvider());
        using var slow = bus.Subscribe("slow", MessageKinds.All, capacity);
        using var fast = bus.Subscribe("fast", MessageKinds.All, count);

        // Publish is synchronous: this loop finishing on this thread while nobody reads is the proof.
        for (int i = 0; i < count; i++)
        {
            bus.Publish(Hint(i));
        }

        Assert.Multiple(() =>
        {
            Assert.That(slow.Delivered, Is.EqualTo(count));
            Assert.That(slow.DroppedNotifications, Is.EqualTo(count - capacity));
            Assert.That(slow.Pending, Is.EqualTo(capacity));
            Assert.That(fast.DroppedNotifications, Is.Zero);
        });

        var kept = Drain(slow);
        Assert.That(kept.Select(e => e.Sequence), Is.EqualTo(Enumerable.Range(count - capacity + 1, capacity).Select(i => (long)i)));
        Assert.That(Drain(fast).Select(e => e.Sequence), Is.EqualTo(Enumerable.Range(1, count).Select(i => (long)i)));

        var status = bus.GetSubscribers();
        Assert.That(status, Is.EqualTo(new[]
        {
            new SubscriberStatus("slow", MessageKinds.All, capacity, count, 0, count - capacity, 0, 0),
            new SubscriberStatus("fast", MessageKinds.All, count, count, 0, 0, 0, 0),
        }));
    }

    [Test]
    public async Task Concurrent_publishers_give_every_subscriber_the_same_sequence()
    {
        const int publishers = 4;
        const int perPublisher = 10_000;
        const int total = publishers * perPublisher;
        using var bus = new MobilityBus(new FakeTimeProvider());
        var subscriptions = Enumerable.Range(0, 3).Select(i => bus.Subscribe($"s{i}", MessageKinds.All, total)).ToList();

        // Messages are made beforehand so the publishing loops overlap as much as they can.
        var messages = Enumerable.Range(0, publishers)
            .Select(p => Enumerable.Range(0, perPublisher).Select(i => (MobilityMessage)DadRequest(i, $"p{p}")).ToArray())
            .ToArray();
        using var start = new Barrier(publishers);
        var tasks = Enumerable.Range(0, publishers).Select(p => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                foreach (var message in messages[p])
                {
                    bus.Publish(message, $"p{p}");
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        await Task.WhenAll(tasks);

        var seen = subscriptions.Select(Drain).ToList();
        Assert.That(seen[0], Has.Count.EqualTo(total));
        Assert.That(seen[0].Select(e => e.Sequence), Is.EqualTo(Enumerable.Range(1, total).Select(i => (long)i)));
        for (int i = 1; i < seen.Count; i++)
        {
            Assert.That(seen[i], Is.EqualTo(seen[0]), $"subscriber {i} saw another order");
        }

        // Each publisher's own messages keep the order it published them in.
        for (int p = 0; p < publishers; p++)
        {
            var mine = seen[0].Where(e => e.Origin == $"p{p}").Select(e => ((Dad)e.Message).InterfaceIndex);
            Assert.That(mine, Is.EqualTo(Enumerable.Range(0, perPublisher)));
        }

        Assert.That(subscriptions.Select(s => s.DroppedNotifications + s.Coalesced + s.Resyncs), Is.All.Zero);
    }

    [Test]
    public async Task Concurrent_publishers_and_live_readers_agree_on_the_order()
    {
        const int publishers = 4;
        const int perPublisher = 5_000;
        const int total = publishers * perPublisher;
        using var bus = new MobilityBus(new FakeTimeProvider());
        var subscriptions = Enumerable.Range(0, 2).Select(i => bus.Subscribe($"s{i}", MessageKinds.All, total)).ToList();
        var readers = subscriptions.Select(s => Task.Run(async () =>
        {
            var list = new List<long>(total);
            await foreach (var envelope in s.Reader.ReadAllAsync())
            {
                list.Add(envelope.Sequence);
            }

            return list;
        })).ToArray();

        // A notification: the same state message published again would coalesce in the queues.
        var message = Hint(0);
        await Task.WhenAll(Enumerable.Range(0, publishers).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < perPublisher; i++)
            {
                bus.Publish(message);
            }
        })));
        bus.Dispose();

        var seen = await Task.WhenAll(readers);
        Assert.That(seen[0], Is.EqualTo(Enumerable.Range(1, total).Select(i => (long)i)));
        Assert.That(seen[1], Is.EqualTo(seen[0]));
    }

    [Test]
    public void A_subscriber_receives_only_the_kinds_it_asked_for()
    {
        using var bus = new MobilityBus(new FakeTimeProvider());
        using var bindings = bus.Subscribe("bindings", MessageKinds.BindingCache);
        using var dad = bus.Subscribe("dad", MessageTypeExtensions.Of(MessageType.Dad, MessageType.HomeHint));

        bus.Publish(new BindingCacheFlush());
        bus.Publish(DadRequest(1));
        bus.Publish(new BindingUpdateListFlush());
        bus.Publish(new HomeHint("eth0", 2, Prefix.Parse("2001:db8:1::/64")));
        bus.Publish(new BindingCacheFlush());

        Assert.Multiple(() =>
        {
            // The second flush supersedes the first, unread (coalescing); both were delivered.
            Assert.That(Drain(bindings).Select(e => (e.Sequence, e.Type)), Is.EqualTo(new[] { (5L, MessageType.BindingCacheFlush) }));
            Assert.That(Drain(dad).Select(e => (e.Sequence, e.Type)), Is.EqualTo(new[] { (2L, MessageType.Dad), (4L, MessageType.HomeHint) }));
            Assert.That(bindings.Delivered, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Unsubscribing_completes_the_reader_and_stops_delivery()
    {
        using var bus = new MobilityBus(new FakeTimeProvider());
        var leaving = bus.Subscribe("leaving", MessageKinds.All);
        using var staying = bus.Subscribe("staying", MessageKinds.All);

        bus.Publish(DadRequest(1));
        leaving.Dispose();
        bus.Publish(DadRequest(2));

        Assert.That(Drain(leaving).Select(e => e.Sequence), Is.EqualTo(new[] { 1L }), "what was queued can still be read");
        await leaving.Reader.Completion;
        Assert.Multiple(() =>
        {
            Assert.That(leaving.Delivered, Is.EqualTo(1));
            Assert.That(leaving.IsDisposed, Is.True);
            Assert.That(bus.GetSubscribers().Select(s => s.Name), Is.EqualTo(new[] { "staying" }));
            Assert.That(Drain(staying).Select(e => e.Sequence), Is.EqualTo(new[] { 1L, 2L }));
        });
        Assert.DoesNotThrow(leaving.Dispose);
    }

    [Test]
    public void Disposing_the_bus_completes_every_reader_and_refuses_publishing()
    {
        var bus = new MobilityBus(new FakeTimeProvider());
        var subscription = bus.Subscribe("s", MessageKinds.All);
        bus.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(subscription.Reader.Completion.IsCompleted, Is.True);
            Assert.That(() => bus.Publish(DadRequest(1)), Throws.TypeOf<ObjectDisposedException>());
            Assert.That(() => bus.Subscribe("late", MessageKinds.All), Throws.TypeOf<ObjectDisposedException>());
        });
    }

    [Test]
    public void Subscribe_rejects_an_empty_kind_set_and_a_capacity_below_one()
    {
        using var bus = new MobilityBus(new FakeTimeProvider());
        Assert.Multiple(() =>
        {
            Assert.That(() => bus.Subscribe("none", MessageKinds.None), Throws.ArgumentException);
            Assert.That(() => bus.Subscribe("unknown", (MessageKinds)(1u << 3)), Throws.ArgumentException);
            Assert.That(() => bus.Subscribe("zero", MessageKinds.All, 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => bus.Subscribe(" ", MessageKinds.All), Throws.ArgumentException);
        });
    }

    [Test]
    public void The_recent_ring_keeps_the_last_messages_oldest_first()
    {
        using var bus = new MobilityBus(new FakeTimeProvider(), recentCapacity: 4);
        Assert.That(bus.GetRecent(), Is.Empty);

        for (int i = 0; i < 3; i++)
        {
            bus.Publish(DadRequest(i));
        }

        Assert.That(bus.GetRecent().Select(e => e.Sequence), Is.EqualTo(new[] { 1L, 2L, 3L }));

        for (int i = 3; i < 10; i++)
        {
            bus.Publish(DadRequest(i));
        }

        Assert.That(bus.GetRecent().Select(e => e.Sequence), Is.EqualTo(new[] { 7L, 8L, 9L, 10L }));
    }

    [Test]
    public void The_snapshot_counts_messages_per_type()
    {
        using var bus = new MobilityBus(new FakeTimeProvider(), recentCapacity: 0);
        using var subscription = bus.Subscribe("s", MessageKinds.Dad, 2);
        bus.Publish(DadRequest(1));
        bus.Publish(DadRequest(2));
        bus.Publish(DadRequest(3));
        bus.Publish(new BindingCacheFlush());

        var snapshot = bus.GetSnapshot();
        var counts = snapshot.PublishedByType.ToDictionary(p => p.Key, p => p.Value);
        Assert.Multiple(() =>
        {
            Assert.That(snapshot.LastSequence, Is.EqualTo(4));
            Assert.That(counts[MessageType.Dad], Is.EqualTo(3));
            Assert.That(counts[MessageType.BindingCacheFlush], Is.EqualTo(1));
            Assert.That(counts[MessageType.HomeHint], Is.Zero);
            Assert.That(counts, Has.Count.EqualTo(Enum.GetValues<MessageType>().Length));
            Assert.That(snapshot.Recent.Count, Is.Zero);
            // Three DAD requests for different interfaces in a queue of two: state, so kept (a resync that carries them).
            Assert.That(snapshot.Subscribers.Single(), Is.EqualTo(new SubscriberStatus("s", MessageKinds.Dad, 2, 3, 0, 0, 1, 3)));
        });
    }
}
