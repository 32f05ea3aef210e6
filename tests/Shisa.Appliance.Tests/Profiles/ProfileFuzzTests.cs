using System.Text;
using Shisa.Appliance.Profiles;

namespace Shisa.Appliance.Tests.Profiles;

/// <summary>Mutated config profiles: the loader returns errors, never throws, and its answer is consistent.</summary>
public class ProfileFuzzTests
{
    private const int Iterations = 4000;

    private static readonly string[] Fragments =
        ["[", "]", "[[", "]]", "=", "\"", "'", "\"\"\"", "{", "}", ",", ".", "#", "\n", "\r\n", "\t", "\0", "\u00e9", "\ud83d\ude00", "\ud800",
         "0x", "1e309", "99999999999999999999", "-", "nan", "inf", "true", "1979-05-27T07:32:00Z", "home_agent", "mobile_node", "::", "/129", "/64",
         "[mobile_router]", "[[interface]]", "roles = []", "key = \"zz\"", "a.b.c = 1", "x = [[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]"];

    [Test]
    public void Mutated_profiles_never_throw()
    {
        var corpus = RepoFiles.ConfigProfiles().Select(File.ReadAllText).ToArray();
        Assert.That(corpus, Is.Not.Empty);
        var random = new Random(20240611);
        int valid = 0;
        var parsing = new System.Diagnostics.Stopwatch();
        for (int i = 0; i < Iterations; i++)
        {
            string text = Mutate(corpus[random.Next(corpus.Length)], random);
            ProfileLoadResult result;
            try
            {
                parsing.Start();
                result = ProfileLoader.Parse(text, "fuzz.toml");
                parsing.Stop();
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {i} threw {e}\n--- input ---\n{text}");
                return;
            }

            if (result.IsValid)
            {
                valid++;
            }

            CheckConsistent(result, text, i);
        }

        TestContext.Out.WriteLine($"{valid} of {Iterations} mutated profiles were still valid; parsing took {parsing.ElapsedMilliseconds} ms");
    }

    [TestCase(100)]
    [TestCase(100_000)]
    public void Deep_nesting_is_an_error_not_a_crash(int depth)
    {
        string arrays = "x = " + new string('[', depth) + new string(']', depth);
        string tables = "x = " + string.Concat(Enumerable.Repeat("{a=", depth)) + "1" + new string('}', depth);

        Assert.That(ProfileLoader.Parse(arrays, "deep.toml").Errors, Is.Not.Empty);
        Assert.That(ProfileLoader.Parse(tables, "deep.toml").Errors, Is.Not.Empty);
    }

    private static void CheckConsistent(ProfileLoadResult result, string text, int iteration)
    {
        string context = $"iteration {iteration}\n--- input ---\n{text}\n--- errors ---\n{string.Join("\n", result.Errors)}";
        Assert.That(result.Profile is null, Is.EqualTo(result.Errors.Count > 0), context);
        int lines = text.Count(c => c == '\n') + 1;
        foreach (var error in result.Errors)
        {
            Assert.That(error.Line, Is.InRange(1, lines + 1), context);
            Assert.That(error.Column, Is.GreaterThanOrEqualTo(1), context);
            Assert.That(error.Message, Is.Not.Empty, context);
        }

        var positions = result.Errors.Select(e => (e.Line, e.Column)).ToList();
        Assert.That(positions, Is.EqualTo(positions.Order().ToList()), context);
    }

    private static string Mutate(string text, Random random)
    {
        var lines = text.Split('\n').ToList();
        int rounds = random.Next(1, 4);
        for (int r = 0; r < rounds; r++)
        {
            switch (random.Next(7))
            {
                case 0 when lines.Count > 1:
                    lines.RemoveAt(random.Next(lines.Count));
                    break;
                case 1:
                    int dup = random.Next(lines.Count);
                    lines.Insert(random.Next(lines.Count + 1), lines[dup]);
                    break;
                case 2:
                    int a = random.Next(lines.Count), b = random.Next(lines.Count);
                    (lines[a], lines[b]) = (lines[b], lines[a]);
                    break;
                case 3:
                    lines = [.. FlipCharacter(string.Join('\n', lines), random).Split('\n')];
                    break;
                case 4:
                    int at = random.Next(lines.Count);
                    lines[at] = lines[at].Insert(random.Next(lines[at].Length + 1), Fragments[random.Next(Fragments.Length)]);
                    break;
                case 5:
                    string joined = string.Join('\n', lines);
                    lines = [.. joined[..random.Next(joined.Length + 1)].Split('\n')];
                    break;
                default:
                    int digit = random.Next(lines.Count);
                    lines[digit] = ChangeNumber(lines[digit], random);
                    break;
            }
        }

        return string.Join('\n', lines);
    }

    private static string FlipCharacter(string text, Random random)
    {
        if (text.Length == 0)
        {
            return text;
        }

        var builder = new StringBuilder(text);
        int at = random.Next(text.Length);
        builder[at] = random.Next(4) switch
        {
            0 => (char)random.Next(0x20, 0x7F),
            1 => (char)random.Next(0, 0x20),
            2 => (char)(builder[at] ^ (1 << random.Next(7))),
            _ => (char)random.Next(0x80, 0xFFFF),
        };
        return builder.ToString();
    }

    private static string ChangeNumber(string line, Random random)
    {
        int at = line.IndexOfAny("0123456789".ToCharArray());
        if (at < 0)
        {
            return line;
        }

        string[] replacements = ["0", "-1", "255", "256", "65535", "262140", "262141", "4294967295", "4294967296", "9223372036854775807", "1.5"];
        int end = at;
        while (end < line.Length && char.IsAsciiDigit(line[end]))
        {
            end++;
        }

        return line[..at] + replacements[random.Next(replacements.Length)] + line[end..];
    }
}
