using System.Net;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Bus;

namespace Shisa.DataPlane.Neighbors;

/// <summary>Sends one DAD probe (a Neighbor Solicitation from ::) for <paramref name="target"/> on an interface; false when it could not.</summary>
public delegate bool DadProbeSender(string interfaceName, ReadOnlySpan<byte> target);

/// <summary>
/// Duplicate address detection on behalf of the modules (RFC 4862 5.4; mipsock MIPM_DAD): a Dad(Do) request
/// starts a probe that sends DupAddrDetectTransmits solicitations RetransTimer apart, and ends with Dad(Success)
/// when no one answered, or Dad(Fail) as soon as a Neighbor Advertisement for the address, or another node's
/// DAD solicitation for it, is seen (5.4.3, 5.4.4). One state machine per address; timer expiries are just
/// more events; time comes from the <see cref="TimeProvider"/>. At most <see cref="MaxProbes"/> run at once; further
/// requests wait in a FIFO of at most <see cref="MaxWaiting"/> and start as probes end; beyond that a request is
/// answered Dad(Busy) at once: never a Success without a probe.
/// </summary>
public sealed class DuplicateAddressDetector : IDisposable
{
    /// <summary>RFC 4861 10: RetransTimer.</summary>
    public static readonly TimeSpan DefaultRetransTimer = TimeSpan.FromSeconds(1);

    /// <summary>RFC 4862 5.1: DupAddrDetectTransmits.</summary>
    public const int DefaultTransmits = 1;

    private readonly TimeProvider _time;
    private readonly DadProbeSender _send;
    private readonly Action<Dad> _report;
    private readonly Dictionary<UInt128, Probe> _probes = [];
    private readonly LinkedList<Probe> _waiting = new();
    private readonly Dictionary<UInt128, LinkedListNode<Probe>> _waitingByKey = [];
    private readonly Lock _lock = new();
    private long _started;
    private long _succeeded;
    private long _failed;
    private long _rejected;
    private long _queued;
    private bool _disposed;

    public DuplicateAddressDetector(
        TimeProvider time,
        DadProbeSender send,
        Action<Dad> report,
        TimeSpan? retransTimer = null,
        int transmits = DefaultTransmits,
        int maxProbes = 64,
        int maxWaiting = 4096)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(send);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentOutOfRangeException.ThrowIfLessThan(transmits, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxProbes, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxWaiting);
        _time = time;
        _send = send;
        _report = report;
        RetransTimer = retransTimer ?? DefaultRetransTimer;
        Transmits = transmits;
        MaxProbes = maxProbes;
        MaxWaiting = maxWaiting;
    }

    /// <summary>Requests that may wait for a free probe (bounded memory whatever asks).</summary>
    public int MaxWaiting { get; }

    /// <summary>Requests now waiting for a free probe.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Requests that had to wait for a free probe.</summary>
    public long Queued => Interlocked.Read(ref _queued);

    public TimeSpan RetransTimer { get; }

    public int Transmits { get; }

    public int MaxProbes { get; }

    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _probes.Count;
            }
        }
    }

    public long Started => Interlocked.Read(ref _started);

    public long Succeeded => Interlocked.Read(ref _succeeded);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Requests refused: too many probes running and waiting (answered Busy), or not an IPv6 address.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Handles a request from the bus: Do starts a probe, Stop cancels one; results are ignored.</summary>
    public void Handle(Dad request)
    {
        ArgumentNullException.ThrowIfNull(request);
        switch (request.Message)
        {
            case DadMessage.Do:
                Start(request.Address, request.InterfaceName, request.InterfaceIndex);
                break;
            case DadMessage.Stop:
                Cancel(request.Address);
                break;
            default:
                break;
        }
    }

    /// <summary>
    /// Starts probing <paramref name="address"/> on <paramref name="interfaceName"/>, or queues it when
    /// <see cref="MaxProbes"/> run; false when already running or waiting, or refused (then reported Busy).
    /// </summary>
    public bool Start(IPAddress address, string interfaceName, int interfaceIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            Interlocked.Increment(ref _rejected);
            return false;
        }

        var key = AddressKey.From(address);
        Probe probe;
        bool busy = false;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_probes.ContainsKey(key) || _waitingByKey.ContainsKey(key))
            {
                return false;
            }

            probe = new Probe(key, address, interfaceName, interfaceIndex, Transmits);
            if (_probes.Count >= MaxProbes)
            {
                if (_waiting.Count >= MaxWaiting)
                {
                    Interlocked.Increment(ref _rejected);
                    busy = true;
                }
                else
                {
                    _waitingByKey.Add(key, _waiting.AddLast(probe));
                    Interlocked.Increment(ref _queued);
                    return true;
                }
            }
            else
            {
                Begin(probe);
            }
        }

        if (busy)
        {
            _report(new Dad(DadMessage.Busy, address, interfaceName, interfaceIndex));
            return false;
        }

        Transmit(probe);
        return true;
    }

    // Under _lock.
    private void Begin(Probe probe)
    {
        _probes.Add(probe.Key, probe);
        Interlocked.Increment(ref _started);
        probe.Timer = _time.CreateTimer(static state => ((ProbeTick)state!).Fire(), new ProbeTick(this, probe), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A probe ended: start the waiting requests that now fit.</summary>
    private void StartWaiting()
    {
        while (true)
        {
            Probe next;
            lock (_lock)
            {
                if (_disposed || _waiting.First is not { } first || _probes.Count >= MaxProbes)
                {
                    return;
                }

                next = first.Value;
                _waiting.RemoveFirst();
                _waitingByKey.Remove(next.Key);
                Begin(next);
            }

            Transmit(next);
        }
    }

    /// <summary>Cancels the probe of <paramref name="address"/> without a result.</summary>
    public bool Cancel(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var key = AddressKey.From(address);
        lock (_lock)
        {
            if (_waitingByKey.Remove(key, out var node))
            {
                _waiting.Remove(node);
                return true;
            }

            if (!_probes.Remove(key, out var probe))
            {
                return false;
            }

            probe.Timer?.Dispose();
        }

        StartWaiting();
        return true;
    }

    /// <summary>
    /// A Neighbor Solicitation or Advertisement heard on <paramref name="interfaceName"/>: an advertisement for a
    /// probed address, or a solicitation for it from :: (someone else's DAD), ends that probe with Fail.
    /// Allocates nothing unless a probe ends.
    /// </summary>
    public void OnNeighborMessage(string interfaceName, byte type, ReadOnlySpan<byte> target, bool fromUnspecified)
    {
        if (type == NeighborPackets.NeighborSolicitation && !fromUnspecified)
        {
            return; // address resolution, not DAD (5.4.3: only a solicitation from :: tells of a duplicate)
        }

        var key = AddressKey.From(target);
        Probe? ended;
        lock (_lock)
        {
            if (_probes.Count == 0 || !_probes.TryGetValue(key, out ended) || ended.InterfaceName != interfaceName)
            {
                return;
            }

            _probes.Remove(key);
            ended.Timer?.Dispose();
        }

        Interlocked.Increment(ref _failed);
        _report(new Dad(DadMessage.Fail, ended.Address, ended.InterfaceName, ended.InterfaceIndex));
        StartWaiting();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var probe in _probes.Values)
            {
                probe.Timer?.Dispose();
            }

            _probes.Clear();
            _waiting.Clear();
            _waitingByKey.Clear();
        }
    }

    private void Transmit(Probe probe)
    {
        bool sent = _send(probe.InterfaceName, AddressBytes(probe.Key));
        lock (_lock)
        {
            if (!_probes.TryGetValue(probe.Key, out var current) || !ReferenceEquals(current, probe))
            {
                return; // ended while sending
            }

            if (!sent)
            {
                // Not checked is not unique: refuse the address rather than defend one that may be taken.
                _probes.Remove(probe.Key);
                probe.Timer?.Dispose();
            }
            else
            {
                probe.TransmitsLeft--;
                probe.Timer!.Change(RetransTimer, Timeout.InfiniteTimeSpan);
                return;
            }
        }

        Interlocked.Increment(ref _failed);
        _report(new Dad(DadMessage.Fail, probe.Address, probe.InterfaceName, probe.InterfaceIndex));
        StartWaiting();
    }

    private void Expire(Probe probe)
    {
        bool again;
        lock (_lock)
        {
            if (!_probes.TryGetValue(probe.Key, out var current) || !ReferenceEquals(current, probe))
            {
                return;
            }

            again = probe.TransmitsLeft > 0;
            if (!again)
            {
                _probes.Remove(probe.Key);
                probe.Timer?.Dispose();
            }
        }

        if (again)
        {
            Transmit(probe);
            return;
        }

        Interlocked.Increment(ref _succeeded);
        _report(new Dad(DadMessage.Success, probe.Address, probe.InterfaceName, probe.InterfaceIndex));
        StartWaiting();
    }

    private static byte[] AddressBytes(UInt128 key)
    {
        var bytes = new byte[AddressKey.Length];
        AddressKey.Write(key, bytes);
        return bytes;
    }

    private sealed class Probe(UInt128 key, IPAddress address, string interfaceName, int interfaceIndex, int transmits)
    {
        public UInt128 Key { get; } = key;

        public IPAddress Address { get; } = address;

        public string InterfaceName { get; } = interfaceName;

        public int InterfaceIndex { get; } = interfaceIndex;

        public int TransmitsLeft { get; set; } = transmits;

        public ITimer? Timer { get; set; }
    }

    private sealed class ProbeTick(DuplicateAddressDetector owner, Probe probe)
    {
        public void Fire() => owner.Expire(probe);
    }
}
