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
    // .  Formed: Router (family + 0/16); when present:                .
    // |  Prefix Len   |  Valid Lifetime (u32 s) | Preferred (u32 s)   |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    private static int MovementInfoSize(MovementInfo message)
    {
        FrameFields.CheckDefined(message.Command, nameof(message.Command));
        FrameFields.CheckInterfaceIndex(message.InterfaceIndex, nameof(message.InterfaceIndex));
        if (message.Formed is { PrefixLength: < 0 or > 128 } formed)
        {
            throw new ArgumentException($"Formed: prefix length {formed.PrefixLength} is not 0-128", nameof(message));
        }

        return 1 + 1 + 4
            + FrameFields.AddressSize(message.CareOfAddress, nameof(message.CareOfAddress))
            + FrameFields.AddressSize(message.HomeAddress, nameof(message.HomeAddress))
            + FrameFields.StringSize(message.InterfaceName, nameof(message.InterfaceName))
            + FrameFields.AddressSize(message.Formed?.Router, nameof(message.Formed)) + (message.Formed is null ? 0 : 1 + 4 + 4);
    }

    private static void WriteMovementInfo(ref FrameFieldWriter writer, MovementInfo message)
    {
        writer.U8((byte)message.Command);
        writer.Bool(message.OnHomeLink);
        writer.U32((uint)message.InterfaceIndex);
        writer.Address(message.CareOfAddress);
        writer.Address(message.HomeAddress);
        writer.String(message.InterfaceName);
        writer.Address(message.Formed?.Router);
        if (message.Formed is { } formed)
        {
            writer.U8((byte)formed.PrefixLength);
            writer.Lifetime(formed.ValidLifetime);
            writer.Lifetime(formed.PreferredLifetime);
        }
    }

    private static MovementInfo? ReadMovementInfo(ref FrameFieldReader reader)
    {
        if (!(reader.Enum8(out MovementCommand command)
            && reader.Bool(out bool onHomeLink)
            && reader.InterfaceIndex(out int index)
            && reader.Address(out var careOfAddress, optional: true)
            && reader.Address(out var homeAddress, optional: true)
            && reader.String(out string name)
            && reader.Address(out var router, optional: true)))
        {
            return null;
        }

        FormedCareOfAddress? formed = null;
        if (router is not null)
        {
            int at = reader.Offset;
            if (!(reader.U8(out byte prefixLength) && reader.Lifetime(out var valid) && reader.Lifetime(out var preferred)))
            {
                return null;
            }

            if (prefixLength > 128)
            {
                reader.Fail(BusFrameError.BadField, at);
                return null;
            }

            formed = new FormedCareOfAddress(router, prefixLength, valid, preferred);
        }

        return new MovementInfo(command, careOfAddress, name, index, onHomeLink, homeAddress, formed);
    }

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
