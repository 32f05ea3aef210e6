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
public sealed record Handover(IPAddress? From, IPAddress To, string? InterfaceName, DateTimeOffset MovedAt, DateTimeOffset BoundAt)
{
    public TimeSpan Duration => BoundAt - MovedAt;
}
