using System.Diagnostics;
using System.Net;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>
/// The appliance does its care-of addresses' duplicate address detection itself (the kernel's is off on its
/// uplinks, so a new address is used at once, RFC 4429). Here another node on the foreign link (ar1 itself) already
/// holds the address the mobile node will form there (its interface identifier fixed with <c>ip token</c>): the
/// appliance's probe hears ar1's answer, logs it, withdraws the address from mn0, and registers from the next
/// usable address instead, never the duplicate.
/// </summary>
[NonParallelizable]
public class CareOfAddressDadTests
{
    private static readonly TimeSpan Detection = TimeSpan.FromSeconds(20);
    private static readonly IPAddress Duplicate = IPAddress.Parse("2001:db8:a1::10");
    private static readonly IPAddress Replacement = IPAddress.Parse("2001:db8:a1::20");

    [Test]
    [CancelAfter(120_000)]
    public async Task A_care_of_address_another_node_holds_is_detected_withdrawn_and_never_bound(CancellationToken cancellationToken)
    {
        using var session = MobilitySession.Create(Profiles.HomeAgent(), Profiles.MobileNode());
        var topology = session.Topology;
        string mn0 = MobilityTopology.MobileInterface;

        // mn0 leaves ar1's link; the address it forms there next is 2001:db8:a1::10, which ar1 already holds.
        Host.Exec(topology.Mn, "ip", "link", "set", mn0, "down");
        Host.Exec(topology.Mn, "ip", "token", "set", "::10", "dev", mn0);
        Host.Exec(topology.Ar1, "ip", "addr", "add", $"{Duplicate}/64", "dev", MobilityTopology.BridgeOf(AccessLink.Foreign1), "nodad");

        await session.StartAppliancesAsync(cancellationToken);
        await WaitForOutputAsync(session, $"care-of address DAD on {mn0} done by the appliance", cancellationToken);
        Assert.That(Host.Exec(topology.Mn, "sysctl", "-n", $"net.ipv6.conf.{mn0}.accept_dad").StandardOutput.Trim(), Is.EqualTo("0"), "the kernel's DAD is off on the uplink");

        Host.Exec(topology.Mn, "ip", "link", "set", mn0, "up");
        await WaitForOutputAsync(session, $"care-of address {Duplicate} on {mn0} is a duplicate", cancellationToken);
        await WaitForOutputAsync(session, $"duplicate address {Duplicate} deleted from {mn0}", cancellationToken);
        await WaitForOutputAsync(session, $"Care-of address {Duplicate} on {mn0} is held by another node", cancellationToken);

        // The next usable address on the link (as a second prefix or the operator would give).
        Host.Exec(topology.Mn, "ip", "addr", "add", $"{Replacement}/64", "dev", mn0);
        var (entry, binding) = await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        Assert.That(entry.CareOfAddress, Is.EqualTo(Replacement), session.Diagnostics());
        Assert.That(binding.CareOfAddress, Is.EqualTo(Replacement));
        Assert.That((await session.CacheAsync(cancellationToken)).Select(c => c.CareOfAddress), Has.None.EqualTo(Duplicate), "the home agent binds no duplicate");
        Assert.That(await session.HomeAddressReachesCorrespondentAsync(TimeSpan.FromSeconds(10)), Is.True, $"the home address works from {Replacement}\n{session.Diagnostics()}");
        TestContext.Out.WriteLine(string.Join('\n', session.Mn.Output.Split('\n').Where(l => l.Contains("duplicate", StringComparison.OrdinalIgnoreCase) || l.Contains("held by another", StringComparison.Ordinal))));
    }

    private static async Task WaitForOutputAsync(MobilitySession session, string text, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Detection)
        {
            if (session.Mn.Output.Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(50, cancellationToken);
        }

        Assert.Fail($"no \"{text}\" in the mobile node's output within {Detection.TotalSeconds} s\n{session.Diagnostics()}\n{session.Mn.Output}");
    }
}
