using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Profiles;

/// <summary>
/// The outcome of loading a profile: either a validated profile and no errors, or no
/// profile and every error of the file, ordered by position.
/// </summary>
public sealed record ProfileLoadResult(Profile? Profile, IReadOnlyList<ProfileError> Errors)
{
    public bool IsValid => Profile is not null && Errors.Count == 0;
}
