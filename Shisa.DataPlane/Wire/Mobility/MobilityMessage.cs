namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// A Mobility Header message (RFC 6275 6.1): one record per MH Type, with its options in order, padding excluded.
/// Writing lays the options out by each one's xn+y alignment rule (RFC 6275 6.2), inserting Pad1 for one octet of
/// padding and PadN otherwise, pads the whole header to a multiple of 8 octets (RFC 6275 6.1.1), sets Header Len
/// and fills the checksum. The write path allocates nothing.
/// </summary>
public abstract record MobilityMessage
{
    public abstract MobilityHeaderType Type { get; }

    public MobilityOptionList Options { get; init; } = MobilityOptionList.Empty;

    /// <summary>Octets the message takes on the wire, padding included.</summary>
    public int GetByteCount() => Layout(default, write: false);

    /// <summary>
    /// Writes the message with its checksum computed under the pseudo-header (16-octet addresses). False when
    /// <paramref name="destination"/> is too short or the message cannot be encoded (an option longer than 255 octets,
    /// or more than 2048 octets in all).
    /// </summary>
    public bool TryWrite(Span<byte> destination, ReadOnlySpan<byte> pseudoSource, ReadOnlySpan<byte> pseudoDestination, out int bytesWritten)
    {
        if (!TryWriteWithoutChecksum(destination, out bytesWritten))
        {
            return false;
        }

        MobilityHeader.FillChecksum(destination[..bytesWritten], pseudoSource, pseudoDestination);
        return true;
    }

    /// <summary>Writes the message leaving the checksum zero, for a caller that signs it first (then calls <see cref="MobilityHeader.FillChecksum"/>).</summary>
    public bool TryWriteWithoutChecksum(Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        int length = GetByteCount();
        if (length > destination.Length || length > MobilityHeaderView.MaximumLength || !OptionsFit())
        {
            return false;
        }

        var mh = destination[..length];
        mh[MobilityHeaderView.PayloadProtoOffset] = MobilityHeader.PayloadProtoNone;
        mh[MobilityHeaderView.HeaderLengthOffset] = (byte)((length / 8) - 1);
        mh[MobilityHeaderView.TypeOffset] = (byte)Type;
        mh[MobilityHeaderView.ReservedOffset] = 0;
        mh.Slice(MobilityHeaderView.ChecksumOffset, sizeof(ushort)).Clear();
        WriteFixed(mh[..MobilityHeader.FixedLength(Type)]);
        Layout(mh, write: true);
        bytesWritten = length;
        return true;
    }

    /// <summary>Writes the message's own fields, after the 6-octet common header and before the options.</summary>
    private protected abstract void WriteFixed(Span<byte> mh);

    private bool OptionsFit()
    {
        foreach (var option in Options)
        {
            if (option.DataLength > byte.MaxValue)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Places the options and the final padding; counts when <paramref name="write"/> is false.</summary>
    private int Layout(Span<byte> mh, bool write)
    {
        int offset = MobilityHeader.FixedLength(Type);
        foreach (var option in Options)
        {
            int padding = (option.AlignmentOffset - offset) & (option.AlignmentModulus - 1);
            if (write)
            {
                WritePadding(mh.Slice(offset, padding));
                option.WriteTo(mh[(offset + padding)..]);
            }

            offset += padding + option.GetByteCount();
        }

        int tail = -offset & 7;
        if (write)
        {
            WritePadding(mh.Slice(offset, tail));
        }

        return offset + tail;
    }

    /// <summary>Pad1 for one octet, PadN for more (RFC 6275 6.2.2, 6.2.3).</summary>
    private static void WritePadding(Span<byte> padding)
    {
        if (padding.IsEmpty)
        {
            return;
        }

        padding.Clear();
        if (padding.Length > 1)
        {
            padding[0] = (byte)MobilityOptionType.PadN;
            padding[1] = (byte)(padding.Length - MobilityOption.HeaderLength);
        }
    }
}
