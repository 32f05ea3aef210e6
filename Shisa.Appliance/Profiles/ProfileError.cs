namespace Shisa.Appliance.Profiles;

/// <summary>A position in a profile's text, 1-based like compilers print it.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    public static readonly SourcePosition Start = new(1, 1);

    public override string ToString() => $"{Line}:{Column}";
}

/// <summary>One problem of a profile, printed as <c>FILE:LINE:COL: message</c>.</summary>
public sealed record ProfileError(string File, SourcePosition Position, string Message)
{
    public int Line => Position.Line;

    public int Column => Position.Column;

    public override string ToString() => $"{File}:{Position.Line}:{Position.Column}: {Message}";
}
