using System.Net;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Ports;

namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>
/// An uplink that carries bare IP, as a cellular modem in raw-IP mode or PPP does: a TUN device wwan0 in the mobile
/// node's namespace whose other end is a TUN mdm0 in ar2, a small relay in the test copying packets both ways (the
/// modem and the operator's network). No link-layer header, no neighbour discovery: the care-of address is
/// configured on the link (as pppd or a modem manager does) with a device default route. mn0 stays plugged into
/// ar1, which filters sources (BCP 38), and the main table prefers it: the registration through wwan0 works only if
/// the outer packets leave through wwan0 and the appliance's port on the raw-IP link reads them in.
/// </summary>
[NonParallelizable]
public class RawIpUplinkTests
{
    private const string Modem = "wwan0";
    private const string OperatorSide = "mdm0";
    private static readonly IPNetwork ModemPrefix = IPNetwork.Parse("2001:db8:a3::/64");

    [Test]
    [CancelAfter(90_000)]
    public async Task Mobile_node_registers_and_carries_traffic_through_a_raw_ip_uplink(CancellationToken cancellationToken)
    {
        string profile = Profiles.MobileNode().Replace("mn0", Modem, StringComparison.Ordinal);
        using var session = MobilitySession.Create(Profiles.HomeAgent(), profile);
        var topology = session.Topology;
        Host.Exec(topology.Ar1, "nft", $"table ip6 bcp38 {{ chain forward {{ type filter hook forward priority 0; iifname \"{MobilityTopology.BridgeOf(AccessLink.Foreign1)}\" ip6 saddr != {MobilityTopology.Foreign1Prefix} drop; }}; }}");

        using var modem = NetworkNamespace.Invoke(topology.Mn, () => TunDevice.Create(Modem));
        using var operatorSide = NetworkNamespace.Invoke(topology.Ar2, () => TunDevice.Create(OperatorSide));
        modem.SetUp();
        operatorSide.SetUp();
        using var stop = new CancellationTokenSource();
        var relay = Task.WhenAll(
            Task.Run(() => Relay(modem, operatorSide, stop.Token), CancellationToken.None),
            Task.Run(() => Relay(operatorSide, modem, stop.Token), CancellationToken.None));
        try
        {
            Host.Exec(topology.Mn, "ip", "-6", "addr", "add", "2001:db8:a3::100/64", "dev", Modem, "nodad");
            Host.Exec(topology.Mn, "ip", "-6", "route", "add", "default", "dev", Modem, "metric", "2048");
            Host.Exec(topology.Ar2, "ip", "-6", "route", "add", ModemPrefix.ToString(), "dev", OperatorSide);
            Host.Exec(topology.Core, "ip", "-6", "route", "add", ModemPrefix.ToString(), "via", "2001:db8:f0:a2::2");

            await session.StartAppliancesAsync(cancellationToken);
            var (entry, _) = await session.WaitForRegistrationAsync(ModemPrefix, cancellationToken);
            Assert.That(entry.CareOfAddress, Is.EqualTo(IPAddress.Parse("2001:db8:a3::100")));
            Assert.That(await session.HomeAddressReachesCorrespondentAsync(TimeSpan.FromSeconds(10)), Is.True, $"no traffic through the raw-IP uplink\n{session.Diagnostics()}");
            Assert.That(session.Mn.Output, Does.Contain($"leaves through {Modem}"));
        }
        finally
        {
            await stop.CancelAsync();
            modem.SetUp(false);
            operatorSide.SetUp(false);
            await relay;
        }
    }

    /// <summary>Copies the packets <paramref name="from"/> reads into <paramref name="to"/>: a modem's whole job, seen from IP.</summary>
    private static void Relay(TunDevice from, TunDevice to, CancellationToken cancellationToken)
    {
        var batch = new PacketBatch();
        while (!cancellationToken.IsCancellationRequested)
        {
            if (from.Receive(batch, 100) > 0)
            {
                to.Send(batch);
            }
        }
    }
}
