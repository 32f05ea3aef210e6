using System.Net;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Ports;

namespace Shisa.DataPlane.Neighbors;

/// <summary>
/// The home agent's proxy Neighbor Discovery, answered by the appliance itself instead of a kernel proxy entry per
/// home address (the kernel's proxy table is a 16-bucket list: 100,000 entries took five minutes to install).
/// RFC 6275 10.4.1: while a home registration exists for a home address, the home agent replies to every Neighbor
/// Solicitation for it on the home link with its own link-layer address. RFC 4861 7.2.8: solicited proxy
/// advertisements carry Override 0, so the node itself, back on the link, wins with its own (Override 1); 7.2.4: a
/// solicitation from the unspecified address (another node's DAD) is answered to all nodes with Solicited 0. Called
/// by the home link's receive thread only; nothing is allocated per answer.
/// </summary>
public sealed class ProxyNeighborResponder
{
    private const int EthernetSourceOffset = 6;

    private readonly BindingTable _bindingCache;
    private readonly byte[] _source = new byte[16];
    private readonly PacketBatch _answer = new(1, NeighborPackets.AdvertisementFrameLength);
    private byte[]? _ourMac;
    private long _answered;
    private long _ignored;

    /// <param name="bindingCache">The home agent's home registrations.</param>
    /// <param name="homeLink">The home link's interface: solicitations heard elsewhere are not ours to answer.</param>
    /// <param name="source">The advertisements' source: the home agent's address on the home link.</param>
    public ProxyNeighborResponder(BindingTable bindingCache, string homeLink, IPAddress source)
    {
        ArgumentNullException.ThrowIfNull(bindingCache);
        ArgumentException.ThrowIfNullOrEmpty(homeLink);
        ArgumentNullException.ThrowIfNull(source);
        _bindingCache = bindingCache;
        HomeLink = homeLink;
        if (!source.TryWriteBytes(_source, out int written) || written != 16)
        {
            throw new ArgumentException("the advertisements' source must be an IPv6 address", nameof(source));
        }
    }

    public string HomeLink { get; }

    /// <summary>Advertisements sent for bound home addresses.</summary>
    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>Solicitations on the home link that were invalid (RFC 4861 7.1.1) or could not be answered.</summary>
    public long Ignored => Interlocked.Read(ref _ignored);

    /// <summary>
    /// Answers <paramref name="ipv6Packet"/>, received on <paramref name="port"/> in an Ethernet frame whose header
    /// is <paramref name="ethernetHeader"/>, when it solicits a home address bound at this home agent. Returns true
    /// when an advertisement was sent.
    /// </summary>
    public bool TryAnswer(IPacketPort port, ReadOnlySpan<byte> ethernetHeader, ReadOnlySpan<byte> ipv6Packet)
    {
        ArgumentNullException.ThrowIfNull(port);
        if (!string.Equals(port.Name, HomeLink, StringComparison.Ordinal) || ethernetHeader.Length < NeighborPackets.EthernetHeaderLength)
        {
            return false;
        }

        if (ipv6Packet.Length > 40 && ipv6Packet[40] != NeighborPackets.NeighborSolicitation)
        {
            return false; // an advertisement: duplicate address detection's, not ours
        }

        if (!NeighborPackets.TryReadSolicitation(ipv6Packet, out var target, out var sourceLinkLayer, out bool fromUnspecified))
        {
            Interlocked.Increment(ref _ignored);
            return false;
        }

        if (!_bindingCache.TryGetByHomeAddress(AddressKey.From(target), out _))
        {
            return false;
        }

        // The home link's address, read once (it is allocated by PhysicalAddress).
        var ourMac = _ourMac ??= port.LinkAddress.GetAddressBytes();
        if (ourMac.Length != 6)
        {
            Interlocked.Increment(ref _ignored);
            return false;
        }

        Span<byte> destination = stackalloc byte[16];
        Span<byte> destinationMac = stackalloc byte[6];
        uint flags;
        if (fromUnspecified)
        {
            NeighborPackets.WriteAllNodesAddress(destination);
            NeighborPackets.WriteMulticastMac(destination, destinationMac);
            flags = 0;
        }
        else
        {
            ipv6Packet.Slice(Wire.Ipv6Header.SourceOffset, 16).CopyTo(destination);
            (sourceLinkLayer.IsEmpty ? ethernetHeader.Slice(EthernetSourceOffset, 6) : sourceLinkLayer).CopyTo(destinationMac);
            flags = NeighborPackets.SolicitedFlag;
        }

        _answer.Clear();
        int length = NeighborPackets.WriteAdvertisement(_answer.GetNextSlot(), destinationMac, ourMac, _source, destination, target, flags);
        _answer.Commit(length);
        if (port.Send(_answer) != 1)
        {
            Interlocked.Increment(ref _ignored);
            return false;
        }

        Interlocked.Increment(ref _answered);
        return true;
    }
}
