using Shisa.Appliance.Hosting;
using Shisa.Appliance.Tests.Extensions;
using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Tests.Hosting;

public class MovementSourceTests
{
    private static readonly BusSection Socket = new("/run/shisa/bus.sock");

    [Test]
    public void A_mobile_node_hears_of_movement_from_its_detector_role_or_else_from_the_bus_socket()
    {
        Assert.Multiple(() =>
        {
            Assert.That(MovementSource.Of(TestProfiles.WithRoles(Role.MobileNode, Role.MovementDetector)), Is.EqualTo(MovementSourceKind.Detector));
            Assert.That(MovementSource.Of(TestProfiles.WithRoles(Role.MobileNode, Role.MovementDetector) with { Bus = Socket }), Is.EqualTo(MovementSourceKind.Detector));
            Assert.That(MovementSource.Of(TestProfiles.WithRoles(Role.MobileNode) with { Bus = Socket }), Is.EqualTo(MovementSourceKind.BusSocket));
            Assert.That(MovementSource.Of(TestProfiles.WithRoles(Role.MobileNode, Role.MobileRouter) with { Bus = Socket }), Is.EqualTo(MovementSourceKind.BusSocket));
        });
    }

    [Test]
    public void Without_either_nothing_reports_movement()
    {
        Assert.Multiple(() =>
        {
            Assert.That(MovementSource.Of(TestProfiles.WithRoles(Role.MobileNode)), Is.EqualTo(MovementSourceKind.Nothing));
            Assert.That(MovementSource.Of(TestProfiles.WithRoles(Role.MobileNode, Role.MobileRouter)), Is.EqualTo(MovementSourceKind.Nothing));
        });
    }

    [Test]
    public void Roles_that_do_not_move_need_no_detector()
    {
        Assert.Multiple(() =>
        {
            Assert.That(MovementSource.Of(TestProfiles.WithRoles(Role.HomeAgent)), Is.EqualTo(MovementSourceKind.NotNeeded));
            Assert.That(MovementSource.Of(TestProfiles.WithRoles(Role.CorrespondentNode) with { Bus = Socket }), Is.EqualTo(MovementSourceKind.NotNeeded));
        });
    }
}
