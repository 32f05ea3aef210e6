using System.Diagnostics.CodeAnalysis;
using System.Net;
using Shisa.DataPlane.Bus;

namespace Shisa.Modules.HomeAgent;

/// <summary>
/// One home registration the home agent accepted (RFC 6275 10.1: a binding cache entry marked as a home
/// registration), with the RFC 4285 state of its mobile node.
/// </summary>
/// <param name="HomeAddress">The mobile node's home address: the key.</param>
/// <param name="CareOfAddress">Where the data plane tunnels the home address's traffic.</param>
/// <param name="Flags">The accepted Binding Update's flags (A, H, L, R; K is never kept, there is no IKE here).</param>
/// <param name="Sequence">The sequence number of the last accepted Binding Update.</param>
/// <param name="Lifetime">The granted lifetime.</param>
/// <param name="AcceptedAt">When the last Binding Update was accepted.</param>
/// <param name="MobileNetworkPrefixes">A mobile router's prefixes (RFC 3963), empty otherwise.</param>
public sealed record HomeBinding(
    IPAddress HomeAddress,
    IPAddress CareOfAddress,
    BindingUpdateFlags Flags,
    ushort Sequence,
    TimeSpan Lifetime,
    DateTimeOffset AcceptedAt,
    EquatableArray<Prefix> MobileNetworkPrefixes)
{
    public DateTimeOffset ExpiresAt => AcceptedAt + Lifetime;

    /// <summary>What the data plane is told (BcAdd/BcRemove); <paramref name="homeAgent"/> is the entry's peer.</summary>
    public BindingCacheEntry ToEntry(IPAddress homeAgent) =>
        new(HomeAddress, CareOfAddress, homeAgent, Flags, Lifetime, Sequence, MobileNetworkPrefixes);
}

/// <summary>A binding as the status page shows it.</summary>
public sealed record HomeBindingStatus(
    IPAddress HomeAddress,
    IPAddress CareOfAddress,
    BindingUpdateFlags Flags,
    ushort Sequence,
    EquatableArray<Prefix> MobileNetworkPrefixes,
    TimeSpan LifetimeRemaining);

/// <summary>
/// The home agent's binding cache: home registrations by home address, bounded by max_bindings, with the
/// expiry times the core's single timer queue works from. Not thread-safe: the core owns it.
/// </summary>
internal sealed class HomeBindingCache
{
    private readonly Dictionary<IPAddress, HomeBinding> _bindings = [];
    private readonly Dictionary<IPAddress, long> _generations = [];
    private long _nextGeneration;

    public int Count => _bindings.Count;

    public IEnumerable<HomeBinding> Bindings => _bindings.Values;

    public bool TryGet(IPAddress homeAddress, [NotNullWhen(true)] out HomeBinding? binding) =>
        _bindings.TryGetValue(homeAddress, out binding);

    /// <summary>Adds or replaces the binding of its home address; returns its generation, for its expiry deadline.</summary>
    public long Set(HomeBinding binding)
    {
        _bindings[binding.HomeAddress] = binding;
        return _generations[binding.HomeAddress] = ++_nextGeneration;
    }

    /// <summary>True when <paramref name="generation"/> is that of the current binding of <paramref name="homeAddress"/>.</summary>
    public bool IsCurrent(IPAddress homeAddress, long generation) =>
        _generations.TryGetValue(homeAddress, out long current) && current == generation;

    public bool Remove(IPAddress homeAddress, [NotNullWhen(true)] out HomeBinding? binding)
    {
        _generations.Remove(homeAddress);
        return _bindings.Remove(homeAddress, out binding);
    }

    public IReadOnlyList<HomeBindingStatus> Snapshot(DateTimeOffset now) =>
        [.. _bindings.Values
            .OrderBy(b => b.HomeAddress.ToString(), StringComparer.Ordinal)
            .Select(b => new HomeBindingStatus(b.HomeAddress, b.CareOfAddress, b.Flags, b.Sequence, b.MobileNetworkPrefixes,
                b.ExpiresAt > now ? b.ExpiresAt - now : TimeSpan.Zero))];
}

/// <summary>
/// The core's one timer queue: binding expiries and DAD deadlines, by due time. Entries are never removed in
/// place; a stale one (its binding refreshed or gone) is recognised by its generation when it comes due. The
/// queue is rebuilt from the live deadlines when stale entries outnumber them, so it stays bounded.
/// </summary>
internal sealed class DeadlineQueue
{
    private readonly PriorityQueue<Deadline, DateTimeOffset> _queue = new();

    public int Count => _queue.Count;

    public void Add(Deadline deadline) => _queue.Enqueue(deadline, deadline.Due);

    /// <summary>The earliest entry's due time (possibly a stale one: firing early is harmless).</summary>
    public DateTimeOffset? Next => _queue.TryPeek(out _, out var due) ? due : null;

    public bool TryTakeDue(DateTimeOffset now, [NotNullWhen(true)] out Deadline? deadline)
    {
        if (_queue.TryPeek(out var next, out var due) && due <= now)
        {
            _queue.Dequeue();
            deadline = next;
            return true;
        }

        deadline = null;
        return false;
    }

    /// <summary>Every entry, stale ones included, in no order.</summary>
    public IEnumerable<Deadline> Entries() => _queue.UnorderedItems.Select(e => e.Element);

    /// <summary>Keeps only the entries <paramref name="live"/> says are current.</summary>
    public void Compact(Func<Deadline, bool> live)
    {
        var keep = _queue.UnorderedItems.Where(e => live(e.Element)).ToList();
        _queue.Clear();
        foreach (var (element, priority) in keep)
        {
            _queue.Enqueue(element, priority);
        }
    }
}

internal enum DeadlineKind
{
    BindingExpiry,
    DadTimeout,
}

/// <summary>A due time for the binding or pending registration of <see cref="HomeAddress"/> at <see cref="Generation"/>.</summary>
internal sealed record Deadline(DeadlineKind Kind, IPAddress HomeAddress, long Generation, DateTimeOffset Due);
