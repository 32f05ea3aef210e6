using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane;
using Shisa.DataPlane.Bus;
using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;

namespace Shisa.Modules.Tests.Hosting;

public class ServiceRegistrationTests
{
    [Test]
    public async Task AddShisaModules_registers_the_providers_of_the_profile_roles_and_a_host_that_runs_them()
    {
        var journal = new List<string>();
        var catalog = new ModuleCatalog()
            .Add<HomeAgentTestModule>(Role.HomeAgent)
            .Add("mobile_node", [Role.MobileNode], (s, _) => s.AddRoleModule(_ => new RecordingModule("mobile_node", journal, Role.MobileNode)));
        var profile = TestProfiles.WithRoles(Role.HomeAgent);
        var time = new FakeTimeProvider();
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(time)
            .AddSingleton<IPacketSender>(new CountingPacketSender())
            .AddSingleton(journal)
            .AddShisaModules(profile, catalog);

        Assert.That(services.Count(d => d.ServiceType == typeof(IRoleModule)), Is.EqualTo(1), "only the home agent is registered");

        using var provider = new MiniServiceProvider(services);
        var host = provider.GetRequiredService<ModuleHost>();
        await host.StartAsync(CancellationToken.None);
        await host.StopAsync(CancellationToken.None);

        Assert.That(journal, Is.EqualTo(new[] { "start home_agent", "stop home_agent" }));
        Assert.That(provider.GetRequiredService<Profile>(), Is.SameAs(profile));
        Assert.That(provider.GetRequiredService<TimeProvider>(), Is.SameAs(time), "the caller's clock is kept");
        Assert.That(provider.GetRequiredService<MobilityBus>().Publish(new BindingCacheFlush()).Timestamp, Is.EqualTo(time.GetUtcNow()));
    }

    [Test]
    public void AddShisaModules_names_every_role_no_catalog_entry_provides()
    {
        var catalog = new ModuleCatalog().Add<HomeAgentTestModule>(Role.HomeAgent);
        var profile = TestProfiles.WithRoles(Role.MobileNode, Role.HomeAgent, Role.MovementDetector);

        Assert.That(
            () => new ServiceCollection().AddShisaModules(profile, catalog),
            Throws.TypeOf<ModuleConfigurationException>().With.Message.EqualTo(
                "role 'mobile_node' is not provided by any loaded module; role 'movement_detector' is not provided by any loaded module"));
    }

    [Test]
    public void The_built_in_catalog_provides_every_role()
    {
        var catalog = ModuleCatalog.CreateBuiltIn();
        Assert.That(catalog.ProvidedRoles, Is.EquivalentTo(new[] { Role.HomeAgent, Role.MobileNode, Role.MobileRouter, Role.MovementDetector, Role.CorrespondentNode }));
    }

    [Test]
    public void The_catalog_refuses_a_second_provider_of_a_role()
    {
        var catalog = new ModuleCatalog().Add<HomeAgentTestModule>(Role.HomeAgent);
        Assert.That(
            () => catalog.Add("other", [Role.CorrespondentNode, Role.HomeAgent], (_, _) => { }),
            Throws.ArgumentException.With.Message.StartsWith("role 'home_agent' is provided by 'HomeAgentTestModule' already"));
        Assert.That(catalog.ProvidedRoles, Is.EqualTo(new[] { Role.HomeAgent }), "a refused entry adds nothing");
    }

    [Test]
    public void A_catalog_entry_providing_two_roles_registers_once()
    {
        int registrations = 0;
        var catalog = new ModuleCatalog().Add("node", [Role.MobileNode, Role.MobileRouter], (_, _) => registrations++);
        new ServiceCollection().AddShisaModules(TestProfiles.WithRoles(Role.MobileNode, Role.MobileRouter), catalog);
        Assert.That(registrations, Is.EqualTo(1));
    }

    [Test]
    public void Registering_a_module_type_twice_registers_it_once()
    {
        var services = new ServiceCollection().AddRoleModule<HomeAgentTestModule>().AddRoleModule<HomeAgentTestModule>();
        Assert.That(services.Count(d => d.ServiceType == typeof(IRoleModule)), Is.EqualTo(1));
    }

    private sealed class HomeAgentTestModule(List<string> journal) : IRoleModule
    {
        public string Name => "home_agent";

        public IReadOnlyList<Role> Provides { get; } = [Role.HomeAgent];

        public Task StartAsync(ModuleContext context, CancellationToken cancellationToken)
        {
            _ = context.HomeAgent;
            journal.Add("start home_agent");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            journal.Add("stop home_agent");
            return Task.CompletedTask;
        }
    }
}
