namespace Shisa.DataPlane.Bus;

/// <summary>
/// A message of the mobility bus (DESIGN 3), SHISA's AF_MOBILITY in one process. The set of messages is closed,
/// as mipsock's: one sealed record per MIPM_* type in this namespace. The common header of mipsock (length,
/// version, type, sequence) is split between <see cref="Type"/> here and the <see cref="BusEnvelope"/> the bus
/// wraps each published message in; length has no meaning in process.
/// </summary>
public abstract record MobilityMessage
{
    private protected MobilityMessage()
    {
    }

    /// <summary>The mipsock message number of this message.</summary>
    public abstract MessageType Type { get; }
}
