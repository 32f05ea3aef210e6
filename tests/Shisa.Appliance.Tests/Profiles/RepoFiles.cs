namespace Shisa.Appliance.Tests.Profiles;

internal static class RepoFiles
{
    /// <summary>The repository root: the first directory above the test binaries holding Shisa.sln.</summary>
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Shisa.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("Shisa.sln not found above " + TestContext.CurrentContext.TestDirectory);
        }
    }

    /// <summary>Every profile in config/, config/demo/ included.</summary>
    public static IEnumerable<string> ConfigProfiles() =>
        Directory.EnumerateFiles(Path.Combine(Root, "config"), "*.toml", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    public static IEnumerable<TestCaseData> ConfigProfileCases() =>
        ConfigProfiles().Select(p => new TestCaseData(p).SetArgDisplayNames(Path.GetRelativePath(Root, p)));
}
