namespace Shisa.Appliance.Profiles;

/// <summary>Collects the errors of one profile file; every validator reports here and carries on.</summary>
internal sealed class ProfileDiagnostics(string file)
{
    private readonly List<ProfileError> _errors = [];

    public string File { get; } = file;

    public int Count => _errors.Count;

    public void Error(SourcePosition position, string message) => _errors.Add(new ProfileError(File, position, message));

    /// <summary>The errors ordered by position; errors at the same position keep the order they were found in.</summary>
    public IReadOnlyList<ProfileError> Sorted() =>
        [.. _errors.Select((e, i) => (e, i)).OrderBy(x => x.e.Line).ThenBy(x => x.e.Column).ThenBy(x => x.i).Select(x => x.e)];
}
