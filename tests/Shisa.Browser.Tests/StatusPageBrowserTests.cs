using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Playwright;
using Shisa.Appliance.Hosting;
using Shisa.Appliance.Profiles;
using Shisa.Appliance.Web;
using Shisa.DataPlane.Bus;
using Shisa.Modules.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Shisa.Browser.Tests;

/// <summary>
/// The real status page (StatusServer over a whole ApplianceStatus on a MobilityBus, in-process, no root) in
/// Debian's headless chromium: a registration announced on the bus shows up without a reload.
/// </summary>
[NonParallelizable]
public class StatusPageBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    private const string ProfileText = """
        [node]
        name = "mn"
        roles = ["mobile_node", "movement_detector"]

        [[interface]]
        name = "lo"
        link = "foreign"

        [mobile_node]
        home_address = "2001:db8:1::100"
        home_prefix_length = 64
        home_agent = "2001:db8:1::1"
        interfaces = ["lo"]
        lifetime = 60

        [movement_detector]
        method = ["nud"]
        """;

    private static readonly IPAddress HomeAddress = IPAddress.Parse("2001:db8:1::100");
    private static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    private static readonly IPAddress FirstCareOf = IPAddress.Parse("2001:db8:a1::10");
    private static readonly IPAddress SecondCareOf = IPAddress.Parse("2001:db8:a2::10");

    private MobilityBus _bus = null!;
    private ApplianceStatus _status = null!;
    private StatusServer _server = null!;
    private FakeHandovers _handovers = null!;
    private string _userData = null!;
    private IPlaywright _playwright = null!;
    private IBrowserContext _browser = null!;

    [SetUp]
    public async Task Start()
    {
        Assume.That(File.Exists(Chromium), Is.True, $"{Chromium} is not installed (apt-get install chromium)");

        var profile = ProfileLoader.Parse(ProfileText, "browser.toml");
        Assert.That(profile.Errors, Is.Empty);
        _bus = new MobilityBus(TimeProvider.System);
        _status = new ApplianceStatus(profile.Profile!, _bus, TimeProvider.System);
        _handovers = new FakeHandovers();
        _status.AddHandovers(_handovers);
        _status.AddCounters(() => new Dictionary<string, long>
        {
            ["dataplane_encapsulated_packets"] = 1234,
            ["dataplane_decapsulated_packets"] = 1180,
            ["dataplane_drop_bad_checksum"] = 2,
            ["dataplane_drop_no_binding"] = 0,
        });
        _server = await StatusServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), _status, NullLoggerFactory.Instance, CancellationToken.None);

        _userData = Directory.CreateTempSubdirectory("shisa-chromium-").FullName;
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchPersistentContextAsync(_userData, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
            ],
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            ColorScheme = ColorScheme.Light,
            TimezoneId = "UTC",
            Locale = "en-GB",
        });
    }

    [TearDown]
    public async Task Stop()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_status is not null)
        {
            await _status.DisposeAsync();
        }

        _bus?.Dispose();
        if (_userData is not null)
        {
            Directory.Delete(_userData, recursive: true);
        }
    }

    [Test]
    public async Task A_registration_on_the_bus_appears_without_a_reload_at_desktop_and_phone_sizes()
    {
        var page = _browser.Pages.Count > 0 ? _browser.Pages[0] : await _browser.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };

        await page.GotoAsync(_server.BaseAddress.ToString());
        await Expect(page.Locator("#node")).ToHaveTextAsync("mn");
        await Expect(page.Locator("#e-bc")).ToBeVisibleAsync();
        await Expect(page.Locator("#live")).ToHaveTextAsync("live");
        // Marks this document: a reload would lose it.
        await page.EvaluateAsync("() => { window.shisaLoaded = 'once'; }");

        // The first registration away from home, then a handover to a second care-of address.
        var start = TimeProvider.System.GetUtcNow() - TimeSpan.FromSeconds(5);
        Register(FirstCareOf, sequence: 1000, previous: null, movedAt: start, TimeSpan.FromMilliseconds(180));
        Register(SecondCareOf, sequence: 1001, previous: FirstCareOf, movedAt: start + TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(1450));

        var row = page.Locator("#bc tbody tr");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync(SecondCareOf.ToString());
        await Expect(row).ToContainTextAsync(HomeAddress.ToString());
        await Expect(page.Locator("#bul tbody tr")).ToContainTextAsync("Bound");
        await Expect(page.Locator("#handovers li")).ToHaveCountAsync(2);
        await Expect(page.Locator("#handovers li").First).ToContainTextAsync(FirstCareOf + "\u2192" + SecondCareOf);
        await Expect(page.Locator("#handovers li").First).ToContainTextAsync("1.45 s to BA");
        await Expect(page.Locator("#events li").First).ToContainTextAsync("BindingUpdateListAdd");
        await Expect(page.Locator("#t-last")).ToHaveTextAsync("1.45 s");
        Assert.That(await page.EvaluateAsync<string>("() => window.shisaLoaded"), Is.EqualTo("once"), "the page reloaded");

        var desktop = await Screenshot(page, "status-desktop.png");

        await page.SetViewportSizeAsync(390, 844);
        await Expect(row.Locator("td").First).ToHaveCSSAsync("display", "grid");
        int overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.That(overflow, Is.LessThanOrEqualTo(0), "the phone layout scrolls sideways");
        var phone = await Screenshot(page, "status-phone.png");

        Assert.That(errors, Is.Empty, "errors in the page");
        Assert.That(new FileInfo(desktop).Length, Is.GreaterThan(10_000));
        Assert.That(new FileInfo(phone).Length, Is.GreaterThan(10_000));
    }

    private void Register(IPAddress careOf, ushort sequence, IPAddress? previous, DateTimeOffset movedAt, TimeSpan duration)
    {
        _handovers.Add(new Handover(previous, careOf, "lo", movedAt, movedAt + duration));
        var flags = BindingUpdateFlags.Acknowledge | BindingUpdateFlags.HomeRegistration;
        var lifetime = TimeSpan.FromSeconds(60);
        _bus.Publish(new BindingCacheAdd(new BindingCacheEntry(HomeAddress, careOf, HomeAgent, flags, lifetime, sequence, default)));
        _bus.Publish(new BindingUpdateListAdd(new BindingUpdateListEntry(HomeAgent, HomeAddress, careOf, flags, lifetime, sequence, BindingUpdateListState.Bound)));
    }

    /// <summary>A full-page PNG in the test's work directory, attached to the test result (TestResults/ under dotnet test).</summary>
    private static async Task<string> Screenshot(IPage page, string name)
    {
        var directory = Path.Combine(TestContext.CurrentContext.WorkDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        await TestContext.Out.WriteLineAsync($"screenshot: {path}");
        TestContext.AddTestAttachment(path, name);
        return path;
    }

    private sealed class FakeHandovers : IHandoverSource
    {
        private readonly Lock _gate = new();
        private readonly List<Handover> _handovers = [];

        public void Add(Handover handover)
        {
            lock (_gate)
            {
                _handovers.Add(handover);
            }
        }

        public IReadOnlyList<Handover> GetHandovers()
        {
            lock (_gate)
            {
                return [.. _handovers];
            }
        }
    }
}
