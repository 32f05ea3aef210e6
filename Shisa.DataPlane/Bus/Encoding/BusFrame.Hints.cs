namespace Shisa.DataPlane.Bus.Encoding;

public static partial class BusFrame
{
    // RrHint (12), mipsock mipm_rr_hint.
    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // . Home Address (family + 4/16), Peer (family + 4/16)            .  16
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    private static int RrHintSize(RrHint message) =>
        FrameFields.RequiredAddressSize(message.HomeAddress, nameof(message.HomeAddress))
        + FrameFields.RequiredAddressSize(message.Peer, nameof(message.Peer));

    private static void WriteRrHint(ref FrameFieldWriter writer, RrHint message)
    {
        writer.Address(message.HomeAddress);
        writer.Address(message.Peer);
    }

    private static RrHint? ReadRrHint(ref FrameFieldReader reader) =>
        reader.RequiredAddress(out var homeAddress) && reader.RequiredAddress(out var peer) ? new RrHint(homeAddress, peer) : null;

    // BeHint (13), mipsock mipm_be_hint. Home Address may be family 0 (none).
    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |    Status     | Source (family + 4/16) ...                    .  16
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // . Destination (family + 4/16), Home Address (family + 0/4/16)   .
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    private static int BeHintSize(BeHint message)
    {
        FrameFields.CheckDefined(message.Status, nameof(message.Status));
        return 1
            + FrameFields.RequiredAddressSize(message.Source, nameof(message.Source))
            + FrameFields.RequiredAddressSize(message.Destination, nameof(message.Destination))
            + FrameFields.AddressSize(message.HomeAddress, nameof(message.HomeAddress));
    }

    private static void WriteBeHint(ref FrameFieldWriter writer, BeHint message)
    {
        writer.U8((byte)message.Status);
        writer.Address(message.Source);
        writer.Address(message.Destination);
        writer.Address(message.HomeAddress);
    }

    private static BeHint? ReadBeHint(ref FrameFieldReader reader) =>
        reader.Enum8(out BindingErrorStatus status)
        && reader.RequiredAddress(out var source)
        && reader.RequiredAddress(out var destination)
        && reader.Address(out var homeAddress, optional: true)
            ? new BeHint(status, source, destination, homeAddress)
            : null;
}
