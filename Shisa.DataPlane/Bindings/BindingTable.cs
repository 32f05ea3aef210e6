using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Shisa.DataPlane.Bindings;

/// <summary>What <see cref="BindingTable.Set"/> did.</summary>
public enum BindingSetResult
{
    Added,
    Replaced,

    /// <summary>The table holds <see cref="BindingTable.Capacity"/> bindings already: refused and counted.</summary>
    Full,
}

/// <summary>
/// The data plane's bounded table of tunnels: by home address (one hash lookup on a <see cref="UInt128"/> key)
/// and by mobile network prefix (longest match, one hash lookup per prefix length in use, which is one or two
/// in practice). Readers (forwarding threads) never lock and never allocate; writers (the bus consumer) are
/// serialized. Entries are immutable <see cref="TunnelBinding"/>s replaced whole.
/// </summary>
public sealed class BindingTable
{
    /// <summary>Most prefixes one binding may route (RFC 3963 sets no limit; a flood must not grow the table).</summary>
    public const int MaxPrefixesPerBinding = 16;

    private readonly ConcurrentDictionary<UInt128, TunnelBinding> _byHomeAddress;
    private readonly ConcurrentDictionary<PrefixKey, TunnelBinding> _byPrefix;
    private readonly int[] _prefixesPerLength = new int[129];
    private readonly Lock _writeLock = new();
    private volatile int[] _lengthsInUse = [];
    private long _rejected;

    public BindingTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _byHomeAddress = new ConcurrentDictionary<UInt128, TunnelBinding>(concurrencyLevel: 2, capacity: Math.Min(capacity, 4096));
        _byPrefix = new ConcurrentDictionary<PrefixKey, TunnelBinding>(concurrencyLevel: 2, capacity: 64);
    }

    public int Capacity { get; }

    public int Count => _byHomeAddress.Count;

    public int PrefixCount => _byPrefix.Count;

    /// <summary>Bindings refused because the table was full, or prefixes beyond <see cref="MaxPrefixesPerBinding"/>.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Adds <paramref name="binding"/>, or replaces the one with its home address (and that one's prefixes).</summary>
    public BindingSetResult Set(TunnelBinding binding, out TunnelBinding? previous)
    {
        ArgumentNullException.ThrowIfNull(binding);
        lock (_writeLock)
        {
            bool exists = _byHomeAddress.TryGetValue(binding.HomeAddress, out previous);
            if (!exists && _byHomeAddress.Count >= Capacity)
            {
                Interlocked.Increment(ref _rejected);
                return BindingSetResult.Full;
            }

            if (previous is not null)
            {
                RemovePrefixes(previous);
            }

            _byHomeAddress[binding.HomeAddress] = binding;
            int added = 0;
            foreach (var prefix in binding.MobileNetworkPrefixes)
            {
                if (added == MaxPrefixesPerBinding)
                {
                    Interlocked.Increment(ref _rejected);
                    break;
                }

                if (_byPrefix.TryGetValue(prefix, out var holder) && holder.HomeAddress != binding.HomeAddress)
                {
                    // Another binding claimed it: the newer registration wins (the home agent authorized both).
                    _byPrefix[prefix] = binding;
                }
                else if (_byPrefix.TryAdd(prefix, binding))
                {
                    CountLength(prefix.Length, +1);
                }

                added++;
            }

            return exists ? BindingSetResult.Replaced : BindingSetResult.Added;
        }
    }

    /// <summary>Removes the binding of <paramref name="homeAddress"/> and the prefixes it routes.</summary>
    public bool Remove(UInt128 homeAddress, [NotNullWhen(true)] out TunnelBinding? removed)
    {
        lock (_writeLock)
        {
            if (!_byHomeAddress.TryRemove(homeAddress, out removed))
            {
                return false;
            }

            RemovePrefixes(removed);
            return true;
        }
    }

    /// <summary>Removes every binding; returns them.</summary>
    public IReadOnlyList<TunnelBinding> Clear()
    {
        lock (_writeLock)
        {
            var all = _byHomeAddress.Values.ToList();
            _byHomeAddress.Clear();
            _byPrefix.Clear();
            Array.Clear(_prefixesPerLength);
            _lengthsInUse = [];
            return all;
        }
    }

    public bool TryGetByHomeAddress(UInt128 homeAddress, [NotNullWhen(true)] out TunnelBinding? binding) =>
        _byHomeAddress.TryGetValue(homeAddress, out binding);

    /// <summary>The binding whose mobile network prefix is the longest one holding <paramref name="address"/>.</summary>
    public bool TryGetByPrefix(UInt128 address, [NotNullWhen(true)] out TunnelBinding? binding)
    {
        var lengths = _lengthsInUse; // longest first
        for (int i = 0; i < lengths.Length; i++)
        {
            int length = lengths[i];
            if (_byPrefix.TryGetValue(new PrefixKey(AddressKey.Mask(address, length), length), out binding))
            {
                return true;
            }
        }

        binding = null;
        return false;
    }

    /// <summary>The binding for a home address, else the one whose prefix holds <paramref name="address"/>.</summary>
    public bool TryFind(UInt128 address, [NotNullWhen(true)] out TunnelBinding? binding) =>
        TryGetByHomeAddress(address, out binding) || TryGetByPrefix(address, out binding);

    /// <summary>The tunnel counters of the binding (<paramref name="homeAddress"/>, <paramref name="bindingId"/>), the preferred one's or an alternate's; null when there is none.</summary>
    public TunnelTraffic? TrafficOf(System.Net.IPAddress homeAddress, ushort bindingId)
    {
        if (!_byHomeAddress.TryGetValue(AddressKey.From(homeAddress), out var binding))
        {
            return null;
        }

        if (binding.BindingId == bindingId)
        {
            return binding.Traffic;
        }

        foreach (var alternate in binding.Alternates)
        {
            if (alternate.BindingId == bindingId)
            {
                return alternate.Traffic;
            }
        }

        return null;
    }

    /// <summary>A copy of the bindings, for status pages.</summary>
    public IReadOnlyList<TunnelBinding> Snapshot() => [.. _byHomeAddress.Values];

    private void RemovePrefixes(TunnelBinding binding)
    {
        foreach (var prefix in binding.MobileNetworkPrefixes)
        {
            if (_byPrefix.TryGetValue(prefix, out var holder) && ReferenceEquals(holder, binding)
                && _byPrefix.TryRemove(prefix, out _))
            {
                CountLength(prefix.Length, -1);
            }
        }
    }

    private void CountLength(int length, int delta)
    {
        int before = _prefixesPerLength[length];
        _prefixesPerLength[length] = before + delta;
        if ((before == 0) != (before + delta == 0))
        {
            var lengths = new List<int>();
            for (int l = 128; l >= 0; l--)
            {
                if (_prefixesPerLength[l] > 0)
                {
                    lengths.Add(l);
                }
            }

            _lengthsInUse = [.. lengths];
        }
    }
}
