using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace Shisa.Modules.Tests.Conformance;

/// <summary>
/// docs/conformance.md is generated from the conformance tests (their names and descriptions): this test fails when
/// the table and the tests disagree. Regenerate with
/// <c>SHISA_WRITE_CONFORMANCE_TABLE=1 dotnet test tests/Shisa.Modules.Tests --filter FullyQualifiedName~ConformanceTable</c>.
/// </summary>
public partial class ConformanceTableTests
{
    private const string Header = """
        # Conformance suite

        Modelled on the TAHI / IPv6 Ready Phase-2 Mobile IPv6 test specifications (home agent, correspondent node and
        mobile node sections) and RFC 3963 for NEMO. Each test runs whole encoded packets through the real code: the
        home agent core (`HomeAgentCore.Process`), the correspondent (`CorrespondentNode.Receive`), the mobile node's
        home registration talking to the real home agent core in packets, return routability against the real
        correspondent, and the data plane's `TunnelForwarder` over a memory port for the Home Address option and type 2
        routing header rules. The tests live in `tests/Shisa.Modules.Tests/Conformance/`.

        Run them, one line per test with its outcome:

        ```sh
        dotnet test tests/Shisa.Modules.Tests --filter Category=Conformance --logger "console;verbosity=normal"
        ```

        This table is generated from the tests' names and descriptions (`ConformanceTableTests` fails when it is out of
        date; `SHISA_WRITE_CONFORMANCE_TABLE=1 dotnet test tests/Shisa.Modules.Tests --filter FullyQualifiedName~ConformanceTable`
        rewrites it). A test marked *ignored* documents a known deviation.

        """;

    [Test]
    public void The_table_in_docs_conformance_md_lists_every_conformance_test()
    {
        string path = Path.Combine(RepositoryRoot(), "docs", "conformance.md");
        string expected = Render();
        if (Environment.GetEnvironmentVariable("SHISA_WRITE_CONFORMANCE_TABLE") == "1")
        {
            File.WriteAllText(path, expected);
        }

        Assert.That(File.Exists(path), Is.True, $"{path} is missing");
        Assert.That(File.ReadAllText(path).ReplaceLineEndings("\n"), Is.EqualTo(expected), "docs/conformance.md is out of date (see this class's summary)");
    }

    [Test]
    public void Every_conformance_test_names_its_rfc_section_and_describes_its_behaviour()
    {
        foreach (var row in Rows())
        {
            Assert.That(row.Section, Is.Not.Empty, $"{row.Test}: the name starts RfcNNNN_section_");
            Assert.That(row.Behaviour, Does.StartWith("RFC "), $"{row.Test}: the description names the RFC section");
        }
    }

    internal static string Render()
    {
        var text = new StringBuilder(Header.ReplaceLineEndings("\n"));
        foreach (var group in Rows().GroupBy(r => r.Role))
        {
            var rows = group.ToList();
            text.Append('\n').Append("## ").Append(group.Key).Append(" (").Append(rows.Count).Append(" tests)\n\n");
            text.Append("| test | RFC section | behaviour | state |\n|---|---|---|---|\n");
            foreach (var row in rows)
            {
                text.Append("| `").Append(row.Test).Append("` | ").Append(row.Section).Append(" | ")
                    .Append(row.Behaviour.Replace("|", "\\|", StringComparison.Ordinal)).Append(" | ").Append(row.State).Append(" |\n");
            }
        }

        int total = Rows().Count;
        int cases = Rows().Sum(r => r.Cases);
        int ignored = Rows().Count(r => r.State != "run");
        text.Append('\n').Append(total).Append(" conformance tests (").Append(cases).Append(" test cases), ").Append(ignored)
            .Append(" ignored as known deviations.\n");
        return text.ToString();
    }

    private sealed record Row(string Role, string Test, string Section, string Behaviour, string State, int Cases);

    private static List<Row> Rows()
    {
        var rows = new List<Row>();
        var types = typeof(ConformanceTableTests).Assembly.GetTypes()
            .Where(t => t.GetCustomAttributes<CategoryAttribute>().Any(c => c.Name == "Conformance"))
            .OrderBy(t => RoleOrder(t.Name));
        foreach (var type in types)
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance).Where(IsTest).OrderBy(m => m.MetadataToken))
            {
                var match = SectionPattern().Match(method.Name);
                string section = match.Success ? $"RFC {match.Groups[1].Value} {match.Groups[2].Value.TrimEnd('_').Replace('_', '.')}" : "";
                string behaviour = method.GetCustomAttribute<DescriptionAttribute>()?.Properties.Get("Description") as string ?? "";
                var ignore = method.GetCustomAttribute<IgnoreAttribute>();
                string state = ignore is null ? "run" : "ignored: " + IgnoreReason(method);
                int cases = Math.Max(1, method.GetCustomAttributes<TestCaseAttribute>().Count());
                rows.Add(new Row(Role(type.Name), method.Name, section, behaviour, state, cases));
            }
        }

        return rows;
    }

    private static bool IsTest(MethodInfo method) =>
        method.GetCustomAttribute<TestAttribute>() is not null || method.GetCustomAttributes<TestCaseAttribute>().Any();

    private static string IgnoreReason(MethodInfo method) =>
        method.GetCustomAttributesData().First(a => a.AttributeType == typeof(IgnoreAttribute)).ConstructorArguments[0].Value as string ?? "";

    private static string Role(string typeName) => typeName.Replace("ConformanceTests", "", StringComparison.Ordinal) switch
    {
        "HomeAgent" => "Home agent",
        "Correspondent" => "Correspondent node",
        "MobileNode" => "Mobile node and mobile router",
        var other => other,
    };

    private static int RoleOrder(string typeName) => typeName switch
    {
        "HomeAgentConformanceTests" => 0,
        "CorrespondentConformanceTests" => 1,
        "MobileNodeConformanceTests" => 2,
        _ => 3,
    };

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Shisa.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("Shisa.sln not found above the test directory");
    }

    // Rfc6275_9_5_1_Something: the RFC number, then the section's numbers up to the first part that is not one.
    [GeneratedRegex(@"^Rfc(\d+)_((?:\d+_)+)")]
    private static partial Regex SectionPattern();
}
