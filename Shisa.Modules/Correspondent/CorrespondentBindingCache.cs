using Shisa.DataPlane.Bus;

namespace Shisa.Modules.Correspondent;

/// <summary>One binding the correspondent holds (RFC 6275 9.1): what the data plane was told, and its timers.</summary>
/// <param name="Entry">The entry as published on the bus.</param>
/// <param name="AcceptedAt">When the Binding Update that made or refreshed it was accepted.</param>
/// <param name="ExpiresAt">When it is removed unless refreshed.</param>
/// <param name="RefreshRequestAt">When one Binding Refresh Request goes to the home address; null for none.</param>
internal sealed record CorrespondentBinding(
    BindingCacheEntry Entry,
    DateTimeOffset AcceptedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? RefreshRequestAt)
{
    public bool RefreshRequested { get; set; }

    /// <summary>The next time this binding has something to do.</summary>
    public DateTimeOffset NextDeadline => !RefreshRequested && RefreshRequestAt is { } at && at < ExpiresAt ? at : ExpiresAt;
}

/// <summary>The correspondent's binding cache: bounded, keyed like the data plane's (peer, home address, binding id).</summary>
internal sealed class CorrespondentBindingCache(int capacity)
{
    private readonly Dictionary<BindingCacheKey, CorrespondentBinding> _bindings = [];

    public int Capacity { get; } = capacity;

    public int Count => _bindings.Count;

    public bool IsFull => _bindings.Count >= Capacity;

    public IEnumerable<CorrespondentBinding> Bindings => _bindings.Values;

    public CorrespondentBinding? Find(BindingCacheKey key) => _bindings.GetValueOrDefault(key);

    /// <summary>Adds or replaces; the caller checked <see cref="IsFull"/> for a new key.</summary>
    public void Set(CorrespondentBinding binding) => _bindings[binding.Entry.Key] = binding;

    public bool Remove(BindingCacheKey key) => _bindings.Remove(key);

    /// <summary>The earliest deadline of any binding; a linear scan over a bounded table, only on signalling events.</summary>
    public DateTimeOffset? NextDeadline()
    {
        DateTimeOffset? next = null;
        foreach (var binding in _bindings.Values)
        {
            var at = binding.NextDeadline;
            if (next is null || at < next)
            {
                next = at;
            }
        }

        return next;
    }

    /// <summary>The bindings whose deadline is due at <paramref name="now"/>, copied so the caller may change the cache.</summary>
    public List<CorrespondentBinding> Due(DateTimeOffset now) => [.. _bindings.Values.Where(b => b.NextDeadline <= now)];
}
