using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Shisa.Appliance.Profiles;
using Shisa.Appliance.Web;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Tunnels;
using Shisa.Modules.Configuration;
using Shisa.Modules.HomeAgent;
using Shisa.Modules.Hosting;
using Shisa.Modules.MobileNode;

namespace Shisa.Appliance.Hosting;

/// <summary>
/// The status the web server shows (DESIGN 8): the profile's node and roles, the interfaces it names with
/// their addresses, the bindings as announced on the bus, and counters. Everything is copied out per request.
/// </summary>
internal sealed class ApplianceStatus : IStatusSource, IAsyncDisposable
{
    private readonly Profile _profile;
    private readonly MobilityBus _bus;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _started;
    private readonly BindingView _bindings;
    private readonly MobilitySubscription _subscription;
    private readonly Task _pump;
    private readonly List<Func<IEnumerable<KeyValuePair<string, long>>>> _extraCounters = [];
    private readonly HandoverLog _handovers = new();
    private DataPlaneCounters? _firstPacketCounters;
    private Func<BindingCacheEntry, Shisa.DataPlane.Bindings.TunnelTraffic?>? _traffic;

    public ApplianceStatus(Profile profile, MobilityBus bus, TimeProvider time, int capacity = 100_000)
    {
        _profile = profile;
        _bus = bus;
        _time = time;
        _started = time.GetUtcNow();
        _bindings = new BindingView(capacity);
        _subscription = bus.Subscribe("status", MessageKinds.BindingCache | MessageKinds.BindingUpdateList, capacity: 4096);
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>More counters to show (data plane drops, module counters), read on every capture.</summary>
    /// <summary>The bindings as the bus announced them (shisa ctl's daemon view).</summary>
    internal BindingView Bindings => _bindings;

    /// <summary>Where a binding cache entry's tunnel counters come from (the data plane's binding table); null shows none.</summary>
    public void SetTraffic(Func<BindingCacheEntry, Shisa.DataPlane.Bindings.TunnelTraffic?> traffic) => _traffic = traffic;

    public void AddCounters(Func<IEnumerable<KeyValuePair<string, long>>> counters)
    {
        lock (_extraCounters)
        {
            _extraCounters.Add(counters);
        }
    }

    /// <summary>A moving module whose handovers the timeline and the duration histogram show.</summary>
    public void AddHandovers(IHandoverSource source) => _handovers.Add(source);

    /// <summary>
    /// The data plane's forwarding counters: each Bound home registration arms their first-decapsulation probe, whose
    /// time ends the latest handover's breakdown (the first tunnelled packet through).
    /// </summary>
    public void AddFirstPacket(DataPlaneCounters counters)
    {
        ArgumentNullException.ThrowIfNull(counters);
        _firstPacketCounters = counters;
        _handovers.AddFirstPacket(() => counters.FirstDecapsulatedAt);
    }

    /// <summary>A movement detector whose detections break each handover down step by step.</summary>
    public void AddDetections(IDetectionSource detector) => _handovers.Add(detector);

    /// <summary>
    /// What the status shows of the started modules beyond <see cref="IModuleCounters"/>: their handovers.
    /// </summary>
    public void AddModules(IEnumerable<IRoleModule> modules)
    {
        foreach (var module in modules)
        {
            if (module is IHandoverSource moving)
            {
                AddHandovers(moving);
            }

            if (module is IDetectionSource detector)
            {
                AddDetections(detector);
            }

        }
    }

    private async Task PumpAsync()
    {
        await foreach (var envelope in _subscription.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            _bindings.Apply(envelope);
            if (envelope.Message is BindingUpdateListAdd add)
            {
                // A registration just completed: take its handover before the source's window rolls on.
                _handovers.Collect();
                if (add.Entry is { IsHomeRegistration: true, State: BindingUpdateListState.Bound })
                {
                    _firstPacketCounters?.ArmFirstDecapsulation();
                }
            }
        }
    }

    public StatusSnapshot Capture()
    {
        var now = _time.GetUtcNow();
        var (cache, list) = _bindings.Copy();
        _handovers.Collect();
        return new StatusSnapshot(
            _profile.Node.Name,
            [.. _profile.Node.Roles.Select(RoleNames.ToProfileName)],
            (long)(now - _started).TotalSeconds,
            Interfaces(),
            [.. cache.OrderBy(c => c.Entry.HomeAddress.ToString(), StringComparer.Ordinal).ThenBy(c => c.Entry.BindingId).Select(c => new BindingCacheStatus(
                c.Entry.HomeAddress.ToString(),
                c.Entry.CareOfAddress.ToString(),
                c.Entry.Peer.ToString(),
                BindingView.Flags(c.Entry.Flags),
                [.. c.Entry.MobileNetworkPrefixes.Select(p => p.ToString())],
                c.Entry.BindingId,
                c.Entry.Sequence,
                Remaining(c.Since, c.Entry.Lifetime, now))
            {
                // The data plane prefers the lowest binding id of a home address (HomeAgentBindings).
                Priority = 1 + cache.Count(o => o.Entry.HomeAddress.Equals(c.Entry.HomeAddress) && o.Entry.Peer.Equals(c.Entry.Peer) && o.Entry.BindingId < c.Entry.BindingId),
                Traffic = _traffic?.Invoke(c.Entry) is { } t ? new TunnelTrafficStatus(t.PacketsOut, t.OctetsOut, t.PacketsIn, t.OctetsIn) : null,
            })],
            [.. list.Select(l => new BindingUpdateListStatus(
                l.Entry.Peer.ToString(),
                l.Entry.HomeAddress.ToString(),
                l.Entry.CareOfAddress.ToString(),
                l.Entry.State.ToString(),
                l.Entry.Sequence,
                Remaining(l.Since, l.Entry.Lifetime, now),
                [.. l.Entry.MobileNetworkPrefixes.Select(p => p.ToString())])
            {
                BindingId = l.Entry.BindingId,
            })],
            Counters(),
            _handovers.Recent(),
            _handovers.Histogram());
    }

    private static long Remaining(DateTimeOffset since, TimeSpan lifetime, DateTimeOffset now) =>
        Math.Max(0, (long)(since + lifetime - now).TotalSeconds);

    private Dictionary<string, long> Counters()
    {
        var snapshot = _bus.GetSnapshot();
        var counters = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["bus_messages"] = snapshot.LastSequence,
            ["status_bindings_overflow"] = _bindings.Overflow,
        };
        foreach (var (type, count) in snapshot.PublishedByType)
        {
            counters["bus_" + type.ToString().ToLowerInvariant()] = count;
        }

        foreach (var s in snapshot.Subscribers)
        {
            string name = s.Name.ToLowerInvariant();
            counters["bus_dropped_" + name] = counters.GetValueOrDefault("bus_dropped_" + name) + s.DroppedNotifications;
            counters["bus_coalesced_" + name] = counters.GetValueOrDefault("bus_coalesced_" + name) + s.Coalesced;
            counters["bus_resyncs_" + name] = counters.GetValueOrDefault("bus_resyncs_" + name) + s.Resyncs;
        }

        lock (_extraCounters)
        {
            foreach (var source in _extraCounters)
            {
                foreach (var (name, value) in source())
                {
                    counters[name] = value;
                }
            }
        }

        return counters;
    }

    private List<InterfaceStatus> Interfaces()
    {
        var byName = new Dictionary<string, NetworkInterface>(StringComparer.Ordinal);
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                byName[nic.Name] = nic;
            }
        }
        catch (NetworkInformationException)
        {
            // Interfaces cannot be listed right now: show them as down without addresses.
        }

        return [.. _profile.Interfaces.Select(i =>
        {
            if (!byName.TryGetValue(i.Name, out var nic))
            {
                return new InterfaceStatus(i.Name, ProfileNames.Of(i.Link), false, []);
            }

            var addresses = nic.GetIPProperties().UnicastAddresses
                .Where(a => a.Address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                .Select(a => $"{a.Address}/{a.PrefixLength}")
                .ToList();
            bool up = nic.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown;
            return new InterfaceStatus(i.Name, ProfileNames.Of(i.Link), up, addresses);
        })];
    }


    /// <summary>How many of the bus's recent messages a new follower gets first, so the page's feed is not empty on load.</summary>
    public const int ReplayedEvents = 50;

    /// <summary>The last <see cref="ReplayedEvents"/> messages the bus remembers, then every new one, each once.</summary>
    public async IAsyncEnumerable<BusEvent> FollowEvents([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Subscribe before reading the history: a message published in between is then in one or both, never in neither.
        using var subscription = _bus.Subscribe("events", MessageKinds.All, capacity: 1024);
        long replayed = 0;
        var recent = _bus.GetRecent();
        foreach (var e in recent.Skip(Math.Max(0, recent.Count - ReplayedEvents)))
        {
            replayed = e.Sequence;
            yield return Event(e);
        }

        await foreach (var e in subscription.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (e.Sequence > replayed)
            {
                yield return Event(e);
            }
        }
    }

    private static BusEvent Event(BusEnvelope e) => new(e.Sequence, e.Timestamp, e.Type.ToString(), Summaries.Of(e.Message));

    public async ValueTask DisposeAsync()
    {
        _subscription.Dispose();
        await _pump.ConfigureAwait(false);
    }
}
