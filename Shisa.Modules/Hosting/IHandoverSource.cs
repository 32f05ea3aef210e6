using System.Net;

namespace Shisa.Modules.Hosting;

/// <summary>
/// A module that moves (a mobile node or router) and remembers its recent handovers, for the status page's
/// timeline and the handover duration histogram (DESIGN 8). A copy taken at one instant, oldest first.
/// </summary>
public interface IHandoverSource
{
    IReadOnlyList<Handover> GetHandovers();
}

/// <summary>One handover: the movement report (<paramref name="MovedAt"/>) to the accepted Binding Acknowledgement (<paramref name="BoundAt"/>).</summary>
/// <param name="From">The previous care-of address; null for the first registration away from home.</param>
/// <param name="To">The new care-of address.</param>
/// <param name="InterfaceName">The interface the new care-of address is on, if known.</param>
/// <param name="MovedAt">When the movement was reported.</param>
/// <param name="BoundAt">When the Binding Acknowledgement accepted the new care-of address.</param>
public sealed record Handover(IPAddress? From, IPAddress To, string? InterfaceName, DateTimeOffset MovedAt, DateTimeOffset BoundAt)
{
    public TimeSpan Duration => BoundAt - MovedAt;
}
