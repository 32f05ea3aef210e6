using System.Net;
using Shisa.DataPlane.Bus;

namespace Shisa.Modules.MovementDetection;

/// <summary>Where the node is attached: nowhere, at home, or away with a care-of address.</summary>
public sealed record Attachment(AttachmentKind Kind, string? InterfaceName = null, int InterfaceIndex = 0, IPAddress? Address = null)
{
    public static Attachment None { get; } = new(AttachmentKind.None);
}

public enum AttachmentKind
{
    None,
    Home,
    Away,
}

/// <summary>
/// The movement detector's decision (SHISA babymdd's), kept apart from how links and addresses are learnt: given
/// the links and addresses now, where is the node attached, and what MovementInfo does the change since last time
/// call for. Pure apart from remembering the last attachment.
/// </summary>
public sealed class MovementDecider
{
    private readonly Prefix _homePrefix;
    private readonly IPAddress _homeAddress;
    private readonly IReadOnlyList<string> _interfaces;

    /// <param name="homeAddress">The mobile node's home address.</param>
    /// <param name="homePrefixLength">Its prefix length: an address inside it means the home link.</param>
    /// <param name="interfaces">The egress interfaces, most preferred first; empty: every interface, by index.</param>
    public MovementDecider(IPAddress homeAddress, int homePrefixLength, IReadOnlyList<string> interfaces)
    {
        ArgumentNullException.ThrowIfNull(homeAddress);
        ArgumentNullException.ThrowIfNull(interfaces);
        _homeAddress = homeAddress;
        _homePrefix = new Prefix(homeAddress, homePrefixLength);
        _interfaces = interfaces;
    }

    public Attachment Current { get; private set; } = Attachment.None;

    /// <summary>Chooses the attachment for <paramref name="snapshot"/>: the first egress interface, in order of
    /// preference, that is up and has a usable global address decides; an address inside the home prefix means home,
    /// otherwise the care-of address is kept if still usable, else the best one (past DAD, not deprecated).</summary>
    public Attachment Choose(NetworkSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        foreach (var link in OrderedLinks(snapshot))
        {
            if (!link.Up)
            {
                continue;
            }

            var usable = snapshot.Addresses.Where(a => a.InterfaceIndex == link.Index && a.IsUsable).ToList();
            if (usable.Count == 0)
            {
                continue;
            }

            var home = usable.FirstOrDefault(a => _homePrefix.Contains(a.Address));
            if (home is not null)
            {
                return new Attachment(AttachmentKind.Home, link.Name, link.Index, home.Address);
            }

            if (Current.Kind == AttachmentKind.Away && Current.InterfaceIndex == link.Index && usable.Any(a => a.Address.Equals(Current.Address)))
            {
                return Current;
            }

            var best = usable
                .OrderBy(a => a.IsConfirmed ? 0 : 1)
                .ThenBy(a => (a.Flags & AddressFlags.Deprecated) != 0 ? 1 : 0)
                .ThenBy(a => a.Address.ToString(), StringComparer.Ordinal)
                .First();
            return new Attachment(AttachmentKind.Away, link.Name, link.Index, best.Address);
        }

        return Attachment.None;
    }

    /// <summary>Moves to the attachment <paramref name="snapshot"/> gives and returns what to publish about it.</summary>
    public IReadOnlyList<MovementInfo> Update(NetworkSnapshot snapshot)
    {
        var next = Choose(snapshot);
        var previous = Current;
        if (next == previous)
        {
            return [];
        }

        Current = next;
        return (previous.Kind, next.Kind) switch
        {
            (_, AttachmentKind.Away) => [new MovementInfo(MovementCommand.NewCareOfAddress, next.Address, next.InterfaceName!, next.InterfaceIndex, false)],
            (not AttachmentKind.Home, AttachmentKind.Home) => [new MovementInfo(MovementCommand.ReturnedHome, _homeAddress, next.InterfaceName!, next.InterfaceIndex, true)],
            (AttachmentKind.Away, AttachmentKind.None) => [new MovementInfo(MovementCommand.CareOfAddressRemoved, previous.Address, previous.InterfaceName!, previous.InterfaceIndex, false)],
            _ => [],
        };
    }

    private IEnumerable<LinkState> OrderedLinks(NetworkSnapshot snapshot)
    {
        if (_interfaces.Count == 0)
        {
            return snapshot.Links.OrderBy(l => l.Index);
        }

        return _interfaces.SelectMany(name => snapshot.Links.Where(l => l.Name == name).Take(1));
    }
}
