namespace Shisa.Modules.HomeAgent;

/// <summary>
/// At most a given number of events per fixed one-second window: how the home agent bounds the error answers RFC 6275
/// lets it rate-limit (9.3.3, 11.3.1). A mutable struct: keep it in a field, never a copy.
/// </summary>
internal struct OneSecondWindow
{
    private DateTimeOffset _start;
    private int _taken;

    public OneSecondWindow()
    {
        _start = DateTimeOffset.MinValue;
    }

    /// <summary>Takes one of <paramref name="limit"/> places in the window of <paramref name="now"/>; false when none is left.</summary>
    public bool TryTake(DateTimeOffset now, int limit)
    {
        if (now - _start >= TimeSpan.FromSeconds(1) || now < _start)
        {
            _start = now;
            _taken = 0;
        }

        return ++_taken <= limit;
    }
}
