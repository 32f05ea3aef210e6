using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.Modules.Common;
using Shisa.Modules.Hosting;

namespace Shisa.Modules.MobileNode.ReturnRoutability;

/// <summary>
/// Runs a <see cref="RouteOptimizationManager"/> inside the mobile node module: one <see cref="ITimer"/> from the
/// module's <see cref="TimeProvider"/> armed at the manager's next deadline, and the translation of the home
/// registration's events into the changes the correspondents react to. Callers hold the module's lock; the timer
/// takes the same lock, so the manager sees one input at a time.
/// </summary>
public sealed class RouteOptimizationDriver : IModuleCounters, IDisposable
{
    private readonly TimeProvider _time;
    private readonly Lock _gate;
    private readonly ITimer _timer;
    private readonly ILogger _logger;
    private DateTimeOffset? _scheduledFor;
    private bool _disposed;

    public RouteOptimizationDriver(RouteOptimizationManager manager, TimeProvider time, Lock gate, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(time);
        _ = gate ?? throw new ArgumentNullException(nameof(gate));
        Manager = manager;
        _time = time;
        _gate = gate;
        _logger = logger ?? NullLogger.Instance;
        _timer = time.CreateTimer(static state => ((RouteOptimizationDriver)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public RouteOptimizationManager Manager { get; }

    /// <summary>Caller holds the lock.</summary>
    public void OnRrHint(RrHint hint, DateTimeOffset now) => Run(m => m.OnRrHint(hint, now));

    /// <summary>A Mobility Header message from a correspondent. Caller holds the lock.</summary>
    public void Receive(ReceivedMobilityMessage received, DateTimeOffset now) => Run(m => m.Receive(received, now));

    /// <summary>Caller holds the lock.</summary>
    public void OnParameterProblem(SignallingPacket packet, DateTimeOffset now) => Run(m => m.OnParameterProblem(packet, now));

    /// <summary>
    /// Follows the home registration: a movement (a new care-of address), an accepted registration of a new care-of
    /// address, the loss of the care-of address, the return home, a stop. Caller holds the lock, after the home
    /// registration machine handled <paramref name="event"/> and returned <paramref name="actions"/>.
    /// </summary>
    public void OnHomeRegistration(HomeRegistrationEvent @event, IReadOnlyList<HomeRegistrationAction> actions, HomeRegistration machine, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(@event);
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(machine);
        switch (@event)
        {
            case MovedTo moved:
                Run(m => m.OnHomeRegistration(new CareOfAddressChanged(moved.CareOfAddress), now));
                break;
            case ReturnedHome:
                Run(m => m.OnHomeRegistration(ReturnedHomeLink.Instance, now));
                break;
            case Shisa.Modules.MobileNode.CareOfAddressLost when machine.CareOfAddress is null && !machine.AtHome:
                Run(m => m.OnHomeRegistration(ReturnRoutability.CareOfAddressLost.Instance, now));
                break;
            case StopRequested:
                Run(m => m.Stop(now));
                break;
        }

        foreach (var action in actions)
        {
            if (action is Registered { Refresh: false } registered)
            {
                Run(m => m.OnHomeRegistration(new HomeRegistrationBound(registered.CareOfAddress), now));
            }
        }
    }

    /// <summary>A change of the home registration (see <see cref="RouteOptimizationManager.OnHomeRegistration"/>). Caller holds the lock.</summary>
    public void OnHomeRegistrationChange(CorrespondentEvent change, DateTimeOffset now) => Run(m => m.OnHomeRegistration(change, now));

    /// <summary>Caller holds the lock.</summary>
    public void Stop(DateTimeOffset now) => Run(m => m.Stop(now));

    public RouteOptimizationStatus GetStatus(DateTimeOffset now) => Manager.GetStatus(now);

    public IReadOnlyList<KeyValuePair<string, long>> GetCounters()
    {
        lock (_gate)
        {
            return Manager.GetCounters().ToNamedCounters();
        }
    }

    /// <summary>See <see cref="RouteOptimizationManager.Deny"/>; the caller holds the module's lock.</summary>
    public bool Deny(IPAddress peer, DateTimeOffset now)
    {
        bool changed = false;
        Run(m => changed = m.Deny(peer, now));
        return changed;
    }

    /// <summary>See <see cref="RouteOptimizationManager.Allow"/>; the caller holds the module's lock.</summary>
    public bool Allow(IPAddress peer)
    {
        bool changed = false;
        Run(m => changed = m.Allow(peer));
        return changed;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _timer.Dispose();
    }

    private void Run(Action<RouteOptimizationManager> input)
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            input(Manager);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // One bad input must not end the mobile node's loops; it is logged and the next one handled.
            RouteOptimizationLog.Failed(_logger, e);
        }

        Reschedule();
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _scheduledFor = null;
            Run(m => m.OnTimer(_time.GetUtcNow()));
        }
    }

    // Under the lock: one timer for every correspondent, at the earliest deadline.
    private void Reschedule()
    {
        var next = Manager.NextDeadline;
        if (next == _scheduledFor)
        {
            return;
        }

        _scheduledFor = next;
        if (next is not { } due)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        var after = due - _time.GetUtcNow();
        _timer.Change(after > TimeSpan.Zero ? after : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The profile's lifetime for bindings with correspondents: the home registration's, at most MAX_RR_BINDING_LIFETIME.</summary>
    public static TimeSpan CorrespondentLifetime(TimeSpan homeLifetime)
    {
        var lifetime = homeLifetime < MobileIpv6Constants.MaxRrBindingLifetime ? homeLifetime : MobileIpv6Constants.MaxRrBindingLifetime;
        return lifetime < TimeSpan.FromSeconds(MobilityLifetimeUnitSeconds) ? TimeSpan.FromSeconds(MobilityLifetimeUnitSeconds) : lifetime;
    }

    private const int MobilityLifetimeUnitSeconds = 4;

    /// <summary>Builds the options for <paramref name="homeAddress"/> from the profile's values.</summary>
    public static RouteOptimizationOptions OptionsFor(IPAddress homeAddress, TimeSpan homeLifetime, EquatableArray<IPAddress> optOut) =>
        new(homeAddress, optOut) { Lifetime = CorrespondentLifetime(homeLifetime) };
}
