namespace Shisa.Modules.MovementDetection;

/// <summary>Links and addresses as the netlink events so far tell them; bounded. Not thread-safe.</summary>
public sealed class InterfaceTable
{
    private const int MaxAddresses = 1024;
    private const int MaxLinks = 256;

    private readonly Dictionary<int, LinkState> _links = [];
    private readonly List<InterfaceAddress> _addresses = [];

    public void Apply(NetlinkEvent @event)
    {
        switch (@event)
        {
            case LinkChanged changed when _links.ContainsKey(changed.Link.Index) || _links.Count < MaxLinks:
                _links[changed.Link.Index] = changed.Link;
                break;
            case LinkRemoved removed:
                _links.Remove(removed.Index);
                _addresses.RemoveAll(a => a.InterfaceIndex == removed.Index);
                break;
            case AddressAdded added:
                int at = _addresses.FindIndex(a => Same(a, added.Address));
                if (at >= 0)
                {
                    _addresses[at] = added.Address; // flags change, e.g. tentative -> done
                }
                else if (_addresses.Count < MaxAddresses)
                {
                    _addresses.Add(added.Address);
                }

                break;
            case AddressRemoved removed:
                _addresses.RemoveAll(a => Same(a, removed.Address));
                break;
        }
    }

    public NetworkSnapshot Snapshot() => new([.. _links.Values.OrderBy(l => l.Index)], [.. _addresses]);

    private static bool Same(InterfaceAddress a, InterfaceAddress b) => a.InterfaceIndex == b.InterfaceIndex && a.Address.Equals(b.Address);
}
