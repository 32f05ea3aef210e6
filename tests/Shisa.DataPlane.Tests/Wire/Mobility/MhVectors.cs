using System.Net;
using System.Text.Json;
using Shisa.DataPlane.Tests.Vectors;

namespace Shisa.DataPlane.Tests.Wire.Mobility;

/// <summary>The Mobility Header of a vector: where it sits, its oracle and its pseudo-header addresses.</summary>
public sealed record MhVector(Vector Vector, int Offset, JsonElement Mh, byte[] PseudoSource, byte[] PseudoDestination)
{
    /// <summary>From the MH's first octet to the end of the packet.</summary>
    public byte[] Bytes => Vector.Packet[Offset..];

    public override string ToString() => Vector.ToString();
}

/// <summary>Finds the Mobility Header of every vector that has one, top level or tunnelled ("inner").</summary>
public static class MhVectors
{
    public static IEnumerable<MhVector> All => VectorCatalog.All.Select(Find).OfType<MhVector>();

    public static IEnumerable<TestCaseData> Cases(Func<MhVector, bool> filter) =>
        All.Where(filter).Select(v => new TestCaseData(v).SetName(v.ToString()));

    public static MhVector Named(string name) => All.Single(v => v.Vector.Name == name);

    public static MhVector? Find(Vector vector)
    {
        var oracle = vector.Oracle;
        if (TryMh(oracle, out var mh))
        {
            return Make(vector, oracle.GetProperty("l4_offset").GetInt32(), oracle, mh);
        }

        // A tunnelled packet: the inner IPv6 packet starts where the outer header's upper layer does.
        if (oracle.TryGetProperty("inner", out var inner) && inner.ValueKind == JsonValueKind.Object && TryMh(inner, out mh))
        {
            int offset = oracle.GetProperty("l4_offset").GetInt32() + inner.GetProperty("l4_offset").GetInt32();
            return Make(vector, offset, inner, mh);
        }

        return null;
    }

    public static byte[] Address(string text) => IPAddress.Parse(text).GetAddressBytes();

    private static MhVector Make(Vector vector, int offset, JsonElement header, JsonElement mh)
    {
        string source = (mh.TryGetProperty("pseudo_src", out var s) ? s : header.GetProperty("pseudo_src")).GetString()!;
        string destination = (mh.TryGetProperty("pseudo_dst", out var d) ? d : header.GetProperty("pseudo_dst")).GetString()!;
        return new MhVector(vector, offset, mh, Address(source), Address(destination));
    }

    private static bool TryMh(JsonElement element, out JsonElement mh) =>
        element.TryGetProperty("mh", out mh) && mh.ValueKind == JsonValueKind.Object;
}
