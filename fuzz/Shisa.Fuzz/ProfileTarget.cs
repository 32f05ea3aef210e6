using System.Text;
using Shisa.Appliance.Profiles;

namespace Shisa.Fuzz;

/// <summary>
/// The profile loader (<see cref="ProfileLoader.Parse"/>) on the input as TOML text, as `shisa run` and `shisa check`
/// read a profile from the disk: a profile is either loaded or refused with located errors, never an exception.
/// </summary>
internal static class ProfileTarget
{
    private static readonly string s_directory = Path.GetTempPath();

    public static void Run(ReadOnlySpan<byte> input)
    {
        string text = Encoding.UTF8.GetString(input);
        var result = ProfileLoader.Parse(text, "fuzz.toml", s_directory);
        _ = result.ToString();
    }
}
