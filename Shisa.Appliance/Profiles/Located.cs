namespace Shisa.Appliance.Profiles;

/// <summary>A value read from a profile together with where it was written, for errors found later.</summary>
internal readonly record struct Located<T>(T Value, SourcePosition Position);
