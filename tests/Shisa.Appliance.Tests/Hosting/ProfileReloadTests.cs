using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shisa.Appliance.Hosting;
using Shisa.Appliance.Profiles;
using Shisa.DataPlane;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;

namespace Shisa.Appliance.Tests.Hosting;

public class ProfileReloadTests
{
    private const string Ha = """
        [node]
        name = "ha"
        roles = ["home_agent"]
        [[interface]]
        name = "eth0"
        link = "home"
        [home_agent]
        address = "2001:db8:1::1"
        prefix = "2001:db8:1::/64"
        [[home_agent.mobile_node]]
        home_address = "2001:db8:1::100"
        authentication = "none"
        """;

    private sealed class RecordingHomeAgent : IRoleModule, IReconfigurable
    {
        public List<Profile> Reconfigured { get; } = [];

        public string Name => "home_agent";

        public IReadOnlyList<Role> Provides => [Role.HomeAgent];

        public Task StartAsync(ModuleContext context, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Reconfigure(Profile profile) => Reconfigured.Add(profile);
    }

    private sealed class NullSender : IPacketSender
    {
        public bool TrySend(ReadOnlySpan<byte> ipv6Packet) => true;
    }

    private string _path = null!;

    [SetUp]
    public void Write() => _path = Path.Combine(Path.GetTempPath(), $"shisa-reload-{Guid.NewGuid():N}.toml");

    [TearDown]
    public void Delete() => File.Delete(_path);

    private async Task<(ProfileReload Reload, RecordingHomeAgent Module, Profile Profile)> RunningAsync()
    {
        File.WriteAllText(_path, Ha);
        var profile = ProfileLoader.LoadFile(_path).Profile!;
        var module = new RecordingHomeAgent();
        var time = new FakeTimeProvider();
        var host = new ModuleHost([module], profile, new MobilityBus(time), new NullSender(), new SignallingHub(), time, NullLoggerFactory.Instance);
        await host.StartAsync(CancellationToken.None);
        return (new ProfileReload(_path, host, NullLogger.Instance), module, profile);
    }

    [Test]
    public async Task A_changed_home_agent_list_is_handed_to_the_running_home_agent()
    {
        var (reload, module, profile) = await RunningAsync();
        File.WriteAllText(_path, Ha + "\n[[home_agent.mobile_node]]\nhome_address = \"2001:db8:1::101\"\nauthentication = \"none\"\n");
        var now = await reload.ApplyAsync(profile, CancellationToken.None);
        Assert.That(module.Reconfigured, Has.Count.EqualTo(1));
        Assert.That(now.HomeAgent!.MobileNodes, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task An_unchanged_file_changes_nothing()
    {
        var (reload, module, profile) = await RunningAsync();
        Assert.That(await reload.ApplyAsync(profile, CancellationToken.None), Is.SameAs(profile));
        Assert.That(module.Reconfigured, Is.Empty);
    }

    [Test]
    public async Task An_invalid_file_keeps_the_running_profile()
    {
        var (reload, module, profile) = await RunningAsync();
        File.WriteAllText(_path, Ha + "\nbogus = 1\n");
        Assert.That(await reload.ApplyAsync(profile, CancellationToken.None), Is.SameAs(profile));
        Assert.That(module.Reconfigured, Is.Empty);
    }

    [Test]
    public async Task A_change_of_interfaces_needs_a_restart_and_is_not_applied()
    {
        var (reload, module, profile) = await RunningAsync();
        File.WriteAllText(_path, Ha.Replace("eth0", "eth1", StringComparison.Ordinal));
        Assert.That(await reload.ApplyAsync(profile, CancellationToken.None), Is.SameAs(profile));
        Assert.That(module.Reconfigured, Is.Empty);
        Assert.That(ProfileReload.NeedsRestart(profile, ProfileLoader.LoadFile(_path).Profile!), Is.EqualTo(new[] { "[[interface]]" }));
    }

    [TestCase("prefix = \"2001:db8:1::/64\"", "prefix = \"2001:db8:1::/60\"", "[home_agent] prefix")]
    [TestCase("address = \"2001:db8:1::1\"", "address = \"2001:db8:1::2\"", "[home_agent] address")]
    [TestCase("prefix = \"2001:db8:1::/64\"", "prefix = \"2001:db8:1::/64\"\nmax_bindings = 200000", "[home_agent] max_bindings")]
    public async Task A_home_agent_key_the_data_plane_took_at_start_is_refused_by_name_not_half_applied(string from, string to, string key)
    {
        var (reload, module, profile) = await RunningAsync();
        File.WriteAllText(_path, Ha.Replace(from, to, StringComparison.Ordinal));
        var next = ProfileLoader.LoadFile(_path);
        Assert.That(next.Errors, Is.Empty);

        Assert.That(await reload.ApplyAsync(profile, CancellationToken.None), Is.SameAs(profile));
        Assert.That(module.Reconfigured, Is.Empty, "neither the signalling nor the data plane sees it");
        Assert.That(ProfileReload.NeedsRestart(profile, next.Profile!), Is.EqualTo(new[] { key }));
    }

    [Test]
    public async Task A_changed_max_lifetime_is_applied_it_is_the_signallings_alone()
    {
        var (reload, module, profile) = await RunningAsync();
        File.WriteAllText(_path, Ha.Replace("prefix = \"2001:db8:1::/64\"", "prefix = \"2001:db8:1::/64\"\nmax_lifetime = 120", StringComparison.Ordinal));
        Assert.That(ProfileReload.NeedsRestart(profile, ProfileLoader.LoadFile(_path).Profile!), Is.Empty);
        Assert.That(await reload.ApplyAsync(profile, CancellationToken.None), Is.Not.SameAs(profile));
        Assert.That(module.Reconfigured, Has.Count.EqualTo(1));
    }

    [Test]
    public void Signals_before_a_reload_runs_fold_into_one()
    {
        var reload = new ProfileReload(_path, null!, NullLogger.Instance);
        reload.Request();
        reload.Request();
        Assert.That(reload.Requests.CurrentCount, Is.EqualTo(1));
    }
}
