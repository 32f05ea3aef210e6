using System.Net;
using Shisa.DataPlane.Bus;

namespace Shisa.DataPlane.Tests.Bus;

/// <summary>
/// <see cref="MobilitySubscription.WaitToRead"/>, the data plane's way to read the bus on a thread of its own: it
/// must wake on a publish without any thread-pool thread, and end once the subscription is disposed and drained.
/// </summary>
public class BlockingReaderTests
{
    private static Dad DadRequest(int index) => new(DadMessage.Do, IPAddress.Parse("2001:db8:1::100"), "eth0", index);

    [Test]
    [CancelAfter(20_000)]
    public void A_reader_thread_wakes_for_each_publish_even_while_every_pool_thread_is_blocked()
    {
        using var bus = new MobilityBus();
        using var subscription = bus.Subscribe("reader", MessageKinds.Dad);
        var received = new List<long>();
        using var gotThree = new ManualResetEventSlim();
        var reader = new Thread(() =>
        {
            while (subscription.WaitToRead())
            {
                while (subscription.Reader.TryRead(out var envelope))
                {
                    received.Add(envelope.Sequence);
                    if (received.Count == 3)
                    {
                        gotThree.Set();
                    }
                }
            }
        }) { IsBackground = true };
        reader.Start();

        try
        {
            using (StarvedThreadPool.Start())
            {
                for (int i = 1; i <= 3; i++)
                {
                    bus.Publish(DadRequest(i), "test");
                }

                Assert.That(gotThree.Wait(TimeSpan.FromMilliseconds(400)), Is.True, "the reader got the messages while the pool was starved");
                Assert.That(received, Is.EqualTo(new long[] { 1, 2, 3 }));
            }
        }
        finally
        {
            subscription.Dispose();
            reader.Join(TimeSpan.FromSeconds(5));
        }
    }

    [Test]
    public void After_dispose_the_messages_already_there_are_still_read_then_it_returns_false()
    {
        using var bus = new MobilityBus();
        var subscription = bus.Subscribe("reader", MessageKinds.Dad);
        bus.Publish(DadRequest(1), "test");
        bus.Publish(DadRequest(2), "test");
        subscription.Dispose();

        var read = new List<long>();
        while (subscription.WaitToRead())
        {
            while (subscription.Reader.TryRead(out var envelope))
            {
                read.Add(envelope.Sequence);
            }
        }

        Assert.That(read, Is.EqualTo(new long[] { 1, 2 }));
    }

    [Test]
    [CancelAfter(10_000)]
    public void A_reader_blocked_on_an_empty_subscription_returns_when_it_is_disposed()
    {
        using var bus = new MobilityBus();
        var subscription = bus.Subscribe("reader", MessageKinds.Dad);
        bool? result = null;
        var reader = new Thread(() => result = subscription.WaitToRead()) { IsBackground = true };
        reader.Start();
        Thread.Sleep(50);
        subscription.Dispose();
        Assert.That(reader.Join(TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(result, Is.False);
    }
}
