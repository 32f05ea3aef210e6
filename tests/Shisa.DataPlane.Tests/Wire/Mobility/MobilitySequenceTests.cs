using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.DataPlane.Tests.Wire.Mobility;

public sealed class MobilitySequenceTests
{
    [TestCase(1, 0, true, TestName = "One_ahead_is_newer")]
    [TestCase(0x7fff, 0, true, TestName = "Two_to_the_15_minus_1_ahead_is_newer")]
    [TestCase(0x8000, 0, false, TestName = "Two_to_the_15_ahead_is_not_newer")]
    [TestCase(32770, 3, true, TestName = "Newer_across_half_the_space")]
    [TestCase(32771, 3, false, TestName = "Older_across_half_the_space")]
    [TestCase(2, 65535, true, TestName = "Newer_wraps_modulo_2_16")]
    [TestCase(65530, 3, false, TestName = "Older_wraps_modulo_2_16")]
    [TestCase(7, 7, false, TestName = "The_same_number_is_not_newer")]
    public void Newer_means_1_to_2_15_minus_1_ahead_modulo_2_16(int received, int last, bool newer)
    {
        Assert.That(MobilitySequence.IsNewer((ushort)received, (ushort)last), Is.EqualTo(newer));
    }
}
