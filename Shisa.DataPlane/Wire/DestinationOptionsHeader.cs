namespace Shisa.DataPlane.Wire;

/// <summary>
/// A view of a Destination Options header (RFC 8200 4.6); the Hop-by-Hop Options header (4.3) has the same
/// format and is read with the same view.
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Next Header  |  Hdr Ext Len  |                               |   0
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
/// .                            Options                            .
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// Length = (Hdr Ext Len + 1) * 8 octets.
/// </code>
/// Shisa writes the header that carries a Home Address option exactly as the interoperability vectors do
/// (and KAME did): PadN with 2 octets of data, then the option at offset 6 (8n+6), 24 octets in all:
/// <code>
/// | Next Header   | Hdr Ext Len=2 | PadN=1        | Opt Len=2     |   0
/// | 0             | 0             | Type=0xC9     | Opt Len=16    |   4
/// |                     Home Address (16 octets)                  |   8
/// </code>
/// </remarks>
public readonly ref struct DestinationOptionsHeader
{
    public const int NextHeaderOffset = 0;
    public const int HdrExtLenOffset = 1;
    private const int MinimumLength = 8;
    private const int OctetUnit = 8;

    /// <summary>Length of the header Shisa writes around a Home Address option.</summary>
    public const int HomeAddressHeaderLength = 24;

    /// <summary>Octets of PadN before the Home Address option in that header.</summary>
    private const int HomeAddressPadding = 4;

    private readonly ReadOnlySpan<byte> _bytes;

    private DestinationOptionsHeader(ReadOnlySpan<byte> bytes) => _bytes = bytes;

    /// <summary>Reads the header at the start of <paramref name="header"/>; false when its length runs past the span.</summary>
    public static bool TryRead(ReadOnlySpan<byte> header, out DestinationOptionsHeader view)
    {
        view = default;
        if (header.Length < MinimumLength)
        {
            return false;
        }

        int length = (header[HdrExtLenOffset] + 1) * OctetUnit;
        if (length > header.Length)
        {
            return false;
        }

        view = new DestinationOptionsHeader(header[..length]);
        return true;
    }

    public byte NextHeader => _bytes[NextHeaderOffset];

    public byte HdrExtLen => _bytes[HdrExtLenOffset];

    public int Length => _bytes.Length;

    public ReadOnlySpan<byte> Bytes => _bytes;

    public OptionEnumerator Options => Ipv6Options.Enumerate(_bytes);

    /// <summary>
    /// Finds the first Home Address option; false when there is none or it is malformed (length not 16).
    /// <paramref name="offset"/> is the option's offset in the header.
    /// </summary>
    public bool TryFindHomeAddress(out ReadOnlySpan<byte> homeAddress, out int offset)
    {
        foreach (var option in Options)
        {
            if (option.Type == HomeAddressOption.OptionType)
            {
                offset = option.Offset;
                return HomeAddressOption.TryRead(option, out homeAddress);
            }
        }

        homeAddress = default;
        offset = -1;
        return false;
    }

    /// <summary>Writes the 24-octet header carrying a Home Address option (layout above).</summary>
    public static bool TryWriteHomeAddress(Span<byte> destination, byte nextHeader, ReadOnlySpan<byte> homeAddress, out int bytesWritten)
    {
        bytesWritten = 0;
        if (destination.Length < HomeAddressHeaderLength || homeAddress.Length != Ipv6Header.AddressLength)
        {
            return false;
        }

        destination[NextHeaderOffset] = nextHeader;
        destination[HdrExtLenOffset] = HomeAddressHeaderLength / OctetUnit - 1;
        Ipv6Options.WritePadding(destination.Slice(OptionEnumerator.FirstOptionOffset, HomeAddressPadding), HomeAddressPadding);
        HomeAddressOption.TryWrite(destination[HomeAddressOption.AlignmentOffset..], homeAddress, out _);
        bytesWritten = HomeAddressHeaderLength;
        return true;
    }
}
