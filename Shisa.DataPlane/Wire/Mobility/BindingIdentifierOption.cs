using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>Flags of the Binding Identifier option (RFC 5648 6.1); the other bits are reserved and kept as read.</summary>
[Flags]
public enum BindingIdentifierFlags : byte
{
    None = 0,

    /// <summary>Simultaneous home and foreign binding.</summary>
    H = 0x80,

    /// <summary>Overwrite: replace every binding of the home address with this one (bulk registration).</summary>
    O = 0x40,
}

/// <summary>
/// Binding Identifier option, RFC 5648 6.1 (type 35): alignment 2n; Option Length 4 without a care-of address,
/// 8 with an IPv4 one, 20 with an IPv6 one. Status is meaningful in a Binding Acknowledgement only.
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |   Type = 35   |     Length    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |       Binding ID (BID)        |     Status    |H|O| Reserved  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// :             IPv4 or IPv6 care-of address (CoA), optional      :
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record BindingIdentifierOption(ushort BindingId, byte Status, BindingIdentifierFlags Flags, IPAddress? CareOfAddress = null)
    : MobilityOption(MobilityOptionType.BindingIdentifier)
{
    public const int LengthWithoutAddress = 4;
    public const int LengthWithIPv4 = LengthWithoutAddress + Addresses.IPv4Length;
    public const int LengthWithIPv6 = LengthWithoutAddress + Addresses.IPv6Length;
    private const int BindingIdOffset = 0;
    private const int StatusOffset = 2;
    private const int FlagsOffset = 3;
    private const int AddressOffset = 4;

    public override int DataLength => CareOfAddress?.AddressFamily switch
    {
        null => LengthWithoutAddress,
        AddressFamily.InterNetwork => LengthWithIPv4,
        _ => LengthWithIPv6,
    };

    public override int AlignmentModulus => 2;

    internal static BindingIdentifierOption? Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length is not (LengthWithoutAddress or LengthWithIPv4 or LengthWithIPv6))
        {
            return null;
        }

        IPAddress? address = data.Length switch
        {
            LengthWithIPv4 => Addresses.ReadIPv4(data[AddressOffset..]),
            LengthWithIPv6 => Addresses.ReadIPv6(data[AddressOffset..]),
            _ => null,
        };
        return new(BinaryPrimitives.ReadUInt16BigEndian(data[BindingIdOffset..]), data[StatusOffset], (BindingIdentifierFlags)data[FlagsOffset], address);
    }

    private protected override void WriteData(Span<byte> data)
    {
        BinaryPrimitives.WriteUInt16BigEndian(data[BindingIdOffset..], BindingId);
        data[StatusOffset] = Status;
        data[FlagsOffset] = (byte)Flags;
        if (CareOfAddress is { AddressFamily: AddressFamily.InterNetwork })
        {
            Addresses.WriteIPv4(CareOfAddress, data[AddressOffset..]);
        }
        else if (CareOfAddress is not null)
        {
            Addresses.WriteIPv6(CareOfAddress, data[AddressOffset..]);
        }
    }
}
