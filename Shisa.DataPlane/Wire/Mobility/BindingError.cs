using System.Net;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>Binding Error status (RFC 6275 6.1.9).</summary>
public enum BindingErrorStatus : byte
{
    /// <summary>Unknown binding for Home Address destination option.</summary>
    UnknownBindingForHomeAddressOption = 1,

    /// <summary>Unrecognized MH Type value.</summary>
    UnrecognizedMobilityHeaderType = 2,
}

/// <summary>
/// Binding Error, RFC 6275 6.1.9 (MH Type 7): Header Len at least 2. The home address is the one of the offending
/// Home Address option, or unspecified (::) when there was none.
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |     Status    |   Reserved    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// +                          Home Address (128 bits)              +
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                        Mobility Options                       .
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record BindingError(BindingErrorStatus Status, IPAddress HomeAddress) : MobilityMessage
{
    private const int StatusOffset = 6;
    private const int ReservedOffset = 7;
    private const int HomeAddressOffset = 8;

    public override MobilityHeaderType Type => MobilityHeaderType.BindingError;

    internal static BindingError Parse(ReadOnlySpan<byte> mh, MobilityOptionList options) =>
        new((BindingErrorStatus)mh[StatusOffset], Addresses.ReadIPv6(mh[HomeAddressOffset..])) { Options = options };

    private protected override void WriteFixed(Span<byte> mh)
    {
        mh[StatusOffset] = (byte)Status;
        mh[ReservedOffset] = 0;
        Addresses.WriteIPv6(HomeAddress, mh[HomeAddressOffset..]);
    }
}
