using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Dsmip;
using Shisa.DataPlane.Forwarding;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Neighbors;
using Shisa.DataPlane.Ports;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.State;
using Shisa.DataPlane.Tunnels;

namespace Shisa.DataPlane.Engine;

/// <summary>
/// The data plane: SHISA's kernel part in one object (DESIGN 5): the ports, the TUN device (the virtual home
/// interface), the sockets and the threads that forward. Forwarding state (binding tables, nftables table, routes,
/// policy rules, proxy ND entries, TUN addresses) belongs to its <see cref="ForwardingStateWriter"/>, which applies
/// the bus (binding cache, binding update list, DAD requests, movement); the engine publishes nothing but DAD results.
/// <list type="bullet">
/// <item>One thread per AF_PACKET port receives signalling (to the <see cref="SignallingHub"/>), neighbor
/// messages (to DAD) and IPv6-in-IPv6 (decapsulated into the TUN when it comes from the binding's other end).</item>
/// <item>One thread reads the TUN: what the kernel routed there (a home agent's routes of home addresses and
/// mobile network prefixes, a mobile node's source rule of its home address) is encapsulated and sent in
/// batches through a raw IPv6 socket.</item>
/// </list>
/// Start and stop from one thread; everything the engine installed in the kernel is removed again by <see cref="Stop"/>
/// (the bindings stay in the journal).
/// </summary>
public sealed partial class DataPlaneEngine : IDisposable
{
    /// <summary>
    /// What the ports take from the wire: Mobility Header, IPv6-in-IPv6, packets starting with a Destination
    /// Options or Routing header (HAO, RH2), and ICMPv6 Packet Too Big (the tunnel's MTU, RFC 2473 7.1), Parameter
    /// Problem, RA, NS, NA and 144-147.
    /// </summary>
    public const string CaptureFilter =
        "ip6 and (ip6[6] == 135 or ip6[6] == 41 or ip6[6] == 60 or ip6[6] == 43 or (ip6[6] == 58 and ("
        + "ip6[40] == 2 or ip6[40] == 4 or ip6[40] == 134 or ip6[40] == 135 or ip6[40] == 136 or (ip6[40] >= 144 and ip6[40] <= 147))))";

    private const string Origin = "data_plane";
    /// <summary>
    /// SO_RCVBUFFORCE of each port: the default (about 200 KB, some 250 frames) overflows within 2 ms when the
    /// receive thread is descheduled under a flood of 150 000 packets/s, and a listed node's BU is lost with the
    /// rest before it can be classified; 16 MB hold about 100 ms of such a flood (kernel memory, not the heap).
    /// </summary>
    public const int PortReceiveBufferSize = 16 << 20;

    private const int MinimumTunnelMtu = 1280;

    /// <summary>The TUN's MTU is sized from an Ethernet link when no uplink is there at start.</summary>
    private const int DefaultLinkMtu = 1500;

    private readonly DataPlaneEngineOptions _options;
    private readonly MobilityBus _bus;
    private readonly SignallingHub _hub;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly IKernel _kernel;
    private readonly IStateJournal? _journal;
    private readonly DataPlaneCounters _counters = new();
    private readonly Dictionary<string, IPacketPort> _ports = new(StringComparer.Ordinal);
    private readonly List<Thread> _threads = [];
    private readonly Lock _hotplugGate = new();
    private ClassicBpfProgram[] _captureFilters = [];
    private readonly Lock _lifecycle = new();
    private ForwardingStateWriter? _writer;
    private OrderedSignallingSender? _orderedSender;
    private TunDevice? _tun;
    private RawIpv6Sender? _tunnelSender;
    private RawIpv6Sender? _signallingSender;
    private UdpSocket? _udpSocket;
    private UdpTunnel? _udp;
    private DuplicateAddressDetector? _dad;
    private CareOfAddressDad? _careOfDad;
    private ProxyNeighborResponder? _proxy;
    private TunnelForwarder? _forwarder;
    private MobilitySubscription? _subscription;
    private Thread? _consumer;
    private ITimer? _refreshTimer;
    private ITimer? _reconcileTimer;
    private volatile bool _stopping;
    private bool _started;

    public DataPlaneEngine(
        DataPlaneEngineOptions options,
        MobilityBus bus,
        SignallingHub hub,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        IKernel kernel,
        IStateJournal? journal = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(kernel);
        options.Validate();
        _options = options;
        _bus = bus;
        _hub = hub;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<DataPlaneEngine>();
        _kernel = kernel;
        _journal = journal;
    }

    public DataPlaneEngineOptions Options => _options;

    /// <summary>The hub received signalling goes to (the modules subscribe to it).</summary>
    public SignallingHub Signalling => _hub;

    /// <summary>
    /// The modules' send API: a raw IPv6 socket in the engine's namespace, ordered behind the forwarding-state
    /// writer (<see cref="OrderedSignallingSender"/>): a BA leaves once its binding is installed and journalled.
    /// Valid once started.
    /// </summary>
    public IPacketSender SignallingSender => _orderedSender ?? throw new InvalidOperationException("The engine is not started.");

    /// <summary>The one writer of forwarding state; null before start.</summary>
    public ForwardingStateWriter? Writer => _writer;

    /// <summary>The TUN device's actual name; null before start or without a tunnel role.</summary>
    public string? TunnelName => _tun?.Name;

    /// <summary>The forwarding counters.</summary>
    public DataPlaneCounters ForwardingCounters => _counters;

    /// <summary>The home agent's tunnels (binding cache), or null.</summary>
    public BindingTable? BindingCache => _writer?.Tables.BindingCache;

    /// <summary>The mobile node's tunnels (binding update list), or null.</summary>
    public BindingTable? BindingUpdateList => _writer?.Tables.BindingUpdateList;

    /// <summary>The mobile node's route optimization bindings with correspondents, or null.</summary>
    public CorrespondentBindingTable? CorrespondentList => _writer?.Tables.CorrespondentList;

    /// <summary>The correspondent's bindings of mobile nodes, or null.</summary>
    public CorrespondentBindingTable? CorrespondentCache => _writer?.Tables.CorrespondentCache;

    /// <summary>Bus messages applied so far (tests wait on it).</summary>
    public long MessagesApplied => _writer?.Applied ?? 0;

    public bool IsRunning => _started && !_stopping;

    /// <summary>
    /// Installs the nftables table, opens the ports, the TUN and the sockets (in the configured namespace), starts
    /// the threads and the bus consumer. On failure everything done so far is undone and the error is thrown.
    /// </summary>
    public void Start()
    {
        lock (_lifecycle)
        {
            if (_started)
            {
                throw new InvalidOperationException("The engine is started already.");
            }

            _started = true;
            _stopping = false;
            try
            {
                StartCore();
            }
            catch
            {
                StopCore();
                _started = false;
                throw;
            }
        }
    }

    /// <summary>Stops the threads and removes everything the engine installed. Safe to call twice.</summary>
    public void Stop()
    {
        lock (_lifecycle)
        {
            if (!_started)
            {
                return;
            }

            StopCore();
            _started = false;
        }
    }

    /// <summary>Stops, and closes the kernel connection the engine was given (it owns it).</summary>
    public void Dispose()
    {
        Stop();
        _kernel.Dispose();
    }

    /// <summary>RFC 5555 (home agent): the UDP endpoint of each binding with an IPv4 care-of address, by home address; empty without.</summary>
    public IReadOnlyDictionary<IPAddress, Ipv4Endpoint> UdpEndpoints() =>
        _udp?.Endpoints().ToDictionary(e => AddressKey.ToAddress(e.Key), e => e.Value) ?? new Dictionary<IPAddress, Ipv4Endpoint>();

    /// <summary>A snapshot of every counter, for the status page.</summary>
    public IReadOnlyDictionary<string, long> Counters()
    {
        var counters = _counters.Snapshot();
        _writer?.AddCounters(counters);
        if (_forwarder is { } forwarder)
        {
            counters["dataplane_rr_hints_suppressed"] = forwarder.RrHints.Suppressed;
            counters["dataplane_rr_hints_refused"] = forwarder.RrHints.Refused;
            counters["dataplane_be_hints_suppressed"] = forwarder.BeHints.Suppressed;
            counters["dataplane_be_hints_refused"] = forwarder.BeHints.Refused;
        }

        if (_dad is { } dad)
        {
            counters["dataplane_dad_started"] = dad.Started;
            counters["dataplane_dad_succeeded"] = dad.Succeeded;
            counters["dataplane_dad_failed"] = dad.Failed;
            counters["dataplane_dad_rejected"] = dad.Rejected;
        }

        _udp?.Counters.AddTo(counters);
        if (_proxy is { } proxy)
        {
            counters["dataplane_proxy_advertisements"] = proxy.Answered;
            counters["dataplane_proxy_solicitations_ignored"] = proxy.Ignored;
        }

        if (_tun is { } tun)
        {
            var t = tun.Counters.Snapshot();
            counters["dataplane_tun_read"] = t.Received;
            counters["dataplane_tun_read_errors"] = t.ReceiveErrors;
        }

        if (_tunnelSender is { } sender)
        {
            counters["dataplane_raw_send_failures"] = sender.Failed;
        }

        lock (_ports)
        {
            foreach (var (name, port) in _ports)
            {
                var p = port.Counters.Snapshot();
                string key = "dataplane_port_" + name.Replace('-', '_').Replace('.', '_');
                counters[key + "_received"] = p.Received;
                counters[key + "_truncated"] = p.Truncated;
                counters[key + "_receive_errors"] = p.ReceiveErrors;
            }
        }

        return counters;
    }

    private void StartCore()
    {
        var o = _options;

        // Subscribe first: whatever is published from now on is applied once the engine runs.
        _subscription = _bus.Subscribe(Origin, MessageKinds.BindingCache | MessageKinds.BindingUpdateList | MessageKinds.Dad | MessageKinds.MovementInfo, 4096);

        _captureFilters = [ClassicBpfProgram.Compile(CaptureFilter, PortFrameKind.Ethernet), ClassicBpfProgram.Compile(CaptureFilter, PortFrameKind.Ipv6)];
        NetworkNamespace.Invoke(o.NetworkNamespace, () =>
        {
            foreach (string name in o.PortInterfaces())
            {
                if (OpenPort(name) is { } port)
                {
                    lock (_ports)
                    {
                        _ports.Add(name, port);
                    }
                }
            }

            string? scope = o.IsHomeAgent ? o.ResolvedHomeInterface : o.PortInterfaces().FirstOrDefault(_ports.ContainsKey);
            // A mobile node's outer packets leave through the uplink of their care-of address (UplinkRoutes' rules).
            _signallingSender = RawIpv6Sender.Open(scope, mark: MobilityFilter.SignallingMark, routeBySource: o.IsMobileNode);
            if (o.NeedsTunnel)
            {
                _tunnelSender = RawIpv6Sender.Open(scope, routeBySource: o.IsMobileNode);
                _tun = TunDevice.Create(o.TunnelName);
                _tun.SetMtu(Math.Max(MinimumTunnelMtu, (_ports.Count == 0 ? DefaultLinkMtu : _ports.Values.Min(p => p.Mtu)) - Wire.Ipv6Tunnel.Overhead));
                _tun.SetTxQueueLength(TunDevice.DefaultTxQueueLength);
                _tun.SetUp();
            }

            if (o.NeedsTunnel && (o.IsHomeAgent ? o.Ipv4Address : o.HomeAgentIpv4) is not null)
            {
                // RFC 5555 4.1: the home agent listens on its IPv4 address, port 4191; a mobile node on any port.
                _udpSocket = o.IsHomeAgent ? UdpSocket.Open(o.Ipv4Address!, UdpTunnel.Port) : UdpSocket.Open(IPAddress.Any, 0);
            }

            if (o.IsCorrespondent)
            {
                _signallingSender.SetMark(o.OwnPacketMark);
                _tunnelSender?.SetMark(o.OwnPacketMark);
            }
        });

        _dad = new DuplicateAddressDetector(_time, SendDadProbe, OnDadResult, o.DadRetransTimer, o.DadTransmits);
        if (o.IsMobileNode)
        {
            var dad = _dad;
            _careOfDad = new CareOfAddressDad(_kernel, (address, name, index) => HasPort(name) && dad.Start(address, name, index), _loggerFactory.CreateLogger<CareOfAddressDad>());
            lock (_ports)
            {
                foreach (var port in _ports.Values.Where(p => o.EgressInterfaces.Contains(p.Name)))
                {
                    TakeOverDad(port);
                }
            }
        }

        _writer = new ForwardingStateWriter(
            o, _kernel, _tun?.Name, _journal, _time, _loggerFactory.CreateLogger<ForwardingStateWriter>(),
            SendUnsolicitedAdvertisements, _dad.Handle, movement =>
            {
                SyncUplinkPorts(); // first: a care-of address on an uplink just made is probed through its new port
                RefreshInterfaceAddresses();
                _careOfDad?.OnMovement(movement);
            });
        var subscription = _subscription;
        if (_udpSocket is { } udpSocket)
        {
            _udp = new UdpTunnel(udpSocket, _hub, _time, o.IsHomeAgent ? _writer.Tables.BindingCache : null, o.IsHomeAgent ? null : _writer.Tables.BindingUpdateList,
                o.IsHomeAgent ? null : Ipv4Endpoint.From(o.HomeAgentIpv4!, UdpTunnel.Port), o.MaxBindings);
            if (o.IsHomeAgent)
            {
                // DESIGN 5 / RFC 5555: restored IPv4 care-of bindings keep their endpoint, and it is journalled again.
                var udp = _udp;
                udp.Restore(_journal?.Restored.UdpEndpoints ?? RestoredState.Empty.UdpEndpoints);
                _writer.UdpEndpointOf = udp.EndpointToJournal;
            }
        }

        _orderedSender = _writer.CreateSender(
            _udp is null ? _signallingSender! : new UdpTunnelSignallingSender(_signallingSender!, _udp), () => subscription.LastOffered);
        _writer.Start();

        var tables = _writer.Tables;
        SetStaticAddresses();
        RefreshInterfaceAddresses();
        var classifier = new PacketClassifier(tables.LocalAddresses, tables.BindingCache, tables.BindingUpdateList, tables.CorrespondentList, tables.CorrespondentCache);
        var proxy = o.IsHomeAgent && o.ResolvedHomeInterface is { } homeLink && o.HomeAgentAddress is { } homeAgent && tables.BindingCache is { } cache
            ? new ProxyNeighborResponder(cache, homeLink, homeAgent)
            : null;
        _proxy = proxy;
        _forwarder = new TunnelForwarder(classifier, _counters, _hub, _time, _dad, m => _bus.Publish(m, Origin), proxy, _udp);

        foreach (var port in _ports.Values)
        {
            StartThread($"shisa rx {port.Name}", () => ReceiveLoop(port));
        }

        if (_tun is { } tun)
        {
            StartThread($"shisa tun {tun.Name}", () => TunLoop(tun));
            if (_udp is { } udp && _udpSocket is { } socket)
            {
                StartThread("shisa dsmip rx", () => UdpLoop(socket, udp, tun));
            }
        }

        _refreshTimer = _time.CreateTimer(
            _ =>
            {
                SyncUplinkPorts();
                RefreshInterfaceAddresses();
                _careOfDad?.WithdrawDuplicates();
            },
            null, o.AddressRefreshInterval, o.AddressRefreshInterval);
        _reconcileTimer = _time.CreateTimer(_ => Reconcile(), null, o.ReconcileInterval, o.ReconcileInterval);
        var writer = _writer;
        _consumer = new Thread(() => writer.Run(subscription, () => _stopping)) { IsBackground = true, Name = "shisa bus apply" };
        _consumer.Start();
        Log.Started(_logger, o.NodeTypes.ToString(), string.Join(",", _ports.Keys), _tun?.Name ?? "-", o.NetworkNamespace ?? "-");
    }

    private void Reconcile()
    {
        if (!_stopping)
        {
            _writer?.Reconcile();
        }
    }

    private void StopCore()
    {
        _stopping = true;
        _refreshTimer?.Dispose();
        _refreshTimer = null;
        _reconcileTimer?.Dispose();
        _reconcileTimer = null;
        _subscription?.Dispose();
        _consumer?.Join(TimeSpan.FromSeconds(10));
        _subscription = null;
        _consumer = null;
        _dad?.Dispose();
        _careOfDad?.Restore();

        // Kernel state first, while the TUN its routes point at still exists (they would vanish with it and
        // their removal fail); then the devices, which wakes the threads.
        _writer?.Stop();
        lock (_ports)
        {
            foreach (var port in _ports.Values)
            {
                port.Dispose();
            }
        }

        _tun?.Dispose();
        _udpSocket?.Dispose();
        List<Thread> threads;
        lock (_ports)
        {
            threads = [.. _threads];
        }

        foreach (var thread in threads)
        {
            if (!thread.Join(TimeSpan.FromSeconds(5)))
            {
                Log.ThreadDidNotStop(_logger, thread.Name ?? "?");
            }
        }

        _threads.Clear();
        _tunnelSender?.Dispose();
        _signallingSender?.Dispose();
        lock (_ports)
        {
            _ports.Clear();
        }

        if (_writer is not null)
        {
            Log.Stopped(_logger);
        }

        _writer = null;
        _orderedSender = null;
        _tun = null;
        _tunnelSender = null;
        _signallingSender = null;
        _udpSocket = null;
        _udp = null;
    }

    private void StartThread(string name, Action loop)
    {
        var thread = new Thread(() => loop()) { IsBackground = true, Name = name };
        lock (_ports)
        {
            _threads.RemoveAll(t => !t.IsAlive); // the threads of hotplugged ports that are gone
            _threads.Add(thread);
        }

        thread.Start();
    }

    /// <summary>
    /// The port of <paramref name="name"/>, opened in the caller's namespace; null for a mobile node's egress
    /// interface that does not exist (yet): it is picked up when it appears (<see cref="SyncUplinkPorts"/>).
    /// </summary>
    private AfPacketPort? OpenPort(string name)
    {
        var o = _options;

        // The home link's port hears every multicast group: the solicited-node groups of the home addresses
        // it defends (RFC 4861 7.2.8: a proxy joins them) are as many as the bindings.
        bool homeLink = o.IsHomeAgent && string.Equals(name, o.ResolvedHomeInterface, StringComparison.Ordinal);
        try
        {
            // A raw-IP uplink (TUN, PPP, a modem) gets the filter compiled for frames without a link-layer header.
            return AfPacketPort.Open(name, new AfPacketPortOptions
            {
                Protocol = AfPacketPortOptions.Ipv6Protocol,
                Filter = _captureFilters[(int)AfPacketPort.FrameKindOf(name)],
                AllMulticast = homeLink,
                ReceiveBufferSize = PortReceiveBufferSize,
            });
        }
        catch (IOException exception) when (o.IsMobileNode && o.EgressInterfaces.Contains(name))
        {
            Log.UplinkAbsent(_logger, name, exception.Message);
            return null;
        }
    }

    /// <summary>
    /// Hotplug of a mobile node's uplinks, on every movement: an egress interface that appeared after start, or
    /// came back after being removed (a new index), gets a port and a receive thread; the port of one that is gone
    /// is closed, and its thread ends.
    /// </summary>
    private void SyncUplinkPorts()
    {
        if (_stopping || !_options.IsMobileNode)
        {
            return;
        }

        lock (_hotplugGate)
        {
            SyncUplinkPortsLocked();
        }
    }

    private void SyncUplinkPortsLocked()
    {
        try
        {
            NetworkNamespace.Invoke(_options.NetworkNamespace, () =>
            {
                var present = NetworkInterface.GetAllNetworkInterfaces()
                    .Where(i => _options.EgressInterfaces.Contains(i.Name) && i.Supports(NetworkInterfaceComponent.IPv6))
                    .ToDictionary(i => i.Name, i => i.GetIPProperties().GetIPv6Properties().Index, StringComparer.Ordinal);
                foreach (string name in _options.EgressInterfaces)
                {
                    IPacketPort? port;
                    lock (_ports)
                    {
                        _ports.TryGetValue(name, out port);
                    }

                    int index = present.GetValueOrDefault(name);
                    if (port is not null && port.InterfaceIndex == index)
                    {
                        continue;
                    }

                    if (port is not null)
                    {
                        lock (_ports)
                        {
                            _ports.Remove(name);
                        }

                        port.Dispose();
                        _careOfDad?.Forget(name);
                        Log.UplinkPortClosed(_logger, name);
                    }

                    if (index != 0 && OpenPort(name) is { } opened)
                    {
                        lock (_ports)
                        {
                            _ports.Add(name, opened);
                        }

                        TakeOverDad(opened);
                        StartThread($"shisa rx {name}", () => ReceiveLoop(opened));
                        Log.UplinkPortOpened(_logger, name, opened.InterfaceIndex);
                    }
                }
            });
        }
        catch (Exception exception) when (exception is NetworkInformationException or IOException)
        {
            Log.AddressRefreshFailed(_logger, exception.Message);
        }
    }

    /// <summary>Whether <paramref name="port"/> is still the port of its interface (not closed by hotplug or stop).</summary>
    private bool IsOpen(IPacketPort port)
    {
        lock (_ports)
        {
            return !_stopping && _ports.TryGetValue(port.Name, out var current) && ReferenceEquals(current, port);
        }
    }

    private void ReceiveLoop(IPacketPort port)
    {
        var received = new PacketBatch();
        var toTun = new PacketBatch();
        var forwarder = _forwarder!;
        var tun = _tun;
        while (!_stopping)
        {
            if (port.Receive(received, -1) == 0)
            {
                if (!IsOpen(port))
                {
                    return;
                }

                continue;
            }

            try
            {
                forwarder.ProcessReceived(port, received, toTun);
            }
#pragma warning disable CA1031 // one bad packet must not end the capture loop: logged, the loop goes on
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Log.LoopFailed(_logger, port.Name, exception);
            }

            WriteToTun(tun, toTun);
        }
    }

    private void TunLoop(TunDevice tun)
    {
        var fromTun = new PacketBatch();
        var toTunnel = new PacketBatch();
        var forwarder = _forwarder!;
        var sender = _tunnelSender!;
        while (!_stopping)
        {
            if (tun.Receive(fromTun, -1) == 0)
            {
                continue;
            }

            try
            {
                forwarder.ProcessFromTun(fromTun, toTunnel);
            }
#pragma warning disable CA1031 // as in ReceiveLoop
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Log.LoopFailed(_logger, tun.Name, exception);
            }

            if (toTunnel.Count > 0)
            {
                int sent = sender.Send(toTunnel);
                _counters.TunnelSend(sent, toTunnel.Count - sent);
                toTunnel.Clear();
            }
        }
    }

    /// <summary>RFC 5555's UDP tunnel: one datagram at a time into <see cref="UdpTunnel.HandleDatagram"/>, the decapsulated into the TUN.</summary>
    private void UdpLoop(UdpSocket socket, UdpTunnel udp, TunDevice tun)
    {
        var buffer = new byte[ushort.MaxValue];
        var toTun = new PacketBatch(1, ushort.MaxValue);
        while (!_stopping)
        {
            int n = socket.Receive(buffer, out var from);
            if (n < 0)
            {
                return;
            }

            if (n == 0)
            {
                continue;
            }

            try
            {
                udp.HandleDatagram(buffer.AsSpan(0, n), from, toTun);
            }
#pragma warning disable CA1031 // as in ReceiveLoop
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Log.LoopFailed(_logger, UdpTunnel.InterfaceName, exception);
            }

            WriteToTun(tun, toTun);
        }
    }

    /// <summary>What a receive loop decapsulated goes into the TUN (none on a node without one: counted as not written).</summary>
    private void WriteToTun(TunDevice? tun, PacketBatch toTun)
    {
        if (toTun.Count == 0)
        {
            return;
        }

        int written = tun?.Send(toTun) ?? 0;
        _counters.TunWrite(written, toTun.Count - written);
        toTun.Clear();
    }

    /// <summary>A detector result: a failed care-of address is withdrawn first, then everyone hears it.</summary>
    private void OnDadResult(Dad result)
    {
        _careOfDad?.OnResult(result);
        _bus.Publish(result, Origin);
    }

    /// <summary>A mobile node's Ethernet uplink: its care-of addresses' DAD is ours (<see cref="CareOfAddressDad"/>); a raw-IP one keeps the kernel's.</summary>
    private void TakeOverDad(IPacketPort port)
    {
        if (_careOfDad is { } careOfDad && port.LinkAddress.GetAddressBytes().Length == 6)
        {
            careOfDad.TakeOver(port.Name);
        }
    }

    private bool HasPort(string interfaceName)
    {
        lock (_ports)
        {
            return _ports.ContainsKey(interfaceName);
        }
    }

    private bool SendDadProbe(string interfaceName, ReadOnlySpan<byte> target)
    {
        IPacketPort? port;
        lock (_ports)
        {
            _ports.TryGetValue(interfaceName, out port);
        }

        if (port is null || port.LinkAddress.GetAddressBytes().Length != 6)
        {
            Log.NoPortFor(_logger, interfaceName, "DAD");
            return false;
        }

        var batch = new PacketBatch(1, 128);
        int length = NeighborPackets.WriteDadSolicitation(batch.GetNextSlot(), port.LinkAddress.GetAddressBytes(), target);
        batch.Commit(length);
        return port.Send(batch) == 1;
    }

    /// <summary>RFC 6275 10.4.1: an unsolicited Neighbor Advertisement on the home link for each newly bound home address, sent in batches.</summary>
    private void SendUnsolicitedAdvertisements(IReadOnlyList<UInt128> homeAddresses)
    {
        string? home = _options.ResolvedHomeInterface;
        IPacketPort? port = null;
        lock (_ports)
        {
            if (home is not null)
            {
                _ports.TryGetValue(home, out port);
            }
        }

        if (port is null || port.LinkAddress.GetAddressBytes().Length != 6 || _options.HomeAgentAddress is not { } source)
        {
            Log.NoPortFor(_logger, home ?? "-", "unsolicited Neighbor Advertisement");
            return;
        }

        Span<byte> sourceBytes = stackalloc byte[16];
        Span<byte> targetBytes = stackalloc byte[16];
        source.TryWriteBytes(sourceBytes, out _);
        byte[] mac = port.LinkAddress.GetAddressBytes();
        var batch = new PacketBatch(PacketBatch.DefaultCapacity, NeighborPackets.AdvertisementFrameLength);
        foreach (var homeAddress in homeAddresses)
        {
            AddressKey.Write(homeAddress, targetBytes);
            batch.Commit(NeighborPackets.WriteUnsolicitedAdvertisement(batch.GetNextSlot(), mac, sourceBytes, targetBytes));
            if (batch.Count == batch.Capacity)
            {
                port.Send(batch);
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            port.Send(batch);
        }
    }

    private void SetStaticAddresses()
    {
        List<IPAddress> addresses = [];
        if (_options.HomeAgentAddress is { } ha)
        {
            addresses.Add(ha);
        }

        if (_options.IsHomeAgent && _options.HomePrefix is { } prefix)
        {
            // RFC 6275 10.5 / RFC 2526: the Mobile IPv6 Home-Agents anycast address of the home prefix.
            addresses.Add(HomeAgentsAnycast.For(prefix));
        }

        _writer!.Tables.LocalAddresses.Set("options", addresses);
    }

    private void RefreshInterfaceAddresses()
    {
        if (_stopping)
        {
            return;
        }

        try
        {
            var addresses = NetworkNamespace.Invoke(_options.NetworkNamespace, () =>
                NetworkInterface.GetAllNetworkInterfaces()
                    .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                    .Select(u => u.Address)
                    .Where(a => a.AddressFamily == AddressFamily.InterNetworkV6)
                    .Select(a => new IPAddress(a.GetAddressBytes()))
                    .ToList());
            _writer?.Tables.LocalAddresses.Set("interfaces", addresses);
        }
        catch (Exception exception) when (exception is IOException or NetworkInformationException or UnauthorizedAccessException)
        {
            Log.AddressRefreshFailed(_logger, exception.Message);
        }
    }
}
