using System.Diagnostics.CodeAnalysis;
using System.Net;
using Shisa.DataPlane.Bus;

namespace Shisa.Modules.HomeAgent;

/// <summary>
/// One home registration the home agent accepted (RFC 6275 10.1: a binding cache entry marked as a home
/// registration), with the RFC 4285 state of its mobile node.
/// </summary>
/// <param name="HomeAddress">The mobile node's home address: with <paramref name="BindingId"/>, the key.</param>
/// <param name="CareOfAddress">Where the data plane tunnels the home address's traffic.</param>
/// <param name="Flags">The accepted Binding Update's flags (A, H, L, R; K is never kept, there is no IKE here).</param>
/// <param name="Sequence">The sequence number of the last accepted Binding Update.</param>
/// <param name="Lifetime">The granted lifetime.</param>
/// <param name="AcceptedAt">When the last Binding Update was accepted.</param>
/// <param name="MobileNetworkPrefixes">A mobile router's prefixes (RFC 3963), empty otherwise.</param>
/// <param name="BindingId">The RFC 5648 binding id of a Binding Update's Binding Identifier option; 0 for a binding
/// made without one (RFC 5648 6.1 reserves 0, so it never names a registered binding id).</param>
public sealed record HomeBinding(
    IPAddress HomeAddress,
    IPAddress CareOfAddress,
    BindingUpdateFlags Flags,
    ushort Sequence,
    TimeSpan Lifetime,
    DateTimeOffset AcceptedAt,
    EquatableArray<Prefix> MobileNetworkPrefixes,
    ushort BindingId = 0)
{
    public DateTimeOffset ExpiresAt => AcceptedAt + Lifetime;

    /// <summary>What the data plane is told (BcAdd/BcRemove); <paramref name="homeAgent"/> is the entry's peer.</summary>
    public BindingCacheEntry ToEntry(IPAddress homeAgent) =>
        new(HomeAddress, CareOfAddress, homeAgent, Flags, Lifetime, Sequence, MobileNetworkPrefixes, BindingId);
}

/// <summary>A binding as the status page shows it.</summary>
public sealed record HomeBindingStatus(
    IPAddress HomeAddress,
    IPAddress CareOfAddress,
    BindingUpdateFlags Flags,
    ushort Sequence,
    EquatableArray<Prefix> MobileNetworkPrefixes,
    TimeSpan LifetimeRemaining,
    ushort BindingId = 0);

/// <summary>
/// The home agent's binding cache: home registrations keyed by (home address, binding id) (RFC 5648 6.2: one
/// entry per binding id of a home address), bounded by max_bindings, which counts bindings, with the expiry times
/// the core's single timer queue works from. A home address's bindings are kept in binding id order, which is the
/// order the data plane prefers them in. Not thread-safe: the core owns it.
/// </summary>
internal sealed class HomeBindingCache
{
    private readonly Dictionary<IPAddress, List<HomeBinding>> _byHome = [];
    private readonly Dictionary<(IPAddress HomeAddress, ushort BindingId), long> _generations = [];
    private long _nextGeneration;

    /// <summary>Bindings, each binding id of a home address counted once.</summary>
    public int Count => _generations.Count;

    public IEnumerable<HomeBinding> Bindings => _byHome.Values.SelectMany(b => b);

    /// <summary>The binding of <paramref name="homeAddress"/> with the lowest binding id (the only one without RFC 5648).</summary>
    public bool TryGet(IPAddress homeAddress, [NotNullWhen(true)] out HomeBinding? binding)
    {
        binding = _byHome.TryGetValue(homeAddress, out var list) ? list[0] : null;
        return binding is not null;
    }

    public bool TryGet(IPAddress homeAddress, ushort bindingId, [NotNullWhen(true)] out HomeBinding? binding)
    {
        binding = _byHome.TryGetValue(homeAddress, out var list) ? list.Find(b => b.BindingId == bindingId) : null;
        return binding is not null;
    }

    /// <summary>The bindings of <paramref name="homeAddress"/> in binding id order; empty when none.</summary>
    public IReadOnlyList<HomeBinding> Of(IPAddress homeAddress) =>
        _byHome.TryGetValue(homeAddress, out var list) ? list : [];

    /// <summary>
    /// The sequence number of the home address's latest accepted Binding Update: a mobile node numbers its Binding
    /// Updates to the home agent from one counter whatever binding ids they carry (RFC 6275 9.5.1 per home address).
    /// </summary>
    public bool TryGetLastSequence(IPAddress homeAddress, out ushort sequence)
    {
        sequence = 0;
        if (!_byHome.TryGetValue(homeAddress, out var list))
        {
            return false;
        }

        sequence = list[0].Sequence;
        foreach (var binding in list)
        {
            if (Shisa.DataPlane.Wire.Mobility.MobilitySequence.IsNewer(binding.Sequence, sequence))
            {
                sequence = binding.Sequence;
            }
        }

        return true;
    }

    /// <summary>Adds or replaces the binding of its (home address, binding id); returns its generation, for its expiry deadline.</summary>
    public long Set(HomeBinding binding)
    {
        if (!_byHome.TryGetValue(binding.HomeAddress, out var list))
        {
            _byHome[binding.HomeAddress] = list = [];
        }

        int index = list.FindIndex(b => b.BindingId >= binding.BindingId);
        if (index < 0)
        {
            list.Add(binding);
        }
        else if (list[index].BindingId == binding.BindingId)
        {
            list[index] = binding;
        }
        else
        {
            list.Insert(index, binding);
        }

        return _generations[(binding.HomeAddress, binding.BindingId)] = ++_nextGeneration;
    }

    /// <summary>True when <paramref name="generation"/> is that of the current binding of (<paramref name="homeAddress"/>, <paramref name="bindingId"/>).</summary>
    public bool IsCurrent(IPAddress homeAddress, ushort bindingId, long generation) =>
        _generations.TryGetValue((homeAddress, bindingId), out long current) && current == generation;

    public bool Remove(IPAddress homeAddress, ushort bindingId, [NotNullWhen(true)] out HomeBinding? binding)
    {
        binding = null;
        if (!_byHome.TryGetValue(homeAddress, out var list))
        {
            return false;
        }

        int index = list.FindIndex(b => b.BindingId == bindingId);
        if (index < 0)
        {
            return false;
        }

        binding = list[index];
        list.RemoveAt(index);
        if (list.Count == 0)
        {
            _byHome.Remove(homeAddress);
        }

        _generations.Remove((homeAddress, bindingId));
        return true;
    }

    /// <summary>Removes every binding of <paramref name="homeAddress"/>; returns them.</summary>
    public IReadOnlyList<HomeBinding> RemoveAll(IPAddress homeAddress)
    {
        if (!_byHome.Remove(homeAddress, out var list))
        {
            return [];
        }

        foreach (var binding in list)
        {
            _generations.Remove((homeAddress, binding.BindingId));
        }

        return list;
    }

    public IReadOnlyList<HomeBindingStatus> Snapshot(DateTimeOffset now) =>
        [.. Bindings
            .OrderBy(b => b.HomeAddress.ToString(), StringComparer.Ordinal).ThenBy(b => b.BindingId)
            .Select(b => new HomeBindingStatus(b.HomeAddress, b.CareOfAddress, b.Flags, b.Sequence, b.MobileNetworkPrefixes,
                b.ExpiresAt > now ? b.ExpiresAt - now : TimeSpan.Zero, b.BindingId))];
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

/// <summary>A due time for the binding (<see cref="HomeAddress"/>, <see cref="BindingId"/>) or pending registration of <see cref="HomeAddress"/> at <see cref="Generation"/>.</summary>
internal sealed record Deadline(DeadlineKind Kind, IPAddress HomeAddress, long Generation, DateTimeOffset Due, ushort BindingId = 0);
