using System.Net;

namespace Shisa.Modules.Correspondent;

/// <summary>
/// Rate limiting of Binding Errors (RFC 6275 9.3.3: a node MUST limit the rate at which it sends them): a token
/// bucket per destination (burst 1) and one for all destinations, so spoofed sources cannot multiply the rate.
/// The per-destination table is bounded; when full, the destination seen longest ago is forgotten.
/// </summary>
internal sealed class BindingErrorRateLimiter
{
    private readonly double _ratePerDestination;
    private readonly int _capacity;
    private readonly Dictionary<IPAddress, Bucket> _buckets = [];
    private Bucket _total;
    private readonly double _rateTotal;

    public BindingErrorRateLimiter(double ratePerDestination, double rateTotal, int capacity, DateTimeOffset now)
    {
        _ratePerDestination = ratePerDestination;
        _rateTotal = rateTotal;
        _capacity = capacity;
        _total = new Bucket(Math.Max(1, rateTotal), now);
    }

    public int Tracked => _buckets.Count;

    /// <summary>True, and a token is spent, when a Binding Error may go to <paramref name="destination"/> now.</summary>
    public bool TryAcquire(IPAddress destination, DateTimeOffset now)
    {
        var bucket = _buckets.TryGetValue(destination, out var known) ? known.Refill(_ratePerDestination, 1, now) : new Bucket(1, now);
        var total = _total.Refill(_rateTotal, Math.Max(1, _rateTotal), now);
        if (bucket.Tokens < 1 || total.Tokens < 1)
        {
            _total = total;
            Remember(destination, bucket);
            return false;
        }

        _total = total with { Tokens = total.Tokens - 1 };
        Remember(destination, bucket with { Tokens = bucket.Tokens - 1 });
        return true;
    }

    private void Remember(IPAddress destination, Bucket bucket)
    {
        if (!_buckets.ContainsKey(destination) && _buckets.Count >= _capacity)
        {
            var oldest = _buckets.MinBy(kv => kv.Value.At).Key;
            _buckets.Remove(oldest);
        }

        _buckets[destination] = bucket;
    }

    private readonly record struct Bucket(double Tokens, DateTimeOffset At)
    {
        public Bucket Refill(double rate, double burst, DateTimeOffset now) =>
            now <= At ? this : new Bucket(Math.Min(burst, Tokens + ((now - At).TotalSeconds * rate)), now);
    }
}
