using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.Modules.MobileNode.ReturnRoutability;

namespace Shisa.Modules.Tests.MobileNode.ReturnRoutability;

/// <summary>shisa ctl ro deny/allow (SHISA's noro list at run time) and flush at the correspondent (issue 18).</summary>
public class RouteOptimizationPolicyTests
{
    [Test]
    public void A_denied_correspondent_gets_no_return_routability_and_an_allowed_one_does()
    {
        var net = new RoNetwork();
        net.Registered();
        Assert.That(net.Driver.Deny(Ro.Cn, net.Now), Is.True);
        Assert.That(net.Driver.Deny(Ro.Cn, net.Now), Is.False, "denied already");
        net.Hint();
        Assert.That(net.FromMn, Is.Empty, "no HoTI or CoTI");
        Assert.That(net.Manager.GetCounters().ToNamedCounters(), Does.Contain(new KeyValuePair<string, long>("ro_rr_hints_opted_out", 1)));
        Assert.That(net.Manager.OptOut, Is.EqualTo(new[] { Ro.Cn }));

        Assert.That(net.Driver.Allow(Ro.Cn2), Is.False, "no policy for it");
        Assert.That(net.Driver.Allow(Ro.Cn), Is.True);
        net.Hint();
        Assert.That(net.Machine!.State, Is.EqualTo(CorrespondentRegistrationState.Bound));
    }

    [Test]
    public void Denying_a_bound_correspondent_deletes_the_binding_and_the_correspondent_can_be_flushed_too()
    {
        var net = new RoNetwork();
        net.Registered();
        net.Hint();
        Assert.That(net.Machine!.State, Is.EqualTo(CorrespondentRegistrationState.Bound));
        Assert.That(net.Cn.GetScheduled().Select(s => s.Purpose), Has.Some.EqualTo($"binding refresh request {Ro.Home}").Or.Some.EqualTo($"binding expiry {Ro.Home}"));
        Assert.That(net.Manager.Deadlines().Single().Peer, Is.EqualTo(Ro.Cn));
        net.MnPublished.Clear();

        net.Driver.Deny(Ro.Cn, net.Now);
        net.Pump();
        Assert.That(net.MnPublished.OfType<BindingUpdateListRemove>().Single().Entry.Peer, Is.EqualTo(Ro.Cn), "the data plane stops route-optimizing");
        Assert.That(net.Cn.BindingCount, Is.Zero, "deleted at the correspondent by a BU with lifetime 0");

        // Flush at the correspondent: nothing of another home address, the binding of this one.
        var again = new RoNetwork();
        again.Registered();
        again.Hint();
        Assert.That(again.Cn.Flush(Ro.Cn2, null), Is.Empty);
        Assert.That(again.Cn.Flush(Ro.Home, 1), Is.Empty, "another binding id");
        var removed = again.Cn.Flush(Ro.Home, null);
        Assert.That(removed.Single().CareOfAddress, Is.EqualTo(Ro.CareOf));
        Assert.That(again.CnPublished.OfType<BindingCacheRemove>().Single().Entry, Is.EqualTo(removed[0]));
        Assert.That(again.Cn.BindingCount, Is.Zero);
    }

    [Test]
    public void The_operators_list_round_trips_through_the_state_directory_and_bad_lines_are_skipped()
    {
        string directory = Path.Combine(Path.GetTempPath(), "shisa-noro-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Assert.That(RouteOptimizationPolicyFile.Load(directory, out int none), Is.Empty);
            Assert.That(none, Is.Zero);
            RouteOptimizationPolicyFile.Save(directory, [Ro.Cn2, Ro.Cn]);
            Assert.That(RouteOptimizationPolicyFile.Load(directory, out _), Is.EqualTo(new[] { Ro.Cn, Ro.Cn2 }));

            File.AppendAllText(Path.Combine(directory, RouteOptimizationPolicyFile.FileName), "192.0.2.1\nnot an address\n\n2001:db8:c::2\n");
            Assert.That(RouteOptimizationPolicyFile.Load(directory, out int skipped), Is.EqualTo(new[] { Ro.Cn, Ro.Cn2 }));
            Assert.That(skipped, Is.EqualTo(3), "IPv4, garbage and a duplicate");
            Assert.That(File.Exists(Path.Combine(directory, RouteOptimizationPolicyFile.FileName + ".tmp")), Is.False);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
