using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>DESIGN 8 over a live registration: what /api/status shows of it at both ends.</summary>
[NonParallelizable]
public class StatusTests
{
    [Test]
    [CancelAfter(90_000)]
    public async Task The_status_shows_the_binding_at_the_home_agent_and_the_bound_entry_at_the_mobile_node(CancellationToken cancellationToken)
    {
        using var session = await MobilitySession.StartAsync(cancellationToken);
        var (entry, binding) = await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(binding.HomeAddress, Is.EqualTo(MobilityTopology.HomeAddress));
            Assert.That(binding.CareOfAddress, Is.EqualTo(entry.CareOfAddress));
            Assert.That(MobilityTopology.Foreign1Prefix.Contains(binding.CareOfAddress), Is.True, "the care-of address is on ar1's link");
            Assert.That(binding.Peer, Is.EqualTo(MobilityTopology.HomeAgentAddress), "the home agent's own address as the binding's peer");
            Assert.That(binding.Flags, Does.Contain("H"));
            Assert.That(binding.Sequence, Is.EqualTo(entry.Sequence), "the sequence number the mobile node sent and the home agent accepted");
            Assert.That(binding.LifetimeRemaining, Is.GreaterThan(0).And.LessThanOrEqualTo(60));

            Assert.That(entry.Peer, Is.EqualTo(MobilityTopology.HomeAgentAddress));
            Assert.That(entry.HomeAddress, Is.EqualTo(MobilityTopology.HomeAddress));
            Assert.That(entry.State, Is.EqualTo("Bound"));
            Assert.That(entry.LifetimeRemaining, Is.GreaterThan(0).And.LessThanOrEqualTo(60));
        });
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task Shisa_status_in_a_terminal_prints_the_handover_from_the_old_to_the_new_care_of_address(CancellationToken cancellationToken)
    {
        using var session = await MobilitySession.StartAsync(cancellationToken);
        var (first, _) = await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        session.Topology.MoveTo(AccessLink.Foreign2);
        var (second, _) = await session.WaitForRegistrationAsync(MobilityTopology.Foreign2Prefix, cancellationToken);

        // What an operator types on the board: the CLI against the instance's own status listener.
        var cli = session.Topology.Start(session.Topology.Mn, "dotnet", Path.Combine(AppContext.BaseDirectory, "shisa.dll"),
            "status", "--url", $"http://127.0.0.1:{session.Mn.StatusPort}/");
        Assert.That(cli.WaitForExit(TimeSpan.FromSeconds(30)), Is.True, "shisa status returned");
        string text = string.Join('\n', cli.Lines.Select(l => l.Text));
        var lines = text.Split('\n');
        int heading = Array.FindIndex(lines, l => l.StartsWith("handovers (", StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            Assert.That(cli.ExitCode, Is.Zero, text);
            Assert.That(heading, Is.GreaterThan(0), text);
            Assert.That(lines.Skip(heading + 3).First(), Does.Contain(first.CareOfAddress.ToString()).And.Contain(second.CareOfAddress.ToString()),
                "the newest handover: from ar1's care-of address to ar2's");
            Assert.That(text, Does.Contain("binding update list (1)"));
        });
    }
}
