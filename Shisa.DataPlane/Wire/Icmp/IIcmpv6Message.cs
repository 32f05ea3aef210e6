namespace Shisa.DataPlane.Wire.Icmp;

/// <summary>
/// An ICMPv6 message record that can write itself, checksum included, into a caller's buffer.
/// </summary>
public interface IIcmpv6Message
{
    byte Type { get; }

    /// <summary>Octets <see cref="TryWrite(Span{byte}, ReadOnlySpan{byte}, ReadOnlySpan{byte}, out int)"/> writes.</summary>
    int GetByteCount();

    /// <summary>Writes the message with its checksum over the given pseudo-header addresses.</summary>
    bool TryWrite(Span<byte> destination, ReadOnlySpan<byte> pseudoSource, ReadOnlySpan<byte> pseudoDestination, out int bytesWritten);

    /// <summary>Octets written when the message may take at most <paramref name="room"/> (error messages truncate; others ignore it).</summary>
    int GetByteCount(int room) => GetByteCount();

    /// <summary>Writes the message into at most <paramref name="room"/> octets (error messages truncate the invoking packet).</summary>
    bool TryWrite(Span<byte> destination, ReadOnlySpan<byte> pseudoSource, ReadOnlySpan<byte> pseudoDestination, int room, out int bytesWritten) =>
        TryWrite(destination, pseudoSource, pseudoDestination, out bytesWritten);
}
