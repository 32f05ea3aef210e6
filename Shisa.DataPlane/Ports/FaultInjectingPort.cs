using System.Net.NetworkInformation;

namespace Shisa.DataPlane.Ports;

/// <summary>Which way faults are injected.</summary>
[Flags]
public enum FaultDirection
{
    None = 0,
    Receive = 1,
    Send = 2,
    Both = Receive | Send,
}

/// <summary>Probabilities (0 to 1) of each fault per frame, and the seed that makes a run repeatable.</summary>
public sealed record FaultInjectionOptions
{
    public double DropProbability { get; init; }

    public double DuplicateProbability { get; init; }

    public double CorruptProbability { get; init; }

    public int Seed { get; init; } = 1;

    public FaultDirection Direction { get; init; } = FaultDirection.Both;

    /// <summary>Octets at the start of a frame that corruption leaves alone (e.g. 14 to keep the Ethernet header).</summary>
    public int ProtectedPrefix { get; init; }
}

/// <summary>
/// Wraps any port and drops, duplicates or corrupts (flips one bit of) frames with a seeded
/// <see cref="Random"/>, as smoltcp's fault-injecting device does. The same seed and traffic give the same faults.
/// </summary>
public sealed class FaultInjectingPort : IPacketPort
{
    private readonly IPacketPort _inner;
    private readonly FaultInjectionOptions _options;
    private readonly Random _receiveRandom;
    private readonly Random _sendRandom;
    private PacketBatch? _scratch;
    private long _dropped;
    private long _duplicated;
    private long _corrupted;

    public FaultInjectingPort(IPacketPort inner, FaultInjectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(options);
        Check(options.DropProbability, nameof(options.DropProbability));
        Check(options.DuplicateProbability, nameof(options.DuplicateProbability));
        Check(options.CorruptProbability, nameof(options.CorruptProbability));
        _inner = inner;
        _options = options;
        _receiveRandom = new Random(options.Seed);
        _sendRandom = new Random(unchecked(options.Seed * 31 + 7));
    }

    public string Name => _inner.Name;

    public int InterfaceIndex => _inner.InterfaceIndex;

    public PortFrameKind FrameKind => _inner.FrameKind;

    public PhysicalAddress LinkAddress => _inner.LinkAddress;

    public int Mtu => _inner.Mtu;

    public PortCounters Counters => _inner.Counters;

    public long Dropped => Volatile.Read(ref _dropped);

    public long Duplicated => Volatile.Read(ref _duplicated);

    public long Corrupted => Volatile.Read(ref _corrupted);

    public int Receive(PacketBatch batch, int timeoutMilliseconds)
    {
        _inner.Receive(batch, timeoutMilliseconds);
        if ((_options.Direction & FaultDirection.Receive) != 0)
        {
            Inject(batch, _receiveRandom);
        }

        return batch.Count;
    }

    public int Send(PacketBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if ((_options.Direction & FaultDirection.Send) == 0)
        {
            return _inner.Send(batch);
        }

        // The caller's batch is left as it was; faults are applied to a copy (allocated once, twice as large so
        // every frame can be duplicated).
        if (_scratch is null || _scratch.Capacity < batch.Count * 2 || _scratch.SlotSize < batch.SlotSize)
        {
            _scratch = new PacketBatch(Math.Max(batch.Capacity * 2, 2), batch.SlotSize);
        }

        _scratch.Clear();
        for (int i = 0; i < batch.Count; i++)
        {
            _scratch.TryAdd(batch[i]);
        }

        Inject(_scratch, _sendRandom);
        return _inner.Send(_scratch);
    }

    public void Dispose() => _inner.Dispose();

    public override string ToString() => $"faults({_inner})";

    private static void Check(double probability, string name)
    {
        if (probability is < 0 or > 1 || double.IsNaN(probability))
        {
            throw new ArgumentOutOfRangeException(name, probability, "A probability is between 0 and 1.");
        }
    }

    private void Inject(PacketBatch batch, Random random)
    {
        int i = 0;
        while (i < batch.Count)
        {
            if (random.NextDouble() < _options.DropProbability)
            {
                batch.RemoveAt(i);
                Interlocked.Increment(ref _dropped);
                Interlocked.Increment(ref _inner.Counters.dropped);
                continue;
            }

            if (random.NextDouble() < _options.CorruptProbability)
            {
                var frame = batch[i];
                if (frame.Length > _options.ProtectedPrefix)
                {
                    int at = random.Next(_options.ProtectedPrefix, frame.Length);
                    frame[at] ^= (byte)(1 << random.Next(8));
                    Interlocked.Increment(ref _corrupted);
                }
            }

            if (random.NextDouble() < _options.DuplicateProbability && batch.TryDuplicate(i))
            {
                Interlocked.Increment(ref _duplicated);
                i++; // the copy is not faulted again
            }

            i++;
        }
    }
}
