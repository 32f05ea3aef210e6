using System.Globalization;

namespace Shisa.Bench.TunnelThroughput;

/// <summary>The benchmark's knobs: <c>--seconds S --runs N --sizes 100,1400 --senders N --paths encap,decap --rate 100=PPS,1400=PPS</c> (0 or "max": unpaced).</summary>
public sealed record BenchArguments
{
    public const string Usage = """
        usage: bench/run.sh [--seconds S] [--runs N] [--sizes B,B] [--senders N] [--paths encap,decap] [--rate B=PPS,B=PPS | --rate max]
          --seconds  length of each measurement (default 2)
          --runs     runs per path, forwarder and size; the figures are medians (default 3)
          --sizes    UDP payload sizes in bytes (default 100,1400)
          --senders  sender threads, each with its own raw socket and sendmmsg batches (default 4)
          --paths    encap (cn -> home address -> care-of address), decap (mobile node's reverse tunnel -> cn)
                     or both (default encap,decap)
          --rate     offered load per size in packets per second, all senders together, or max (default):
                     unpaced, more than the kernel forwards
        """;

    public double Seconds { get; init; } = 2;

    public int Runs { get; init; } = 3;

    public IReadOnlyList<int> Sizes { get; init; } = [100, 1400];

    public int Senders { get; init; } = 4;

    public IReadOnlyList<BenchPath> Paths { get; init; } = [BenchPath.Encapsulation, BenchPath.Decapsulation];

    /// <summary>Offered load by payload size; 0 (or a size missing here) means unpaced.</summary>
    public IReadOnlyDictionary<int, int> Rates { get; init; } = new Dictionary<int, int>();

    public bool Help { get; init; }

    /// <summary>The offered load for a payload size, 0 for unpaced.</summary>
    public int RateOf(int size) => Rates.TryGetValue(size, out int rate) ? rate : 0;

    public static bool TryParse(IReadOnlyList<string> args, out BenchArguments result, out string error)
    {
        ArgumentNullException.ThrowIfNull(args);
        result = new BenchArguments();
        error = string.Empty;
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help")
            {
                result = result with { Help = true };
                continue;
            }

            if (i + 1 >= args.Count)
            {
                error = $"{name}: a value is missing";
                return false;
            }

            string value = args[++i];
            switch (name)
            {
                case "--seconds" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s is >= 0.2 and <= 60:
                    result = result with { Seconds = s };
                    break;
                case "--runs" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 15:
                    result = result with { Runs = n };
                    break;
                case "--sizes" when TryParseSizes(value, out var sizes):
                    result = result with { Sizes = sizes };
                    break;
                case "--rate" when TryParseRates(value, out var rates):
                    result = result with { Rates = rates };
                    break;
                case "--senders" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 16:
                    result = result with { Senders = n };
                    break;
                case "--paths" when TryParsePaths(value, out var paths):
                    result = result with { Paths = paths };
                    break;
                case "--seconds" or "--runs" or "--sizes" or "--rate" or "--senders" or "--paths":
                    error = $"{name}: '{value}' is not valid (--seconds 0.2-60, --runs 1-15, --sizes 16-1400 each, --senders 1-16, --paths encap,decap, --rate B=PPS,... or max)";
                    return false;
                default:
                    error = $"unknown option '{name}'";
                    return false;
            }
        }

        return true;
    }

    private static bool TryParseSizes(string text, out IReadOnlyList<int> sizes)
    {
        List<int> list = [];
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // 1400 bytes of payload + UDP + IPv6 + the tunnel's outer IPv6 header = 1488, inside a 1500-byte MTU.
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int size) || size is < 16 or > 1400)
            {
                sizes = [];
                return false;
            }

            list.Add(size);
        }

        sizes = list;
        return list.Count > 0;
    }

    private static bool TryParsePaths(string text, out IReadOnlyList<BenchPath> paths)
    {
        List<BenchPath> list = [];
        paths = list;
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            BenchPath? path = part switch
            {
                "encap" => BenchPath.Encapsulation,
                "decap" => BenchPath.Decapsulation,
                _ => null,
            };
            if (path is null)
            {
                return false;
            }

            if (!list.Contains(path.Value))
            {
                list.Add(path.Value);
            }
        }

        return list.Count > 0;
    }

    private static bool TryParseRates(string text, out IReadOnlyDictionary<int, int> rates)
    {
        var map = new Dictionary<int, int>();
        rates = map;
        if (text == "max")
        {
            return true;
        }

        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] pair = part.Split('=');
            if (pair.Length != 2
                || !int.TryParse(pair[0], NumberStyles.None, CultureInfo.InvariantCulture, out int size)
                || !(pair[1] == "max" || int.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                return false;
            }

            map[size] = pair[1] == "max" ? 0 : int.Parse(pair[1], CultureInfo.InvariantCulture);
        }

        return map.Count > 0;
    }
}
