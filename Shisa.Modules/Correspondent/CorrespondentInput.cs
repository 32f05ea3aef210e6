using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;

namespace Shisa.Modules.Correspondent;

/// <summary>What the correspondent node's one entry point (<see cref="CorrespondentNode.Process"/>) takes.</summary>
public abstract record CorrespondentInput
{
    private CorrespondentInput()
    {
    }

    /// <summary>A Mobility Header packet the data plane received.</summary>
    public sealed record Signalling(SignallingPacket Packet) : CorrespondentInput;

    /// <summary>The data plane's Binding Error hint (mipsock MIPM_BE_HINT).</summary>
    public sealed record Hint(BeHint Message) : CorrespondentInput;

    /// <summary>The node's <see cref="CorrespondentNode.NextDeadline"/> came.</summary>
    public sealed record DeadlineReached : CorrespondentInput
    {
        public static readonly DeadlineReached Instance = new();
    }

    /// <summary>At start: the bindings the journal kept across a restart, as of <paramref name="RestoredAt"/>.</summary>
    public sealed record Restored(IReadOnlyList<BindingCacheEntry> Entries, DateTimeOffset RestoredAt) : CorrespondentInput;
}
