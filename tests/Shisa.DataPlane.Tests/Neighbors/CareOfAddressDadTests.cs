using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Neighbors;
using Shisa.DataPlane.Tests.Forwarding;

namespace Shisa.DataPlane.Tests.Neighbors;

public class CareOfAddressDadTests
{
    private static readonly IPAddress CareOf = IPAddress.Parse("2001:db8:a1::10");
    private static readonly IPAddress CareOf2 = IPAddress.Parse("2001:db8:a2::10");
    private const string AcceptDad = "net.ipv6.conf.eth0.accept_dad";
    private const string AllAcceptDad = "net.ipv6.conf.all.accept_dad";

    private FakeTimeProvider _time = null!;
    private RecordingKernel _kernel = null!;
    private List<(string Interface, IPAddress Target)> _probes = null!;
    private List<Dad> _published = null!;
    private DuplicateAddressDetector _detector = null!;
    private CareOfAddressDad _careOf = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider();
        _kernel = new RecordingKernel();
        _kernel.Sysctls[AcceptDad] = "1";
        _kernel.Sysctls[AllAcceptDad] = "1";
        _kernel.Addresses.Add(new KernelAddress(CareOf, 64, "eth0"));
        _kernel.Addresses.Add(new KernelAddress(CareOf2, 64, "eth0"));
        _probes = [];
        _published = [];

        // As the data plane wires them: the detector's results go to the care-of DAD first, then to the bus.
        _detector = new DuplicateAddressDetector(
            _time,
            (name, target) =>
            {
                _probes.Add((name, new IPAddress(target)));
                return true;
            },
            result =>
            {
                _careOf.OnResult(result);
                _published.Add(result);
            },
            TimeSpan.FromSeconds(1));
        _careOf = new CareOfAddressDad(_kernel, (address, name, index) => _detector.Start(address, name, index), NullLogger.Instance);
    }

    [TearDown]
    public void TearDown()
    {
        _detector.Dispose();
        _kernel.Dispose();
    }

    private static MovementInfo NewCareOf(IPAddress address, string name = "eth0") => new(MovementCommand.NewCareOfAddress, address, name, 2, false);

    [Test]
    public void Taking_an_uplink_over_turns_the_kernels_dad_off_and_stopping_puts_it_back()
    {
        _careOf.TakeOver("eth0");
        Assert.That(_kernel.Sysctls[AcceptDad], Is.EqualTo("0"));
        Assert.That(_kernel.Sysctls[AllAcceptDad], Is.EqualTo("0"), "the kernel does DAD if all or the interface says so");
        Assert.That(_careOf.Interfaces, Is.EqualTo(new[] { "eth0" }));

        _careOf.Restore();
        Assert.That(_kernel.Sysctls[AcceptDad], Is.EqualTo("1"));
        Assert.That(_kernel.Sysctls[AllAcceptDad], Is.EqualTo("1"));
        Assert.That(_careOf.Interfaces, Is.Empty);
    }

    [Test]
    public void A_new_care_of_address_is_probed_on_an_uplink_taken_over_only()
    {
        _careOf.OnMovement(NewCareOf(CareOf));
        Assert.That(_probes, Is.Empty, "the kernel still does this uplink's DAD");

        _careOf.TakeOver("eth0");
        _careOf.OnMovement(NewCareOf(CareOf));
        _careOf.OnMovement(new MovementInfo(MovementCommand.ReturnedHome, CareOf2, "eth0", 2, true));
        Assert.That(_probes, Is.EqualTo(new[] { ("eth0", CareOf) }));
    }

    [Test]
    public void An_address_no_one_else_holds_stays_after_its_probe()
    {
        _careOf.TakeOver("eth0");
        _careOf.OnMovement(NewCareOf(CareOf));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.That(_published.Single().Message, Is.EqualTo(DadMessage.Success));
        Assert.That(_kernel.Addresses, Does.Contain(new KernelAddress(CareOf, 64, "eth0")));
        Assert.That(_kernel.Requests, Has.None.StartWith("delete"));
    }

    [Test]
    public void An_advertisement_for_the_probed_address_withdraws_it_and_keeps_it_withdrawn()
    {
        _careOf.TakeOver("eth0");
        _careOf.OnMovement(NewCareOf(CareOf));

        // Another node on the link answers the probe (RFC 4862 5.4.4).
        _detector.OnNeighborMessage("eth0", NeighborPackets.NeighborAdvertisement, CareOf.GetAddressBytes(), fromUnspecified: false);

        Assert.That(_published.Single(), Is.EqualTo(new Dad(DadMessage.Fail, CareOf, "eth0", 2)));
        Assert.That(_kernel.Addresses, Is.EqualTo(new[] { new KernelAddress(CareOf2, 64, "eth0") }), "withdrawn (RTM_DELADDR), the other kept");

        // SLAAC forms it again at the next advertisement: withdrawn again, never probed again.
        _kernel.Addresses.Add(new KernelAddress(CareOf, 64, "eth0"));
        _careOf.OnMovement(NewCareOf(CareOf));
        _careOf.WithdrawDuplicates();
        Assert.That(_kernel.Addresses, Is.EqualTo(new[] { new KernelAddress(CareOf2, 64, "eth0") }));
        Assert.That(_probes, Has.Count.EqualTo(1));
    }

    [Test]
    public void An_address_on_an_uplink_whose_device_is_gone_is_not_probed()
    {
        _careOf.TakeOver("eth0");
        _careOf.Forget("eth0");
        _careOf.OnMovement(NewCareOf(CareOf));
        Assert.That(_probes, Is.Empty);
        Assert.That(_careOf.Interfaces, Is.Empty);
    }

    [Test]
    public void A_failure_of_an_address_it_did_not_probe_is_not_its_business()
    {
        _careOf.TakeOver("eth0");
        Assert.That(_careOf.OnResult(new Dad(DadMessage.Fail, CareOf, "eth0", 2)), Is.False, "a home agent's home address, say");
        Assert.That(_kernel.Addresses, Has.Count.EqualTo(2));
    }
}
