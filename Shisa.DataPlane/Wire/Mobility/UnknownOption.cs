namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// An option of a type this codec does not know, kept with its data so it can be logged or re-sent; RFC 6275 6.2.1
/// says a receiver skips it. Written back verbatim, without alignment.
/// </summary>
public sealed record UnknownOption : MobilityOption
{
    public UnknownOption(MobilityOptionType type, Octets data)
        : base(type)
    {
        Data = data;
    }

    public Octets Data { get; init; }

    public override int DataLength => Data.Length;

    private protected override void WriteData(Span<byte> data) => Data.Span.CopyTo(data);
}
