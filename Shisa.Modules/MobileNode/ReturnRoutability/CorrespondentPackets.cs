using System.Buffers;
using System.Net;
using Shisa.DataPlane;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using RrCrypto = Shisa.DataPlane.Wire.Crypto.ReturnRoutability;
using WireBindingUpdateFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;

namespace Shisa.Modules.MobileNode.ReturnRoutability;

/// <summary>
/// The mobile node's return routability packets (RFC 6275 6.1.3, 6.1.4, 6.1.7, 11.6.1, 11.7.2) and the reading of the
/// ICMPv6 Parameter Problems that tell a correspondent cannot do route optimization (11.3.6).
/// </summary>
public static class CorrespondentPackets
{
    private const int AddressLength = 16;
    private const int SourceOffset = 8;
    private const int DestinationOffset = 24;

    /// <summary>HoTI: home address to correspondent, a plain packet (the data plane reverse-tunnels it away from home).</summary>
    public static bool TryWriteHomeTestInit(SendHomeTestInit hoti, Span<byte> destination, out int written)
    {
        ArgumentNullException.ThrowIfNull(hoti);
        return MobilityPackets.TryWrite(new HomeTestInit(hoti.Cookie), new Ipv6Envelope(hoti.Source, hoti.Destination), destination, out written);
    }

    /// <summary>CoTI: care-of address straight to the correspondent.</summary>
    public static bool TryWriteCareOfTestInit(SendCareOfTestInit coti, Span<byte> destination, out int written)
    {
        ArgumentNullException.ThrowIfNull(coti);
        return MobilityPackets.TryWrite(new CareOfTestInit(coti.Cookie), new Ipv6Envelope(coti.Source, coti.Destination), destination, out written);
    }

    /// <summary>The Binding Update message: A set, then Nonce Indices and Binding Authorization Data (the last option, 6.2.7).</summary>
    public static BindingUpdate CreateBindingUpdate(CorrespondentBindingUpdateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new BindingUpdate(request.Sequence, WireBindingUpdateFlags.A, MobilityLifetime.ToUnits(request.Lifetime))
        {
            Options = [new NonceIndicesOption(request.HomeNonceIndex, request.CareOfNonceIndex), BindingAuthorizationDataOption.Placeholder],
        };
    }

    /// <summary>
    /// Writes the whole Binding Update packet, then fills the authenticator First(96, HMAC_SHA1(Kbm, care-of address |
    /// correspondent | MH data)) and the checksum (pseudo-header source: the HAO's home address when present).
    /// </summary>
    public static bool TryWriteBindingUpdate(CorrespondentBindingUpdateRequest request, Span<byte> destination, out int written)
    {
        var message = CreateBindingUpdate(request);
        var envelope = new Ipv6Envelope(request.Source, request.Destination, HomeAddress: request.HomeAddressOption);
        if (!MobilityPackets.TryWrite(message, envelope, destination, out written))
        {
            return false;
        }

        Span<byte> careOf = stackalloc byte[AddressLength];
        Span<byte> correspondent = stackalloc byte[AddressLength];
        Span<byte> pseudoSource = stackalloc byte[AddressLength];
        if (!request.AuthenticatedCareOf.TryWriteBytes(careOf, out _) || !request.Destination.TryWriteBytes(correspondent, out _)
            || !(request.HomeAddressOption ?? request.Source).TryWriteBytes(pseudoSource, out _))
        {
            return false;
        }

        int length = message.GetByteCount();
        var mh = destination.Slice(written - length, length);
        return RrCrypto.TrySign(mh, request.Kbm.Span, careOf, correspondent, pseudoSource, correspondent);
    }

    public static bool Send(IPacketSender sender, SendHomeTestInit hoti) =>
        Send(sender, hoti, static (h, buffer) => (TryWriteHomeTestInit(h, buffer, out int n), n));

    public static bool Send(IPacketSender sender, SendCareOfTestInit coti) =>
        Send(sender, coti, static (c, buffer) => (TryWriteCareOfTestInit(c, buffer, out int n), n));

    public static bool Send(IPacketSender sender, CorrespondentBindingUpdateRequest request) =>
        Send(sender, request, static (r, buffer) => (TryWriteBindingUpdate(r, buffer, out int n), n));

    /// <summary>
    /// Reads an ICMPv6 Parameter Problem about a packet of ours that a node without Mobile IPv6 refused: code 1 at a
    /// Next Header of 135 (it does not know the Mobility Header) or code 2 at a Home Address option (RFC 6275 11.3.6).
    /// Yields the invoking packet's source (ours) and destination (the correspondent).
    /// </summary>
    public static bool TryReadParameterProblem(SignallingPacket packet, out IPAddress? source, out IPAddress? destination, out string reason)
    {
        ArgumentNullException.ThrowIfNull(packet);
        source = null;
        destination = null;
        if (!Ipv6Packet.TryParse(packet.Packet.Span, out var ip) || ip.UpperLayerProtocol != IpProtocol.Icmpv6
            || !Icmpv6Header.TryRead(ip.UpperLayer, out var icmp) || !icmp.VerifyChecksum(ip.PseudoSource, ip.PseudoDestination)
            || !ParameterProblem.TryParse(icmp.Message, out var problem))
        {
            reason = "not an ICMPv6 Parameter Problem with a good checksum";
            return false;
        }

        var invoking = problem.InvokingPacket.Span;
        if (invoking.Length < DestinationOffset + AddressLength)
        {
            reason = "the invoking packet is cut before its addresses";
            return false;
        }

        // The pointer is an offset into the invoking packet; when the copy is cut before it, the code alone decides.
        bool pointed = problem.Pointer < (uint)invoking.Length;
        byte atPointer = pointed ? invoking[(int)problem.Pointer] : (byte)0;
        switch (problem.Code)
        {
            case ParameterProblemCode.UnrecognizedNextHeader when !pointed || atPointer == MobilityHeader.NextHeader:
                reason = "ICMPv6 Parameter Problem: the Mobility Header is not recognized";
                break;
            case ParameterProblemCode.UnrecognizedOption when !pointed || atPointer == HomeAddressOption.OptionType:
                reason = "ICMPv6 Parameter Problem: the Home Address option is not recognized";
                break;
            default:
                reason = $"ICMPv6 Parameter Problem code {(byte)problem.Code} at {problem.Pointer} is not about Mobile IPv6";
                return false;
        }

        source = new IPAddress(invoking.Slice(SourceOffset, AddressLength));
        destination = new IPAddress(invoking.Slice(DestinationOffset, AddressLength));
        return true;
    }

    private static bool Send<T>(IPacketSender sender, T item, Func<T, byte[], (bool Ok, int Length)> write)
    {
        ArgumentNullException.ThrowIfNull(sender);
        var buffer = ArrayPool<byte>.Shared.Rent(MobilityPackets.MaxPacketLength);
        try
        {
            var (ok, length) = write(item, buffer);
            return ok && sender.TrySend(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
