using System.Text.Json;
using Shisa.Appliance.Cli;
using Shisa.Appliance.Web;

namespace Shisa.Appliance.Tests.Cli;

/// <summary>RFC 5555 bindings in <c>shisa status</c> and /api/status: the IPv4 care-of address, its UDP endpoint, the NAT.</summary>
public class DsmipStatusRenderTests
{
    private static StatusSnapshot Snapshot() => new(
        "ha",
        ["home_agent"],
        5,
        [],
        [
            new BindingCacheStatus("2001:db8:1::100", "::ffff:198.51.100.10", "2001:db8:1::1", "AH", [], 0, 7, 20)
            {
                Ipv4CareOfAddress = "198.51.100.10",
                UdpEndpoint = "203.0.113.4:25158",
                NatDetected = true,
            },
            new BindingCacheStatus("2001:db8:1::101", "2001:db8:a1::10", "2001:db8:1::1", "AH", [], 0, 8, 20),
        ],
        [new BindingUpdateListStatus("2001:db8:1::1", "2001:db8:1::100", "::ffff:198.51.100.10", "Bound", 7, 60, []) { Ipv4CareOfAddress = "198.51.100.10" }],
        new Dictionary<string, long>(),
        []);

    [Test]
    public void An_ipv4_care_of_address_shows_dotted_with_its_udp_endpoint_and_the_nat()
    {
        string text = StatusCommand.Render(Snapshot());
        Assert.That(text, Does.Contain("198.51.100.10 via udp 203.0.113.4:25158 (NAT)"));
        Assert.That(text, Does.Contain("2001:db8:a1::10"));
        Assert.That(text, Does.Not.Contain("::ffff:"));
    }

    [Test]
    public void Api_status_names_the_ipv4_fields_in_snake_case()
    {
        string json = JsonSerializer.Serialize(Snapshot(), StatusJsonContext.Default.StatusSnapshot);
        using var document = JsonDocument.Parse(json);
        var entry = document.RootElement.GetProperty("binding_cache")[0];
        Assert.That(entry.GetProperty("ipv4_care_of_address").GetString(), Is.EqualTo("198.51.100.10"));
        Assert.That(entry.GetProperty("udp_endpoint").GetString(), Is.EqualTo("203.0.113.4:25158"));
        Assert.That(entry.GetProperty("nat_detected").GetBoolean(), Is.True);
        Assert.That(document.RootElement.GetProperty("binding_update_list")[0].GetProperty("ipv4_care_of_address").GetString(), Is.EqualTo("198.51.100.10"));
    }
}
