using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Shisa.Appliance.Cli;
using Shisa.Appliance.Web;

namespace Shisa.Appliance.Tests.Web;

public class StatusServerTests
{
    private sealed class FakeSource : IStatusSource
    {
        public Channel<BusEvent> Events { get; } = Channel.CreateUnbounded<BusEvent>();

        public StatusSnapshot Capture() => new(
            "ha1",
            ["home_agent"],
            42,
            [new InterfaceStatus("eth0", "home", true, ["2001:db8:1::1/64"])],
            [new BindingCacheStatus("2001:db8:1::100", "2001:db8:a1::10", "2001:db8:1::1", "AH", ["2001:db8:1:100::/56"], 0, 1000, 117)],
            [new BindingUpdateListStatus("2001:db8:1::1", "2001:db8:1::100", "2001:db8:a1::10", "Bound", 1000, 117, [])],
            new Dictionary<string, long> { ["bu_received"] = 3, ["drops.bad-checksum"] = 1 },
            [new HandoverStatus(DateTimeOffset.UnixEpoch, "2001:db8:a1::10", "2001:db8:a2::10", "wlan0", 340)]);

        public async IAsyncEnumerable<BusEvent> FollowEvents([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var e in Events.Reader.ReadAllAsync(cancellationToken))
            {
                yield return e;
            }
        }
    }

    private FakeSource _source = null!;
    private StatusServer _server = null!;

    [SetUp]
    public async Task Start()
    {
        _source = new FakeSource();
        _server = await StatusServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), _source, NullLoggerFactory.Instance, CancellationToken.None);
    }

    [TearDown]
    public async Task Stop() => await _server.DisposeAsync();

    [Test]
    public async Task Api_status_serves_the_design_8_fields_in_snake_case()
    {
        using var http = new HttpClient { BaseAddress = _server.BaseAddress };
        using var doc = JsonDocument.Parse(await http.GetStringAsync("/api/status"));
        var root = doc.RootElement;
        Assert.That(root.GetProperty("node").GetString(), Is.EqualTo("ha1"));
        Assert.That(root.GetProperty("uptime_s").GetInt64(), Is.EqualTo(42));
        var bc = root.GetProperty("binding_cache")[0];
        foreach (var key in new[] { "home_address", "care_of_address", "peer", "flags", "prefixes", "binding_id", "sequence", "lifetime_remaining_s" })
        {
            Assert.That(bc.TryGetProperty(key, out _), Is.True, key);
        }

        var bul = root.GetProperty("binding_update_list")[0];
        foreach (var key in new[] { "peer", "home_address", "care_of_address", "state", "sequence", "lifetime_remaining_s", "prefixes" })
        {
            Assert.That(bul.TryGetProperty(key, out _), Is.True, key);
        }

        Assert.That(root.GetProperty("counters").GetProperty("bu_received").GetInt64(), Is.EqualTo(3));
        var handover = root.GetProperty("handovers")[0];
        Assert.That(handover.GetProperty("when").GetDateTimeOffset(), Is.EqualTo(DateTimeOffset.UnixEpoch));
        Assert.That(handover.GetProperty("from").GetString(), Is.EqualTo("2001:db8:a1::10"));
        Assert.That(handover.GetProperty("to").GetString(), Is.EqualTo("2001:db8:a2::10"));
        Assert.That(handover.GetProperty("interface").GetString(), Is.EqualTo("wlan0"));
        Assert.That(handover.GetProperty("duration_ms").GetInt64(), Is.EqualTo(340));
        Assert.That(root.TryGetProperty("handover_durations", out _), Is.False, "the histogram is for /metrics only");
    }

    [Test]
    public async Task Metrics_are_prometheus_text_with_sanitized_names()
    {
        using var http = new HttpClient { BaseAddress = _server.BaseAddress };
        using var response = await http.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/plain"));
        Assert.That(text, Does.Contain("shisa_bindings{table=\"binding_cache\"} 1\n"));
        Assert.That(text, Does.Contain("shisa_drops_bad_checksum_total 1\n"));
    }

    [Test]
    public async Task Page_is_served_by_the_process_with_no_outside_assets()
    {
        using var http = new HttpClient { BaseAddress = _server.BaseAddress };
        var html = await http.GetStringAsync("/");
        Assert.That(html, Does.Contain("/api/status").And.Contain("/api/events"));
        Assert.That(html, Does.Not.Contain("http://").And.Not.Contain("https://"));
    }

    [Test]
    public void Status_command_prints_tables()
    {
        var output = new StringWriter();
        int exit = StatusCommand.RunAsync(_server.BaseAddress, json: false, output, new StringWriter(), CancellationToken.None).GetAwaiter().GetResult();
        Assert.That(exit, Is.EqualTo(0));
        var text = output.ToString();
        Assert.That(text, Does.Contain("HOME ADDRESS").And.Contain("2001:db8:1::100").And.Contain("binding cache (1)").And.Contain("bu_received"));
    }

    [Test]
    public async Task Status_command_reports_an_unreachable_instance()
    {
        var error = new StringWriter();
        int exit = await StatusCommand.RunAsync(new Uri("http://127.0.0.1:1/"), json: false, new StringWriter(), error, CancellationToken.None);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(error.ToString(), Does.Contain("cannot read"));
    }

    [Test]
    public async Task Monitor_prints_bus_messages_as_they_come()
    {
        var output = new StringWriter();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var monitor = MonitorCommand.RunAsync(_server.BaseAddress, json: false, new SyncWriter(output), new StringWriter(), stop.Token);
        await _source.Events.Writer.WriteAsync(new BusEvent(7, DateTimeOffset.UnixEpoch, "BindingCacheAdd", "hoa 2001:db8:1::100"));
        while (!output.ToString().Contains("hoa 2001:db8:1::100", StringComparison.Ordinal) && !stop.IsCancellationRequested)
        {
            await Task.Delay(20, stop.Token);
        }

        stop.Cancel();
        Assert.That(await monitor, Is.EqualTo(0));
        Assert.That(output.ToString(), Does.Contain("#7").And.Contain("BindingCacheAdd"));
    }

    private sealed class SyncWriter(StringWriter inner) : TextWriter
    {
        public override System.Text.Encoding Encoding => inner.Encoding;

        public override void Write(char value)
        {
            lock (inner)
            {
                inner.Write(value);
            }
        }

        public override void WriteLine(string? value)
        {
            lock (inner)
            {
                inner.WriteLine(value);
            }
        }
    }
}
