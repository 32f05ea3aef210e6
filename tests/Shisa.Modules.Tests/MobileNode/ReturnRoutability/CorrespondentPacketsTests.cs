using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.MobileNode.ReturnRoutability;
using Shisa.Modules.Tests.Correspondent;

namespace Shisa.Modules.Tests.MobileNode.ReturnRoutability;

/// <summary>
/// The machine's packets against the vectors of tests/Shisa.DataPlane.Tests/TestData/vectors: mh_hoti.json
/// (hoti_ha_to_cn, the inner packet of hoti_reverse_tunnelled), mh_coti.json, and rr_crypto.json's
/// bu_to_cn_with_bad and bu_to_cn_deregistration, reproduced byte for byte from the vectors' cookies, tokens,
/// nonce indices, sequence numbers and lifetime.
/// </summary>
public sealed class CorrespondentPacketsTests
{
    private static readonly TimeSpan VectorLifetime = TimeSpan.FromSeconds(400); // 100 units

    private static CorrespondentRegistration VectorMachine() =>
        new(Ro.Cn, Ro.Options() with { Lifetime = VectorLifetime }, initialSequence: 4659, Ro.VectorCookies());

    [Test]
    public void HoTI_and_CoTI_equal_the_vectors_given_their_cookies()
    {
        var machine = VectorMachine();
        var actions = machine.Handle(new StartRequested(Ro.CareOf), Ro.T0);
        var hoti = actions.OfType<SendHomeTestInit>().Single();
        var coti = actions.OfType<SendCareOfTestInit>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(hoti, Is.EqualTo(new SendHomeTestInit(Ro.HomeCookie, Ro.Home, Ro.Cn, false)));
            Assert.That(coti, Is.EqualTo(new SendCareOfTestInit(Ro.CareOfCookie, Ro.CareOf, Ro.Cn, false)));
            Assert.That(Vectors.Hex(Ro.Write(hoti)), Is.EqualTo(Vectors.HotiHex));
            Assert.That(Vectors.Hex(Ro.Write(coti)), Is.EqualTo(Vectors.CotiHex));
        });
    }

    [Test]
    public void The_vectors_HoT_and_CoT_give_the_vectors_Binding_Update_and_its_BA_binds()
    {
        var machine = VectorMachine();
        machine.Handle(new StartRequested(Ro.CareOf), Ro.T0);
        var hot = Ro.Read(Vectors.HotHex);
        var cot = Ro.Read(Vectors.CotHex);
        Assert.That(machine.Handle(new HomeTestReceived((HomeTest)hot.Message, hot.Source, hot.Destination), Ro.T0), Is.Empty);
        var actions = machine.Handle(new CareOfTestReceived((CareOfTest)cot.Message, cot.Source, cot.Destination), Ro.T0);

        var bu = actions.OfType<SendCorrespondentBindingUpdate>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(Vectors.Hex(Ro.Write(bu)), Is.EqualTo(Vectors.BuHex));
            Assert.That(Vectors.Hex(bu.Request.Kbm.Span), Is.EqualTo(Vectors.Kbm));
            Assert.That(machine.State, Is.EqualTo(CorrespondentRegistrationState.WaitAck));
        });

        // rr_crypto.json ba_from_cn_with_bad: the correspondent's signed acknowledgement of exactly that BU.
        var ba = Ro.Read(Vectors.BaHex);
        actions = machine.Handle(new AcknowledgementReceived((BindingAcknowledgement)ba.Message, ba), Ro.T0);
        var entry = new BindingUpdateListEntry(Ro.Cn, Ro.Home, Ro.CareOf, Shisa.DataPlane.Bus.BindingUpdateFlags.Acknowledge, VectorLifetime, 4660, BindingUpdateListState.Bound);
        Assert.Multiple(() =>
        {
            Assert.That(machine.State, Is.EqualTo(CorrespondentRegistrationState.Bound));
            Assert.That(actions.OfType<PublishBindingUpdateList>().Single().Message, Is.EqualTo(new BindingUpdateListAdd(entry)));
            Assert.That(entry.IsHomeRegistration, Is.False);
        });

        // A stop while away deletes the binding from the care-of address: rr_crypto.json bu_to_cn_deregistration.
        actions = machine.Handle(CorrespondentStop.Instance, Ro.T0 + TimeSpan.FromSeconds(1));
        var dereg = actions.OfType<SendCorrespondentBindingUpdate>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(Vectors.Hex(Ro.Write(dereg)), Is.EqualTo(Vectors.DeregHex));
            Assert.That(Vectors.Hex(dereg.Request.Kbm.Span), Is.EqualTo(Vectors.KbmDeregistration));
            Assert.That(actions.OfType<PublishBindingUpdateList>().Single().Message, Is.EqualTo(new BindingUpdateListRemove(entry)));
            Assert.That(machine.State, Is.EqualTo(CorrespondentRegistrationState.Start));
        });
    }

    [Test]
    public void A_parameter_problem_at_the_mobility_header_or_the_home_address_option_names_the_correspondent()
    {
        var hoti = Vectors.Bytes(Vectors.HotiHex);
        var bu = Vectors.Bytes(Vectors.BuHex);
        Assert.That(bu[46], Is.EqualTo(0xC9), "the vector's HAO option type sits at offset 46");

        // A node without Mobile IPv6 (Linux without CONFIG_IPV6_MIP6): code 1 at the Next Header (offset 6), code 2 at the HAO.
        Assert.That(CorrespondentPackets.TryReadParameterProblem(Ro.ParameterProblem(hoti, ParameterProblemCode.UnrecognizedNextHeader, 6, Ro.Cn),
            out var source, out var destination, out string reason), Is.True, reason);
        Assert.Multiple(() =>
        {
            Assert.That(source, Is.EqualTo(Ro.Home));
            Assert.That(destination, Is.EqualTo(Ro.Cn));
            Assert.That(reason, Does.Contain("Mobility Header"));
        });

        Assert.That(CorrespondentPackets.TryReadParameterProblem(Ro.ParameterProblem(bu, ParameterProblemCode.UnrecognizedOption, 46, Ro.Cn),
            out source, out destination, out reason), Is.True, reason);
        Assert.Multiple(() =>
        {
            Assert.That(source, Is.EqualTo(Ro.CareOf));
            Assert.That(destination, Is.EqualTo(Ro.Cn));
            Assert.That(reason, Does.Contain("Home Address option"));

            // Problems about anything else are not about route optimization.
            Assert.That(CorrespondentPackets.TryReadParameterProblem(Ro.ParameterProblem(bu, ParameterProblemCode.UnrecognizedOption, 42, Ro.Cn), out _, out _, out _), Is.False);
            Assert.That(CorrespondentPackets.TryReadParameterProblem(Ro.ParameterProblem(bu, ParameterProblemCode.ErroneousHeaderField, 4, Ro.Cn), out _, out _, out _), Is.False);
            Assert.That(CorrespondentPackets.TryReadParameterProblem(Ro.Signalling(hoti, Shisa.DataPlane.Signalling.SignallingKinds.ParameterProblem), out _, out _, out _), Is.False);
        });
    }
}
