using Shisa.DataPlane.Bus;
using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;

namespace Shisa.TestPlugin;

/// <summary>
/// A movement detector from a plugin: on start it publishes a recognisable <see cref="MovementInfo"/> (a scan on
/// interface <see cref="InterfaceName"/>), so a test sees that the host loaded, wired and started it.
/// </summary>
public sealed class TestDetectorModule : IRoleModule
{
    public const string ModuleName = "test_detector";
    public const string InterfaceName = "plugin0";
    public const int InterfaceIndex = 4242;

    public string Name => ModuleName;

    public IReadOnlyList<Role> Provides => [Role.MovementDetector];

    public IReadOnlyList<string> RequiredModules => [TestDetectorHelperModule.ModuleName];

    public Task StartAsync(ModuleContext context, CancellationToken cancellationToken)
    {
        context.Publish(new MovementInfo(MovementCommand.Scan, null, InterfaceName, InterfaceIndex, false));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>A helper module (no role) the detector requires: the loader registers it with the detector.</summary>
public sealed class TestDetectorHelperModule : IRoleModule
{
    public const string ModuleName = "test_detector_helper";

    public string Name => ModuleName;

    public IReadOnlyList<Role> Provides => [];

    public Task StartAsync(ModuleContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Not a module: the loader leaves it alone.</summary>
public abstract class NotAModule : IRoleModule
{
    public abstract string Name { get; }

    public IReadOnlyList<Role> Provides => [Role.HomeAgent];

    public Task StartAsync(ModuleContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
