namespace Shisa.DataPlane.Bus;

/// <summary>
/// A published message with what the bus added, like mipsock's common header: a sequence number from one
/// counter for the whole bus (1, 2, 3 ...; every subscriber sees them increase), the time of publishing from
/// the bus's <see cref="TimeProvider"/>, and the publisher's name if it gave one (mipsock's pid).
/// </summary>
public readonly record struct BusEnvelope(long Sequence, DateTimeOffset Timestamp, MobilityMessage Message, string? Origin)
{
    /// <summary>The bus's message format version, as mipsock's MIP_VERSION.</summary>
    public const byte Version = 1;

    public MessageType Type => Message.Type;

    public override string ToString() => $"#{Sequence} {Timestamp:O} {Origin ?? "-"} {Message}";
}
