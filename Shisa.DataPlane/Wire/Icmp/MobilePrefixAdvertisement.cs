using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Shisa.DataPlane.Wire.Icmp;

/// <summary>
/// Mobile Prefix Advertisement (RFC 6275 6.8): the home agent's answer to a solicitation (same Identifier) or
/// an unsolicited update (10.6.3), sent to the care-of address with a type 2 routing header.
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |    Type=147   |     Code=0    |            Checksum           |   0
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Identifier          |M|O|        Reserved           |   4
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Options ...                                                     8
/// </code>
/// Options are Neighbor Discovery TLVs (type, length in 8-octet units). Prefix Information options are kept;
/// other types are skipped (RFC 4861 4.6: unknown options are ignored). An option of length 0, one that
/// overruns the message, or a malformed Prefix Information option refuses the message (RFC 4861 4.6).
/// </remarks>
public sealed record MobilePrefixAdvertisement(
    ushort Identifier,
    bool ManagedAddressConfiguration,
    bool OtherStatefulConfiguration,
    IReadOnlyList<PrefixInformation> Prefixes) : IIcmpv6Message
{
    public const int HeaderLength = 8;
    private const int IdentifierOffset = 4;
    private const int FlagsOffset = 6;
    private const ushort ManagedFlag = 0x8000;
    private const ushort OtherFlag = 0x4000;
    private const int OptionUnit = 8;

    public byte Type => Icmpv6Type.MobilePrefixAdvertisement;

    public static bool TryParse(ReadOnlySpan<byte> message, [NotNullWhen(true)] out MobilePrefixAdvertisement? advertisement)
    {
        advertisement = null;
        if (message.Length < HeaderLength || message[0] != Icmpv6Type.MobilePrefixAdvertisement)
        {
            return false;
        }

        var prefixes = new List<PrefixInformation>();
        for (int at = HeaderLength; at < message.Length;)
        {
            if (at + 2 > message.Length || message[at + 1] == 0 || at + message[at + 1] * OptionUnit > message.Length)
            {
                return false;
            }

            int length = message[at + 1] * OptionUnit;
            if (message[at] == PrefixInformation.OptionType)
            {
                if (!PrefixInformation.TryParse(message.Slice(at, length), out var prefix))
                {
                    return false;
                }

                prefixes.Add(prefix);
            }

            at += length;
        }

        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(message[FlagsOffset..]);
        advertisement = new MobilePrefixAdvertisement(BinaryPrimitives.ReadUInt16BigEndian(message[IdentifierOffset..]),
            (flags & ManagedFlag) != 0, (flags & OtherFlag) != 0, prefixes);
        return true;
    }

    public int GetByteCount() => HeaderLength + Prefixes.Count * PrefixInformation.Length;

    public bool TryWrite(Span<byte> destination, ReadOnlySpan<byte> pseudoSource, ReadOnlySpan<byte> pseudoDestination, out int bytesWritten)
    {
        bytesWritten = 0;
        int length = GetByteCount();
        if (destination.Length < length)
        {
            return false;
        }

        var message = destination[..length];
        Icmpv6Header.WriteHeader(message, Type, 0);
        BinaryPrimitives.WriteUInt16BigEndian(message[IdentifierOffset..], Identifier);
        BinaryPrimitives.WriteUInt16BigEndian(message[FlagsOffset..],
            (ushort)((ManagedAddressConfiguration ? ManagedFlag : 0) | (OtherStatefulConfiguration ? OtherFlag : 0)));
        int at = HeaderLength;
        foreach (var prefix in Prefixes)
        {
            if (!prefix.TryWrite(message[at..], out int written))
            {
                return false;
            }

            at += written;
        }

        Icmpv6Header.FillChecksum(message, pseudoSource, pseudoDestination);
        bytesWritten = length;
        return true;
    }

    public bool Equals(MobilePrefixAdvertisement? other) => other is not null && Identifier == other.Identifier
        && ManagedAddressConfiguration == other.ManagedAddressConfiguration && OtherStatefulConfiguration == other.OtherStatefulConfiguration
        && Prefixes.SequenceEqual(other.Prefixes);

    public override int GetHashCode() => HashCode.Combine(Identifier, ManagedAddressConfiguration, OtherStatefulConfiguration, Prefixes.Count);
}
