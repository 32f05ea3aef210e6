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
/// more events; time comes from the <see cref="TimeProvider"/>. At most <see cref="MaxProbes"/> run at once.
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
    private readonly Lock _lock = new();
    private long _started;
    private long _succeeded;
    private long _failed;
    private long _rejected;
    private bool _disposed;

    public DuplicateAddressDetector(
        TimeProvider time,
        DadProbeSender send,
        Action<Dad> report,
        TimeSpan? retransTimer = null,
        int transmits = DefaultTransmits,
        int maxProbes = 64)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(send);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentOutOfRangeException.ThrowIfLessThan(transmits, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxProbes, 1);
        _time = time;
        _send = send;
        _report = report;
        RetransTimer = retransTimer ?? DefaultRetransTimer;
        Transmits = transmits;
        MaxProbes = maxProbes;
    }

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

    /// <summary>Requests refused: too many probes running, or not an IPv6 address.</summary>
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

    /// <summary>Starts probing <paramref name="address"/> on <paramref name="interfaceName"/>; false when refused or already running.</summary>
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
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_probes.ContainsKey(key))
            {
                return false;
            }

            if (_probes.Count >= MaxProbes)
            {
                Interlocked.Increment(ref _rejected);
                return false;
            }

            probe = new Probe(key, address, interfaceName, interfaceIndex, Transmits);
            _probes.Add(key, probe);
            Interlocked.Increment(ref _started);
            probe.Timer = _time.CreateTimer(static state => ((ProbeTick)state!).Fire(), new ProbeTick(this, probe), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        Transmit(probe);
        return true;
    }

    /// <summary>Cancels the probe of <paramref name="address"/> without a result.</summary>
    public bool Cancel(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        lock (_lock)
        {
            if (!_probes.Remove(AddressKey.From(address), out var probe))
            {
                return false;
            }

            probe.Timer?.Dispose();
            return true;
        }
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
