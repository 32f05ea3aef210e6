using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;

namespace Shisa.Modules.Tests.Hosting;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public class ModuleResolverTests
{
    private readonly List<string> _journal = [];

    private RecordingModule Module(string name, params Role[] provides) => new(name, _journal, provides);

    [Test]
    public void A_role_no_module_provides_is_an_error_naming_the_role()
    {
        Assert.That(
            () => ModuleResolver.Resolve([Module("mobile_node", Role.MobileNode)], [Role.MobileNode, Role.HomeAgent, Role.CorrespondentNode]),
            Throws.TypeOf<ModuleConfigurationException>().With.Message.EqualTo(
                "role 'home_agent' is not provided by any loaded module; role 'correspondent_node' is not provided by any loaded module"));
    }

    [Test]
    public void The_host_refuses_a_profile_whose_role_nothing_provides()
    {
        Assert.That(
            () => TestProfiles.Host(TestProfiles.WithRoles(Role.HomeAgent), Module("mobile_node", Role.MobileNode)),
            Throws.TypeOf<ModuleConfigurationException>().With.Message.EqualTo("role 'home_agent' is not provided by any loaded module"));
        Assert.That(_journal, Is.Empty);
    }

    [Test]
    public void A_dependency_cycle_is_an_error_naming_the_modules_of_the_cycle()
    {
        var modules = new IRoleModule[]
        {
            new RecordingModule("home_agent", _journal, Role.HomeAgent) { RequiredModules = ["nemo"] },
            new RecordingModule("nemo", _journal) { RequiredModules = ["tunnels"] },
            new RecordingModule("tunnels", _journal) { RequiredRoles = [Role.HomeAgent] },
        };

        Assert.That(
            () => ModuleResolver.Resolve(modules, [Role.HomeAgent]),
            Throws.TypeOf<ModuleConfigurationException>().With.Message.EqualTo("module dependency cycle: 'home_agent' -> 'nemo' -> 'tunnels' -> 'home_agent'"));
    }

    [Test]
    public void A_module_that_requires_itself_is_a_cycle()
    {
        var module = new RecordingModule("home_agent", _journal, Role.HomeAgent) { RequiredModules = ["home_agent"] };
        Assert.That(
            () => ModuleResolver.Resolve([module], [Role.HomeAgent]),
            Throws.TypeOf<ModuleConfigurationException>().With.Message.EqualTo("module dependency cycle: 'home_agent' -> 'home_agent'"));
    }

    [Test]
    public void A_cycle_behind_a_sound_module_names_only_the_cycle()
    {
        var modules = new IRoleModule[]
        {
            new RecordingModule("mobile_router", _journal, Role.MobileRouter) { RequiredModules = ["a"] },
            new RecordingModule("a", _journal) { RequiredModules = ["b"] },
            new RecordingModule("b", _journal) { RequiredModules = ["a"] },
            Module("movement", Role.MovementDetector),
        };

        Assert.That(
            () => ModuleResolver.Resolve(modules, [Role.MovementDetector, Role.MobileRouter]),
            Throws.TypeOf<ModuleConfigurationException>().With.Message.EqualTo("module dependency cycle: 'a' -> 'b' -> 'a'"));
    }

    [Test]
    public void A_required_module_that_is_not_loaded_is_an_error_naming_both()
    {
        var module = new RecordingModule("mobile_router", _journal, Role.MobileRouter) { RequiredModules = ["nemo"] };
        Assert.That(
            () => ModuleResolver.Resolve([module], [Role.MobileRouter]),
            Throws.TypeOf<ModuleConfigurationException>().With.Message.EqualTo("module 'mobile_router' requires module 'nemo', which is not loaded"));
    }

    [Test]
    public void A_required_role_the_profile_does_not_run_is_an_error_even_when_a_module_could_provide_it()
    {
        var modules = new IRoleModule[]
        {
            new RecordingModule("mobile_router", _journal, Role.MobileRouter) { RequiredRoles = [Role.MobileNode] },
            Module("mobile_node", Role.MobileNode),
        };

        Assert.That(
            () => ModuleResolver.Resolve(modules, [Role.MobileRouter]),
            Throws.TypeOf<ModuleConfigurationException>().With.Message.EqualTo(
                "module 'mobile_router' requires role 'mobile_node', which is not among the roles run (mobile_router)"));
        Assert.That(
            ModuleResolver.Resolve(modules, [Role.MobileRouter, Role.MobileNode]).StartOrder.Select(m => m.Name),
            Is.EqualTo(new[] { "mobile_node", "mobile_router" }));
    }

    [Test]
    public void Two_providers_of_one_role_or_two_modules_of_one_name_are_errors()
    {
        Assert.Multiple(() =>
        {
            Assert.That(
                () => ModuleResolver.Resolve([Module("had", Role.HomeAgent), Module("had2", Role.HomeAgent)], [Role.HomeAgent]),
                Throws.TypeOf<ModuleConfigurationException>().With.Message.EqualTo("role 'home_agent' is provided by more than one loaded module: 'had', 'had2'"));
            Assert.That(
                () => ModuleResolver.Resolve([Module("had", Role.HomeAgent), Module("had", Role.CorrespondentNode)], [Role.HomeAgent]),
                Throws.TypeOf<ModuleConfigurationException>().With.Message.EqualTo("two loaded modules are named 'had'"));
        });
    }

    [Test]
    public void One_module_providing_two_roles_is_planned_once_and_the_unused_are_listed()
    {
        var both = Module("node", Role.MobileNode, Role.MobileRouter);
        var unused = Module("home_agent", Role.HomeAgent);
        var plan = ModuleResolver.Resolve([unused, both], [Role.MobileNode, Role.MobileRouter]);

        Assert.That(plan.StartOrder, Is.EqualTo(new[] { both }));
        Assert.That(plan.Unused, Is.EqualTo(new[] { unused }));
    }

    [Test]
    public void Role_names_are_spelt_as_in_the_profile() =>
        Assert.That(
            Enum.GetValues<Role>().Select(r => r.ToProfileName()),
            Is.EqualTo(new[] { "mobile_node", "mobile_router", "home_agent", "correspondent_node", "movement_detector" }));
}
