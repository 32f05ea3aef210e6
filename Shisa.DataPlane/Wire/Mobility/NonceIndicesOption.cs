using System.Buffers.Binary;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// Nonce Indices option, RFC 6275 6.2.6: alignment 2n, Option Length 4 (scapy's default of 16 is wrong).
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |   Type = 4    |   Length = 4  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |        Home Nonce Index       |     Care-of Nonce Index       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record NonceIndicesOption(ushort HomeNonceIndex, ushort CareOfNonceIndex) : MobilityOption(MobilityOptionType.NonceIndices)
{
    public const int Length = 4;
    private const int HomeNonceIndexOffset = 0;
    private const int CareOfNonceIndexOffset = 2;

    public override int DataLength => Length;

    public override int AlignmentModulus => 2;

    internal static NonceIndicesOption? Parse(ReadOnlySpan<byte> data) =>
        data.Length == Length
            ? new(BinaryPrimitives.ReadUInt16BigEndian(data[HomeNonceIndexOffset..]), BinaryPrimitives.ReadUInt16BigEndian(data[CareOfNonceIndexOffset..]))
            : null;

    private protected override void WriteData(Span<byte> data)
    {
        BinaryPrimitives.WriteUInt16BigEndian(data[HomeNonceIndexOffset..], HomeNonceIndex);
        BinaryPrimitives.WriteUInt16BigEndian(data[CareOfNonceIndexOffset..], CareOfNonceIndex);
    }
}
