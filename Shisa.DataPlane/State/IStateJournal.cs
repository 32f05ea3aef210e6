using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Dsmip;

namespace Shisa.DataPlane.State;

/// <summary>
/// Where the forwarding-state writer records the binding state it applies (DESIGN 5, "state that outlives the
/// process"): binding cache and binding update list messages, in apply order. <see cref="Flush"/> makes what was
/// appended durable; the writer calls it before any signalling queued behind those messages leaves, so a Binding
/// Acknowledgement is never sent for a binding a crash could lose.
/// </summary>
public interface IStateJournal
{
    /// <summary>
    /// Records a state message (<see cref="BindingCacheAdd"/>, <see cref="BindingCacheRemove"/>,
    /// <see cref="BindingCacheFlush"/>, <see cref="BindingUpdateListAdd"/>, <see cref="BindingUpdateListRemove"/>,
    /// <see cref="BindingUpdateListFlush"/>) applied at <paramref name="at"/>; other messages are ignored.
    /// <paramref name="udpEndpoint"/> is the UDP endpoint of a <see cref="BindingCacheAdd"/> with an IPv4-mapped
    /// care-of address (RFC 5555), kept with it; ignored for any other message.
    /// </summary>
    void Append(MobilityMessage message, DateTimeOffset at, Ipv4Endpoint? udpEndpoint = null);

    /// <summary>What the journal held when it was opened (the data plane seeds its UDP endpoints from it).</summary>
    RestoredState Restored { get; }

    /// <summary>Makes everything appended so far durable (written and fdatasync'ed).</summary>
    void Flush();
}
