namespace Shisa.DataPlane.Bus.Encoding;

/// <summary>Why <see cref="BusFrame.TryRead(ReadOnlySpan{byte}, out BusEnvelope, out int, out BusFrameRefusal)"/> refused a frame.</summary>
public enum BusFrameError : byte
{
    None = 0,

    /// <summary>
    /// Fewer octets than the common header, or than its Length announces. On a stream this only means "read
    /// more": every check the octets present allow has passed.
    /// </summary>
    Truncated,

    /// <summary>Length is below the smallest frame (<see cref="BusFrame.MinimumLength"/>), or the fields do not end exactly at Length.</summary>
    BadLength,

    /// <summary>Version is not <see cref="BusEnvelope.Version"/>.</summary>
    BadVersion,

    /// <summary>Type is not a <see cref="MessageType"/> this version knows.</summary>
    UnknownType,

    /// <summary>
    /// A field holds a value its layout does not allow: an address family other than 0, 4, 6 (or 0 where an address
    /// is required), a prefix longer than its family or with host bits set, a boolean other than 0 or 1, an enum
    /// value the message does not define, invalid UTF-8, an interface index above 2^31-1, a timestamp out of range.
    /// </summary>
    BadField,
}

/// <summary>A refusal: the reason and the frame offset of the field at fault (0 for the header).</summary>
public readonly record struct BusFrameRefusal(BusFrameError Error, int Offset)
{
    public static BusFrameRefusal None => default;

    public override string ToString() => Error == BusFrameError.None ? "none" : $"{Error} at offset {Offset}";
}
