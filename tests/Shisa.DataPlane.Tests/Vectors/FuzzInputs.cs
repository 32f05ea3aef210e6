namespace Shisa.DataPlane.Tests.Vectors;

/// <summary>
/// Deterministic hostile inputs for parser robustness tests: purely random buffers, and vectors mutated by
/// bit flips, byte overwrites with boundary values, truncation, extension and splices. Seeded, so a failure
/// reproduces; the seed and index of a failing input are in the test's message.
/// </summary>
public static class FuzzInputs
{
    /// <summary>How many inputs each parser gets in one run (issue 2: at least 100,000).</summary>
    public const int PerParser = 100_000;

    private static readonly byte[] s_boundary = [0x00, 0x01, 0x02, 0x03, 0x04, 0x07, 0x08, 0x0F, 0x10, 0x3A, 0x3B, 0x29, 0x2B, 0x3C, 0x87, 0x7F, 0x80, 0xC9, 0xFE, 0xFF];

    /// <summary>
    /// Calls <paramref name="action"/> with <paramref name="count"/> inputs built from <paramref name="seeds"/>.
    /// The buffer passed is reused between calls: a parser must not keep it.
    /// </summary>
    public static void Run(IReadOnlyList<byte[]> seeds, int seed, Action<ReadOnlySpan<byte>> action, int count = PerParser)
    {
        var rng = new Random(seed);
        var buffer = new byte[2048];
        for (int i = 0; i < count; i++)
        {
            int length = Make(rng, seeds, buffer);
            try
            {
                action(buffer.AsSpan(0, length));
            }
            catch (Exception ex)
            {
                throw new AssertionException($"input {i} (seed {seed}) threw {ex.GetType().Name}: {ex.Message}; bytes {Convert.ToHexString(buffer, 0, length)}", ex);
            }
        }
    }

    private static int Make(Random rng, IReadOnlyList<byte[]> seeds, byte[] buffer)
    {
        int kind = rng.Next(10);
        if (kind == 0 || seeds.Count == 0)
        {
            int n = rng.Next(0, 160);
            rng.NextBytes(buffer.AsSpan(0, n));
            return n;
        }

        var source = seeds[rng.Next(seeds.Count)];
        int length = Math.Min(source.Length, buffer.Length);
        source.AsSpan(0, length).CopyTo(buffer);
        int mutations = 1 + rng.Next(4);
        for (int m = 0; m < mutations; m++)
        {
            switch (rng.Next(6))
            {
                case 0 when length > 0:
                    buffer[rng.Next(length)] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1 when length > 0:
                    buffer[rng.Next(length)] = s_boundary[rng.Next(s_boundary.Length)];
                    break;
                case 2 when length > 0:
                    length = rng.Next(length);
                    break;
                case 3:
                    int grow = rng.Next(1, 64);
                    rng.NextBytes(buffer.AsSpan(length, Math.Min(grow, buffer.Length - length)));
                    length = Math.Min(length + grow, buffer.Length);
                    break;
                case 4 when length > 0:
                    var other = seeds[rng.Next(seeds.Count)];
                    int at = rng.Next(length);
                    int take = Math.Min(other.Length - rng.Next(other.Length), buffer.Length - at);
                    other.AsSpan(other.Length - take, take).CopyTo(buffer.AsSpan(at));
                    length = Math.Max(length, at + take);
                    break;
                default:
                    if (length > 1)
                    {
                        int a = rng.Next(length), b = rng.Next(length);
                        (buffer[a], buffer[b]) = (buffer[b], buffer[a]);
                    }

                    break;
            }
        }

        return length;
    }
}
