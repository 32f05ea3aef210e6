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
    private readonly HashSet<(int InterfaceIndex, IPAddress Address)> _stale = [];
    private readonly bool _carrierLossIsMovement;
    private readonly LinkedList<(int InterfaceIndex, IPAddress Address)> _duplicates = new();
    private readonly bool _eachUplink;
    private Dictionary<int, Attachment> _uplinks = [];

    /// <summary>Duplicate care-of addresses remembered (<see cref="Refuse"/>); the oldest go first.</summary>
    public const int MaxDuplicates = 16;

    /// <param name="homeAddress">The mobile node's home address.</param>
    /// <param name="homePrefixLength">Its prefix length: an address inside it means the home link.</param>
    /// <param name="interfaces">The egress interfaces, most preferred first; empty: every interface, by index.</param>
    /// <param name="carrierLossIsMovement">Method <c>link</c>: a lost carrier means the node left the link at once.
    /// Without it the attachment is held across a carrier loss, and Neighbor Discovery (<see cref="RouterDetection"/>)
    /// says whether the link changed (<see cref="Forget"/>, <see cref="Confirm"/>).</param>
    /// <param name="eachUplink">Multiple care-of addresses (RFC 5648): every egress interface that is up with a usable
    /// care-of address is reported (a new or changed one as NewCareOfAddress, a lost one as CareOfAddressRemoved, each
    /// with its interface), not only the preferred one; the home link still wins over all of them.</param>
    public MovementDecider(IPAddress homeAddress, int homePrefixLength, IReadOnlyList<string> interfaces, bool carrierLossIsMovement = true, bool eachUplink = false)
    {
        _eachUplink = eachUplink;
        _carrierLossIsMovement = carrierLossIsMovement;
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
        if (!_carrierLossIsMovement && Current.Kind != AttachmentKind.None
            && snapshot.Links.FirstOrDefault(l => l.Index == Current.InterfaceIndex) is { Up: false }
            && snapshot.Addresses.Any(a => a.InterfaceIndex == Current.InterfaceIndex && a.Address.Equals(Current.Address)))
        {
            return Current; // held until Neighbor Discovery says the link changed
        }

        foreach (var link in OrderedLinks(snapshot))
        {
            if (!link.Up)
            {
                continue;
            }

            if (AttachmentOn(snapshot, link, Current) is { } attachment)
            {
                return attachment;
            }
        }

        return Attachment.None;
    }

    /// <summary>Where <paramref name="link"/> attaches the node: home, away with its best care-of address (<paramref name="keep"/>'s
    /// while still usable), or null without a usable global address.</summary>
    private Attachment? AttachmentOn(NetworkSnapshot snapshot, LinkState link, Attachment keep)
    {
        // The home address itself says nothing about the link: the data plane puts it on the interface at home.
        var usable = snapshot.Addresses
            .Where(a => a.InterfaceIndex == link.Index && a.IsUsable && !a.Address.Equals(_homeAddress) && !_stale.Contains((a.InterfaceIndex, a.Address))
                && !_duplicates.Contains((a.InterfaceIndex, a.Address)))
            .ToList();
        if (usable.Count == 0)
        {
            return null;
        }

        var home = usable.FirstOrDefault(a => _homePrefix.Contains(a.Address));
        if (home is not null)
        {
            return new Attachment(AttachmentKind.Home, link.Name, link.Index, home.Address);
        }

        if (keep.Kind == AttachmentKind.Away && keep.InterfaceIndex == link.Index && usable.Any(a => a.Address.Equals(keep.Address)))
        {
            return keep;
        }

        var best = usable
            .OrderBy(a => a.IsConfirmed ? 0 : 1)
            .ThenBy(a => (a.Flags & AddressFlags.Deprecated) != 0 ? 1 : 0)
            .ThenBy(a => a.Address.ToString(), StringComparer.Ordinal)
            .First();
        return new Attachment(AttachmentKind.Away, link.Name, link.Index, best.Address);
    }

    /// <summary>
    /// RFC 5648 mode: what changed on each uplink since the last update. At home every uplink's binding goes with the
    /// return home (the node does not keep foreign bindings while at home: RFC 5648 5.6's simultaneous home and
    /// foreign binding is not offered), so only ReturnedHome is published.
    /// </summary>
    private List<MovementInfo> UpdateEachUplink(NetworkSnapshot snapshot, Attachment next, Attachment previous)
    {
        var published = new List<MovementInfo>();
        var now = new Dictionary<int, Attachment>();
        if (next.Kind == AttachmentKind.Home)
        {
            if (previous.Kind != AttachmentKind.Home)
            {
                published.Add(new MovementInfo(MovementCommand.ReturnedHome, _homeAddress, next.InterfaceName!, next.InterfaceIndex, true));
            }
        }
        else
        {
            foreach (var link in OrderedLinks(snapshot).Where(l => l.Up))
            {
                if (AttachmentOn(snapshot, link, _uplinks.GetValueOrDefault(link.Index, Attachment.None)) is { Kind: AttachmentKind.Away } away)
                {
                    now[link.Index] = away;
                }
            }
        }

        foreach (var (index, old) in _uplinks)
        {
            if (!now.TryGetValue(index, out var kept) || !kept.Address!.Equals(old.Address))
            {
                published.Add(new MovementInfo(MovementCommand.CareOfAddressRemoved, old.Address, old.InterfaceName!, index, false));
            }
        }

        foreach (var (index, away) in now)
        {
            if (!_uplinks.TryGetValue(index, out var old) || !old.Address!.Equals(away.Address))
            {
                published.Add(new MovementInfo(MovementCommand.NewCareOfAddress, away.Address, away.InterfaceName!, index, false));
            }
        }

        _uplinks = now;
        return published;
    }

    /// <summary>Moves to the attachment <paramref name="snapshot"/> gives and returns what to publish about it.</summary>
    public IReadOnlyList<MovementInfo> Update(NetworkSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        MarkStale(snapshot);
        var next = Choose(snapshot);
        var previous = Current;
        if (_eachUplink)
        {
            Current = next;
            var each = UpdateEachUplink(snapshot, next, previous);
            foreach (var lost in each.Where(m => m.Command == MovementCommand.CareOfAddressRemoved && !snapshot.Links.Any(l => l.Index == m.InterfaceIndex && l.Up)).ToList())
            {
                // As below: a link that went forgets what its advertisements taught the kernel.
                each.Add(new MovementInfo(MovementCommand.Scan, null, lost.InterfaceName, lost.InterfaceIndex, false));
            }

            return each;
        }

        if (next == previous)
        {
            return [];
        }

        Current = next;
        List<MovementInfo> published = (previous.Kind, next.Kind) switch
        {
            (_, AttachmentKind.Away) => [new MovementInfo(MovementCommand.NewCareOfAddress, next.Address, next.InterfaceName!, next.InterfaceIndex, false)],
            (not AttachmentKind.Home, AttachmentKind.Home) => [new MovementInfo(MovementCommand.ReturnedHome, _homeAddress, next.InterfaceName!, next.InterfaceIndex, true)],
            (AttachmentKind.Away, AttachmentKind.None) => [new MovementInfo(MovementCommand.CareOfAddressRemoved, previous.Address, previous.InterfaceName!, previous.InterfaceIndex, false)],
            _ => [],
        };

        // The link the node was attached through is gone (carrier lost): the kernel keeps the addresses and default
        // routes its router advertisements made, and would use them on the next link. Say so (MIPM_MD_SCAN), so
        // the data plane forgets them and the next link's advertisements decide.
        if (_carrierLossIsMovement && previous.Kind != AttachmentKind.None && !snapshot.Links.Any(l => l.Index == previous.InterfaceIndex && l.Up))
        {
            published.Add(new MovementInfo(MovementCommand.Scan, null, previous.InterfaceName!, previous.InterfaceIndex, previous.Kind == AttachmentKind.Home));
        }

        return published;
    }

    /// <summary>
    /// The kernel keeps an interface's addresses across a loss of carrier, and the next link may well be another:
    /// an address that was there while the link was down is not chosen until it has gone once (the data plane
    /// removes what the old link's advertisements made; the new link's advertisements make it again if it is
    /// the same link).
    /// </summary>
    private void MarkStale(NetworkSnapshot snapshot)
    {
        foreach (var address in _carrierLossIsMovement ? snapshot.Addresses : [])
        {
            if (!snapshot.Links.Any(l => l.Index == address.InterfaceIndex && l.Up) && address.Scope == AddressScope.Universe)
            {
                _stale.Add((address.InterfaceIndex, address.Address));
            }
        }

        _stale.RemoveWhere(s => !snapshot.Addresses.Any(a => a.InterfaceIndex == s.InterfaceIndex && a.Address.Equals(s.Address)));
    }

    /// <summary>
    /// Neighbor Discovery says the node left the link whose router advertised <paramref name="prefixes"/>: the addresses
    /// they gave on <paramref name="interfaceIndex"/> are not chosen again until they have gone once or the link is
    /// confirmed again (<see cref="Confirm"/>).
    /// </summary>
    public void Forget(int interfaceIndex, IReadOnlyList<Prefix> prefixes, NetworkSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        ArgumentNullException.ThrowIfNull(snapshot);
        foreach (var address in snapshot.Addresses.Where(a => a.InterfaceIndex == interfaceIndex && prefixes.Any(p => p.Contains(a.Address))))
        {
            _stale.Add((interfaceIndex, address.Address));
        }
    }

    /// <summary>
    /// Duplicate address detection found <paramref name="address"/> held by another node (RFC 4862 5.4.5: it must not
    /// be used): never chosen again on <paramref name="interfaceIndex"/>, even if SLAAC forms it again. The next
    /// <see cref="Update"/> moves to the next usable address or uplink. False when it was refused already.
    /// </summary>
    public bool Refuse(int interfaceIndex, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (_duplicates.Contains((interfaceIndex, address)))
        {
            return false;
        }

        _duplicates.AddLast((interfaceIndex, address));
        if (_duplicates.Count > MaxDuplicates)
        {
            _duplicates.RemoveFirst();
        }

        return true;
    }

    /// <summary>Neighbor Discovery confirmed the link of <paramref name="prefixes"/> (RFC 6059): its addresses are usable again at once.</summary>
    public void Confirm(int interfaceIndex, IReadOnlyList<Prefix> prefixes)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        _stale.RemoveWhere(s => s.InterfaceIndex == interfaceIndex && prefixes.Any(p => p.Contains(s.Address)));
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
