using System.Text.Json;

namespace Shisa.DataPlane.Tests.Vectors;

/// <summary>One known-answer packet of the interoperability vectors (see TestData/vectors/README.md).</summary>
public sealed record Vector(string File, string Name, byte[] Packet, JsonElement Oracle, JsonElement Raw, bool Negative)
{
    public override string ToString() => $"{File}:{Name}";
}

/// <summary>
/// Every vector of the project's copy (TestData/vectors) and of ../shared/vectors when that folder exists beside
/// the checkout, so vectors added there are picked up without a code change. A file present in both is read
/// from shared/ (it is the newer source); files are told apart by name.
/// </summary>
public static class VectorCatalog
{
    private static readonly Lazy<IReadOnlyList<Vector>> s_all = new(Load);

    public static IReadOnlyList<Vector> All => s_all.Value;

    /// <summary>Vectors whose oracle has the given top-level key (e.g. "mh", "icmpv6", "inner").</summary>
    public static IEnumerable<Vector> WithOracleKey(string key) =>
        All.Where(v => v.Oracle.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null);

    /// <summary>NUnit source of every vector, named file:vector.</summary>
    public static IEnumerable<TestCaseData> Cases(Func<Vector, bool>? filter = null) =>
        All.Where(v => filter?.Invoke(v) ?? true).Select(v => new TestCaseData(v).SetName(v.ToString()));

    public static IEnumerable<string> Folders()
    {
        yield return Path.Combine(AppContext.BaseDirectory, "TestData", "vectors");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Shisa.sln")))
            {
                var shared = Path.Combine(dir.FullName, "..", "shared", "vectors");
                if (Directory.Exists(shared))
                {
                    yield return Path.GetFullPath(shared);
                }

                yield break;
            }
        }
    }

    private static IReadOnlyList<Vector> Load()
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var folder in Folders().Where(Directory.Exists))
        {
            foreach (var path in Directory.EnumerateFiles(folder, "*.json"))
            {
                files[Path.GetFileName(path)] = path;
            }
        }

        var vectors = new List<Vector>();
        foreach (var (name, path) in files)
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (!doc.RootElement.TryGetProperty("vectors", out var list))
            {
                continue;
            }

            foreach (var v in list.EnumerateArray())
            {
                var raw = v.Clone();
                bool negative = raw.TryGetProperty("negative_vector", out var n) && n.ValueKind == JsonValueKind.True;
                vectors.Add(new Vector(
                    name,
                    raw.GetProperty("name").GetString()!,
                    Convert.FromHexString(raw.GetProperty("hex").GetString()!),
                    raw.GetProperty("oracle"),
                    raw,
                    negative));
            }
        }

        return vectors;
    }
}
