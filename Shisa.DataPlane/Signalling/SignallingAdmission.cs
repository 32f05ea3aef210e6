using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;
using Shisa.DataPlane.Wire;

namespace Shisa.DataPlane.Signalling;

/// <summary>Which of a subscription's queues a received packet goes to, if any.</summary>
public enum SignallingLane
{
    /// <summary>Over the rate of its source prefix or of all non-priority signalling: dropped and counted, never copied.</summary>
    RateLimited,

    /// <summary>Everything not known to be ours: rate-limited, its own bounded queue.</summary>
    Bulk,

    /// <summary>From a home address the subscriber serves (a listed mobile node): a queue the rest cannot fill.</summary>
    Priority,
}

/// <summary>Rates of <see cref="SignallingAdmission"/> (token buckets: a rate and a burst).</summary>
public sealed record SignallingAdmissionLimits
{
    public static SignallingAdmissionLimits Default { get; } = new();

    /// <summary>Non-priority packets per second from one source /64 (hashed into <see cref="PrefixBuckets"/> buckets).</summary>
    public double PerPrefixRate { get; init; } = 100;

    public int PerPrefixBurst { get; init; } = 20;

    /// <summary>Non-priority packets per second from all sources together.</summary>
    public double TotalRate { get; init; } = 2000;

    public int TotalBurst { get; init; } = 200;

    /// <summary>Per-prefix buckets: a fixed array (8 bytes each), so a flood of sources grows nothing; prefixes that hash alike share one.</summary>
    public int PrefixBuckets { get; init; } = 4096;

    /// <summary>
    /// Priority packets per second for one listed home address (hashed into <see cref="PrefixBuckets"/> buckets): a
    /// flood that forges one listed home address takes that address's share of the priority lane, not the lane.
    /// A mobile node sends a few Binding Updates per handover, with backed-off retransmissions.
    /// </summary>
    public double PerHomeAddressRate { get; init; } = 20;

    public int PerHomeAddressBurst { get; init; } = 10;
}

/// <summary>
/// Decides, on the receiving thread and before anything is copied, which lane of a subscription a signalling packet
/// takes: packets whose home address (the Home Address option's, else the source) is one the subscriber serves go to
/// the priority lane (an O(1) set lookup), at a bounded rate per home address; the rest are admitted at a bounded rate
/// per source /64 and in total (GCRA token buckets: one timestamp each), and beyond it dropped and counted. Memory is fixed at construction,
/// whatever arrives. Thread-safe: receive threads of several ports may ask at once.
/// </summary>
public sealed class SignallingAdmission
{
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Rate _perPrefix;
    private readonly Rate _perHomeAddress;
    private readonly Rate _total;
    private readonly long[] _prefixArrival;
    private readonly long[] _homeArrival;
    private long _totalArrival;
    private FrozenSet<UInt128> _priority = FrozenSet<UInt128>.Empty;
    private long _priorityAdmitted;
    private long _bulkAdmitted;
    private long _prefixLimited;
    private long _homeLimited;
    private long _totalLimited;

    public SignallingAdmission(TimeProvider time, SignallingAdmissionLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        limits ??= SignallingAdmissionLimits.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.PrefixBuckets, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.PerPrefixBurst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.TotalBurst, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limits.PerPrefixRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limits.TotalRate);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.PerHomeAddressBurst, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limits.PerHomeAddressRate);
        _time = time;
        _perPrefix = Rate.Of(time, limits.PerPrefixRate, limits.PerPrefixBurst);
        _perHomeAddress = Rate.Of(time, limits.PerHomeAddressRate, limits.PerHomeAddressBurst);
        _total = Rate.Of(time, limits.TotalRate, limits.TotalBurst);

        // Every bucket starts full: its theoretical arrival time far enough in the past.
        long start = time.GetTimestamp() - Math.Max(Math.Max(_perPrefix.Full, _perHomeAddress.Full), _total.Full);
        _prefixArrival = new long[limits.PrefixBuckets];
        _homeArrival = new long[limits.PrefixBuckets];
        Array.Fill(_prefixArrival, start);
        Array.Fill(_homeArrival, start);
        _totalArrival = start;
    }

    /// <summary>Packets that took the priority lane.</summary>
    public long PriorityAdmitted => Interlocked.Read(ref _priorityAdmitted);

    /// <summary>Non-priority packets admitted within the rates.</summary>
    public long BulkAdmitted => Interlocked.Read(ref _bulkAdmitted);

    /// <summary>Dropped: their source /64 was over its rate.</summary>
    public long PrefixRateLimited => Interlocked.Read(ref _prefixLimited);

    /// <summary>Dropped: a listed home address's packets were over its rate (a forged flood of it).</summary>
    public long HomeAddressRateLimited => Interlocked.Read(ref _homeLimited);

    /// <summary>Dropped: all non-priority signalling together was over its rate.</summary>
    public long TotalRateLimited => Interlocked.Read(ref _totalLimited);

    /// <summary>The home addresses whose packets take the priority lane (replaces the previous set; reload calls it again).</summary>
    public void SetPriorityAddresses(IEnumerable<IPAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        Span<byte> bytes = stackalloc byte[16];
        var keys = new HashSet<UInt128>();
        foreach (var address in addresses)
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.TryWriteBytes(bytes, out _))
            {
                keys.Add(BinaryPrimitives.ReadUInt128BigEndian(bytes));
            }
        }

        Volatile.Write(ref _priority, keys.ToFrozenSet());
    }

    /// <summary>The lane of <paramref name="packet"/> (a whole IPv6 packet); allocates nothing.</summary>
    public SignallingLane Admit(ReadOnlySpan<byte> packet)
    {
        ReadOnlySpan<byte> source = default;
        if (Ipv6Packet.TryParse(packet, out var ip))
        {
            source = ip.Header.Source;
            var home = ip.HasHomeAddress ? ip.HomeAddress : source;
            var key = BinaryPrimitives.ReadUInt128BigEndian(home);
            if (Volatile.Read(ref _priority).Contains(key))
            {
                return AdmitPriority(key);
            }
        }
        else if (packet.Length >= Ipv6Header.Length)
        {
            source = packet.Slice(8, 16);
        }

        ulong prefix = source.Length >= 8 ? BinaryPrimitives.ReadUInt64BigEndian(source) : 0;
        int bucket = (int)(Mix(prefix) % (ulong)_prefixArrival.Length);
        long now = _time.GetTimestamp();
        lock (_lock)
        {
            if (!_perPrefix.Admits(_prefixArrival[bucket], now, out long prefixNext))
            {
                _prefixLimited++;
                return SignallingLane.RateLimited;
            }

            if (!_total.Admits(_totalArrival, now, out long totalNext))
            {
                _totalLimited++;
                return SignallingLane.RateLimited;
            }

            _prefixArrival[bucket] = prefixNext;
            _totalArrival = totalNext;
            _bulkAdmitted++;
        }

        return SignallingLane.Bulk;
    }

    private SignallingLane AdmitPriority(UInt128 homeAddress)
    {
        int bucket = (int)(Mix((ulong)homeAddress ^ Mix((ulong)(homeAddress >> 64))) % (ulong)_homeArrival.Length);
        long now = _time.GetTimestamp();
        lock (_lock)
        {
            if (!_perHomeAddress.Admits(_homeArrival[bucket], now, out long next))
            {
                _homeLimited++;
                return SignallingLane.RateLimited;
            }

            _homeArrival[bucket] = next;
            _priorityAdmitted++;
        }

        return SignallingLane.Priority;
    }

    /// <summary>
    /// A rate in GCRA terms (the virtual scheduling form of a token bucket), in timestamp ticks: a packet conforms when
    /// its bucket's theoretical arrival time is at most <see cref="Tolerance"/> ahead of now; taking it moves that time
    /// one <see cref="Interval"/> on. One timestamp per bucket.
    /// </summary>
    private readonly record struct Rate(long Interval, long Tolerance)
    {
        /// <summary>How far in the past a theoretical arrival time lies for a full bucket.</summary>
        public long Full => Tolerance + Interval;

        public static Rate Of(TimeProvider time, double perSecond, int burst)
        {
            long interval = Math.Max(1, (long)(time.TimestampFrequency / perSecond));
            return new Rate(interval, interval * (burst - 1));
        }

        /// <summary>Whether a packet at <paramref name="now"/> conforms; <paramref name="next"/>: the bucket's time once it is taken.</summary>
        public bool Admits(long arrival, long now, out long next)
        {
            long due = Math.Max(arrival, now);
            next = due + Interval;
            return due - now <= Tolerance;
        }
    }

    // A fixed 64-bit mixer (splitmix64's finaliser): prefixes that differ in a few bits land in different buckets.
    private static ulong Mix(ulong value)
    {
        value ^= value >> 30;
        value *= 0xbf58476d1ce4e5b9UL;
        value ^= value >> 27;
        value *= 0x94d049bb133111ebUL;
        return value ^ (value >> 31);
    }
}
