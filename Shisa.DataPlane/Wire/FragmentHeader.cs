using System.Buffers.Binary;

namespace Shisa.DataPlane.Wire;

/// <summary>
/// A view of the Fragment header (RFC 8200 4.5). The walker reads it to tell atomic fragments (RFC 6946),
/// which are processed as whole packets, from real ones, which need reassembly first.
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|   0
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Identification                        |   4
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public readonly ref struct FragmentHeader
{
    public const int Length = 8;

    private const int OffsetFlagsOffset = 2;
    private const int IdentificationOffset = 4;
    private const ushort OffsetMask = 0xFFF8;
    private const ushort MoreFragmentsFlag = 0x0001;
    private const int OffsetShift = 3;

    private readonly ReadOnlySpan<byte> _bytes;

    /// <summary>A view over 8 octets; the caller has checked the length.</summary>
    internal FragmentHeader(ReadOnlySpan<byte> bytes) => _bytes = bytes;

    public static bool TryRead(ReadOnlySpan<byte> header, out FragmentHeader view)
    {
        view = header.Length >= Length ? new FragmentHeader(header[..Length]) : default;
        return header.Length >= Length;
    }

    public byte NextHeader => _bytes[0];

    /// <summary>Fragment Offset in 8-octet units.</summary>
    public int FragmentOffset => (BinaryPrimitives.ReadUInt16BigEndian(_bytes[OffsetFlagsOffset..]) & OffsetMask) >> OffsetShift;

    public bool MoreFragments => (BinaryPrimitives.ReadUInt16BigEndian(_bytes[OffsetFlagsOffset..]) & MoreFragmentsFlag) != 0;

    public uint Identification => BinaryPrimitives.ReadUInt32BigEndian(_bytes[IdentificationOffset..]);

    /// <summary>Offset 0 and M clear: the whole packet in one fragment (RFC 6946).</summary>
    public bool IsAtomic => FragmentOffset == 0 && !MoreFragments;
}
