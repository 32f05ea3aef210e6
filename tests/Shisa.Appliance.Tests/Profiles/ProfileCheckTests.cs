using Shisa.Appliance.Profiles;

namespace Shisa.Appliance.Tests.Profiles;

public class ProfileCheckTests
{
    [Test]
    public void A_valid_profile_prints_ok_with_its_roles_and_exits_0()
    {
        string path = Path.Combine(RepoFiles.Root, "config", "mr.toml");
        using var output = new StringWriter();

        int code = ProfileCheck.Run(path, output);

        Assert.That(code, Is.EqualTo(0));
        Assert.That(output.ToString(), Is.EqualTo($"{path}: ok (roles: mobile_node, mobile_router, movement_detector){Environment.NewLine}"));
    }

    [Test]
    public void An_invalid_profile_prints_one_line_per_error_and_exits_2()
    {
        string path = Path.Combine(Path.GetTempPath(), "shisa-check-" + Guid.NewGuid().ToString("N") + ".toml");
        File.WriteAllText(path, "[node]\nname = \"x\"\nroles = [\"home_agent\"]\nbogus = 1\n");
        try
        {
            using var output = new StringWriter();

            int code = ProfileCheck.Run(path, output);

            Assert.That(code, Is.EqualTo(2));
            Assert.That(output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[]
            {
                $"{path}:3:10: role 'home_agent' needs a [home_agent] section",
                $"{path}:4:1: unknown key 'bogus' in [node]",
            }));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
