namespace Shisa.DataPlane.Dsmip;

/// <summary>Why the UDP tunnel dropped a datagram or a packet.</summary>
public enum UdpTunnelDrop
{
    /// <summary>The payload is not a well-formed IPv6 packet.</summary>
    Malformed,

    /// <summary>Mobile node: a datagram from another endpoint than the home agent's IPv4 address and port 4191.</summary>
    NotFromHomeAgent,

    /// <summary>Home agent: data whose inner source no binding with an IPv4 care-of address covers.</summary>
    NoBinding,

    /// <summary>Home agent: data from another endpoint than the binding's (a stale NAT mapping until the next Binding Update).</summary>
    WrongEndpoint,

    /// <summary>Home agent: an answer to an IPv4 care-of address whose Binding Update's path is not known (any more).</summary>
    NoReplyPath,

    /// <summary>The endpoint table is full (max bindings).</summary>
    TableFull,

    /// <summary>The socket refused the send.</summary>
    SendFailed,

    /// <summary>The TUN batch was full.</summary>
    BatchFull,
}

/// <summary>The UDP tunnel's counters, incremented by its threads (Interlocked) and read by the status page.</summary>
public sealed class UdpTunnelCounters
{
    private readonly long[] _drops = new long[Enum.GetValues<UdpTunnelDrop>().Length];
    private long _signallingReceived;
    private long _signallingSent;
    private long _decapsulated;
    private long _encapsulated;
    private long _endpointsChanged;

    public long SignallingReceived => Interlocked.Read(ref _signallingReceived);

    public long SignallingSent => Interlocked.Read(ref _signallingSent);

    public long Decapsulated => Interlocked.Read(ref _decapsulated);

    public long Encapsulated => Interlocked.Read(ref _encapsulated);

    /// <summary>Home agent: bindings whose UDP endpoint changed (a new care-of address, or a NAT that rebound).</summary>
    public long EndpointsChanged => Interlocked.Read(ref _endpointsChanged);

    public long Drops(UdpTunnelDrop reason) => Interlocked.Read(ref _drops[(int)reason]);

    internal void Drop(UdpTunnelDrop reason) => Interlocked.Increment(ref _drops[(int)reason]);

    internal void SignallingIn() => Interlocked.Increment(ref _signallingReceived);

    internal void SignallingOut() => Interlocked.Increment(ref _signallingSent);

    internal void Decapsulation() => Interlocked.Increment(ref _decapsulated);

    internal void Encapsulation() => Interlocked.Increment(ref _encapsulated);

    internal void EndpointChanged() => Interlocked.Increment(ref _endpointsChanged);

    /// <summary>Flat snake_case names for /api/status counters and /metrics.</summary>
    public void AddTo(IDictionary<string, long> counters)
    {
        ArgumentNullException.ThrowIfNull(counters);
        counters["dsmip_signalling_received"] = SignallingReceived;
        counters["dsmip_signalling_sent"] = SignallingSent;
        counters["dsmip_decapsulated"] = Decapsulated;
        counters["dsmip_encapsulated"] = Encapsulated;
        counters["dsmip_endpoints_changed"] = EndpointsChanged;
        foreach (var reason in Enum.GetValues<UdpTunnelDrop>())
        {
            counters[$"dsmip_drops_{Snake(reason.ToString())}"] = Drops(reason);
        }
    }

    private static string Snake(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
