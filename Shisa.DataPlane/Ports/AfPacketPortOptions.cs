namespace Shisa.DataPlane.Ports;

/// <summary>How an <see cref="AfPacketPort"/> opens its socket.</summary>
public sealed record AfPacketPortOptions
{
    /// <summary>ETH_P_ALL: every frame, both directions (outgoing ones only with ETH_P_ALL, and only when
    /// <see cref="IgnoreOutgoing"/> is false).</summary>
    public const ushort AllProtocols = 0x0003;

    /// <summary>ETH_P_IPV6.</summary>
    public const ushort Ipv6Protocol = 0x86DD;

    /// <summary>The EtherType the socket is bound to.</summary>
    public ushort Protocol { get; init; } = AllProtocols;

    /// <summary>Most messages per recvmmsg/sendmmsg call (DESIGN 5: batch 64 gave 0.75 of kernel forwarding, batch 1 gave 0.28).</summary>
    public int MaxBatch { get; init; } = PacketBatch.DefaultCapacity;

    /// <summary>PACKET_IGNORE_OUTGOING: do not see the frames this host (and this process) sends.</summary>
    public bool IgnoreOutgoing { get; init; } = true;

    /// <summary>Complete partial (offloaded) L4 checksums of received frames, learnt through PACKET_AUXDATA.</summary>
    public bool CompleteChecksums { get; init; } = true;

    /// <summary>A filter attached before the socket is bound, so no unfiltered frame is ever queued.</summary>
    public ClassicBpfProgram? Filter { get; init; }

    /// <summary>Put the interface into promiscuous mode for as long as the socket is open.</summary>
    public bool Promiscuous { get; init; }

    /// <summary>Receive every multicast group on the interface (PACKET_MR_ALLMULTI) for as long as the socket is open.</summary>
    public bool AllMulticast { get; init; }

    /// <summary>SO_RCVBUFFORCE in octets, or 0 for the system default.</summary>
    public int ReceiveBufferSize { get; init; }

    /// <summary>SO_SNDBUFFORCE in octets, or 0 for the system default.</summary>
    public int SendBufferSize { get; init; }
}
