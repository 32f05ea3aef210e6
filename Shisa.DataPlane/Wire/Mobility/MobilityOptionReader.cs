namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>One option as it stands in the message, padding included.</summary>
public readonly ref struct RawMobilityOption
{
    public RawMobilityOption(MobilityOptionType type, int offset, int length, ReadOnlySpan<byte> data)
    {
        Type = type;
        Offset = offset;
        Length = length;
        Data = data;
    }

    public MobilityOptionType Type { get; }

    /// <summary>Offset of the Option Type octet from the start of the Mobility Header.</summary>
    public int Offset { get; }

    /// <summary>The Option Length field (0 for Pad1, which has none).</summary>
    public int Length { get; }

    /// <summary>The Option Data.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>Octets the option takes in the message.</summary>
    public int TotalLength => Type == MobilityOptionType.Pad1 ? 1 : MobilityOption.HeaderLength + Length;
}

/// <summary>
/// Walks the options of a Mobility Header (RFC 6275 6.2.1) with bounds checks: an option running past the end
/// of the message is <see cref="MobilityParseError.OptionOverrun"/>. Pad1 and PadN are returned too.
/// </summary>
public ref struct MobilityOptionReader
{
    private readonly ReadOnlySpan<byte> _mh;
    private int _offset;

    /// <param name="mh">The Mobility Header, exactly as long as Header Len says.</param>
    /// <param name="optionsOffset">Where the options begin (the fixed length of the message type).</param>
    public MobilityOptionReader(ReadOnlySpan<byte> mh, int optionsOffset)
    {
        _mh = mh;
        _offset = optionsOffset;
    }

    /// <summary>Why the last <see cref="TryReadNext"/> returned false: None at the end of the options.</summary>
    public MobilityParseError Error { get; private set; }

    /// <summary>False at the end of the options, or on an error (then <see cref="Error"/> is not None).</summary>
    public bool TryReadNext(out RawMobilityOption option)
    {
        option = default;
        if (Error != MobilityParseError.None || _offset >= _mh.Length)
        {
            return false;
        }

        var type = (MobilityOptionType)_mh[_offset];
        if (type == MobilityOptionType.Pad1)
        {
            option = new RawMobilityOption(type, _offset, 0, default);
            _offset++;
            return true;
        }

        if (_offset + MobilityOption.HeaderLength > _mh.Length)
        {
            Error = MobilityParseError.OptionOverrun;
            return false;
        }

        int length = _mh[_offset + 1];
        int end = _offset + MobilityOption.HeaderLength + length;
        if (end > _mh.Length)
        {
            Error = MobilityParseError.OptionOverrun;
            return false;
        }

        option = new RawMobilityOption(type, _offset, length, _mh[(_offset + MobilityOption.HeaderLength)..end]);
        _offset = end;
        return true;
    }
}
