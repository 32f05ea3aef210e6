using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Shisa.DataPlane.Wire.Crypto;

namespace Shisa.Modules.Correspondent;

/// <summary>
/// The correspondent's secrets for return routability (RFC 6275 5.2.1, 5.2.2, 5.2.7): the node key Kcn and a
/// bounded window of recent nonces, each with its index and the Kcn it was made under, so a key change does not
/// invalidate tokens already handed out. A new nonce becomes current every regeneration interval; a nonce
/// verifies until the nonce lifetime after it was made and is forgotten then.
/// </summary>
/// <remarks>Time is passed in; nothing here reads a clock or arms a timer.</remarks>
public sealed class NodeSecrets
{
    /// <summary>Nonce size: a correspondent's private choice (RFC 6275 5.2.2); 64 bits as in SHISA.</summary>
    public const int NonceLength = 8;

    private readonly NonceEntry?[] _window;
    private readonly TimeSpan _nonceLifetime;
    private readonly TimeSpan _regenerationInterval;
    private readonly TimeSpan _keyLifetime;
    private readonly Action<Span<byte>> _random;
    private byte[] _kcn = new byte[ReturnRoutability.NodeKeyLength];
    private DateTimeOffset _kcnMadeAt;
    private int _current;

    /// <summary>Makes a fresh Kcn and a first nonce.</summary>
    /// <param name="options">The nonce regeneration interval and the node key's lifetime.</param>
    /// <param name="now">The time the first nonce is made.</param>
    /// <param name="random">Fills a span with random octets; <see cref="RandomNumberGenerator.Fill"/> unless a test scripts it.</param>
    /// <param name="firstIndex">The first nonce index; random when null.</param>
    public NodeSecrets(CorrespondentOptions options, DateTimeOffset now, Action<Span<byte>>? random = null, ushort? firstIndex = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _nonceLifetime = options.NonceLifetime;
        _regenerationInterval = options.NonceRegenerationInterval;
        _keyLifetime = options.NodeKeyLifetime;
        _random = random ?? RandomNumberGenerator.Fill;

        // Every nonce still verifiable, plus the current one.
        int capacity = (int)Math.Ceiling(_nonceLifetime / _regenerationInterval) + 1;
        _window = new NonceEntry?[Math.Clamp(capacity, 2, 64)];
        _random(_kcn);
        _kcnMadeAt = now;
        Span<byte> index = stackalloc byte[sizeof(ushort)];
        _random(index);
        ushort first = firstIndex ?? (ushort)((index[0] << 8) | index[1]);
        Add(first, Nonce(), _kcn, now);
    }

    /// <summary>The index of the nonce handed out now.</summary>
    public ushort CurrentIndex => _window[_current]!.Index;

    /// <summary>When the next nonce becomes current (the module's timer wakes the node then).</summary>
    public DateTimeOffset NextRegeneration { get; private set; }

    /// <summary>How many nonces verify at <paramref name="now"/>.</summary>
    public int ValidNonces(DateTimeOffset now) => _window.Count(e => e is not null && IsValid(e, now));

    /// <summary>Makes a new nonce current when its time has come; a new Kcn too when the key is old enough.</summary>
    public bool OnTimer(DateTimeOffset now)
    {
        if (now < NextRegeneration)
        {
            return false;
        }

        Regenerate(now);
        return true;
    }

    /// <summary>Makes a new nonce current now, with the next index (RFC 6275 5.2.7).</summary>
    public void Regenerate(DateTimeOffset now)
    {
        if (now - _kcnMadeAt >= _keyLifetime)
        {
            // Entries made under the old key keep a reference to it until they expire.
            _kcn = new byte[ReturnRoutability.NodeKeyLength];
            _random(_kcn);
            _kcnMadeAt = now;
        }

        Add(unchecked((ushort)(CurrentIndex + 1)), Nonce(), _kcn, now);
    }

    /// <summary>
    /// Makes (<paramref name="index"/>, <paramref name="nonce"/>) the current nonce under <paramref name="kcn"/>,
    /// replacing any nonce with that index: for tests and interoperability runs that need known values.
    /// </summary>
    public void Install(ushort index, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> kcn, DateTimeOffset now)
    {
        if (nonce.IsEmpty || nonce.Length > ReturnRoutability.MaximumNonceLength)
        {
            throw new ArgumentException($"a nonce has 1 to {ReturnRoutability.MaximumNonceLength} octets", nameof(nonce));
        }

        if (kcn.Length != ReturnRoutability.NodeKeyLength)
        {
            throw new ArgumentException($"Kcn has {ReturnRoutability.NodeKeyLength} octets", nameof(kcn));
        }

        _kcn = kcn.ToArray();
        _kcnMadeAt = now;
        for (int i = 0; i < _window.Length; i++)
        {
            if (_window[i]?.Index == index)
            {
                _window[i] = null;
            }
        }

        Add(index, nonce.ToArray(), _kcn, now);
    }

    /// <summary>The home keygen token of the current nonce for <paramref name="homeAddress"/> (RFC 6275 5.2.5, 9.4.3).</summary>
    public ulong CurrentHomeKeygenToken(IPAddress homeAddress, out ushort index)
    {
        var entry = _window[_current]!;
        index = entry.Index;
        return ReturnRoutability.HomeKeygenToken(entry.Kcn, Bytes(homeAddress), entry.Nonce);
    }

    /// <summary>The care-of keygen token of the current nonce for <paramref name="careOfAddress"/> (RFC 6275 5.2.5, 9.4.4).</summary>
    public ulong CurrentCareOfKeygenToken(IPAddress careOfAddress, out ushort index)
    {
        var entry = _window[_current]!;
        index = entry.Index;
        return ReturnRoutability.CareOfKeygenToken(entry.Kcn, Bytes(careOfAddress), entry.Nonce);
    }

    /// <summary>The home keygen token of nonce <paramref name="index"/>; false when that nonce expired or never was (status 136).</summary>
    public bool TryHomeKeygenToken(ushort index, IPAddress homeAddress, DateTimeOffset now, out ulong token)
    {
        token = 0;
        if (Find(index, now) is not { } entry)
        {
            return false;
        }

        token = ReturnRoutability.HomeKeygenToken(entry.Kcn, Bytes(homeAddress), entry.Nonce);
        return true;
    }

    /// <summary>The care-of keygen token of nonce <paramref name="index"/>; false when that nonce expired or never was (status 137).</summary>
    public bool TryCareOfKeygenToken(ushort index, IPAddress careOfAddress, DateTimeOffset now, out ulong token)
    {
        token = 0;
        if (Find(index, now) is not { } entry)
        {
            return false;
        }

        token = ReturnRoutability.CareOfKeygenToken(entry.Kcn, Bytes(careOfAddress), entry.Nonce);
        return true;
    }

    internal static byte[] Bytes(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException("not an IPv6 address", nameof(address));
        }

        return address.GetAddressBytes();
    }

    private NonceEntry? Find(ushort index, DateTimeOffset now)
    {
        foreach (var entry in _window)
        {
            if (entry is not null && entry.Index == index && IsValid(entry, now))
            {
                return entry;
            }
        }

        return null;
    }

    private bool IsValid(NonceEntry entry, DateTimeOffset now) => now >= entry.MadeAt && now - entry.MadeAt < _nonceLifetime;

    private byte[] Nonce()
    {
        var nonce = new byte[NonceLength];
        _random(nonce);
        return nonce;
    }

    private void Add(ushort index, byte[] nonce, byte[] kcn, DateTimeOffset now)
    {
        // The slot after the current one holds the oldest nonce (or none): a ring.
        int slot = _window[_current] is null ? _current : (_current + 1) % _window.Length;
        _window[slot] = new NonceEntry(index, nonce, kcn, now);
        _current = slot;
        NextRegeneration = now + _regenerationInterval;
    }

    private sealed record NonceEntry(ushort Index, byte[] Nonce, byte[] Kcn, DateTimeOffset MadeAt);
}
