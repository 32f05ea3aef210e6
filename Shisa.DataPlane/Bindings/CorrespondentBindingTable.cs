using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Shisa.DataPlane.Bindings;

/// <summary>A route optimization binding's key: the correspondent's address and the mobile node's home address.</summary>
public readonly record struct CorrespondentKey(UInt128 Correspondent, UInt128 HomeAddress);

/// <summary>
/// One route optimization binding (RFC 6275 9.3.2, 11.3.1): the mobile node at <see cref="HomeAddress"/> is reached at
/// <see cref="CareOfAddress"/> directly by <see cref="Correspondent"/>, without the home agent. On a mobile node it comes
/// from a binding update list entry without H (the correspondent is the peer), on a correspondent from a binding
/// cache entry without H (the correspondent is this node's address the binding was made with). Immutable, the
/// address octets kept ready for the rewrite.
/// </summary>
public sealed class CorrespondentBinding
{
    private readonly byte[] _careOf = new byte[AddressKey.Length];
    private readonly byte[] _home = new byte[AddressKey.Length];

    public CorrespondentBinding(IPAddress homeAddress, IPAddress careOfAddress, IPAddress correspondent)
    {
        HomeAddress = AddressKey.From(homeAddress);
        CareOfAddress = AddressKey.From(careOfAddress);
        Correspondent = AddressKey.From(correspondent);
        AddressKey.Write(CareOfAddress, _careOf);
        AddressKey.Write(HomeAddress, _home);
    }

    public UInt128 HomeAddress { get; }

    public UInt128 CareOfAddress { get; }

    public UInt128 Correspondent { get; }

    public CorrespondentKey Key => new(Correspondent, HomeAddress);

    public ReadOnlySpan<byte> CareOfAddressBytes => _careOf;

    public ReadOnlySpan<byte> HomeAddressBytes => _home;

    public override string ToString() =>
        $"{AddressKey.ToAddress(HomeAddress)} at {AddressKey.ToAddress(CareOfAddress)} with {AddressKey.ToAddress(Correspondent)}";
}

/// <summary>
/// The data plane's bounded table of route optimization bindings, by (correspondent, home address): one hash lookup
/// on a struct key from packet bytes, no lock and no allocation for readers; writers (the bus consumer) serialized.
/// </summary>
public sealed class CorrespondentBindingTable
{
    private readonly ConcurrentDictionary<CorrespondentKey, CorrespondentBinding> _bindings;
    private readonly Lock _writeLock = new();
    private long _rejected;

    public CorrespondentBindingTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _bindings = new ConcurrentDictionary<CorrespondentKey, CorrespondentBinding>(concurrencyLevel: 2, capacity: Math.Min(capacity, 4096));
    }

    public int Capacity { get; }

    public int Count => _bindings.Count;

    /// <summary>Bindings refused because the table was full.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Adds or replaces the binding with <paramref name="binding"/>'s key.</summary>
    public BindingSetResult Set(CorrespondentBinding binding, out CorrespondentBinding? previous)
    {
        ArgumentNullException.ThrowIfNull(binding);
        lock (_writeLock)
        {
            bool exists = _bindings.TryGetValue(binding.Key, out previous);
            if (!exists && _bindings.Count >= Capacity)
            {
                Interlocked.Increment(ref _rejected);
                return BindingSetResult.Full;
            }

            _bindings[binding.Key] = binding;
            return exists ? BindingSetResult.Replaced : BindingSetResult.Added;
        }
    }

    public bool Remove(CorrespondentKey key, [NotNullWhen(true)] out CorrespondentBinding? removed)
    {
        lock (_writeLock)
        {
            return _bindings.TryRemove(key, out removed);
        }
    }

    /// <summary>Removes every binding; returns them.</summary>
    public IReadOnlyList<CorrespondentBinding> Clear()
    {
        lock (_writeLock)
        {
            var all = _bindings.Values.ToList();
            _bindings.Clear();
            return all;
        }
    }

    /// <summary>The binding of <paramref name="homeAddress"/> with <paramref name="correspondent"/>.</summary>
    public bool TryFind(UInt128 correspondent, UInt128 homeAddress, [NotNullWhen(true)] out CorrespondentBinding? binding) =>
        _bindings.TryGetValue(new CorrespondentKey(correspondent, homeAddress), out binding);

    /// <summary>True when any binding names <paramref name="homeAddress"/> (a correspondent routes it into its TUN while one does).</summary>
    public bool HasHomeAddress(UInt128 homeAddress)
    {
        foreach (var pair in _bindings)
        {
            if (pair.Key.HomeAddress == homeAddress)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A copy of the bindings, for status pages.</summary>
    public IReadOnlyList<CorrespondentBinding> Snapshot() => [.. _bindings.Values];
}
