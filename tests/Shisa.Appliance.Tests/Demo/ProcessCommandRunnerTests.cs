using Shisa.Appliance.Demo;

namespace Shisa.Appliance.Tests.Demo;

/// <summary>The child-process runner of the demo's topology builder and the tests (ip, nft, sysctl).</summary>
public class ProcessCommandRunnerTests
{
    [Test]
    public void Output_error_and_exit_code_of_a_command_are_returned()
    {
        var result = new ProcessCommandRunner().Run("sh", ["-c", "echo out; echo err >&2; exit 3"]);
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(3));
            Assert.That(result.StandardOutput, Is.EqualTo("out\n"));
            Assert.That(result.StandardError, Is.EqualTo("err\n"));
        });
    }

    [Test]
    public void Standard_input_reaches_the_command_and_large_output_on_both_pipes_does_not_deadlock()
    {
        var result = new ProcessCommandRunner().Run("sh", ["-c", "cat; head -c 200000 /dev/zero | tr '\\0' e >&2; head -c 200000 /dev/zero | tr '\\0' o"], "table ip6 shisa\n");
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero);
            Assert.That(result.StandardOutput, Does.StartWith("table ip6 shisa\n"));
            Assert.That(result.StandardOutput, Has.Length.EqualTo(16 + 200_000));
            Assert.That(result.StandardError, Has.Length.EqualTo(200_000));
        });
    }

    [Test]
    public void A_command_past_its_timeout_is_killed_and_reported()
    {
        var runner = new ProcessCommandRunner(timeout: TimeSpan.FromMilliseconds(300));
        var error = Assert.Throws<KernelCommandException>(() => runner.Run("sleep", ["30"]));
        Assert.That(error!.Message, Does.Contain("timed out"));
    }
}
