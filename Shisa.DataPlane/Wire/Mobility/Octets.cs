namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// An immutable octet string with value equality, for the variable-length fields of mobility options
/// (authenticators, identifiers, unknown option data), so the records holding them compare by value.
/// </summary>
public readonly struct Octets : IEquatable<Octets>
{
    private readonly byte[]? _bytes;

    private Octets(byte[] bytes) => _bytes = bytes;

    public static Octets Empty => default;

    public int Length => _bytes?.Length ?? 0;

    public ReadOnlySpan<byte> Span => _bytes;

    /// <summary>Copies <paramref name="bytes"/>.</summary>
    public static Octets Copy(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? default : new Octets(bytes.ToArray());

    public static Octets FromHex(string hex) => Copy(Convert.FromHexString(hex));

    public bool Equals(Octets other) => Span.SequenceEqual(other.Span);

    public override bool Equals(object? obj) => obj is Octets other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Span);
        return hash.ToHashCode();
    }

    public override string ToString() => Convert.ToHexString(Span).ToLowerInvariant();

    public static bool operator ==(Octets left, Octets right) => left.Equals(right);

    public static bool operator !=(Octets left, Octets right) => !left.Equals(right);
}
