using Shisa.Appliance.Cli;

namespace Shisa.Appliance.Tests.Cli;

public class CheckCommandTests
{
    private static string Repo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Shisa.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Shisa.sln not found above the test directory");
    }

    [Test]
    public void Check_accepts_the_default_profile_with_exit_0()
    {
        var output = new StringWriter();
        int exit = ShisaCli.Run(["check", "--profile", Path.Combine(Repo(), "config", "default.toml")], output, new StringWriter());
        Assert.That(exit, Is.EqualTo(0));
        Assert.That(output.ToString(), Does.Contain("ok"));
    }

    [Test]
    public void Check_names_line_and_column_of_each_error_and_exits_2()
    {
        var path = Path.Combine(Path.GetTempPath(), $"shisa-broken-{Guid.NewGuid():N}.toml");
        File.WriteAllText(path, "[node]\nname = \"x\"\nroles = [\"home_agent\"]\n\n[home_agent]\naddress = \"2001:db8:1::1\"\nprefix = \"2001:db8:1::/129\"\nlifetim = 3\n");
        try
        {
            var output = new StringWriter();
            int exit = ShisaCli.Run(["check", "--profile", path], output, new StringWriter());
            Assert.That(exit, Is.EqualTo(2));
            var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines, Has.Some.Match($"^{Regex(path)}:7:\\d+: .*prefix"));
            Assert.That(lines, Has.Some.Match($"^{Regex(path)}:8:1: .*lifetim"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Url_is_parsed_by_shisa_itself_so_the_NativeAOT_build_reads_it_too()
    {
        var root = ShisaCli.Build(TextWriter.Null, TextWriter.Null);

        var given = root.Parse(["status", "--url", "http://127.0.0.1:9/"]);
        var omitted = root.Parse(["status"]);
        var wrong = root.Parse(["monitor", "--url", "not a url"]);

        Assert.That(given.Errors, Is.Empty);
        Assert.That(given.GetValue<Uri>("--url"), Is.EqualTo(new Uri("http://127.0.0.1:9/")));
        Assert.That(omitted.GetValue<Uri>("--url"), Is.EqualTo(new Uri(ShisaCli.DefaultUrl)));
        Assert.That(wrong.Errors.Select(e => e.Message), Is.EqualTo(new[] { $"--url: 'not a url' is not an absolute address such as {ShisaCli.DefaultUrl}" }));
    }

    [Test]
    public void Check_without_a_profile_is_a_usage_error()
    {
        var error = new StringWriter();
        int exit = ShisaCli.Run(["check"], new StringWriter(), error);
        Assert.That(exit, Is.Not.EqualTo(0));
        Assert.That(error.ToString(), Does.Contain("--profile"));
    }

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);
}
