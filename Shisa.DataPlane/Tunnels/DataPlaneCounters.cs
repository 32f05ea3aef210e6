namespace Shisa.DataPlane.Tunnels;

/// <summary>
/// The forwarding path's counters. Written with interlocked increments (several capture threads share them),
/// read through <see cref="Snapshot"/> as a value copy for the status page (status from snapshots).
/// </summary>
public sealed class DataPlaneCounters
{
    private static readonly string[] DropNames = BuildDropNames();

    private readonly long[] _drops = new long[DropNames.Length];
    private long _encapsulated;
    private long _encapsulatedBytes;
    private long _decapsulated;
    private long _decapsulatedBytes;
    private long _signalling;
    private long _signallingTunnelled;
    private long _signallingUnclaimed;
    private long _neighborMessages;
    private long _tunWritten;
    private long _tunWriteErrors;
    private long _tunnelSent;
    private long _tunnelSendFailed;
    private long _haoSent;
    private long _haoReceived;
    private long _rh2Sent;
    private long _rh2Received;
    private long _rrHints;
    private long _beHints;

    /// <summary>-1: not armed; 0: armed, waiting for a decapsulated packet; else the UTC ticks it came at.</summary>
    private long _firstDecapsulatedTicks = -1;

    public long Encapsulated => Interlocked.Read(ref _encapsulated);

    /// <summary>
    /// When the first packet was decapsulated since <see cref="ArmFirstDecapsulation"/>: the first tunnelled packet
    /// through after a registration (the handover breakdown's last step); null while none came or when not armed.
    /// </summary>
    public DateTimeOffset? FirstDecapsulatedAt => Volatile.Read(ref _firstDecapsulatedTicks) is > 0 and var ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>Waits for the next decapsulated packet (a registration just completed).</summary>
    public void ArmFirstDecapsulation() => Volatile.Write(ref _firstDecapsulatedTicks, 0);

    /// <summary>One volatile read on the forwarding path: is a first packet awaited?</summary>
    internal bool AwaitingFirstDecapsulation => Volatile.Read(ref _firstDecapsulatedTicks) == 0;

    internal void FirstDecapsulation(DateTimeOffset at) => Interlocked.CompareExchange(ref _firstDecapsulatedTicks, at.UtcTicks, 0);

    public long Decapsulated => Interlocked.Read(ref _decapsulated);

    public long SignallingDelivered => Interlocked.Read(ref _signalling);

    public long TunnelSent => Interlocked.Read(ref _tunnelSent);

    public long TunnelSendFailed => Interlocked.Read(ref _tunnelSendFailed);

    public long TunWritten => Interlocked.Read(ref _tunWritten);

    public long TunWriteErrors => Interlocked.Read(ref _tunWriteErrors);

    /// <summary>Mobile node: packets sent from the care-of address with a Home Address option.</summary>
    public long HomeAddressOptionsSent => Interlocked.Read(ref _haoSent);

    /// <summary>Correspondent: packets with a Home Address option accepted and written into the TUN.</summary>
    public long HomeAddressOptionsReceived => Interlocked.Read(ref _haoReceived);

    /// <summary>Correspondent: packets sent to a care-of address with a type 2 routing header.</summary>
    public long RoutingHeadersSent => Interlocked.Read(ref _rh2Sent);

    /// <summary>Mobile node: packets with a type 2 routing header accepted and written into the TUN.</summary>
    public long RoutingHeadersReceived => Interlocked.Read(ref _rh2Received);

    /// <summary>RrHints published.</summary>
    public long RrHints => Interlocked.Read(ref _rrHints);

    /// <summary>BeHints published.</summary>
    public long BeHints => Interlocked.Read(ref _beHints);

    public long Drops(DropReason reason) => Interlocked.Read(ref _drops[(int)reason]);

    public long TotalDrops
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _drops.Length; i++)
            {
                total += Interlocked.Read(ref _drops[i]);
            }

            return total;
        }
    }

    internal void Drop(DropReason reason) => Interlocked.Increment(ref _drops[(int)reason]);

    internal void Encapsulation(int bytes)
    {
        Interlocked.Increment(ref _encapsulated);
        Interlocked.Add(ref _encapsulatedBytes, bytes);
    }

    internal void Decapsulation(int bytes)
    {
        Interlocked.Increment(ref _decapsulated);
        Interlocked.Add(ref _decapsulatedBytes, bytes);
    }

    internal void Signalling(bool tunnelled, bool claimed)
    {
        Interlocked.Increment(ref _signalling);
        if (tunnelled)
        {
            Interlocked.Increment(ref _signallingTunnelled);
        }

        if (!claimed)
        {
            Interlocked.Increment(ref _signallingUnclaimed);
        }
    }

    internal void RouteOptimized(OutboundRouteOptimization kind)
    {
        if (kind == OutboundRouteOptimization.HomeAddressOption)
        {
            Interlocked.Increment(ref _haoSent);
        }
        else if (kind == OutboundRouteOptimization.RoutingHeader)
        {
            Interlocked.Increment(ref _rh2Sent);
        }
    }

    internal void RouteOptimizedReceived(InboundAction action)
    {
        if (action == InboundAction.RouteOptimizedFromHomeAddress)
        {
            Interlocked.Increment(ref _haoReceived);
        }
        else if (action == InboundAction.RouteOptimizedToHomeAddress)
        {
            Interlocked.Increment(ref _rh2Received);
        }
    }

    internal void RrHint() => Interlocked.Increment(ref _rrHints);

    internal void BeHint() => Interlocked.Increment(ref _beHints);

    internal void NeighborMessage() => Interlocked.Increment(ref _neighborMessages);

    internal void TunWrite(int written, int failed)
    {
        Interlocked.Add(ref _tunWritten, written);
        if (failed > 0)
        {
            Interlocked.Add(ref _tunWriteErrors, failed);
        }
    }

    internal void TunnelSend(int sent, int failed)
    {
        Interlocked.Add(ref _tunnelSent, sent);
        if (failed > 0)
        {
            Interlocked.Add(ref _tunnelSendFailed, failed);
        }
    }

    /// <summary>Every counter under a stable snake_case name (the status page prefixes them with shisa_).</summary>
    public Dictionary<string, long> Snapshot()
    {
        var counters = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["dataplane_encapsulated_packets"] = Encapsulated,
            ["dataplane_encapsulated_bytes"] = Interlocked.Read(ref _encapsulatedBytes),
            ["dataplane_decapsulated_packets"] = Decapsulated,
            ["dataplane_decapsulated_bytes"] = Interlocked.Read(ref _decapsulatedBytes),
            ["dataplane_tunnel_sent"] = TunnelSent,
            ["dataplane_tunnel_send_failed"] = TunnelSendFailed,
            ["dataplane_tun_written"] = TunWritten,
            ["dataplane_tun_write_errors"] = TunWriteErrors,
            ["dataplane_signalling_delivered"] = SignallingDelivered,
            ["dataplane_signalling_tunnelled"] = Interlocked.Read(ref _signallingTunnelled),
            ["dataplane_signalling_unclaimed"] = Interlocked.Read(ref _signallingUnclaimed),
            ["dataplane_neighbor_messages"] = Interlocked.Read(ref _neighborMessages),
            ["dataplane_ro_hao_sent"] = HomeAddressOptionsSent,
            ["dataplane_ro_hao_received"] = HomeAddressOptionsReceived,
            ["dataplane_ro_rh2_sent"] = RoutingHeadersSent,
            ["dataplane_ro_rh2_received"] = RoutingHeadersReceived,
            ["dataplane_rr_hints"] = RrHints,
            ["dataplane_be_hints"] = BeHints,
        };
        for (int i = 0; i < DropNames.Length; i++)
        {
            counters[DropNames[i]] = Interlocked.Read(ref _drops[i]);
        }

        return counters;
    }

    private static string[] BuildDropNames()
    {
        var reasons = Enum.GetValues<DropReason>();
        var names = new string[reasons.Length];
        foreach (var reason in reasons)
        {
            names[(int)reason] = "dataplane_drop_" + SnakeCase(reason.ToString());
        }

        return names;
    }

    private static string SnakeCase(string name)
    {
        var text = new System.Text.StringBuilder();
        foreach (char c in name)
        {
            if (char.IsUpper(c) && text.Length > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }
}
