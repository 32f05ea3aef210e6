using Shisa.Appliance.Cli;

namespace Shisa.Appliance.Tests.Cli;

/// <summary><c>--url</c> of <c>shisa status</c> and <c>shisa monitor</c>, as typed on a command line.</summary>
public class UrlOptionTests
{
    [Test]
    public void Status_with_an_explicit_url_reaches_that_address()
    {
        var error = new StringWriter();
        int exit = ShisaCli.Run(["status", "--url", "http://127.0.0.1:1/"], new StringWriter(), error);
        Assert.That(exit, Is.EqualTo(1), error.ToString());
        Assert.That(error.ToString(), Does.Contain("cannot read http://127.0.0.1:1/api/status"));
    }

    [Test]
    public void A_url_without_the_trailing_slash_still_reads_api_status_under_it()
    {
        var error = new StringWriter();
        ShisaCli.Run(["status", "--url", "http://127.0.0.1:1"], new StringWriter(), error);
        Assert.That(error.ToString(), Does.Contain("cannot read http://127.0.0.1:1/api/status"));
    }

    [TestCase("not a url")]
    [TestCase("ftp://127.0.0.1/")]
    [TestCase("127.0.0.1:8780")]
    public void A_url_that_is_not_http_is_a_usage_error_naming_it(string url)
    {
        var error = new StringWriter();
        int exit = ShisaCli.Run(["status", "--url", url], new StringWriter(), error);
        Assert.That(exit, Is.Not.Zero);
        Assert.That(error.ToString(), Does.Contain($"--url: '{url}' is not an http:// or https:// address").And.Not.Contain("Unhandled exception"));
    }

    [Test]
    public void The_option_is_parsed_by_shisa_itself_so_JIT_and_NativeAOT_builds_read_it_alike()
    {
        var root = ShisaCli.Build(TextWriter.Null, TextWriter.Null);

        var given = root.Parse(["status", "--url", "http://127.0.0.1:9/"]);
        var omitted = root.Parse(["status"]);
        var wrong = root.Parse(["monitor", "--url", "not a url"]);

        Assert.That(given.Errors, Is.Empty);
        Assert.That(given.GetValue<Uri>("--url"), Is.EqualTo(new Uri("http://127.0.0.1:9/")));
        Assert.That(omitted.GetValue<Uri>("--url"), Is.EqualTo(new Uri(ShisaCli.DefaultUrl)));
        Assert.That(wrong.Errors.Select(e => e.Message), Is.EqualTo(new[] { $"--url: 'not a url' is not an http:// or https:// address (e.g. {ShisaCli.DefaultUrl})" }));
    }
}
