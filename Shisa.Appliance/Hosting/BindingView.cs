using System.Net;
using Shisa.DataPlane.Bus;

namespace Shisa.Appliance.Hosting;

/// <summary>
/// The binding cache and binding update list as the bus has announced them (BcAdd/Remove/Flush,
/// BulAdd/Remove/Flush): what the status page shows. Fed by <see cref="Apply"/>, read as copies.
/// Bounded like the tables it mirrors: past <see cref="Capacity"/> entries, new keys are counted and ignored.
/// </summary>
internal sealed class BindingView(int capacity)
{
    private readonly object _gate = new();
    private readonly BindingStateTables<(BindingCacheEntry Entry, DateTimeOffset Since), (BindingUpdateListEntry Entry, DateTimeOffset Since)> _bindings = new(capacity);

    public int Capacity { get; } = capacity;

    public long Overflow { get; private set; }

    public void Apply(BusEnvelope envelope)
    {
        var since = envelope.Timestamp;
        lock (_gate)
        {
            if (!_bindings.Apply(envelope.Message, add => (add.Entry, since), add => (add.Entry, since)))
            {
                Overflow++;
            }
        }
    }

    public (List<(BindingCacheEntry Entry, DateTimeOffset Since)> Cache, List<(BindingUpdateListEntry Entry, DateTimeOffset Since)> List) Copy()
    {
        lock (_gate)
        {
            return ([.. _bindings.Cache.Values.OrderBy(e => e.Entry.HomeAddress.ToString(), StringComparer.Ordinal)],
                    [.. _bindings.UpdateList.Values.OrderBy(e => e.Entry.Peer.ToString(), StringComparer.Ordinal)]);
        }
    }

    internal static string Flags(BindingUpdateFlags flags)
    {
        Span<char> chars = stackalloc char[5];
        int n = 0;
        if ((flags & BindingUpdateFlags.Acknowledge) != 0) chars[n++] = 'A';
        if ((flags & BindingUpdateFlags.HomeRegistration) != 0) chars[n++] = 'H';
        if ((flags & BindingUpdateFlags.LinkLocal) != 0) chars[n++] = 'L';
        if ((flags & BindingUpdateFlags.KeyManagement) != 0) chars[n++] = 'K';
        if ((flags & BindingUpdateFlags.MobileRouter) != 0) chars[n++] = 'R';
        return new string(chars[..n]);
    }

    internal static string Text(IPAddress? address) => address?.ToString() ?? "-";
}
