using System.Buffers.Binary;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// Entry point of the Mobility Header codec (RFC 6275 6.1): parses a Mobility Header into a typed
/// <see cref="MobilityMessage"/> after the checks of RFC 6275 9.2. Writing is on the message records.
/// </summary>
/// <remarks>
/// Pseudo-header addresses are 16 raw octets each. The IPv6 layer passes the Home Address option's address as
/// source when one is present and the type 2 routing header's address as destination (RFC 6275 6.1.1, RFC 8200 8.1).
/// Order of checks: length, checksum, Payload Proto, Header Len, MH Type, then options. A message failing its
/// checksum is dropped silently whatever else is wrong with it, so ICMP errors answer only intact packets.
/// </remarks>
public static class MobilityHeader
{
    /// <summary>The Next Header value of the Mobility Header (RFC 6275 6.1).</summary>
    public const byte NextHeader = 135;

    /// <summary>IPPROTO_NONE: the only valid Payload Proto (RFC 6275 6.1.1, 9.2).</summary>
    public const byte PayloadProtoNone = 59;

    /// <summary>Octets of each known message before its options (RFC 6275 6.1.2 to 6.1.9).</summary>
    private static ReadOnlySpan<byte> FixedLengths => [8, 16, 16, 24, 24, 12, 12, 24];

    /// <summary>Parses and verifies the checksum.</summary>
    public static bool TryParse(
        ReadOnlySpan<byte> mh,
        ReadOnlySpan<byte> pseudoSource,
        ReadOnlySpan<byte> pseudoDestination,
        out MobilityMessage? message,
        out MobilityParseError error)
    {
        message = null;
        if (!MobilityHeaderView.TryCreate(mh, out var view))
        {
            error = MobilityParseError.Truncated;
            return false;
        }

        if (!view.VerifyChecksum(pseudoSource, pseudoDestination))
        {
            error = MobilityParseError.BadChecksum;
            return false;
        }

        return TryParse(view, out message, out error);
    }

    /// <summary>Parses without looking at the checksum, for a caller that verified it already (or must not).</summary>
    public static bool TryParseUnverified(ReadOnlySpan<byte> mh, out MobilityMessage? message, out MobilityParseError error)
    {
        message = null;
        if (!MobilityHeaderView.TryCreate(mh, out var view))
        {
            error = MobilityParseError.Truncated;
            return false;
        }

        return TryParse(view, out message, out error);
    }

    /// <summary>True when the Mobility Header is complete and its checksum verifies.</summary>
    public static bool VerifyChecksum(ReadOnlySpan<byte> mh, ReadOnlySpan<byte> pseudoSource, ReadOnlySpan<byte> pseudoDestination) =>
        MobilityHeaderView.TryCreate(mh, out var view) && view.VerifyChecksum(pseudoSource, pseudoDestination);

    /// <summary>
    /// Computes and stores the checksum of a written Mobility Header (<paramref name="mh"/> exactly as long as Header
    /// Len says); used after changing a written message, e.g. filling an authenticator.
    /// </summary>
    public static void FillChecksum(Span<byte> mh, ReadOnlySpan<byte> pseudoSource, ReadOnlySpan<byte> pseudoDestination)
    {
        var checksum = mh.Slice(MobilityHeaderView.ChecksumOffset, sizeof(ushort));
        checksum.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(checksum, InternetChecksum.Compute(pseudoSource, pseudoDestination, NextHeader, mh));
    }

    /// <summary>
    /// Where the pointer of the ICMPv6 Parameter Problem (code 0) that RFC 6275 9.2 asks for points, as an offset
    /// within the Mobility Header (add the Mobility Header's offset in the packet); -1 when the refusal is silent or
    /// answered otherwise (a Binding Error for <see cref="MobilityParseError.UnknownType"/>).
    /// </summary>
    public static int ParameterProblemPointer(MobilityParseError error) => error switch
    {
        MobilityParseError.PayloadProtoNotNone => MobilityHeaderView.PayloadProtoOffset,
        MobilityParseError.HeaderLengthBelowMinimum => MobilityHeaderView.HeaderLengthOffset,
        _ => -1,
    };

    /// <summary>True for the MH Types this codec knows (0 to 7).</summary>
    public static bool IsKnownType(MobilityHeaderType type) => (int)type < FixedLengths.Length;

    /// <summary>Octets of a known message before its options, the common header included.</summary>
    public static int FixedLength(MobilityHeaderType type) => FixedLengths[(int)type];

    /// <summary>The smallest Header Len a known message may carry (RFC 6275 9.2).</summary>
    public static int MinimumHeaderLength(MobilityHeaderType type) => ((FixedLength(type) + 7) / 8) - 1;

    private static bool TryParse(MobilityHeaderView view, out MobilityMessage? message, out MobilityParseError error)
    {
        message = null;
        if (view.PayloadProto != PayloadProtoNone)
        {
            error = MobilityParseError.PayloadProtoNotNone;
            return false;
        }

        var type = view.Type;
        if (IsKnownType(type) && view.HeaderLength < MinimumHeaderLength(type))
        {
            error = MobilityParseError.HeaderLengthBelowMinimum;
            return false;
        }

        if (!IsKnownType(type))
        {
            error = MobilityParseError.UnknownType;
            return false;
        }

        error = TryParseOptions(view.Bytes, FixedLength(type), out var options);
        if (error != MobilityParseError.None)
        {
            return false;
        }

        var mh = view.Bytes;
        message = type switch
        {
            MobilityHeaderType.BindingRefreshRequest => BindingRefreshRequest.Parse(mh, options),
            MobilityHeaderType.HomeTestInit => HomeTestInit.Parse(mh, options),
            MobilityHeaderType.CareOfTestInit => CareOfTestInit.Parse(mh, options),
            MobilityHeaderType.HomeTest => HomeTest.Parse(mh, options),
            MobilityHeaderType.CareOfTest => CareOfTest.Parse(mh, options),
            MobilityHeaderType.BindingUpdate => BindingUpdate.Parse(mh, options),
            MobilityHeaderType.BindingAcknowledgement => BindingAcknowledgement.Parse(mh, options),
            _ => BindingError.Parse(mh, options),
        };
        return true;
    }

    private static MobilityParseError TryParseOptions(ReadOnlySpan<byte> mh, int offset, out MobilityOptionList options)
    {
        options = MobilityOptionList.Empty;
        List<MobilityOption>? list = null;
        var reader = new MobilityOptionReader(mh, offset);
        while (reader.TryReadNext(out var raw))
        {
            if (raw.Type is MobilityOptionType.Pad1 or MobilityOptionType.PadN)
            {
                continue;
            }

            var error = MobilityOption.TryParse(raw.Type, raw.Data, out var option);
            if (error != MobilityParseError.None)
            {
                return error;
            }

            (list ??= []).Add(option!);
        }

        if (reader.Error != MobilityParseError.None)
        {
            return reader.Error;
        }

        options = MobilityOptionList.Wrap(list);
        return MobilityParseError.None;
    }
}
