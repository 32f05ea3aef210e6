using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;

namespace Shisa.Modules.Tests.Hosting;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public class ModuleHostTests
{
    private readonly List<string> _journal = [];

    private RecordingModule Module(string name, params Role[] provides) => new(name, _journal, provides);

    [Test]
    public async Task Modules_start_after_what_they_depend_on_and_stop_in_reverse()
    {
        // A home agent with NEMO support, as had and nemonetd: home_agent needs the "nemo" helper by name, which
        // needs "bindings"; the correspondent needs whatever provides the home agent role.
        var modules = new IRoleModule[]
        {
            new RecordingModule("home_agent", _journal, Role.HomeAgent) { RequiredModules = ["nemo"] },
            new RecordingModule("correspondent", _journal, Role.CorrespondentNode) { RequiredRoles = [Role.HomeAgent] },
            new RecordingModule("nemo", _journal) { RequiredModules = ["bindings"] },
            Module("bindings"),
        };
        var host = TestProfiles.Host(TestProfiles.WithRoles(Role.CorrespondentNode, Role.HomeAgent), modules);

        Assert.That(host.StartOrder.Select(m => m.Name), Is.EqualTo(new[] { "bindings", "nemo", "home_agent", "correspondent" }));

        await host.StartAsync(CancellationToken.None);
        Assert.That(host.GetStatus().Select(s => s.State), Is.All.EqualTo(ModuleState.Running));
        await host.StopAsync(CancellationToken.None);

        Assert.That(_journal, Is.EqualTo(new[]
        {
            "start bindings", "start nemo", "start home_agent", "start correspondent",
            "stop correspondent", "stop home_agent", "stop nemo", "stop bindings",
        }));
        Assert.That(host.GetStatus().Select(s => s.State), Is.All.EqualTo(ModuleState.Stopped));
    }

    [Test]
    public async Task Independent_modules_start_in_the_order_of_the_profile_roles()
    {
        var host = TestProfiles.Host(
            TestProfiles.WithRoles(Role.MovementDetector, Role.MobileNode),
            Module("mobile_node", Role.MobileNode),
            Module("movement", Role.MovementDetector));
        await host.StartAsync(CancellationToken.None);
        await host.StopAsync(CancellationToken.None);

        Assert.That(_journal, Is.EqualTo(new[] { "start movement", "start mobile_node", "stop mobile_node", "stop movement" }));
    }

    [Test]
    public void A_failing_start_stops_the_started_modules_in_reverse_and_names_the_module()
    {
        var cause = new InvalidOperationException("no such interface eth9");
        var host = TestProfiles.Host(
            TestProfiles.WithRoles(Role.MovementDetector, Role.CorrespondentNode, Role.MobileNode),
            Module("movement", Role.MovementDetector),
            Module("correspondent", Role.CorrespondentNode),
            new RecordingModule("mobile_node", _journal, Role.MobileNode) { FailOnStart = cause });

        var exception = Assert.ThrowsAsync<ModuleStartException>(() => host.StartAsync(CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(exception!.ModuleName, Is.EqualTo("mobile_node"));
            Assert.That(exception.InnerException, Is.SameAs(cause));
            Assert.That(exception.Message, Does.Contain("module 'mobile_node' failed to start").And.Contain("no such interface eth9"));
            Assert.That(_journal, Is.EqualTo(new[]
            {
                "start movement", "start correspondent", "start mobile_node",
                "stop correspondent", "stop movement",
            }));
            Assert.That(host.GetStatus().Select(s => (s.Name, s.State)), Is.EqualTo(new[]
            {
                ("movement", ModuleState.Stopped),
                ("correspondent", ModuleState.Stopped),
                ("mobile_node", ModuleState.StartFailed),
            }));
        });
    }

    [Test]
    public async Task A_module_whose_stop_throws_does_not_keep_the_others_from_stopping()
    {
        var host = TestProfiles.Host(
            TestProfiles.WithRoles(Role.MovementDetector, Role.CorrespondentNode, Role.MobileNode),
            Module("movement", Role.MovementDetector),
            new RecordingModule("correspondent", _journal, Role.CorrespondentNode) { FailOnStop = new IOException("socket gone") },
            Module("mobile_node", Role.MobileNode));
        await host.StartAsync(CancellationToken.None);

        await host.StopAsync(CancellationToken.None);

        Assert.That(_journal.Where(e => e.StartsWith("stop", StringComparison.Ordinal)), Is.EqualTo(new[] { "stop mobile_node", "stop correspondent", "stop movement" }));
        Assert.That(host.GetStatus().Single(s => s.Name == "correspondent").State, Is.EqualTo(ModuleState.StopFailed));
    }

    [Test]
    public void A_failing_start_whose_rollback_stop_throws_still_reports_the_start_failure()
    {
        var host = TestProfiles.Host(
            TestProfiles.WithRoles(Role.CorrespondentNode, Role.MobileNode),
            new RecordingModule("correspondent", _journal, Role.CorrespondentNode) { FailOnStop = new IOException("socket gone") },
            new RecordingModule("mobile_node", _journal, Role.MobileNode) { FailOnStart = new TimeoutException() });

        var exception = Assert.ThrowsAsync<ModuleStartException>(() => host.StartAsync(CancellationToken.None));
        Assert.That(exception!.ModuleName, Is.EqualTo("mobile_node"));
        Assert.That(_journal, Is.EqualTo(new[] { "start correspondent", "start mobile_node", "stop correspondent" }));
    }

    [Test]
    public async Task A_cancelled_start_stops_what_it_started_and_throws_cancellation()
    {
        using var cancel = new CancellationTokenSource();
        var host = TestProfiles.Host(
            TestProfiles.WithRoles(Role.CorrespondentNode, Role.MobileNode),
            Module("correspondent", Role.CorrespondentNode),
            new CancellingModule("mobile_node", cancel, _journal));

        Assert.That(() => host.StartAsync(cancel.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(_journal, Is.EqualTo(new[] { "start correspondent", "start mobile_node", "stop correspondent" }));
        await host.StopAsync(CancellationToken.None);
        Assert.That(_journal, Has.Count.EqualTo(3), "nothing left to stop");
    }

    [Test]
    public async Task Modules_for_roles_the_profile_does_not_name_are_not_started()
    {
        var host = TestProfiles.Host(
            TestProfiles.WithRoles(Role.HomeAgent),
            Module("home_agent", Role.HomeAgent),
            Module("mobile_node", Role.MobileNode),
            Module("helper"));

        await host.StartAsync(CancellationToken.None);
        await host.StopAsync(CancellationToken.None);

        Assert.That(host.StartOrder.Select(m => m.Name), Is.EqualTo(new[] { "home_agent" }));
        Assert.That(_journal, Is.EqualTo(new[] { "start home_agent", "stop home_agent" }));
    }

    [Test]
    public async Task A_module_gets_a_context_with_the_bus_clock_sender_and_its_section()
    {
        var module = Module("home_agent", Role.HomeAgent);
        var profile = TestProfiles.WithRoles(Role.HomeAgent);
        var host = TestProfiles.Host(profile, module);
        await host.StartAsync(CancellationToken.None);

        var context = module.Context!;
        Assert.Multiple(() =>
        {
            Assert.That(context.ModuleName, Is.EqualTo("home_agent"));
            Assert.That(context.Profile, Is.SameAs(profile));
            Assert.That(context.HomeAgent, Is.SameAs(profile.HomeAgent));
            Assert.That(() => context.MobileNode, Throws.InvalidOperationException.With.Message.Contains("[mobile_node]"));
            Assert.That(context.Publish(new DataPlane.Bus.BindingCacheFlush()).Origin, Is.EqualTo("home_agent"));
            Assert.That(context.PacketSender.TrySend([0x60]), Is.True);
            Assert.That(context.Subscribe(DataPlane.Bus.MessageKinds.Dad, purpose: "dad").Name, Is.EqualTo("home_agent.dad"));
        });
        await host.StopAsync(CancellationToken.None);
    }

    [Test]
    public async Task The_host_starts_once_and_stopping_twice_is_harmless()
    {
        var host = TestProfiles.Host(TestProfiles.WithRoles(Role.HomeAgent), Module("home_agent", Role.HomeAgent));
        await host.StartAsync(CancellationToken.None);
        Assert.That(() => host.StartAsync(CancellationToken.None), Throws.InvalidOperationException);
        await host.StopAsync(CancellationToken.None);
        await host.DisposeAsync();
        Assert.That(_journal, Is.EqualTo(new[] { "start home_agent", "stop home_agent" }));
    }

    private sealed class CancellingModule(string name, CancellationTokenSource cancel, List<string> journal) : IRoleModule
    {
        public string Name { get; } = name;

        public IReadOnlyList<Role> Provides { get; } = [Role.MobileNode];

        public Task StartAsync(ModuleContext context, CancellationToken cancellationToken)
        {
            journal.Add($"start {Name}");
            cancel.Cancel();
            return Task.FromCanceled(cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            journal.Add($"stop {Name}");
            return Task.CompletedTask;
        }
    }
}
