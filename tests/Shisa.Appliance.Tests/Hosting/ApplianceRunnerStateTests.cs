using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Shisa.Appliance.Hosting;
using Shisa.Appliance.Tests.Extensions;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.State;
using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;

namespace Shisa.Appliance.Tests.Hosting;

/// <summary>
/// The runner's state directory: created when missing, locked before the data plane exists (a second run is refused
/// with the holder's pid and touches nothing), its journal restored into the modules' <see cref="RestoredState"/>.
/// </summary>
public class ApplianceRunnerStateTests
{
    private string _root = "";

    [SetUp]
    public void CreateRoot() => _root = Directory.CreateTempSubdirectory("shisa-runner-state-").FullName;

    [TearDown]
    public void DeleteRoot() => Directory.Delete(_root, recursive: true);

    private static Profile ProfileIn(string stateDirectory) =>
        TestProfiles.WithRoles(Role.CorrespondentNode) with
        {
            Node = new NodeSection("test", [Role.CorrespondentNode]) { StateDirectory = stateDirectory },
        };

    [Test]
    [CancelAfter(20_000)]
    public async Task A_second_run_on_a_locked_state_directory_says_who_holds_it_and_exits_1_touching_nothing()
    {
        using var held = InstanceLock.Acquire(_root);
        bool dataPlaneCreated = false;
        var error = new StringWriter();

        int exit = await ApplianceRunner.RunAsync(
            ProfileIn(_root),
            new ModuleCatalog(),
            () => throw new InvalidOperationException("no sender is made"),
            NullLoggerFactory.Instance,
            error,
            CancellationToken.None,
            dataPlane: (_, _, _, _, _, _) =>
            {
                dataPlaneCreated = true;
                return null;
            });

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(1));
            Assert.That(error.ToString(), Is.EqualTo($"shisa: another instance (pid {Environment.ProcessId}) is running with state directory {_root}{Environment.NewLine}"));
            Assert.That(dataPlaneCreated, Is.False, "refused before the data plane exists");
            Assert.That(File.Exists(Path.Combine(_root, BindingJournal.FileName)), Is.False, "the holder's journal is not opened");
        });
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task A_state_directory_that_cannot_be_created_is_one_line_and_exit_1()
    {
        string file = Path.Combine(_root, "a-file");
        await File.WriteAllTextAsync(file, "");
        var error = new StringWriter();

        int exit = await ApplianceRunner.RunAsync(
            ProfileIn(Path.Combine(file, "state")), new ModuleCatalog(), () => new NullPacketSender(), NullLoggerFactory.Instance, error, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(1));
            Assert.That(error.ToString(), Does.StartWith($"shisa: cannot create the state directory {file}/state: "));
            Assert.That(error.ToString().TrimEnd(), Does.Not.Contain('\n'));
        });
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_run_creates_its_state_directory_holds_the_lock_and_gives_the_modules_the_journal_and_what_it_restored(CancellationToken cancellationToken)
    {
        string state = Path.Combine(_root, "nested", "state");
        Directory.CreateDirectory(state);
        var entry = new BindingCacheEntry(
            IPAddress.Parse("2001:db8:1::100"), IPAddress.Parse("2001:db8:a1::100"), IPAddress.Parse("2001:db8:1::1"),
            BindingUpdateFlags.HomeRegistration, TimeSpan.FromSeconds(300), 42, default);
        using (var journal = BindingJournal.Open(state, TimeProvider.System, NullLogger.Instance))
        {
            journal.Append(new BindingCacheAdd(entry), TimeProvider.System.GetUtcNow());
            journal.Flush();
        }

        var probe = new StateProbe();
        var catalog = new ModuleCatalog().Add("probe", [Role.CorrespondentNode], (services, _) => services.AddRoleModule(sp =>
        {
            probe.Restored = sp.GetRequiredService<RestoredState>();
            return probe;
        }));
        IStateJournal? engineJournal = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var error = new StringWriter();
        var run = ApplianceRunner.RunAsync(
            ProfileIn(state), catalog, () => new NullPacketSender(), NullLoggerFactory.Instance, error, stop.Token,
            dataPlane: (_, _, _, _, _, journal) =>
            {
                engineJournal = journal;
                return null;
            });

        await probe.StartedTask.WaitAsync(cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(engineJournal, Is.InstanceOf<BindingJournal>(), "the data plane gets the journal");
            Assert.That(probe.Restored?.BindingCache, Has.Count.EqualTo(1));
            Assert.That(probe.Restored!.BindingCache[0] with { Lifetime = entry.Lifetime }, Is.EqualTo(entry));
            Assert.That(probe.Restored.BindingCache[0].Lifetime, Is.LessThanOrEqualTo(entry.Lifetime).And.GreaterThan(TimeSpan.FromSeconds(250)));
            Assert.That(InstanceLock.ReadHolderPid(state), Is.EqualTo(Environment.ProcessId));
            Assert.Throws<InstanceLockedException>(() => InstanceLock.Acquire(state), "held while running");
        });

        await stop.CancelAsync();
        Assert.That(await run, Is.EqualTo(0), error.ToString());
        using var after = InstanceLock.Acquire(state);
        Assert.That(after, Is.Not.Null, "released when the run ends");
    }

    private sealed class StateProbe : IRoleModule
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "probe";

        public IReadOnlyList<Role> Provides => [Role.CorrespondentNode];

        public RestoredState? Restored { get; set; }

        public Task StartedTask => _started.Task;

        public Task StartAsync(ModuleContext context, CancellationToken cancellationToken)
        {
            _started.TrySetResult();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
