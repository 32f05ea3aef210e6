using Microsoft.Extensions.Logging;
using Shisa.DataPlane;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.Modules.Configuration;

namespace Shisa.Modules.Hosting;

/// <summary>
/// What a module gets to work with (DESIGN 4): the bus, the data plane's send API, the clock, logging, and the
/// profile with typed accessors for its section. One context per module.
/// </summary>
public sealed class ModuleContext
{
    public ModuleContext(
        string moduleName,
        Profile profile,
        MobilityBus bus,
        IPacketSender packetSender,
        ISignallingSource signalling,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(moduleName);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(packetSender);
        ArgumentNullException.ThrowIfNull(signalling);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ModuleName = moduleName;
        Profile = profile;
        Bus = bus;
        PacketSender = packetSender;
        Signalling = signalling;
        TimeProvider = timeProvider;
        LoggerFactory = loggerFactory;
        Logger = loggerFactory.CreateLogger(LoggerCategory(moduleName));
    }

    public string ModuleName { get; }

    public Profile Profile { get; }

    /// <summary>The mobility bus; publish with <see cref="ModuleName"/> as the origin.</summary>
    public MobilityBus Bus { get; }

    /// <summary>The data plane's send API for signalling packets.</summary>
    public IPacketSender PacketSender { get; }

    /// <summary>The only clock a module reads and the only timers it arms.</summary>
    /// <summary>Signalling packets the data plane received (Mobility Header, DHAAD, mobile prefix, RAs).</summary>
    public ISignallingSource Signalling { get; }

    public TimeProvider TimeProvider { get; }

    public ILoggerFactory LoggerFactory { get; }

    /// <summary>The module's logger, category "Shisa.Modules.{name}".</summary>
    public ILogger Logger { get; }

    public NodeSection Node => Profile.Node;

    public IReadOnlyList<InterfaceSection> Interfaces => Profile.Interfaces;

    /// <summary>The profile's [home_agent] section.</summary>
    /// <exception cref="InvalidOperationException">The profile has none.</exception>
    public HomeAgentSection HomeAgent => Profile.HomeAgent ?? throw MissingSection("home_agent");

    /// <summary>The profile's [mobile_node] section.</summary>
    /// <exception cref="InvalidOperationException">The profile has none.</exception>
    public MobileNodeSection MobileNode => Profile.MobileNode ?? throw MissingSection("mobile_node");

    /// <summary>The profile's [mobile_router] section.</summary>
    /// <exception cref="InvalidOperationException">The profile has none.</exception>
    public MobileRouterSection MobileRouter => Profile.MobileRouter ?? throw MissingSection("mobile_router");

    /// <summary>The profile's [correspondent_node] section.</summary>
    /// <exception cref="InvalidOperationException">The profile has none.</exception>
    public CorrespondentSection Correspondent => Profile.Correspondent ?? throw MissingSection("correspondent_node");

    /// <summary>The profile's [movement_detector] section.</summary>
    /// <exception cref="InvalidOperationException">The profile has none.</exception>
    public MovementDetectorSection MovementDetector => Profile.MovementDetector ?? throw MissingSection("movement_detector");

    /// <summary>Publishes on the bus with this module as the origin.</summary>
    public BusEnvelope Publish(MobilityMessage message) => Bus.Publish(message, ModuleName);

    /// <summary>Subscribes to the bus under this module's name (suffixed by <paramref name="purpose"/> when given).</summary>
    public MobilitySubscription Subscribe(MessageKinds kinds, int capacity = MobilityBus.DefaultCapacity, string? purpose = null) =>
        Bus.Subscribe(purpose is null ? ModuleName : $"{ModuleName}.{purpose}", kinds, capacity);

    internal static string LoggerCategory(string moduleName) => $"Shisa.Modules.{moduleName}";

    private InvalidOperationException MissingSection(string section) =>
        new($"module '{ModuleName}' needs the profile section [{section}], which profile '{Profile.Node.Name}' does not have");
}
