using Shisa.DataPlane.Bus;

namespace Shisa.DataPlane.State;

/// <summary>
/// The binding entries a journal's records leave alive, each with its absolute expiry: binding cache entries by
/// (peer, home address, binding id), binding update list entries by (peer, home address, binding id). Holds at
/// most one item per entry that exists, however long the journal grew.
/// </summary>
internal sealed class LiveBindingSet
{
    private readonly Dictionary<BindingCacheKey, Timed<BindingCacheEntry>> _cache = [];
    private readonly Dictionary<BindingUpdateListKey, Timed<BindingUpdateListEntry>> _list = [];

    public int Count => _cache.Count + _list.Count;

    public void Apply(in JournalRecord record)
    {
        switch (record.Message)
        {
            case BindingCacheAdd add:
                _cache[add.Entry.Key] = new Timed<BindingCacheEntry>(add.Entry, record.ExpiryUnixMilliseconds);
                break;
            case BindingCacheRemove remove:
                _cache.Remove(remove.Entry.Key);
                break;
            case BindingCacheFlush:
                _cache.Clear();
                break;
            case BindingUpdateListAdd add:
                _list[add.Entry.Key] = new Timed<BindingUpdateListEntry>(add.Entry, record.ExpiryUnixMilliseconds);
                break;
            case BindingUpdateListRemove remove:
                _list.Remove(remove.Entry.Key);
                break;
            case BindingUpdateListFlush:
                _list.Clear();
                break;
        }
    }

    /// <summary>Forgets the entries whose expiry is at or before <paramref name="nowUnixMilliseconds"/>.</summary>
    public void DropExpired(long nowUnixMilliseconds)
    {
        foreach (var (key, timed) in _cache)
        {
            if (timed.ExpiryUnixMilliseconds <= nowUnixMilliseconds)
            {
                _cache.Remove(key);
            }
        }

        foreach (var (key, timed) in _list)
        {
            if (timed.ExpiryUnixMilliseconds <= nowUnixMilliseconds)
            {
                _list.Remove(key);
            }
        }
    }

    /// <summary>One add record per live entry: the journal compacted.</summary>
    public IEnumerable<JournalRecord> Records()
    {
        foreach (var timed in _cache.Values)
        {
            yield return new JournalRecord(new BindingCacheAdd(timed.Entry), timed.ExpiryUnixMilliseconds);
        }

        foreach (var timed in _list.Values)
        {
            yield return new JournalRecord(new BindingUpdateListAdd(timed.Entry), timed.ExpiryUnixMilliseconds);
        }
    }

    /// <summary>The live entries not expired at <paramref name="now"/>, with their remaining lifetimes.</summary>
    public RestoredState Restore(DateTimeOffset now, string? damage)
    {
        long nowMs = now.ToUnixTimeMilliseconds();
        var cache = new List<BindingCacheEntry>(_cache.Count);
        foreach (var timed in _cache.Values)
        {
            if (timed.ExpiryUnixMilliseconds > nowMs)
            {
                cache.Add(timed.Entry with { Lifetime = TimeSpan.FromMilliseconds(timed.ExpiryUnixMilliseconds - nowMs) });
            }
        }

        var list = new List<BindingUpdateListEntry>(_list.Count);
        foreach (var timed in _list.Values)
        {
            if (timed.ExpiryUnixMilliseconds > nowMs)
            {
                list.Add(timed.Entry with { Lifetime = TimeSpan.FromMilliseconds(timed.ExpiryUnixMilliseconds - nowMs) });
            }
        }

        return new RestoredState(cache, list, now, damage);
    }

    private readonly record struct Timed<TEntry>(TEntry Entry, long ExpiryUnixMilliseconds);
}
