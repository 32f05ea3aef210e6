using System.Net;

namespace Shisa.Modules.Hosting;

/// <summary>
/// A movement detector that remembers how its recent detections went, for the per-move breakdown of the status
/// page (DESIGN 8): joined with a <see cref="Handover"/> by its new address. A copy taken at one instant, oldest first.
/// </summary>
public interface IDetectionSource
{
    IReadOnlyList<Detection> GetDetections();
}

/// <summary>
/// How one new attachment was found: the move started at <paramref name="StartedAt"/> (<paramref name="StartedBy"/>:
/// "link-up" when the carrier came, "router lost" when the router went silent with the carrier up, "report" when the
/// detector knows nothing earlier than its report), <paramref name="SolicitedAt"/> the first RS or NS went out after it, <paramref name="AnsweredAt"/> the first RA or
/// NA (<paramref name="AnsweredBy"/>) came back, and <paramref name="ReportedAt"/> the detector reported
/// <paramref name="Address"/> (a care-of address, or the home address on return home) on the bus.
/// </summary>
public sealed record Detection(
    string InterfaceName,
    IPAddress Address,
    DateTimeOffset StartedAt,
    string StartedBy,
    DateTimeOffset? SolicitedAt,
    DateTimeOffset? AnsweredAt,
    string? AnsweredBy,
    DateTimeOffset ReportedAt);
