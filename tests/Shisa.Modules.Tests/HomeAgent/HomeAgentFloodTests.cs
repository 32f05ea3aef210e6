using System.Net;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.HomeAgent;
using static Shisa.Modules.Tests.HomeAgent.Packets;

namespace Shisa.Modules.Tests.HomeAgent;

/// <summary>What a flood of forged Binding Updates costs the home agent core: bounded answers, one log line per interval (issue 16).</summary>
public class HomeAgentFloodTests
{
    private static readonly IPAddress Unlisted = IPAddress.Parse("2001:db8:1::999");

    [Test]
    public void Refusals_of_unlisted_home_addresses_are_answered_at_a_bounded_rate_and_counted()
    {
        var ha = new CoreHarness(tuning: new HomeAgentTuning { RefusalRatePerSecond = 3 });
        for (int i = 0; i < 10; i++)
        {
            ha.Deliver(BindingUpdate((ushort)i, home: Unlisted));
        }

        Assert.That(ha.Sender.Packets, Has.Count.EqualTo(3));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.AdministrativelyProhibited));
        var counters = ha.Core.GetCounters();
        Assert.That(counters.BindingUpdatesByStatus[BindingAcknowledgementStatus.AdministrativelyProhibited], Is.EqualTo(10), "every refusal counted");
        Assert.That(counters.Drops[HomeAgentDropReason.RefusalRateLimited], Is.EqualTo(7));
        Assert.That(counters.ToDictionary()["ha_drops_refusal_rate_limited"], Is.EqualTo(7), "in /metrics");

        ha.Advance(TimeSpan.FromSeconds(1));
        ha.Deliver(BindingUpdate(11, home: Unlisted));
        Assert.That(ha.Sender.Packets, Has.Count.EqualTo(4), "a new second, a new allowance");
    }

    [Test]
    public void Refusals_of_a_listed_mobile_node_are_always_answered()
    {
        var ha = new CoreHarness(tuning: new HomeAgentTuning { RefusalRatePerSecond = 1 });
        ha.Register(BindingUpdate(100));
        int sent = ha.Sender.Packets.Count;
        for (int i = 0; i < 5; i++)
        {
            ha.Deliver(BindingUpdate(50));
        }

        Assert.That(ha.Sender.Packets, Has.Count.EqualTo(sent + 5), "it needs status 135 to resynchronise its sequence number");
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.SequenceNumberOutOfWindow));
    }

    [Test]
    public void Refusals_are_logged_as_one_summary_line_per_interval_with_counts()
    {
        var logger = new ListLogger();
        var ha = new CoreHarness(tuning: new HomeAgentTuning { RefusalRatePerSecond = 5, RefusalSummaryInterval = TimeSpan.FromSeconds(10) }, logger: logger);
        for (int i = 0; i < 100; i++)
        {
            ha.Deliver(BindingUpdate((ushort)i, home: Unlisted));
        }

        ha.Deliver(BindingUpdate(1, home: IPAddress.Parse("2001:db8:99::1")));
        Assert.That(logger.Warnings, Is.Empty, "nothing per refusal");
        Assert.That(ha.Core.NextDeadline, Is.EqualTo(ha.Now + TimeSpan.FromSeconds(10)));

        ha.Advance(TimeSpan.FromSeconds(10));
        Assert.That(logger.Warnings, Has.Count.EqualTo(1));
        Assert.That(logger.Warnings[0], Does.Contain("101 Binding Update(s) refused")
            .And.Contain("129 (AdministrativelyProhibited) x 100")
            .And.Contain("132 (NotHomeSubnet) x 1")
            .And.Contain("96 not answered"));
        Assert.That(ha.Core.NextDeadline, Is.Null, "no refusal since: nothing to summarise");

        ha.Advance(TimeSpan.FromSeconds(30));
        Assert.That(logger.Warnings, Has.Count.EqualTo(1));
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Warnings { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning)
            {
                Warnings.Add(formatter(state, exception));
            }
        }
    }
}
