using System.Net.NetworkInformation;

namespace Shisa.DataPlane.Ports;

/// <summary>What a port's frames start with.</summary>
public enum PortFrameKind
{
    /// <summary>Ethernet II frames (14-octet header, then the payload): AF_PACKET, pcap, memory links.</summary>
    Ethernet,

    /// <summary>Bare IPv6 packets with no link-layer header: a TUN device (IFF_TUN | IFF_NO_PI).</summary>
    Ipv6,
}

/// <summary>
/// One network port: a driver over one kernel interface (AF_PACKET, TUN) or a simulated one (memory), in
/// the manner of dotnet/iot's one facade, one driver per kernel interface. Frames move in batches through a
/// caller-owned <see cref="PacketBatch"/> that is reused from call to call, so nothing is allocated per frame.
/// A port may be received from by one thread and sent on by another at the same time; each direction is
/// single-threaded.
/// </summary>
public interface IPacketPort : IDisposable
{
    /// <summary>The interface name (or a simulated one).</summary>
    string Name { get; }

    /// <summary>The kernel's interface index, 0 for a simulated port.</summary>
    int InterfaceIndex { get; }

    /// <summary>What a frame starts with.</summary>
    PortFrameKind FrameKind { get; }

    /// <summary>The interface's link-layer address; <see cref="PhysicalAddress.None"/> when it has none (TUN).</summary>
    PhysicalAddress LinkAddress { get; }

    /// <summary>The link MTU (largest IPv6 packet, without the link-layer header).</summary>
    int Mtu { get; }

    /// <summary>Counters of this port; read at any time.</summary>
    PortCounters Counters { get; }

    /// <summary>
    /// Clears <paramref name="batch"/> and fills it with up to <see cref="PacketBatch.Capacity"/> frames.
    /// Waits at most <paramref name="timeoutMilliseconds"/> (0: do not wait, -1: until a frame arrives or the
    /// port is disposed) for the first frame, then takes whatever else is already queued.
    /// Returns the number of frames received (0 on timeout or once disposed).
    /// </summary>
    int Receive(PacketBatch batch, int timeoutMilliseconds);

    /// <summary>
    /// Sends the frames of <paramref name="batch"/> (0 .. Count-1). Returns how many were handed to the link;
    /// the others are counted (oversize, errors), never thrown.
    /// </summary>
    int Send(PacketBatch batch);
}
