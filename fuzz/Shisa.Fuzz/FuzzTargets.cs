using System.Diagnostics.CodeAnalysis;

namespace Shisa.Fuzz;

/// <summary>One fuzz target: takes the bytes afl made and throws only on a bug (a crash to afl).</summary>
internal delegate void FuzzTarget(ReadOnlySpan<byte> input);

/// <summary>
/// The input paths that take bytes from the network or the disk (issue 16, item 7). Each target catches only the
/// documented refusals (a TryParse that returns false, a load result with errors); anything thrown is a crash.
/// </summary>
internal static class FuzzTargets
{
    private static readonly Dictionary<string, Func<FuzzTarget>> s_targets = new(StringComparer.Ordinal)
    {
        ["classifier"] = () => new ClassifierTarget().Run,
        ["rewriter"] = () => RewriterTarget.Run,
        ["homeagent"] = () => new HomeAgentTarget().Run,
        ["correspondent"] = () => new CorrespondentTarget().Run,
        ["mobilenode"] = () => new MobileNodeTarget().Run,
        ["busframe"] = () => BusFrameTarget.Run,
        ["profile"] = () => ProfileTarget.Run,
        ["journal"] = () => new JournalTarget().Run,
        ["control"] = () => ControlTarget.Run,
        ["udptunnel"] = () => new UdpTunnelTarget().Run,
    };

    public static IEnumerable<string> Names => s_targets.Keys;

    /// <summary>
    /// The factory of target <paramref name="name"/>. Under afl-fuzz call it only inside <c>Fuzzer.Run</c>: instrumented
    /// code that runs before SharpFuzz has attached afl's shared memory ends the process with an access violation.
    /// </summary>
    public static bool TryGet(string name, [NotNullWhen(true)] out Func<FuzzTarget>? create) => s_targets.TryGetValue(name, out create);
}

/// <summary>Thrown by a target when an invariant of the code under test does not hold (a crash to afl).</summary>
internal sealed class InvariantException(string message) : Exception(message);
