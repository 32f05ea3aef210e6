using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Shisa.DataPlane.Wire.Icmp;

/// <summary>
/// Router Advertisement (RFC 4861 4.2) as a movement detector reads it: the router lifetime, the retransmission
/// timer, the Prefix Information options (4.6.2) and the Advertisement Interval option (RFC 6275 7.3).
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type=134  |     Code=0    |          Checksum             |   0
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Cur Hop Limit |M|O|H|Prf|Resvd|       Router Lifetime         |   4
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Reachable Time                        |   8
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                          Retrans Timer                        |  12
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Options ...                                                     16
///
/// Advertisement Interval option (RFC 6275 7.3):
/// |     Type=7    |   Length=1    |           Reserved            |
/// |                    Advertisement Interval (ms)                |
/// </code>
/// RFC 4861 6.1.2: a message shorter than 16 octets, with code not 0, or an option of length 0 or one that
/// overruns the message is invalid (false). Unknown options are skipped (4.6); a malformed Prefix Information
/// option is skipped, not fatal, as the rest of the advertisement stays valid (6.3.4 handles each option apart).
/// </remarks>
public sealed record RouterAdvertisement(TimeSpan RouterLifetime, TimeSpan RetransTimer, TimeSpan? AdvertisementInterval, IReadOnlyList<PrefixInformation> Prefixes)
{
    public const int HeaderLength = 16;

    /// <summary>At most this many Prefix Information options are kept; more are ignored (bounded state).</summary>
    public const int MaxPrefixes = 16;

    public const byte AdvertisementIntervalOptionType = 7;
    private const int RouterLifetimeOffset = 6;
    private const int RetransTimerOffset = 12;
    private const int OptionUnit = 8;

    public static bool TryParse(ReadOnlySpan<byte> message, [NotNullWhen(true)] out RouterAdvertisement? advertisement)
    {
        advertisement = null;
        if (message.Length < HeaderLength || message[0] != Icmpv6Type.RouterAdvertisement || message[1] != 0)
        {
            return false;
        }

        var prefixes = new List<PrefixInformation>();
        TimeSpan? interval = null;
        for (int at = HeaderLength; at < message.Length;)
        {
            if (at + 2 > message.Length || message[at + 1] == 0 || at + message[at + 1] * OptionUnit > message.Length)
            {
                return false;
            }

            int length = message[at + 1] * OptionUnit;
            var option = message.Slice(at, length);
            if (option[0] == PrefixInformation.OptionType && prefixes.Count < MaxPrefixes && PrefixInformation.TryParse(option, out var prefix))
            {
                prefixes.Add(prefix);
            }
            else if (option[0] == AdvertisementIntervalOptionType && length == OptionUnit)
            {
                interval = TimeSpan.FromMilliseconds(BinaryPrimitives.ReadUInt32BigEndian(option[4..]));
            }

            at += length;
        }

        advertisement = new RouterAdvertisement(
            TimeSpan.FromSeconds(BinaryPrimitives.ReadUInt16BigEndian(message[RouterLifetimeOffset..])),
            TimeSpan.FromMilliseconds(BinaryPrimitives.ReadUInt32BigEndian(message[RetransTimerOffset..])),
            interval,
            prefixes);
        return true;
    }
}
