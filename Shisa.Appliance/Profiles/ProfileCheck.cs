using Shisa.Appliance.Extensions;

namespace Shisa.Appliance.Profiles;

/// <summary><c>shisa check --profile FILE</c>: validate a profile, print its errors, exit 2 when invalid.</summary>
public static class ProfileCheck
{
    public const int ExitValid = 0;

    public const int ExitInvalid = 2;

    /// <summary>
    /// Writes <c>FILE: ok (roles: ...)</c>, or one <c>FILE:LINE:COL: message</c> line per error, to
    /// <paramref name="output"/>; returns <see cref="ExitValid"/> or <see cref="ExitInvalid"/>.
    /// </summary>
    public static int Run(string path, TextWriter output) => Run(path, output, PluginSupport.IsSupported);

    /// <summary>As <see cref="Run(string, TextWriter)"/>; a valid profile naming <c>[plugins]</c> is refused with
    /// <c>FILE: reason</c> when <paramref name="pluginsSupported"/> is false, as <c>shisa run</c> would refuse it.</summary>
    internal static int Run(string path, TextWriter output, bool pluginsSupported)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(output);
        var result = ProfileLoader.LoadFile(path);
        if (result.Profile is { } profile && result.IsValid)
        {
            if (PluginSupport.Refusal(profile.Plugins, pluginsSupported) is { } refusal)
            {
                output.WriteLine($"{path}: {refusal}");
                return ExitInvalid;
            }

            output.WriteLine($"{path}: ok (roles: {string.Join(", ", profile.Node.Roles.Select(ProfileNames.Of))})");
            return ExitValid;
        }

        foreach (var error in result.Errors)
        {
            output.WriteLine(error.ToString());
        }

        return ExitInvalid;
    }
}
