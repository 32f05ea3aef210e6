namespace Shisa.DataPlane.Tests.Vectors;

public class VectorCatalogTests
{
    [Test]
    public void Catalog_holds_every_bundled_vector()
    {
        Assert.That(VectorCatalog.All, Has.Count.GreaterThanOrEqualTo(41));
        Assert.That(VectorCatalog.All.Select(v => v.ToString()), Is.Unique);
    }

    [Test]
    public void Fuzz_inputs_are_deterministic_for_a_seed()
    {
        var seeds = VectorCatalog.All.Select(v => v.Packet).ToList();
        var first = new List<string>();
        var second = new List<string>();
        FuzzInputs.Run(seeds, 7, b => first.Add(Convert.ToHexString(b)), 200);
        FuzzInputs.Run(seeds, 7, b => second.Add(Convert.ToHexString(b)), 200);
        Assert.That(second, Is.EqualTo(first));
    }
}
