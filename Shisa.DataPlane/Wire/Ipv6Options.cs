namespace Shisa.DataPlane.Wire;

/// <summary>
/// The TLV options of Hop-by-Hop and Destination Options headers (RFC 8200 4.2), read in place.
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+- - - - - - - - -
/// |  Option Type  |  Opt Data Len |  Option Data
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+- - - - - - - - -
/// Pad1 is the single octet 0 (no length, no data).
/// The two high-order bits of the type say what a node that does not know the option does:
///   00 skip it; 01 discard the packet; 10 discard and send Parameter Problem code 2 pointing to the type;
///   11 the same, but only when the destination is not multicast. The third bit: data may change en route.
/// </code>
/// </remarks>
public static class Ipv6Options
{
    public const byte Pad1 = 0;
    public const byte PadN = 1;

    /// <summary>Length of an option's type and length octets.</summary>
    public const int OptionHeaderLength = 2;

    /// <summary>Mask and values of the two action bits.</summary>
    public const byte ActionMask = 0xC0;
    public const byte ActionSkip = 0x00;
    public const byte ActionDiscard = 0x40;
    public const byte ActionDiscardSendParameterProblem = 0x80;
    public const byte ActionDiscardSendParameterProblemUnlessMulticast = 0xC0;

    /// <summary>Bit set when the option data may change en route (excluded from AH's ICV).</summary>
    public const byte MayChangeFlag = 0x20;

    /// <summary>Octets of padding <see cref="WritePadding"/> uses for <paramref name="length"/>: Pad1 for 1, PadN otherwise.</summary>
    public static void WritePadding(Span<byte> destination, int length)
    {
        if (length == 0)
        {
            return;
        }

        if (length == 1)
        {
            destination[0] = Pad1;
            return;
        }

        destination[0] = PadN;
        destination[1] = (byte)(length - OptionHeaderLength);
        destination.Slice(OptionHeaderLength, length - OptionHeaderLength).Clear();
    }

    /// <summary>
    /// Enumerates the options of an options header (<paramref name="header"/> is the whole header, from its
    /// Next Header octet); offsets are from the header's start. Stops at the first option that overruns the
    /// header (<see cref="OptionEnumerator.Overrun"/> then tells so).
    /// </summary>
    public static OptionEnumerator Enumerate(ReadOnlySpan<byte> header) => new(header);
}

/// <summary>One option of an options header, located in the header.</summary>
public readonly ref struct Ipv6Option
{
    internal Ipv6Option(byte type, int offset, int dataLength, ReadOnlySpan<byte> data)
    {
        Type = type;
        Offset = offset;
        DataLength = dataLength;
        Data = data;
    }

    public byte Type { get; }

    /// <summary>Offset of the Option Type octet from the start of the extension header.</summary>
    public int Offset { get; }

    /// <summary>Opt Data Len (0 for Pad1).</summary>
    public int DataLength { get; }

    public ReadOnlySpan<byte> Data { get; }

    /// <summary>Octets taken in the header: 1 for Pad1, 2 + data otherwise.</summary>
    public int TotalLength => Type == Ipv6Options.Pad1 ? 1 : Ipv6Options.OptionHeaderLength + DataLength;
}

/// <summary>Allocation-free enumerator of an options header's options.</summary>
public ref struct OptionEnumerator
{
    /// <summary>Offset of the first option: after Next Header and Hdr Ext Len.</summary>
    public const int FirstOptionOffset = 2;

    private readonly ReadOnlySpan<byte> _header;
    private int _next;
    private Ipv6Option _current;

    internal OptionEnumerator(ReadOnlySpan<byte> header)
    {
        _header = header;
        _next = FirstOptionOffset;
        _current = default;
        Overrun = false;
    }

    /// <summary>True when enumeration stopped at an option whose length runs past the header.</summary>
    public bool Overrun { get; private set; }

    /// <summary>When <see cref="Overrun"/>, the offset of the option that overran.</summary>
    public int OverrunOffset { get; private set; }

    public readonly Ipv6Option Current => _current;

    public readonly OptionEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_next >= _header.Length || Overrun)
        {
            return false;
        }

        int at = _next;
        byte type = _header[at];
        if (type == Ipv6Options.Pad1)
        {
            _current = new Ipv6Option(type, at, 0, default);
            _next = at + 1;
            return true;
        }

        if (at + Ipv6Options.OptionHeaderLength > _header.Length
            || at + Ipv6Options.OptionHeaderLength + _header[at + 1] > _header.Length)
        {
            Overrun = true;
            OverrunOffset = at;
            return false;
        }

        int length = _header[at + 1];
        _current = new Ipv6Option(type, at, length, _header.Slice(at + Ipv6Options.OptionHeaderLength, length));
        _next = at + Ipv6Options.OptionHeaderLength + length;
        return true;
    }
}
