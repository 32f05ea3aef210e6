namespace Shisa.DataPlane.Bus.Encoding;

public static partial class BusFrame
{
    // MovementInfo (10), mipsock mipm_md_info. Care-of Address and Home Address may be family 0 (none).
    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |    Command    |     Flags     |   Interface Index (u32) ...   .  16
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // .  ... Interface Index          |  Care-of Address (family + 0/4/16) ...
    // .  Home Address (family + 0/4/16)                               .
    // .  Name Len     | Interface Name (UTF-8)                        .
    // .  Formed, only with flag 2:                                     .
    // .  Router (family + 16) | Prefix Len | Valid (u32 s) | Preferred (u32 s)
    // Flags: 1 on the home link (the octet was that boolean before), 2 the formed part follows; others refused.
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    private const byte MovementOnHomeLink = 1;
    private const byte MovementFormed = 2;

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
            + (message.Formed is { } f ? FrameFields.RequiredAddressSize(f.Router, nameof(message.Formed)) + 1 + 4 + 4 : 0);
    }

    private static void WriteMovementInfo(ref FrameFieldWriter writer, MovementInfo message)
    {
        writer.U8((byte)message.Command);
        writer.U8((byte)((message.OnHomeLink ? MovementOnHomeLink : 0) | (message.Formed is null ? 0 : MovementFormed)));
        writer.U32((uint)message.InterfaceIndex);
        writer.Address(message.CareOfAddress);
        writer.Address(message.HomeAddress);
        writer.String(message.InterfaceName);
        if (message.Formed is { } formed)
        {
            writer.Address(formed.Router);
            writer.U8((byte)formed.PrefixLength);
            writer.Lifetime(formed.ValidLifetime);
            writer.Lifetime(formed.PreferredLifetime);
        }
    }

    private static MovementInfo? ReadMovementInfo(ref FrameFieldReader reader)
    {
        int flagsAt = reader.Offset + 1;
        if (!(reader.Enum8(out MovementCommand command)
            && reader.U8(out byte flags)))
        {
            return null;
        }

        if ((flags & ~(MovementOnHomeLink | MovementFormed)) != 0)
        {
            reader.Fail(BusFrameError.BadField, flagsAt);
            return null;
        }

        bool onHomeLink = (flags & MovementOnHomeLink) != 0;
        if (!(reader.InterfaceIndex(out int index)
            && reader.Address(out var careOfAddress, optional: true)
            && reader.Address(out var homeAddress, optional: true)
            && reader.String(out string name)))
        {
            return null;
        }

        FormedCareOfAddress? formed = null;
        if ((flags & MovementFormed) != 0)
        {
            if (!reader.RequiredAddress(out var router))
            {
                return null;
            }

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
