using System.Text;
using Shisa.Appliance.Control;

namespace Shisa.Appliance.Tests.Control;

public class ControlEncodingTests
{
    [Test]
    public void A_header_round_trips_big_endian()
    {
        var header = new ControlFrameHeader(ControlFrameKind.Response, ControlStatus.Refused, 0x01020304 & 0xFFFF);
        var bytes = new byte[ControlFrameHeader.Size];
        Assert.That(header.TryWrite(bytes, out int written), Is.True);
        Assert.That(written, Is.EqualTo(8));
        Assert.That(bytes, Is.EqualTo(new byte[] { 1, 2, 0, 2, 0, 0, 0x03, 0x04 }));
        Assert.That(ControlFrameHeader.TryRead(bytes, ControlFrameKind.Response, out var read), Is.EqualTo(ControlFrameError.None));
        Assert.That(read, Is.EqualTo(header));
    }

    [Test]
    public void A_header_that_is_short_of_another_version_kind_or_too_long_is_refused()
    {
        byte[] good = ControlFrameHeader.Frame(ControlFrameKind.Request, ControlStatus.Ok, "{}"u8);
        Assert.That(ControlFrameHeader.TryRead(good.AsSpan(0, 7), ControlFrameKind.Request, out _), Is.EqualTo(ControlFrameError.Truncated));
        Assert.That(ControlFrameHeader.TryRead([2, 1, 0, 0, 0, 0, 0, 2], ControlFrameKind.Request, out _), Is.EqualTo(ControlFrameError.UnknownVersion));
        Assert.That(ControlFrameHeader.TryRead(good, ControlFrameKind.Response, out _), Is.EqualTo(ControlFrameError.UnknownKind));
        Assert.That(ControlFrameHeader.TryRead([1, 1, 0, 0, 0, 0, 0x10, 0x01], ControlFrameKind.Request, out _), Is.EqualTo(ControlFrameError.TooLong));
        Assert.That(ControlFrameHeader.TryRead([1, 1, 0, 0, 0, 0, 0x10, 0x00], ControlFrameKind.Request, out var max), Is.EqualTo(ControlFrameError.None));
        Assert.That(max.PayloadLength, Is.EqualTo(ControlFrameHeader.MaxRequestPayload));
        Assert.That(new ControlFrameHeader(ControlFrameKind.Request, ControlStatus.Ok, 0).TryWrite(new byte[7], out _), Is.False);
    }

    // Regression: the fuzz slice's two crashes (fuzz/run-all.sh, target control): invalid UTF-8 inside a JSON string
    // passed the reader and threw from GetString.
    [TestCase("7b2261726773223a5b2262696e64696e678b225d7d")]
    [TestCase("7b2261726773223a5b226c6f67222c22f264736574225d7d")]
    public void A_payload_with_invalid_utf8_in_a_word_is_refused_not_thrown(string hex)
    {
        Assert.That(ControlMessages.DecodeRequest(Convert.FromHexString(hex), out string? error), Is.Null);
        Assert.That(error, Is.EqualTo("the request is not UTF-8"));
    }

    [Test]
    public void A_request_round_trips()
    {
        string[] words = ["log", "level", "Shisa.Modules.home_agent", "debug", "quote\" and \u00e9"];
        byte[] payload = ControlMessages.EncodeRequest(words);
        Assert.That(Encoding.UTF8.GetString(payload), Does.StartWith("{\"args\":[\"log\""));
        Assert.That(ControlMessages.DecodeRequest(payload, out string? error), Is.EqualTo(words));
        Assert.That(error, Is.Null);
    }

    [TestCase("", "not JSON")]
    [TestCase("garbage", "not JSON")]
    [TestCase("[\"log\"]", "\"args\" array")]
    [TestCase("{\"args\":\"log\"}", "\"args\" array")]
    [TestCase("{\"args\":[1]}", "strings")]
    [TestCase("{\"args\":[[[[[[\"deep\"]]]]]]}", "not JSON")]
    public void A_payload_that_is_not_a_request_says_why(string json, string why)
    {
        Assert.That(ControlMessages.DecodeRequest(Encoding.UTF8.GetBytes(json), out string? error), Is.Null);
        Assert.That(error, Does.Contain(why));
    }

    [Test]
    public void Too_many_or_too_long_words_are_refused()
    {
        Assert.That(ControlMessages.DecodeRequest(ControlMessages.EncodeRequest([.. Enumerable.Repeat("a", ControlMessages.MaxWords + 1)]), out _), Is.Null);
        Assert.That(ControlMessages.DecodeRequest(ControlMessages.EncodeRequest([new string('a', ControlMessages.MaxWordLength + 1)]), out _), Is.Null);
        Assert.That(ControlMessages.DecodeRequest(ControlMessages.EncodeRequest([.. Enumerable.Repeat("a", ControlMessages.MaxWords)]), out _), Has.Count.EqualTo(ControlMessages.MaxWords));
    }

    [Test]
    public void A_response_round_trips_with_its_fields()
    {
        var response = ControlResponse.Ok([
            new ControlResult("flushed home_agent 2001:db8:1::100 -> 2001:db8:a1::100", [new("role", "home_agent"), new("home_address", "2001:db8:1::100")]),
            new ControlResult("second"),
        ]);
        byte[] payload = ControlMessages.EncodeResponse(response);
        var decoded = ControlMessages.DecodeResponse(ControlStatus.Ok, payload)!;
        Assert.That(decoded.Status, Is.EqualTo(ControlStatus.Ok));
        Assert.That(decoded.Error, Is.Null);
        Assert.That(decoded.Results.Select(r => r.Text), Is.EqualTo(response.Results.Select(r => r.Text)));
        Assert.That(decoded.Results[0].Fields, Is.EqualTo(response.Results[0].Fields));
        Assert.That(ControlMessages.ToJson(response), Does.Contain("\"status\":\"ok\""));
    }

    [Test]
    public void A_refusal_carries_its_one_line()
    {
        var decoded = ControlMessages.DecodeResponse(ControlStatus.Refused, ControlMessages.EncodeResponse(ControlResponse.Refused("no binding of 2001:db8:1::9")))!;
        Assert.That(decoded.Status, Is.EqualTo(ControlStatus.Refused));
        Assert.That(decoded.Error, Is.EqualTo("no binding of 2001:db8:1::9"));
        Assert.That(decoded.Results, Is.Empty);
        Assert.That(ControlMessages.DecodeResponse(ControlStatus.Ok, "nope"u8), Is.Null);
        Assert.That(ControlMessages.DecodeResponse(ControlStatus.Ok, "{\"results\":[3]}"u8), Is.Null);
    }
}
