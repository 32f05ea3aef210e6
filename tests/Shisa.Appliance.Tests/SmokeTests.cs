namespace Shisa.Appliance.Tests;

public class SmokeTests
{
    [Test]
    public void Assembly_loads() => Assert.That(typeof(SmokeTests).Assembly.GetName().Name, Is.EqualTo("Shisa.Appliance.Tests"));
}
