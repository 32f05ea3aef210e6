namespace Shisa.Appliance.Web;

/// <summary>What the status server shows: a snapshot on demand and the live bus feed.</summary>
public interface IStatusSource
{
    StatusSnapshot Capture();

    /// <summary>Bus messages from now on, until <paramref name="cancellationToken"/> ends the feed.</summary>
    IAsyncEnumerable<BusEvent> FollowEvents(CancellationToken cancellationToken);
}
