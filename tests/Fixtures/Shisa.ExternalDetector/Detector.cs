using System.Net;
using Shisa.DataPlane.Bus;

namespace Shisa.ExternalDetector;

/// <summary>
/// Where the node is attached through the watched interface, and what to report when that changes: the decision
/// of Shisa's built-in detector (Shisa.Modules/MovementDetection/MovementDecider) for one interface, written again
/// from its description so that this process needs nothing but the bus encoding.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A usable global address of the interface, not the home address: inside the home prefix means home
/// (ReturnedHome, as SHISA, with the home address), anything else is a care-of address (NewCareOfAddress), kept
/// while it stays usable; else the best one (past DAD first, then not deprecated, then the lowest).</item>
/// <item>None left: CareOfAddressRemoved for the care-of address the node had.</item>
/// <item>The link was lost (no carrier now, or the carrier-down count moved since the last look): Scan, so the data
/// plane forgets what the old link's advertisements taught the kernel; and the addresses the interface had before
/// are not chosen again until they have gone once (the kernel keeps them across a loss of carrier, and the next
/// link may be another).</item>
/// </list>
/// </remarks>
internal sealed class Detector(IPAddress? homeAddress, int homePrefixLength)
{
    private readonly HashSet<IPAddress> _stale = [];
    private InterfaceState? _last;

    /// <summary>The attachment last reported: a care-of address, the home address, or null (none).</summary>
    public MovementInfo? Current { get; private set; }

    public IReadOnlyList<MovementInfo> Update(InterfaceState now)
    {
        bool lost = !now.Up || (_last is not null && now.CarrierDowns != _last.CarrierDowns);
        if (lost)
        {
            foreach (var address in now.Addresses)
            {
                if (!now.Up || _last?.Addresses.Any(a => a.Address.Equals(address.Address)) == true)
                {
                    _stale.Add(address.Address);
                }
            }
        }

        _stale.RemoveWhere(s => !now.Addresses.Any(a => a.Address.Equals(s)));
        _last = now;

        var previous = Current;
        var next = Choose(now);
        List<MovementInfo> report = [];
        if (!Equals(next?.CareOfAddress, previous?.CareOfAddress) || next?.InterfaceIndex != previous?.InterfaceIndex)
        {
            Current = next;
            if (next is not null)
            {
                report.Add(next);
            }
            else if (previous is { Command: MovementCommand.NewCareOfAddress })
            {
                report.Add(previous with { Command = MovementCommand.CareOfAddressRemoved });
            }
        }

        if (lost && previous is not null)
        {
            report.Add(new MovementInfo(MovementCommand.Scan, null, now.Name, now.Index, previous.OnHomeLink));
        }

        return report;
    }

    private MovementInfo? Choose(InterfaceState now)
    {
        if (!now.Up)
        {
            return null;
        }

        var usable = now.Addresses.Where(a => a.IsUsable && !a.Address.Equals(homeAddress) && !_stale.Contains(a.Address)).ToList();
        if (homeAddress is not null && usable.Any(a => InHomePrefix(a.Address)))
        {
            return new MovementInfo(MovementCommand.ReturnedHome, homeAddress, now.Name, now.Index, true);
        }

        if (Current is { Command: MovementCommand.NewCareOfAddress } current && usable.Any(a => a.Address.Equals(current.CareOfAddress)))
        {
            return current with { InterfaceIndex = now.Index };
        }

        var best = usable
            .OrderBy(a => a.IsConfirmed ? 0 : 1)
            .ThenBy(a => a.IsDeprecated ? 1 : 0)
            .ThenBy(a => a.Address.ToString(), StringComparer.Ordinal)
            .FirstOrDefault();
        return best is null ? null : new MovementInfo(MovementCommand.NewCareOfAddress, best.Address, now.Name, now.Index, false);
    }

    private bool InHomePrefix(IPAddress address) => new IPNetwork(MaskedHomePrefix(), homePrefixLength).Contains(address);

    private IPAddress MaskedHomePrefix()
    {
        byte[] bytes = homeAddress!.GetAddressBytes();
        for (int bit = homePrefixLength; bit < 128; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPAddress(bytes);
    }
}
