using Shisa.Appliance.Cli;
using Shisa.Appliance.Web;

namespace Shisa.Appliance.Tests.Cli;

/// <summary>What <c>shisa status</c> prints in a terminal for one <c>/api/status</c> snapshot.</summary>
public class StatusRenderTests
{
    private static StatusSnapshot Snapshot(IReadOnlyList<HandoverStatus> handovers) => new(
        "mr1",
        ["mobile_router"],
        5,
        [],
        [],
        [new BindingUpdateListStatus("2001:db8:1::1", "2001:db8:1::200", "2001:db8:a2::20", "Bound", 7, 60, ["2001:db8:100::/56", "2001:db8:200::/56"])],
        new Dictionary<string, long>(),
        handovers);

    private static HandoverStatus Move(int second, string? from, string to, long ms) =>
        new(DateTimeOffset.UnixEpoch.AddSeconds(second), from, to, "mn0", ms);

    [Test]
    public void Binding_cache_rows_show_binding_id_priority_and_tunnel_packets()
    {
        var snapshot = Snapshot([]) with
        {
            BindingCache = [new BindingCacheStatus("2001:db8:1::100", "2001:db8:a2::10", "2001:db8:1::1", "AH", [], 2, 7, 60) { Priority = 2, Traffic = new TunnelTrafficStatus(12, 1200, 34, 3400) }],
        };

        string row = StatusCommand.Render(snapshot).Split('\n').Single(l => l.StartsWith("2001:db8:1::100 ", StringComparison.Ordinal));

        Assert.That(System.Text.RegularExpressions.Regex.Split(row.Trim(), @"\s{2,}|\s(?=\S)").Where(c => c.Length > 0), Does.Contain("12/34"));
        Assert.That(StatusCommand.Render(snapshot), Does.Contain("BID").And.Contain("PRIO").And.Contain("PKTS OUT/IN"));
    }

    [Test]
    public void Binding_update_list_rows_show_the_registered_prefixes()
    {
        string text = StatusCommand.Render(Snapshot([]));
        string row = text.Split('\n').Single(l => l.StartsWith("2001:db8:1::1 ", StringComparison.Ordinal));
        Assert.That(row, Does.Contain("Bound").And.Contain("2001:db8:100::/56 2001:db8:200::/56"));
    }

    [Test]
    public void Handovers_are_printed_newest_first_with_old_and_new_care_of_address_and_time_to_the_ba()
    {
        string text = StatusCommand.Render(Snapshot([Move(20, "2001:db8:a1::20", "2001:db8:a2::20", 212), Move(10, null, "2001:db8:a1::20", 35)]));
        var lines = text.Split('\n');
        int heading = Array.IndexOf(lines, "handovers (2)");
        Assert.That(heading, Is.GreaterThan(0), text);
        Assert.Multiple(() =>
        {
            Assert.That(lines[heading + 1], Does.StartWith("WHEN (UTC)").And.Contain("FROM").And.Contain("TO BA"));
            Assert.That(lines[heading + 3], Does.StartWith("1970-01-01 00:00:20.000").And.Contain("2001:db8:a1::20").And.Contain("2001:db8:a2::20").And.EndWith("212 ms"));
            Assert.That(lines[heading + 4], Does.StartWith("1970-01-01 00:00:10.000").And.Contain("(home)").And.EndWith("35 ms"));
        });
    }

    [Test]
    public void A_long_handover_history_is_cut_to_the_last_ten()
    {
        var moves = Enumerable.Range(0, 25).Reverse().Select(i => Move(i, $"2001:db8:a1::{i}", $"2001:db8:a2::{i}", i)).ToList();
        string text = StatusCommand.Render(Snapshot(moves));
        Assert.That(text, Does.Contain("handovers (25, last 10 shown)"));
        Assert.That(text, Does.Contain("2001:db8:a2::24").And.Contain("2001:db8:a2::15"));
        Assert.That(text, Does.Not.Contain("2001:db8:a2::14 "));
    }
}
