using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bus;

namespace Shisa.DataPlane.Tests.Bus;

/// <summary>
/// A subscriber's queue never loses state (DESIGN 3): state coalesces per key, notifications are dropped first,
/// and a queue full of state resyncs from the bus's tables.
/// </summary>
public class CoalescingTests
{
    private static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    private static readonly IPAddress Correspondent = IPAddress.Parse("2001:db8:3::1");

    private static IPAddress Home(int i) => IPAddress.Parse($"2001:db8:1::{i + 0x100:x}");

    private static IPAddress CareOf(int i) => IPAddress.Parse($"2001:db8:a::{i + 1:x}");

    private static BindingCacheEntry Cache(int home, int careOf = 0, ushort bindingId = 0) => new(
        Home(home), CareOf(careOf), HomeAgent, BindingUpdateFlags.HomeRegistration, TimeSpan.FromSeconds(60), (ushort)careOf, [], bindingId);

    private static BindingUpdateListEntry UpdateList(int home, int careOf = 0) => new(
        Correspondent, Home(home), CareOf(careOf), BindingUpdateFlags.None, TimeSpan.FromSeconds(60), (ushort)careOf, BindingUpdateListState.Bound);

    private static RrHint Hint(int i) => new(Home(i), Correspondent);

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
    public void Same_key_adds_coalesce_and_the_latest_wins()
    {
        using var bus = new MobilityBus(new FakeTimeProvider());
        using var subscription = bus.Subscribe("s", MessageKinds.BindingCache, 16);
        bus.Publish(new BindingCacheAdd(Cache(1, careOf: 1)));
        bus.Publish(new BindingCacheAdd(Cache(1, careOf: 2)));
        var last = bus.Publish(new BindingCacheAdd(Cache(1, careOf: 3)));

        Assert.Multiple(() =>
        {
            Assert.That(subscription.Pending, Is.EqualTo(1));
            Assert.That(subscription.Coalesced, Is.EqualTo(2));
            Assert.That(subscription.Delivered, Is.EqualTo(3));
            Assert.That(Drain(subscription), Is.EqualTo(new[] { last }));
        });
    }

    [Test]
    public void A_different_binding_id_is_a_different_key()
    {
        using var bus = new MobilityBus(new FakeTimeProvider());
        using var subscription = bus.Subscribe("s", MessageKinds.BindingCache, 16);
        bus.Publish(new BindingCacheAdd(Cache(1, careOf: 1, bindingId: 1)));
        bus.Publish(new BindingCacheAdd(Cache(1, careOf: 2, bindingId: 2)));

        Assert.That(Drain(subscription), Has.Count.EqualTo(2));
    }

    [Test]
    public void Different_keys_keep_publish_order()
    {
        using var bus = new MobilityBus(new FakeTimeProvider());
        using var subscription = bus.Subscribe("s", MessageKinds.All, 64);
        var published = new List<BusEnvelope>();
        for (int i = 0; i < 10; i++)
        {
            published.Add(bus.Publish(new BindingCacheAdd(Cache(i))));
            published.Add(bus.Publish(new BindingUpdateListAdd(UpdateList(i))));
            published.Add(bus.Publish(Hint(i)));
        }

        Assert.That(Drain(subscription), Is.EqualTo(published));
        Assert.That(subscription.Coalesced, Is.Zero);
    }

    [Test]
    public void Order_is_ascending_sequence_after_coalescing()
    {
        using var bus = new MobilityBus(new FakeTimeProvider());
        using var subscription = bus.Subscribe("s", MessageKinds.All, 64);
        var a1 = bus.Publish(new BindingCacheAdd(Cache(1, careOf: 1)));
        var b = bus.Publish(new BindingCacheAdd(Cache(2)));
        var hint = bus.Publish(Hint(0));
        var a2 = bus.Publish(new BindingCacheAdd(Cache(1, careOf: 2)));
        var c = bus.Publish(new BindingUpdateListAdd(UpdateList(3)));
        var b2 = bus.Publish(new BindingCacheAdd(Cache(2, careOf: 5)));

        var read = Drain(subscription);
        Assert.Multiple(() =>
        {
            Assert.That(read, Is.EqualTo(new[] { hint, a2, c, b2 }), "a superseded message leaves its place, the new one is appended");
            Assert.That(read.Select(e => e.Sequence), Is.Ordered.Ascending);
            Assert.That(read, Does.Not.Contain(a1).And.Not.Contain(b));
        });
    }

    [Test]
    public void A_remove_after_an_add_coalesces_to_the_remove()
    {
        using var bus = new MobilityBus(new FakeTimeProvider());
        using var subscription = bus.Subscribe("s", MessageKinds.BindingCache | MessageKinds.BindingUpdateList, 16);
        bus.Publish(new BindingCacheAdd(Cache(1)));
        var remove = bus.Publish(new BindingCacheRemove(Cache(1)));
        bus.Publish(new BindingUpdateListAdd(UpdateList(1)));
        var bulRemove = bus.Publish(new BindingUpdateListRemove(UpdateList(1, careOf: 7)));

        Assert.That(Drain(subscription), Is.EqualTo(new[] { remove, bulRemove }));
    }

    [Test]
    public void A_flush_supersedes_the_unread_entries_of_its_table_only()
    {
        using var bus = new MobilityBus(new FakeTimeProvider());
        using var subscription = bus.Subscribe("s", MessageKinds.All, 64);
        bus.Publish(new BindingCacheAdd(Cache(1)));
        var bul = bus.Publish(new BindingUpdateListAdd(UpdateList(1)));
        bus.Publish(new BindingCacheRemove(Cache(2)));
        var hint = bus.Publish(Hint(1));
        bus.Publish(new BindingCacheFlush());
        var bul2 = bus.Publish(new BindingUpdateListAdd(UpdateList(2)));
        var flush = bus.Publish(new BindingCacheFlush());
        var after = bus.Publish(new BindingCacheAdd(Cache(3)));

        Assert.Multiple(() =>
        {
            Assert.That(Drain(subscription), Is.EqualTo(new[] { bul, hint, bul2, flush, after }), "the older flush went too");
            Assert.That(subscription.Coalesced, Is.EqualTo(3));
        });
    }

    [Test]
    public void Notifications_are_never_coalesced_and_are_dropped_first_when_full_counted()
    {
        using var bus = new MobilityBus(new FakeTimeProvider());
        using var subscription = bus.Subscribe("s", MessageKinds.All, 4);
        var add = bus.Publish(new BindingCacheAdd(Cache(1)));
        bus.Publish(Hint(1));
        bus.Publish(Hint(1));
        var scan = bus.Publish(new MovementInfo(MovementCommand.Scan, null, "eth0", 2, false));
        var hint = bus.Publish(Hint(1));
        var add2 = bus.Publish(new BindingCacheAdd(Cache(2)));

        Assert.Multiple(() =>
        {
            Assert.That(Drain(subscription), Is.EqualTo(new[] { add, scan, hint, add2 }), "the two oldest hints made room; the same hint twice is not coalesced");
            Assert.That(subscription.DroppedNotifications, Is.EqualTo(2));
            Assert.That(subscription.Coalesced, Is.Zero);
            Assert.That(subscription.Resyncs, Is.Zero);
        });
    }

    [Test]
    public void Dad_requests_coalesce_per_address_and_interface_and_results_never()
    {
        using var bus = new MobilityBus(new FakeTimeProvider());
        using var subscription = bus.Subscribe("s", MessageKinds.Dad, 16);
        bus.Publish(new Dad(DadMessage.Do, Home(1), "eth0", 2));
        var other = bus.Publish(new Dad(DadMessage.Do, Home(1), "eth1", 3));
        var result1 = bus.Publish(new Dad(DadMessage.Success, Home(1), "eth0", 2));
        var result2 = bus.Publish(new Dad(DadMessage.Success, Home(1), "eth0", 2));
        var stop = bus.Publish(new Dad(DadMessage.Stop, Home(1), "eth0", 2));

        Assert.That(Drain(subscription), Is.EqualTo(new[] { other, result1, result2, stop }));
    }

    [Test]
    public void A_new_care_of_address_then_its_removal_coalesce_and_a_scan_never()
    {
        using var bus = new MobilityBus(new FakeTimeProvider());
        using var subscription = bus.Subscribe("s", MessageKinds.MovementInfo, 16);
        bus.Publish(new MovementInfo(MovementCommand.NewCareOfAddress, CareOf(1), "eth0", 2, false));
        var scan1 = bus.Publish(new MovementInfo(MovementCommand.Scan, null, "eth0", 2, false));
        var otherInterface = bus.Publish(new MovementInfo(MovementCommand.NewCareOfAddress, CareOf(1), "wlan0", 3, false));
        var scan2 = bus.Publish(new MovementInfo(MovementCommand.Scan, null, "eth0", 2, false));
        var removed = bus.Publish(new MovementInfo(MovementCommand.CareOfAddressRemoved, CareOf(1), "eth0", 2, false));

        Assert.That(Drain(subscription), Is.EqualTo(new[] { scan1, otherInterface, scan2, removed }));
    }

    [Test]
    public void Overflow_with_only_state_resyncs_to_a_flush_and_exactly_the_current_state()
    {
        var time = new FakeTimeProvider();
        using var bus = new MobilityBus(time);
        using var subscription = bus.Subscribe("s", MessageKinds.BindingCache | MessageKinds.NodeTypeInfo, 4);
        bus.Publish(new NodeTypeInfo(NodeType.HomeAgent, true));
        bus.Publish(new BindingCacheAdd(Cache(1)));
        bus.Publish(new BindingCacheAdd(Cache(2)));
        bus.Publish(new BindingCacheRemove(Cache(1)));
        bus.Publish(new BindingCacheAdd(Cache(2, careOf: 9)));
        bus.Publish(new BindingCacheRemove(Cache(3)));

        // Queued now: the node type, Remove 1, Add 2', Remove 3. Full, nothing to drop: resync.
        var trigger = bus.Publish(new BindingCacheAdd(Cache(4)));

        var read = Drain(subscription);
        Assert.Multiple(() =>
        {
            Assert.That(subscription.Resyncs, Is.EqualTo(1));
            Assert.That(read.Take(2).Select(e => e.Message), Is.EqualTo(new MobilityMessage[] { new NodeTypeInfo(NodeType.HomeAgent, true), new BindingCacheFlush() }));
            Assert.That(read.Skip(2).Select(e => e.Message), Is.EquivalentTo(new[] { new BindingCacheAdd(Cache(2, careOf: 9)), new BindingCacheAdd(Cache(4)) }), "the entries, in no particular order");
            Assert.That(read.Select(e => e.Sequence), Is.All.EqualTo(trigger.Sequence));
            Assert.That(read.Select(e => e.Origin), Is.All.EqualTo(MobilitySubscription.ResyncOrigin));
            Assert.That(read.Select(e => e.Timestamp), Is.All.EqualTo(trigger.Timestamp));
            Assert.That(subscription.ConsumedThrough, Is.EqualTo(trigger.Sequence));
            Assert.That(bus.GetState(MessageKinds.BindingCache | MessageKinds.NodeTypeInfo), Is.EqualTo(read.Select(e => e.Message)));
        });
    }

    [Test]
    public void A_resync_keeps_the_unread_dad_requests_and_movement_and_then_the_trigger_if_not_in_the_tables()
    {
        using var bus = new MobilityBus(new FakeTimeProvider());
        using var subscription = bus.Subscribe("s", MessageKinds.BindingCache | MessageKinds.Dad | MessageKinds.MovementInfo | MessageKinds.RrHint, 3);
        var moved = bus.Publish(new MovementInfo(MovementCommand.NewCareOfAddress, CareOf(1), "eth0", 2, false));
        bus.Publish(new BindingCacheAdd(Cache(1)));
        var stop = bus.Publish(new Dad(DadMessage.Stop, Home(1), "eth0", 2));
        var hint = bus.Publish(Hint(1));

        var read = Drain(subscription);
        Assert.Multiple(() =>
        {
            Assert.That(subscription.Resyncs, Is.EqualTo(1));
            Assert.That(read.Select(e => e.Message), Is.EqualTo(new MobilityMessage[]
            {
                moved.Message, stop.Message, new BindingCacheFlush(), new BindingCacheAdd(Cache(1)), hint.Message,
            }));
            Assert.That(read.Select(e => e.Sequence), Is.EqualTo(new[] { moved.Sequence, stop.Sequence, hint.Sequence, hint.Sequence, hint.Sequence }));
            Assert.That(read.Select(e => e.Origin), Is.EqualTo(new[] { null, null, MobilitySubscription.ResyncOrigin, MobilitySubscription.ResyncOrigin, null }));
        });
    }

    [Test]
    public void A_resync_larger_than_the_capacity_is_kept_whole_and_the_next_waits_for_twice_its_size()
    {
        using var bus = new MobilityBus(new FakeTimeProvider());
        for (int i = 0; i < 20; i++)
        {
            bus.Publish(new BindingCacheAdd(Cache(i)));
        }

        using var subscription = bus.Subscribe("s", MessageKinds.BindingCache, 4);
        for (int i = 20; i < 24; i++)
        {
            bus.Publish(new BindingCacheAdd(Cache(i)));
        }

        bus.Publish(new BindingCacheAdd(Cache(24)));
        Assert.That((subscription.Resyncs, subscription.Pending), Is.EqualTo((1L, 26)), "a flush and 25 entries");

        for (int i = 25; i < 51; i++)
        {
            bus.Publish(new BindingCacheAdd(Cache(i)));
        }

        Assert.That((subscription.Resyncs, subscription.Pending), Is.EqualTo((1L, 52)));
        bus.Publish(new BindingCacheAdd(Cache(51)));
        Assert.That((subscription.Resyncs, subscription.Pending), Is.EqualTo((2L, 53)));
        Assert.That(Drain(subscription).Skip(1).Select(e => ((BindingCacheAdd)e.Message).Entry.HomeAddress), Is.EqualTo(Enumerable.Range(0, 52).Select(Home)));
    }

    [Test]
    public void Last_offered_and_consumed_through_follow_reads_drops_and_coalescing()
    {
        using var bus = new MobilityBus(new FakeTimeProvider());
        using var subscription = bus.Subscribe("s", MessageKinds.BindingCache | MessageKinds.RrHint, 3);
        Assert.That((subscription.LastOffered, subscription.ConsumedThrough), Is.EqualTo((0L, 0L)));

        bus.Publish(new NodeTypeInfo(NodeType.HomeAgent, true)); // 1, not for this subscriber
        Assert.That((subscription.LastOffered, subscription.ConsumedThrough), Is.EqualTo((0L, 0L)));

        bus.Publish(new BindingCacheAdd(Cache(1)));               // 2
        bus.Publish(new BindingCacheAdd(Cache(2)));               // 3
        Assert.That((subscription.LastOffered, subscription.ConsumedThrough), Is.EqualTo((3L, 1L)));

        // 4 supersedes 2: 2 is consumed only once 4 is read, so the barrier stays below 2.
        bus.Publish(new BindingCacheAdd(Cache(1, careOf: 4)));   // 4
        Assert.That((subscription.LastOffered, subscription.ConsumedThrough), Is.EqualTo((4L, 1L)));
        Assert.That(subscription.Reader.TryRead(out var first), Is.True);
        Assert.That((first.Sequence, subscription.ConsumedThrough), Is.EqualTo((3L, 1L)));
        Assert.That(subscription.Reader.TryRead(out var second), Is.True);
        Assert.That((second.Sequence, subscription.ConsumedThrough), Is.EqualTo((4L, 4L)));

        bus.Publish(Hint(1));                                      // 5
        bus.Publish(new BindingCacheAdd(Cache(3)));               // 6
        bus.Publish(new BindingCacheAdd(Cache(4)));               // 7
        Assert.That(subscription.ConsumedThrough, Is.EqualTo(4L));
        bus.Publish(new BindingCacheAdd(Cache(5)));               // 8: full, the hint is dropped
        Assert.That((subscription.DroppedNotifications, subscription.ConsumedThrough), Is.EqualTo((1L, 5L)));

        Drain(subscription);
        Assert.That((subscription.LastOffered, subscription.ConsumedThrough), Is.EqualTo((8L, 8L)));
    }

    [Test]
    public void Consumed_through_does_not_move_until_a_resync_has_been_read_whole()
    {
        using var bus = new MobilityBus(new FakeTimeProvider());
        using var subscription = bus.Subscribe("s", MessageKinds.BindingCache, 2);
        bus.Publish(new BindingCacheAdd(Cache(1)));   // 1
        bus.Publish(new BindingCacheAdd(Cache(2)));   // 2
        bus.Publish(new BindingCacheAdd(Cache(3)));   // 3: resync to flush, 1, 2, 3
        var through = new List<long>();
        while (subscription.Reader.TryRead(out _))
        {
            through.Add(subscription.ConsumedThrough);
        }

        Assert.That(through, Is.EqualTo(new long[] { 0, 0, 0, 3 }));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Wait_to_read_async_wakes_on_publish_and_returns_false_after_dispose()
    {
        using var bus = new MobilityBus(new FakeTimeProvider());
        var subscription = bus.Subscribe("s", MessageKinds.All, 4);
        var wait = subscription.Reader.WaitToReadAsync().AsTask();
        Assert.That(wait.IsCompleted, Is.False);

        bus.Publish(Hint(1));
        Assert.That(await wait, Is.True);
        Assert.That(subscription.Reader.TryPeek(out var peeked) && subscription.Reader.TryRead(out var read) && peeked == read, Is.True);
        Assert.That(subscription.Reader.CanCount && subscription.Reader.Count == 0, Is.True);

        var second = subscription.Reader.WaitToReadAsync().AsTask();
        bus.Publish(Hint(2));
        subscription.Dispose();
        Assert.That(await second, Is.True, "queued before the dispose, still readable");
        Assert.That(subscription.Reader.Completion.IsCompleted, Is.False, "not drained yet");
        Assert.That(subscription.Reader.TryRead(out _), Is.True);
        Assert.That(await subscription.Reader.WaitToReadAsync(), Is.False);
        await subscription.Reader.Completion;

        var blocked = bus.Subscribe("t", MessageKinds.All);
        var never = blocked.Reader.WaitToReadAsync().AsTask();
        bus.Dispose();
        Assert.That(await never, Is.False);
        await blocked.Reader.Completion;
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Wait_to_read_async_is_cancellable_and_never_continues_on_the_publishers_thread()
    {
        using var bus = new MobilityBus(new FakeTimeProvider());
        using var subscription = bus.Subscribe("s", MessageKinds.All, 4);
        using var cancel = new CancellationTokenSource();
        var cancelled = subscription.Reader.WaitToReadAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();
        Assert.That(async () => await cancelled, Throws.InstanceOf<OperationCanceledException>());

        int publisherThread = 0;
        var continued = subscription.Reader.WaitToReadAsync().AsTask()
            .ContinueWith(_ => Environment.CurrentManagedThreadId, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var publisher = new Thread(() =>
        {
            publisherThread = Environment.CurrentManagedThreadId;
            bus.Publish(Hint(1));
        });
        publisher.Start();
        publisher.Join();

        Assert.That(await continued, Is.Not.EqualTo(publisherThread));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Many_publishers_and_one_slow_reader_end_with_the_true_state()
    {
        const int publishers = 4;
        const int perPublisher = 5_000;
        using var bus = new MobilityBus(new FakeTimeProvider());
        using var subscription = bus.Subscribe("reader", MessageKinds.All, 16);
        var reader = new StateReader();
        var reading = Task.Run(async () =>
        {
            long previous = 0;
            await foreach (var envelope in subscription.Reader.ReadAllAsync())
            {
                Assert.That(envelope.Sequence, Is.GreaterThanOrEqualTo(previous));
                previous = envelope.Sequence;
                reader.Apply(envelope);
                if (envelope.Sequence % 97 == 0)
                {
                    await Task.Delay(1);
                }
            }
        });

        await Task.WhenAll(Enumerable.Range(0, publishers).Select(p => Task.Run(() =>
        {
            var random = new Random(p);
            for (int i = 0; i < perPublisher; i++)
            {
                bus.Publish(RandomMessage(random, keys: 40));
            }
        })));

        var truth = bus.GetState(MessageKinds.All);
        await WaitForAsync(() => subscription.ConsumedThrough == bus.LastSequence);
        bus.Dispose();
        await reading;

        Assert.That(reader.Cache, Is.EquivalentTo(TrueState(truth).Cache));
        Assert.That(reader.UpdateList, Is.EquivalentTo(TrueState(truth).UpdateList));
        Assert.That(subscription.Resyncs + subscription.Coalesced + subscription.DroppedNotifications, Is.Positive, "the reader did fall behind");
    }

    [Test]
    public void A_slow_reader_applying_what_it_reads_ends_with_the_true_state_and_never_lags_behind_its_barrier(
        [Range(1, 200)] int seed)
    {
        var random = new Random(seed);
        int capacity = random.Next(1, 12);
        int keys = random.Next(1, 24);
        using var bus = new MobilityBus(new FakeTimeProvider());
        var kinds = random.Next(3) == 0 ? MessageKinds.BindingCache | MessageKinds.Hints : MessageKinds.All;
        using var subscription = bus.Subscribe("reader", kinds, capacity);
        var reader = new StateReader();
        var published = new List<BusEnvelope>();
        long previous = 0;

        int steps = random.Next(10, 400);
        for (int step = 0; step < steps; step++)
        {
            var envelope = bus.Publish(RandomMessage(random, keys));
            if ((kinds & envelope.Type.ToKinds()) != 0)
            {
                published.Add(envelope);
            }

            // The reader keeps up sometimes, and reads a few at a time.
            if (random.Next(4) == 0)
            {
                for (int n = random.Next(1, 6); n > 0 && subscription.Reader.TryRead(out var read); n--)
                {
                    Assert.That(read.Sequence, Is.GreaterThanOrEqualTo(previous), "ascending");
                    previous = read.Sequence;
                    reader.Apply(read);
                }

                AssertBarrier(published, reader, subscription.ConsumedThrough);
            }
        }

        foreach (var read in Drain(subscription))
        {
            Assert.That(read.Sequence, Is.GreaterThanOrEqualTo(previous), "ascending");
            previous = read.Sequence;
            reader.Apply(read);
        }

        var truth = TrueState(published.Select(e => e.Message));
        Assert.Multiple(() =>
        {
            Assert.That(subscription.ConsumedThrough, Is.EqualTo(subscription.LastOffered));
            Assert.That(reader.Cache, Is.EquivalentTo(truth.Cache));
            Assert.That(reader.UpdateList, Is.EquivalentTo(truth.UpdateList));
            if (kinds.Includes(MessageType.NodeTypeInfo))
            {
                Assert.That(reader.NodeTypes, Is.EquivalentTo(truth.NodeTypes));
            }
        });
    }

    // Every key whose last message (or its table's last flush) is at or below the barrier must show, in the
    // reader's state, a message at least that recent.
    private static void AssertBarrier(List<BusEnvelope> published, StateReader reader, long consumedThrough)
    {
        var expected = new StateReader();
        foreach (var envelope in published.TakeWhile(e => e.Sequence <= consumedThrough))
        {
            expected.Apply(envelope);
        }

        foreach (var (key, (_, sequence)) in expected.CacheSeen)
        {
            long seen = Math.Max(reader.CacheSeen.GetValueOrDefault(key).Sequence, reader.CacheFlushed);
            Assert.That(seen, Is.GreaterThanOrEqualTo(Math.Max(sequence, expected.CacheFlushed)), $"{key} behind the barrier {consumedThrough}");
        }

        Assert.That(reader.CacheFlushed, Is.GreaterThanOrEqualTo(expected.CacheFlushed));
    }

    private static MobilityMessage RandomMessage(Random random, int keys) => random.Next(20) switch
    {
        < 8 => new BindingCacheAdd(Cache(random.Next(keys), careOf: random.Next(100))),
        < 11 => new BindingCacheRemove(Cache(random.Next(keys))),
        11 => new BindingCacheFlush(),
        12 or 13 => new BindingUpdateListAdd(UpdateList(random.Next(keys), careOf: random.Next(100))),
        14 => new BindingUpdateListRemove(UpdateList(random.Next(keys))),
        15 when random.Next(4) == 0 => new BindingUpdateListFlush(),
        15 => new NodeTypeInfo((NodeType)(1 << random.Next(4)), random.Next(2) == 0),
        _ => Hint(random.Next(keys)),
    };

    private static StateReader TrueState(IEnumerable<MobilityMessage> messages)
    {
        var state = new StateReader();
        foreach (var message in messages)
        {
            state.Apply(new BusEnvelope(0, default, message, null));
        }

        return state;
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(5);
        }
    }

    /// <summary>What a forwarding-state writer would hold: the tables, built by applying messages in order.</summary>
    private sealed class StateReader
    {
        public Dictionary<BindingCacheKey, BindingCacheEntry> Cache { get; } = [];

        public Dictionary<BindingUpdateListKey, BindingUpdateListEntry> UpdateList { get; } = [];

        public Dictionary<NodeType, bool> NodeTypes { get; } = [];

        /// <summary>Per key, the last message applied for it (present, sequence).</summary>
        public Dictionary<BindingCacheKey, (bool Present, long Sequence)> CacheSeen { get; } = [];

        public long CacheFlushed { get; private set; }

        public void Apply(BusEnvelope envelope)
        {
            switch (envelope.Message)
            {
                case BindingCacheAdd add:
                    Cache[add.Entry.Key] = add.Entry;
                    CacheSeen[add.Entry.Key] = (true, envelope.Sequence);
                    break;
                case BindingCacheRemove remove:
                    Cache.Remove(remove.Entry.Key);
                    CacheSeen[remove.Entry.Key] = (false, envelope.Sequence);
                    break;
                case BindingCacheFlush:
                    Cache.Clear();
                    CacheFlushed = envelope.Sequence;
                    break;
                case BindingUpdateListAdd add:
                    UpdateList[add.Entry.Key] = add.Entry;
                    break;
                case BindingUpdateListRemove remove:
                    UpdateList.Remove(remove.Entry.Key);
                    break;
                case BindingUpdateListFlush:
                    UpdateList.Clear();
                    break;
                case NodeTypeInfo nodeType:
                    NodeTypes[nodeType.NodeType] = nodeType.Enable;
                    break;
            }
        }
    }
}
