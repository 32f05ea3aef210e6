namespace Shisa.DataPlane.Bus.Encoding;

public static partial class BusFrame
{
    // MovementInfo (10), mipsock mipm_md_info. Care-of Address and Home Address may be family 0 (none).
    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |    Command    | On Home Link  |   Interface Index (u32) ...   .  16
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // .  ... Interface Index          |  Care-of Address (family + 0/4/16) ...
    // .  Home Address (family + 0/4/16)                               .
    // .  Name Len     | Interface Name (UTF-8)                        .
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    private static int MovementInfoSize(MovementInfo message)
    {
        FrameFields.CheckDefined(message.Command, nameof(message.Command));
        FrameFields.CheckInterfaceIndex(message.InterfaceIndex, nameof(message.InterfaceIndex));
        return 1 + 1 + 4
            + FrameFields.AddressSize(message.CareOfAddress, nameof(message.CareOfAddress))
            + FrameFields.AddressSize(message.HomeAddress, nameof(message.HomeAddress))
            + FrameFields.StringSize(message.InterfaceName, nameof(message.InterfaceName));
    }

    private static void WriteMovementInfo(ref FrameFieldWriter writer, MovementInfo message)
    {
        writer.U8((byte)message.Command);
        writer.Bool(message.OnHomeLink);
        writer.U32((uint)message.InterfaceIndex);
        writer.Address(message.CareOfAddress);
        writer.Address(message.HomeAddress);
        writer.String(message.InterfaceName);
    }

    private static MovementInfo? ReadMovementInfo(ref FrameFieldReader reader) =>
        reader.Enum8(out MovementCommand command)
        && reader.Bool(out bool onHomeLink)
        && reader.InterfaceIndex(out int index)
        && reader.Address(out var careOfAddress, optional: true)
        && reader.Address(out var homeAddress, optional: true)
        && reader.String(out string name)
            ? new MovementInfo(command, careOfAddress, name, index, onHomeLink, homeAddress)
            : null;

    // HomeHint (11), mipsock mipm_home_hint.
    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                    Interface Index (u32)                      |  16
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // | Prefix Length | Home Prefix (family + 4/16) ...               .  20
    // .  Name Len     | Interface Name (UTF-8)                        .
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    private static int HomeHintSize(HomeHint message)
    {
        FrameFields.CheckInterfaceIndex(message.InterfaceIndex, nameof(message.InterfaceIndex));
        return 4
            + FrameFields.PrefixSize(message.HomePrefix, nameof(message.HomePrefix))
            + FrameFields.StringSize(message.InterfaceName, nameof(message.InterfaceName));
    }

    private static void WriteHomeHint(ref FrameFieldWriter writer, HomeHint message)
    {
        writer.U32((uint)message.InterfaceIndex);
        writer.Prefix(message.HomePrefix);
        writer.String(message.InterfaceName);
    }

    private static HomeHint? ReadHomeHint(ref FrameFieldReader reader) =>
        reader.InterfaceIndex(out int index)
        && reader.Prefix(out var prefix)
        && reader.String(out string name)
            ? new HomeHint(name, index, prefix)
            : null;
}
