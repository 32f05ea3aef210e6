using System.Runtime.Loader;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shisa.Appliance.Extensions;
using Shisa.DataPlane;
using Shisa.DataPlane.Bus;
using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;

namespace Shisa.Appliance.Tests.Extensions;

public class PluginLoaderTests
{
    private const string PluginFile = "Shisa.TestPlugin.dll";

    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string CopyPlugin(string name = PluginFile)
    {
        string target = _dir.File(name);
        File.Copy(FixturePaths.Of("Shisa.TestPlugin"), target);
        return target;
    }

    private IReadOnlyList<LoadedPlugin> Load(ModuleCatalog catalog) => PluginLoader.LoadInto(catalog, _dir.Path, NullLogger.Instance);

    [Test]
    public async Task A_plugin_module_is_loaded_registered_started_and_publishes_on_the_bus()
    {
        string file = CopyPlugin();
        var catalog = new ModuleCatalog();

        var plugins = Load(catalog);

        Assert.That(plugins, Has.Count.EqualTo(1));
        Assert.That(plugins[0].Path, Is.EqualTo(file));
        Assert.That(plugins[0].Modules.Select(m => m.Name), Is.EquivalentTo(new[] { "test_detector", "test_detector_helper" }), "the abstract class is no module");
        Assert.That(catalog.ProvidedRoles, Is.EqualTo(new[] { Role.MovementDetector }));
        var moduleType = plugins[0].Modules.Single(m => m.Name == "test_detector").Type;
        Assert.That(AssemblyLoadContext.GetLoadContext(moduleType.Assembly), Is.Not.SameAs(AssemblyLoadContext.Default), "the plugin has its own load context");
        Assert.That(AssemblyLoadContext.GetLoadContext(moduleType.GetInterfaces().Single(i => i.Name == nameof(IRoleModule)).Assembly), Is.SameAs(AssemblyLoadContext.Default), "it implements the host's IRoleModule");

        var profile = TestProfiles.WithRoles(Role.MovementDetector);
        await using var provider = new ServiceCollection()
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton<IPacketSender>(new NullPacketSender())
            .AddShisaModules(profile, catalog)
            .BuildServiceProvider();
        var host = provider.GetRequiredService<ModuleHost>();
        using var watch = provider.GetRequiredService<MobilityBus>().Subscribe("test", MessageKinds.MovementInfo);

        await host.StartAsync(CancellationToken.None);

        Assert.That(host.GetStatus().Select(s => (s.Name, s.State)), Is.EqualTo(new[] { ("test_detector_helper", ModuleState.Running), ("test_detector", ModuleState.Running) }));
        Assert.That(watch.Reader.TryRead(out var envelope), Is.True, "the module published on start");
        Assert.That(envelope.Origin, Is.EqualTo("test_detector"));
        Assert.That(envelope.Message, Is.EqualTo(new MovementInfo(MovementCommand.Scan, null, "plugin0", 4242, false)));
        await host.StopAsync(CancellationToken.None);
    }

    [Test]
    public void An_empty_directory_loads_nothing() =>
        Assert.That(Load(new ModuleCatalog()), Is.Empty);

    [Test]
    public void A_missing_directory_is_an_error_naming_it()
    {
        string missing = _dir.File("nope");
        Assert.That(
            () => PluginLoader.LoadInto(new ModuleCatalog(), missing, NullLogger.Instance),
            Throws.TypeOf<PluginLoadException>().With.Message.EqualTo($"plugin {missing}: the plugins directory does not exist"));
    }

    [Test]
    public void A_file_that_is_not_an_assembly_is_an_error_naming_the_file()
    {
        CopyPlugin();
        string bad = _dir.File("broken.dll");
        File.WriteAllText(bad, "MZ but not really");
        var catalog = new ModuleCatalog();

        Assert.That(() => Load(catalog), Throws.TypeOf<PluginLoadException>()
            .With.Message.EqualTo($"plugin {bad}: not a .NET assembly")
            .And.Property(nameof(PluginLoadException.PluginPath)).EqualTo(bad));
        Assert.That(catalog.Entries, Is.Empty, "nothing is added when one plugin fails");
    }

    [Test]
    public void A_role_the_catalog_provides_already_is_an_error_and_the_catalog_is_unchanged()
    {
        string file = CopyPlugin();
        var catalog = new ModuleCatalog().Add("movement_detection", [Role.MovementDetector], (_, _) => { });

        Assert.That(() => Load(catalog), Throws.TypeOf<PluginLoadException>().With.Message.EqualTo(
            $"plugin {file}: module 'test_detector' provides role 'movement_detector', which 'movement_detection' provides already"));
        Assert.That(catalog.Entries.Select(e => e.Name), Is.EqualTo(new[] { "movement_detection" }));
    }

    [Test]
    public void Two_plugins_with_one_module_name_are_an_error()
    {
        CopyPlugin("a.dll");
        string second = CopyPlugin("b.dll");
        var catalog = new ModuleCatalog();

        Assert.That(() => Load(catalog), Throws.TypeOf<PluginLoadException>().With.Message.StartsWith(
            $"plugin {second}: module name 'test_detector'"));
        Assert.That(catalog.Entries, Is.Empty);
    }

    [Test]
    public void A_copy_of_a_host_assembly_in_the_directory_is_ignored()
    {
        CopyPlugin();
        File.Copy(typeof(IRoleModule).Assembly.Location, _dir.File("Shisa.Modules.dll"));

        var plugins = Load(new ModuleCatalog());

        Assert.That(plugins.Select(p => Path.GetFileName(p.Path)), Is.EqualTo(new[] { PluginFile }));
    }
}
