using Shisa.DataPlane.Wire.Icmp;

namespace Shisa.DataPlane.Wire;

/// <summary>
/// Walks an IPv6 packet's extension headers (RFC 8200 4) to the upper layer without allocating, applying the
/// receive rules of RFC 8200 4.2-4.5 and RFC 6275 6.3/6.4: it finds the Home Address option and the type 2
/// routing header and derives the upper-layer pseudo-header addresses (RFC 8200 8.1, RFC 6275 6.3).
/// </summary>
/// <remarks>
/// Walked: Hop-by-Hop (0, only first), Destination Options (60), Routing (43), Fragment (44), AH (51). Anything
/// else (including ESP, No Next Header, Mobility Header, IPv6-in-IPv6) is the upper layer, where the walk
/// stops. A fragment that is not atomic (offset 0 and M clear) also stops the walk: its upper layer is
/// whatever reassembly yields, reported with <see cref="Ipv6Packet.IsFragment"/>.
/// </remarks>
public static class ExtensionHeaderWalker
{
    /// <summary>Octets per unit of Hdr Ext Len for options and routing headers.</summary>
    private const int OctetUnit = 8;

    /// <summary>Octets per unit of the AH Payload Len (RFC 4302 2.2: 32-bit words, minus 2).</summary>
    private const int AhUnit = 4;
    private const int AhLengthBias = 2;

    private const int MinimumRoutingHeaderLength = 8;
    private const int RoutingTypeOffset = 2;
    private const int SegmentsLeftOffset = 3;

    /// <summary>Walks <paramref name="data"/>; on refusal <paramref name="packet"/> is default.</summary>
    public static bool TryWalk(ReadOnlySpan<byte> data, out Ipv6Packet packet, out Ipv6Refusal refusal)
    {
        packet = default;
        refusal = default;
        if (data.Length < Ipv6Header.Length)
        {
            refusal = Ipv6Refusal.Silent(Ipv6RefusalReason.Truncated, 0);
            return false;
        }

        if ((data[0] >> 4) != Ipv6Header.Version6)
        {
            refusal = Ipv6Refusal.Silent(Ipv6RefusalReason.NotVersion6, Ipv6Header.VersionClassFlowOffset);
            return false;
        }

        Ipv6Header.TryRead(data, out var header);
        int total = Ipv6Header.Length + header.PayloadLength;
        if (total > data.Length)
        {
            refusal = Ipv6Refusal.Silent(Ipv6RefusalReason.Truncated, Ipv6Header.PayloadLengthOffset);
            return false;
        }

        var bytes = data[..total];
        var headers = new ExtensionHeaderBuffer();
        int count = 0;
        int homeAddress = -1;
        int type2 = -1;
        bool fragment = false;
        byte next = header.NextHeader;
        int nextFieldOffset = Ipv6Header.NextHeaderOffset;
        int offset = Ipv6Header.Length;

        while (IsWalked(next))
        {
            if (next == IpProtocol.HopByHop && offset != Ipv6Header.Length)
            {
                refusal = Ipv6Refusal.WithParameterProblem(Ipv6RefusalReason.HopByHopNotFirst, nextFieldOffset, ParameterProblemCode.UnrecognizedNextHeader);
                return false;
            }

            if (count == Ipv6Packet.MaxExtensionHeaders)
            {
                refusal = Ipv6Refusal.Silent(Ipv6RefusalReason.TooManyExtensionHeaders, nextFieldOffset);
                return false;
            }

            if (!TryHeaderLength(bytes, next, offset, out int length))
            {
                refusal = Ipv6Refusal.Silent(Ipv6RefusalReason.ExtensionHeaderTruncated, offset);
                return false;
            }

            switch (next)
            {
                case IpProtocol.HopByHop:
                case IpProtocol.DestinationOptions:
                    if (!TryOptions(bytes, header.Destination, next == IpProtocol.DestinationOptions, offset, length, ref homeAddress, out refusal))
                    {
                        return false;
                    }

                    break;
                case IpProtocol.Routing:
                    if (!TryRouting(bytes, offset, ref type2, out refusal))
                    {
                        return false;
                    }

                    break;
                case IpProtocol.Fragment:
                    var frag = new FragmentHeader(bytes.Slice(offset, FragmentHeader.Length));
                    int fragmentable = total - offset - FragmentHeader.Length;
                    if (frag.MoreFragments && fragmentable % OctetUnit != 0)
                    {
                        refusal = Ipv6Refusal.WithParameterProblem(Ipv6RefusalReason.FragmentLength, Ipv6Header.PayloadLengthOffset, ParameterProblemCode.ErroneousHeaderField);
                        return false;
                    }

                    fragment = !frag.IsAtomic;
                    break;
            }

            byte lengthField = next == IpProtocol.Fragment ? (byte)0 : bytes[offset + 1];
            headers[count++] = new ExtensionHeader(next, bytes[offset], lengthField, offset, length);
            nextFieldOffset = offset;
            next = bytes[offset];
            offset += length;
            if (fragment)
            {
                break;
            }
        }

        var pseudoSource = homeAddress >= 0 ? bytes.Slice(homeAddress, Ipv6Header.AddressLength) : header.Source;
        var pseudoDestination = type2 >= 0 ? bytes.Slice(type2, Ipv6Header.AddressLength) : header.Destination;
        packet = new Ipv6Packet(bytes, header, headers, count, homeAddress, type2, next, offset, fragment, pseudoSource, pseudoDestination);
        return true;
    }

    private static bool IsWalked(byte next) => next is IpProtocol.HopByHop or IpProtocol.DestinationOptions
        or IpProtocol.Routing or IpProtocol.Fragment or IpProtocol.AuthenticationHeader;

    private static bool TryHeaderLength(ReadOnlySpan<byte> bytes, byte type, int offset, out int length)
    {
        int minimum = type == IpProtocol.Routing || type == IpProtocol.Fragment ? MinimumRoutingHeaderLength : 2;
        length = 0;
        if (offset + minimum > bytes.Length)
        {
            return false;
        }

        length = type switch
        {
            IpProtocol.Fragment => FragmentHeader.Length,
            IpProtocol.AuthenticationHeader => (bytes[offset + 1] + AhLengthBias) * AhUnit,
            _ => (bytes[offset + 1] + 1) * OctetUnit,
        };
        return offset + length <= bytes.Length;
    }

    private static bool TryOptions(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> destination, bool destinationOptions, int offset, int length, ref int homeAddress, out Ipv6Refusal refusal)
    {
        refusal = default;
        var options = Ipv6Options.Enumerate(bytes.Slice(offset, length));
        while (options.MoveNext())
        {
            var option = options.Current;
            int at = offset + option.Offset;
            if (option.Type is Ipv6Options.Pad1 or Ipv6Options.PadN)
            {
                continue;
            }

            if (destinationOptions && option.Type == HomeAddressOption.OptionType)
            {
                if (option.DataLength != HomeAddressOption.DataLength)
                {
                    refusal = Ipv6Refusal.Silent(Ipv6RefusalReason.HomeAddressOptionLength, at + 1);
                    return false;
                }

                if (homeAddress >= 0)
                {
                    refusal = Ipv6Refusal.Silent(Ipv6RefusalReason.DuplicateHomeAddressOption, at);
                    return false;
                }

                if (!Ipv6Address.IsRoutableUnicast(option.Data))
                {
                    refusal = Ipv6Refusal.Silent(Ipv6RefusalReason.HomeAddressNotRoutableUnicast, at + Ipv6Options.OptionHeaderLength);
                    return false;
                }

                homeAddress = at + Ipv6Options.OptionHeaderLength;
                continue;
            }

            switch (option.Type & Ipv6Options.ActionMask)
            {
                case Ipv6Options.ActionSkip:
                    continue;
                case Ipv6Options.ActionDiscard:
                    refusal = Ipv6Refusal.Silent(Ipv6RefusalReason.UnrecognizedOptionDiscard, at);
                    return false;
                case Ipv6Options.ActionDiscardSendParameterProblemUnlessMulticast when Ipv6Header.IsMulticast(destination):
                    refusal = Ipv6Refusal.Silent(Ipv6RefusalReason.UnrecognizedOption, at);
                    return false;
                default:
                    refusal = Ipv6Refusal.WithParameterProblem(Ipv6RefusalReason.UnrecognizedOption, at, ParameterProblemCode.UnrecognizedOption);
                    return false;
            }
        }

        if (options.Overrun)
        {
            refusal = Ipv6Refusal.Silent(Ipv6RefusalReason.OptionOverrun, offset + options.OverrunOffset);
            return false;
        }

        return true;
    }

    private static bool TryRouting(ReadOnlySpan<byte> bytes, int offset, ref int type2, out Ipv6Refusal refusal)
    {
        refusal = default;
        byte routingType = bytes[offset + RoutingTypeOffset];
        byte segmentsLeft = bytes[offset + SegmentsLeftOffset];
        if (routingType != Type2RoutingHeader.RoutingTypeValue)
        {
            if (segmentsLeft != 0)
            {
                refusal = Ipv6Refusal.WithParameterProblem(Ipv6RefusalReason.UnrecognizedRoutingType, offset + RoutingTypeOffset, ParameterProblemCode.ErroneousHeaderField);
                return false;
            }

            return true;
        }

        if (bytes[offset + 1] != Type2RoutingHeader.HdrExtLenValue)
        {
            refusal = Ipv6Refusal.Silent(Ipv6RefusalReason.Type2RoutingHeaderLength, offset + 1);
            return false;
        }

        if (segmentsLeft != Type2RoutingHeader.SegmentsLeftValue)
        {
            refusal = Ipv6Refusal.Silent(Ipv6RefusalReason.Type2RoutingHeaderSegmentsLeft, offset + SegmentsLeftOffset);
            return false;
        }

        if (type2 >= 0)
        {
            refusal = Ipv6Refusal.Silent(Ipv6RefusalReason.DuplicateType2RoutingHeader, offset);
            return false;
        }

        type2 = offset + Type2RoutingHeader.HomeAddressOffset;
        return true;
    }
}
