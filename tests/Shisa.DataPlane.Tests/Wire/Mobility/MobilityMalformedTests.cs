using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.DataPlane.Tests.Wire.Mobility;

/// <summary>Refusals of RFC 6275 9.2: malformed.json by name, and every negative vector generically.</summary>
public class MobilityMalformedTests
{
    public static IEnumerable<TestCaseData> Negative => MhVectors.Cases(v => v.Vector.Negative);

    [TestCaseSource(nameof(Negative))]
    public void Every_negative_vector_is_refused(MhVector vector)
    {
        bool parsed = MobilityHeader.TryParse(vector.Bytes, vector.PseudoSource, vector.PseudoDestination, out var message, out var error);
        Assert.That(parsed, Is.False);
        Assert.That(message, Is.Null);
        Assert.That(error, Is.Not.EqualTo(MobilityParseError.None));
    }

    [Test]
    public void Bad_checksum_is_refused_silently()
    {
        var v = MhVectors.Named("bu_bad_checksum");
        Assert.That(Parse(v, out _), Is.EqualTo(MobilityParseError.BadChecksum));
        Assert.That(MobilityHeader.ParameterProblemPointer(MobilityParseError.BadChecksum), Is.EqualTo(-1));
        Assert.That(MobilityHeader.VerifyChecksum(v.Bytes, v.PseudoSource, v.PseudoDestination), Is.False);

        // A caller that checks (or must skip) the checksum itself still gets the message.
        Assert.That(MobilityHeader.TryParseUnverified(v.Bytes, out var message, out _), Is.True);
        Assert.That(message, Is.TypeOf<BindingUpdate>().With.Property(nameof(BindingUpdate.Sequence)).EqualTo(2000));
    }

    [Test]
    public void Truncated_is_refused()
    {
        var v = MhVectors.Named("bu_truncated");
        Assert.That(Parse(v, out _), Is.EqualTo(MobilityParseError.Truncated));
        Assert.That(MobilityHeaderView.TryCreate(v.Bytes, out _), Is.False);
        for (int n = 0; n < MobilityHeaderView.MinimumLength; n++)
        {
            Assert.That(MobilityHeader.TryParseUnverified(v.Bytes.AsSpan(0, n), out _, out var error), Is.False);
            Assert.That(error, Is.EqualTo(MobilityParseError.Truncated));
        }
    }

    [Test]
    public void Header_len_below_minimum_gets_a_parameter_problem_at_the_header_len_field()
    {
        var v = MhVectors.Named("bu_header_len_0");
        Assert.That(Parse(v, out _), Is.EqualTo(MobilityParseError.HeaderLengthBelowMinimum));
        int pointer = v.Offset + MobilityHeader.ParameterProblemPointer(MobilityParseError.HeaderLengthBelowMinimum);
        Assert.That(pointer, Is.EqualTo(65));

        var answer = Shisa.DataPlane.Tests.Vectors.VectorCatalog.All.Single(x => x.Name == "param_problem_answer");
        Assert.That(pointer, Is.EqualTo(answer.Oracle.GetProperty("icmpv6").GetProperty("pointer").GetInt32()));
    }

    [Test]
    public void Scapy_default_option_lengths_are_refused()
    {
        var v = MhVectors.Named("scapy_default_option_lengths");
        Assert.That(Parse(v, out _), Is.AnyOf(MobilityParseError.BadOptionLength, MobilityParseError.OptionOverrun));
        Assert.That(Parse(v, out _), Is.EqualTo(MobilityParseError.BadOptionLength), "Nonce Indices with length 16 fits the MH, so the length is what is wrong");
    }

    [Test]
    public void Unknown_type_is_refused_with_its_header_readable_for_a_binding_error()
    {
        var v = MhVectors.Named("mh_unknown_type_99");
        Assert.That(Parse(v, out _), Is.EqualTo(MobilityParseError.UnknownType));
        Assert.That(MobilityHeaderView.TryCreate(v.Bytes, out var view), Is.True);
        Assert.That((int)view.Type, Is.EqualTo(99));
        Assert.That(view.HeaderLength, Is.EqualTo(1));
        Assert.That(view.VerifyChecksum(v.PseudoSource, v.PseudoDestination), Is.True);
        Assert.That(MobilityHeader.ParameterProblemPointer(MobilityParseError.UnknownType), Is.EqualTo(-1));

        // The answer of mh_be.json "be_unrecognized_type" is what a Binding Error record writes.
        var be = MhVectors.Named("be_unrecognized_type");
        var answer = new BindingError(BindingErrorStatus.UnrecognizedMobilityHeaderType, System.Net.IPAddress.IPv6Any);
        var bytes = new byte[answer.GetByteCount()];
        Assert.That(answer.TryWrite(bytes, be.PseudoSource, be.PseudoDestination, out _), Is.True);
        Assert.That(Convert.ToHexString(bytes), Is.EqualTo(Convert.ToHexString(be.Bytes)));
    }

    [Test]
    public void Payload_proto_other_than_none_gets_a_parameter_problem_at_offset_0()
    {
        var v = MhVectors.Named("bu_home_registration");
        var bytes = v.Bytes;
        bytes[0] = 6;
        MobilityHeader.FillChecksum(bytes, v.PseudoSource, v.PseudoDestination);
        Assert.That(MobilityHeader.TryParse(bytes, v.PseudoSource, v.PseudoDestination, out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(MobilityParseError.PayloadProtoNotNone));
        Assert.That(MobilityHeader.ParameterProblemPointer(error), Is.Zero);
    }

    [TestCase("bu_home_registration_altcoa", 30, MobilityParseError.OptionOverrun)] // AltCoA length runs past the end
    [TestCase("bu_home_registration_altcoa", 15, MobilityParseError.BadOptionLength)] // AltCoA must be 16
    [TestCase("bu_nemo_explicit", 17, MobilityParseError.BadOptionLength)] // MNP must be 18
    public void Option_length_faults_are_refused(string name, int length, MobilityParseError expected)
    {
        var v = MhVectors.Named(name);
        var bytes = v.Bytes;
        var reader = new MobilityOptionReader(bytes.AsSpan(0, v.Mh.GetProperty("length").GetInt32()), 12);
        int at = -1;
        while (reader.TryReadNext(out var option))
        {
            if (option.Type is not (MobilityOptionType.Pad1 or MobilityOptionType.PadN))
            {
                at = option.Offset;
            }
        }

        bytes[at + 1] = (byte)length;
        MobilityHeader.FillChecksum(bytes.AsSpan(0, v.Mh.GetProperty("length").GetInt32()), v.PseudoSource, v.PseudoDestination);
        Assert.That(MobilityHeader.TryParse(bytes, v.PseudoSource, v.PseudoDestination, out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(expected));
    }

    [Test]
    public void Octets_after_the_header_len_are_not_part_of_the_mobility_header()
    {
        var v = MhVectors.Named("bu_home_registration");
        var longer = v.Bytes.Concat(new byte[] { 1, 2, 3 }).ToArray();
        Assert.That(MobilityHeader.TryParse(longer, v.PseudoSource, v.PseudoDestination, out var message, out _), Is.True);
        Assert.That(message!.GetByteCount(), Is.EqualTo(16));
        Assert.That(InternetChecksum.Compute(v.PseudoSource, v.PseudoDestination, MobilityHeader.NextHeader, v.Bytes), Is.Zero);
    }

    private static MobilityParseError Parse(MhVector v, out MobilityMessage? message)
    {
        MobilityHeader.TryParse(v.Bytes, v.PseudoSource, v.PseudoDestination, out message, out var error);
        return error;
    }
}
