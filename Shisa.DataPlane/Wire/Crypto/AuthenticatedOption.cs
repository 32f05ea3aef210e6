using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.DataPlane.Wire.Crypto;

/// <summary>
/// Finds the authenticating option of a Mobility Header (Binding Authorization Data, RFC 6275 6.2.7; Mobility
/// Message Authentication, RFC 4285 5): it must be the last option, only padding may follow, so that nothing after
/// the authenticated data can carry meaning.
/// </summary>
internal static class AuthenticatedOption
{
    /// <summary>Largest input of the MACs: two addresses and a whole Mobility Header.</summary>
    public const int MaximumMacInput = (2 * 16) + MobilityHeaderView.MaximumLength;

    /// <summary>
    /// Locates the last option of <paramref name="type"/> in a complete Mobility Header of a known type.
    /// <paramref name="optionOffset"/> is the offset of its Option Type octet, <paramref name="dataLength"/> its Option Length.
    /// </summary>
    public static bool TryFind(ReadOnlySpan<byte> mh, MobilityOptionType type, out MobilityHeaderView view, out int optionOffset, out int dataLength)
    {
        optionOffset = -1;
        dataLength = 0;
        if (!MobilityHeaderView.TryCreate(mh, out view) || !MobilityHeader.IsKnownType(view.Type)
            || view.HeaderLength < MobilityHeader.MinimumHeaderLength(view.Type))
        {
            return false;
        }

        bool last = false;
        var reader = new MobilityOptionReader(view.Bytes, MobilityHeader.FixedLength(view.Type));
        while (reader.TryReadNext(out var option))
        {
            if (option.Type == type)
            {
                optionOffset = option.Offset;
                dataLength = option.Length;
                last = true;
            }
            else if (option.Type is not (MobilityOptionType.Pad1 or MobilityOptionType.PadN))
            {
                last = false;
            }
        }

        return reader.Error == MobilityParseError.None && last;
    }

    /// <summary>
    /// Builds address | address | Mobility Header up to <paramref name="authenticatedLength"/> with the checksum zero
    /// into <paramref name="input"/> and returns its length.
    /// </summary>
    public static int BuildMacInput(Span<byte> input, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, ReadOnlySpan<byte> mh, int authenticatedLength)
    {
        const int addressLength = 16;
        first[..addressLength].CopyTo(input);
        second[..addressLength].CopyTo(input[addressLength..]);
        var data = input.Slice(2 * addressLength, authenticatedLength);
        mh[..authenticatedLength].CopyTo(data);
        data.Slice(MobilityHeaderView.ChecksumOffset, sizeof(ushort)).Clear();
        return (2 * addressLength) + authenticatedLength;
    }
}
