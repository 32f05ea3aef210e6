namespace Shisa.DataPlane.Tunnels;

/// <summary>
/// Lets one hint per key through per interval (SHISA's kernel rate-limited its RR and BE hints the same way): the
/// forwarding path asks <see cref="TryAcquire"/> for every packet that could cause a hint, and only a granted one
/// allocates a bus message. Bounded: when <see cref="Capacity"/> keys are held, the expired ones are evicted; when
/// none has expired the hint is refused and counted (<see cref="Refused"/>), so a flood of sources grows nothing.
/// </summary>
public sealed class HintRateLimiter
{
    private readonly Dictionary<UInt128, long> _last;
    private readonly List<UInt128> _expired = [];
    private readonly TimeProvider _time;
    private readonly long _interval;
    private readonly Lock _lock = new();
    private long _refused;
    private long _suppressed;

    public HintRateLimiter(TimeProvider time, TimeSpan interval, int capacity)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _time = time;
        _interval = (long)(interval.TotalSeconds * time.TimestampFrequency);
        Capacity = capacity;
        _last = new Dictionary<UInt128, long>(capacity);
    }

    public int Capacity { get; }

    /// <summary>Hints not given because the table was full of keys within their interval.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Hints not given because one for the same key went out within the interval.</summary>
    public long Suppressed => Interlocked.Read(ref _suppressed);

    /// <summary>True when a hint about <paramref name="key"/> may go out now (and the interval starts again).</summary>
    public bool TryAcquire(UInt128 key)
    {
        long now = _time.GetTimestamp();
        lock (_lock)
        {
            if (_last.TryGetValue(key, out long last) && now - last < _interval)
            {
                _suppressed++;
                return false;
            }

            if (!_last.ContainsKey(key) && _last.Count >= Capacity && !EvictExpired(now))
            {
                _refused++;
                return false;
            }

            _last[key] = now;
            return true;
        }
    }

    private bool EvictExpired(long now)
    {
        _expired.Clear();
        foreach (var (key, last) in _last)
        {
            if (now - last >= _interval)
            {
                _expired.Add(key);
            }
        }

        foreach (var key in _expired)
        {
            _last.Remove(key);
        }

        return _expired.Count > 0;
    }
}
