using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Bus.Encoding;

namespace Shisa.DataPlane.Tests.Bus.Encoding;

public class BusFrameStreamReaderTests
{
    /// <summary>A stream that hands out at most <paramref name="chunk"/> octets per read.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(chunk, buffer.Length)], cancellationToken);
    }

    private static byte[] Frames(out List<BusEnvelope> envelopes)
    {
        envelopes = [.. BusFrameTests.EveryMessage().Select((m, i) => new BusEnvelope(i + 1, DateTimeOffset.UnixEpoch.AddSeconds(i), m, "o" + i))];
        return [.. envelopes.SelectMany(BusFrame.ToArray)];
    }

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(100)]
    [TestCase(70000)]
    public async Task Frames_split_anywhere_are_read_whole_and_in_order(int chunk)
    {
        var data = Frames(out var envelopes);
        var reader = new BusFrameStreamReader(new ChunkedStream(data, chunk));
        var read = new List<BusEnvelope>();
        while (await reader.ReadAsync() is { Status: BusFrameReadStatus.Frame } result)
        {
            read.Add(result.Envelope);
        }

        Assert.That(read, Is.EqualTo(envelopes));
        Assert.That(reader.FramesRead, Is.EqualTo(envelopes.Count));
        Assert.That((await reader.ReadAsync()).Status, Is.EqualTo(BusFrameReadStatus.EndOfStream));
    }

    [Test]
    public async Task A_stream_ending_inside_a_frame_is_a_truncated_refusal()
    {
        var frame = BusFrame.ToArray(BusFrameTests.Golden);
        var reader = new BusFrameStreamReader(new MemoryStream(frame[..50]));
        var result = await reader.ReadAsync();
        Assert.That(result.Status, Is.EqualTo(BusFrameReadStatus.Refused));
        Assert.That(result.Refusal.Error, Is.EqualTo(BusFrameError.Truncated));
    }

    [Test]
    public async Task A_bad_header_is_refused_without_waiting_for_the_rest_of_the_frame()
    {
        var good = BusFrame.ToArray(new MovementInfo(MovementCommand.Scan, null, "mn0", 1, false));
        byte[] data = [.. good, 0x00, 0x40, 0x09, 0x0A];  // the next header announces 64 octets of version 9
        var reader = new BusFrameStreamReader(new NeverEndingStream(data));
        Assert.That((await reader.ReadAsync()).Status, Is.EqualTo(BusFrameReadStatus.Frame));
        var result = await reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(result.Status, Is.EqualTo(BusFrameReadStatus.Refused));
        Assert.That(result.Refusal, Is.EqualTo(new BusFrameRefusal(BusFrameError.BadVersion, 2)));
        Assert.That((await reader.ReadAsync()).Status, Is.EqualTo(BusFrameReadStatus.Refused), "a refused stream stays refused");
    }

    /// <summary>Serves its data, then blocks forever as a silent peer would.</summary>
    private sealed class NeverEndingStream(byte[] data) : MemoryStream(data)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = await base.ReadAsync(buffer, cancellationToken);
            if (n == 0)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return n;
        }
    }

    [Test]
    public void Constructing_over_null_is_refused() =>
        Assert.That(() => new BusFrameStreamReader(null!), Throws.ArgumentNullException);

    [Test]
    public async Task An_address_round_trips_through_the_stream()
    {
        var message = new RrHint(IPAddress.Parse("2001:db8:1::100"), IPAddress.Parse("2001:db8:c::2"));
        var reader = new BusFrameStreamReader(new MemoryStream(BusFrame.ToArray(message)));
        Assert.That((await reader.ReadAsync()).Envelope.Message, Is.EqualTo(message));
    }
}
