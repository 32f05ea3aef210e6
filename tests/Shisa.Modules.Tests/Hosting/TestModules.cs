using Shisa.DataPlane.Signalling;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane;
using Shisa.DataPlane.Bus;
using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;

namespace Shisa.Modules.Tests.Hosting;

/// <summary>A module that writes "start name" / "stop name" into a shared journal, and can be told to fail.</summary>
internal sealed class RecordingModule(string name, List<string> journal, params Role[] provides) : IRoleModule
{
    public string Name { get; } = name;

    public IReadOnlyList<Role> Provides { get; } = provides;

    public IReadOnlyList<string> RequiredModules { get; init; } = [];

    public IReadOnlyList<Role> RequiredRoles { get; init; } = [];

    public Exception? FailOnStart { get; init; }

    public Exception? FailOnStop { get; init; }

    public ModuleContext? Context { get; private set; }

    public Task StartAsync(ModuleContext context, CancellationToken cancellationToken)
    {
        Context = context;
        lock (journal)
        {
            journal.Add($"start {Name}");
        }

        return FailOnStart is null ? Task.CompletedTask : Task.FromException(FailOnStart);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (journal)
        {
            journal.Add($"stop {Name}");
        }

        return FailOnStop is null ? Task.CompletedTask : Task.FromException(FailOnStop);
    }
}

internal sealed class CountingPacketSender : IPacketSender
{
    public int Sent { get; private set; }

    public bool TrySend(ReadOnlySpan<byte> ipv6Packet)
    {
        Sent++;
        return true;
    }
}

internal static class TestProfiles
{
    public static Profile WithRoles(params Role[] roles) => new(
        new NodeSection("test", new EquatableArray<Role>(roles)),
        new StatusSection(null),
        EquatableArray<InterfaceSection>.Empty,
        HomeAgent: roles.Contains(Role.HomeAgent)
            ? new HomeAgentSection(
                IPAddress.Parse("2001:db8:1::1"),
                new Prefix(IPAddress.Parse("2001:db8:1::"), 64),
                100,
                TimeSpan.FromSeconds(420),
                EquatableArray<AuthorizedMobileNode>.Empty)
            : null,
        MobileNode: null,
        MobileRouter: null,
        Correspondent: null,
        MovementDetector: null,
        Plugins: null);

    public static ModuleHost Host(Profile profile, params IRoleModule[] modules) =>
        new(modules, profile, new MobilityBus(new FakeTimeProvider()), new CountingPacketSender(), new SignallingHub(), new FakeTimeProvider(), NullLoggerFactory.Instance);
}
