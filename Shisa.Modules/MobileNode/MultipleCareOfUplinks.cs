using System.Diagnostics.CodeAnalysis;
using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.Modules.MobileNode;

/// <summary>One uplink's care-of address and its RFC 5648 binding id (its priority: the lowest is preferred).</summary>
public readonly record struct UplinkCareOf(ushort BindingId, IPAddress CareOfAddress, string InterfaceName);

/// <summary>
/// The mobile node's side of RFC 5648 for <see cref="HomeRegistration"/>: the care-of address of each uplink by binding
/// id (stable: the profile gives each uplink its id), the Binding Identifier options of a bulk registration, and the
/// binding update list entries the acknowledgement accepted, one per binding id. Not thread-safe: the machine owns it.
/// </summary>
internal sealed class MultipleCareOfUplinks(Func<string, ushort?> bindingIdOf)
{
    private readonly SortedList<ushort, UplinkCareOf> _uplinks = [];
    private readonly SortedList<ushort, BindingUpdateListEntry> _published = [];

    /// <summary>False once the home agent refused binding ids (166): registrations go without them, from the preferred uplink.</summary>
    public bool Registering { get; private set; } = true;

    /// <summary>The preferred uplink (the lowest binding id) with a care-of address; null when none has one.</summary>
    public UplinkCareOf? Preferred => _uplinks.Count > 0 ? _uplinks.Values[0] : null;

    /// <summary>The entries published, one per binding id bound, the preferred first.</summary>
    public IReadOnlyList<BindingUpdateListEntry> Published => [.. _published.Values];

    /// <summary>Records the care-of address of <paramref name="interfaceName"/>; false (with why) when it is no uplink or nothing changed.</summary>
    public bool Set(string interfaceName, IPAddress careOf, [NotNullWhen(false)] out string? why)
    {
        if (bindingIdOf(interfaceName) is not { } id)
        {
            why = $"{interfaceName} is not an uplink";
            return false;
        }

        if (_uplinks.TryGetValue(id, out var known) && known.CareOfAddress.Equals(careOf))
        {
            why = "same care-of address on its uplink";
            return false;
        }

        _uplinks[id] = new UplinkCareOf(id, careOf, interfaceName);
        why = null;
        return true;
    }

    public bool Remove(IPAddress careOf, out UplinkCareOf removed)
    {
        foreach (var uplink in _uplinks.Values)
        {
            if (uplink.CareOfAddress.Equals(careOf))
            {
                _uplinks.Remove(uplink.BindingId);
                removed = uplink;
                return true;
            }
        }

        removed = default;
        return false;
    }

    public void Clear() => _uplinks.Clear();

    /// <summary>The sequence number of a single binding id's deregistration whose answer has not come; null when none.</summary>
    private ushort? _deregistration;

    public void Deregistering(ushort sequence) => _deregistration = sequence;

    /// <summary>True (once) when <paramref name="sequence"/> answers the outstanding single deregistration.</summary>
    public bool TakeDeregistration(ushort sequence)
    {
        if (_deregistration != sequence)
        {
            return false;
        }

        _deregistration = null;
        return true;
    }

    public void Refused() => Registering = false;

    /// <summary>RFC 5648 6.1, 6.2: a bulk registration of every uplink, each option with its care-of address and O, so the
    /// home agent's bindings become exactly these (a binding of an uplink that went is removed too).</summary>
    public EquatableArray<BindingIdentifierOption> RegistrationOptions() =>
        Registering
            ? new([.. _uplinks.Values.Select(u => new BindingIdentifierOption(u.BindingId, 0, BindingIdentifierFlags.O, u.CareOfAddress))])
            : default;

    /// <summary>
    /// The acknowledgement of a bulk registration (RFC 5648 6.2): an entry for each binding id it accepted (the echoed
    /// option's status below 128), with the care-of address the Binding Update gave it; the others are withdrawn.
    /// A home agent that echoed no option does not know RFC 5648 (it skipped the option as unknown, RFC 6275 9.5.1):
    /// the one binding it made is the preferred uplink's, and later registrations go without binding ids. Returns the
    /// preferred entry.
    /// </summary>
    public BindingUpdateListEntry Bind(BindingUpdateListEntry bound, IReadOnlyList<BindingIdentifierOption> sent, BindingAcknowledgement ba, List<HomeRegistrationAction> actions)
    {
        var echoed = ba.Options.OfType<BindingIdentifierOption>().ToList();
        if (echoed.Count == 0)
        {
            Registering = false;
            Unpublish(actions);
            actions.Add(new PublishMessage(new BindingUpdateListAdd(bound)));
            return bound;
        }

        foreach (var option in sent)
        {
            var answer = echoed.Find(e => e.BindingId == option.BindingId);
            if (answer is not null && answer.Status < BindingAcknowledgement.FirstRejectionStatus)
            {
                var entry = bound with { CareOfAddress = option.CareOfAddress ?? bound.CareOfAddress, BindingId = option.BindingId };
                _published[option.BindingId] = entry;
                actions.Add(new PublishMessage(new BindingUpdateListAdd(entry)));
            }
            else
            {
                Unpublish(option.BindingId, actions);
            }
        }

        foreach (var id in _published.Keys.Where(id => !sent.Any(o => o.BindingId == id)).ToList())
        {
            Unpublish(id, actions);
        }

        return _published.Count > 0 ? _published.Values[0] : bound;
    }

    public void Unpublish(ushort bindingId, List<HomeRegistrationAction> actions)
    {
        if (_published.Remove(bindingId, out var entry))
        {
            actions.Add(new PublishMessage(new BindingUpdateListRemove(entry)));
        }
    }

    public void Unpublish(List<HomeRegistrationAction> actions)
    {
        foreach (var entry in _published.Values)
        {
            actions.Add(new PublishMessage(new BindingUpdateListRemove(entry)));
        }

        _published.Clear();
    }
}
