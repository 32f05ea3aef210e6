using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Shisa.Modules.Hosting;

/// <summary>A role's core as <see cref="RoleMachineHost{TInput}"/> drives it: one entry point and one deadline.</summary>
/// <typeparam name="TInput">The role's inputs: packets, bus messages, "the deadline came", reloads.</typeparam>
public interface IRoleMachine<in TInput>
{
    /// <summary>Handles one input as of <paramref name="now"/>; the host never calls it twice at once.</summary>
    void Process(TInput input, DateTimeOffset now);

    /// <summary>When the machine next wants the deadline input; null when nothing waits.</summary>
    DateTimeOffset? NextDeadline { get; }
}

/// <summary>
/// SHISA's single select loop and callout queue, for one role: reads the role's input channels, feeds each input to
/// the machine under one lock with the time of the <see cref="TimeProvider"/>, and keeps one timer armed for the
/// machine's <see cref="IRoleMachine{TInput}.NextDeadline"/>. An input whose handling throws is logged and counted
/// and the next one is handled: one bad packet never ends a role.
/// </summary>
public sealed class RoleMachineHost<TInput> : IAsyncDisposable
    where TInput : class
{
    private readonly string _role;
    private readonly IRoleMachine<TInput> _machine;
    private readonly TInput _deadlineReached;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _pumps = [];
    private DateTimeOffset? _armedFor;
    private long _eventsFailed;
    private bool _stopped;

    /// <param name="role">The module's name, for the log.</param>
    /// <param name="machine">The role's core.</param>
    /// <param name="deadlineReached">The input fed when the machine's deadline comes.</param>
    /// <param name="time">The clock and the timer.</param>
    /// <param name="logger">Where failed inputs are logged.</param>
    public RoleMachineHost(string role, IRoleMachine<TInput> machine, TInput deadlineReached, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(deadlineReached);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _role = role;
        _machine = machine;
        _deadlineReached = deadlineReached;
        _time = time;
        _logger = logger;
        _timer = time.CreateTimer(static state => ((RoleMachineHost<TInput>)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        lock (_gate)
        {
            Rearm(); // a machine may want its deadline before any input (a nonce to regenerate)
        }
    }

    /// <summary>The host's clock: the time its inputs are fed with.</summary>
    public DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>Inputs whose handling threw (logged, dropped; the next one was handled).</summary>
    public long EventsFailed => Interlocked.Read(ref _eventsFailed);

    /// <summary>Feeds every item of <paramref name="reader"/>, mapped by <paramref name="toInput"/> (null: skipped), until stopped.</summary>
    public void Listen<T>(ChannelReader<T> reader, Func<T, TInput?> toInput)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(toInput);
        var token = _stopping.Token;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            _pumps.Add(Task.Run(() => PumpAsync(reader, toInput, token), CancellationToken.None));
        }
    }

    /// <summary>Feeds one input now (a restore at start, a reload); a no-op once stopped.</summary>
    public void Dispatch(TInput input)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            Process(input);
            Rearm();
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the machine under the host's lock (a snapshot, an operator's flush), then
    /// re-arms the timer while running; returns <paramref name="action"/>'s result. After a stop it still runs (a last
    /// snapshot) but no input is fed any more.
    /// </summary>
    public T Run<T>(Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (_gate)
        {
            var result = action();
            if (!_stopped)
            {
                Rearm();
            }

            return result;
        }
    }

    /// <summary>Stops reading the channels (the caller disposes their subscriptions) and disarms the timer.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        Task pumps;
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            pumps = Task.WhenAll(_pumps);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await pumps.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            _armedFor = null; // fired: one-shot, so disarmed
            if (_stopped)
            {
                return;
            }

            Process(_deadlineReached);
            Rearm();
        }
    }

    // Under _gate.
    private void Process(TInput input)
    {
        try
        {
            _machine.Process(input, _time.GetUtcNow());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The machine's state is changed only by completed steps: drop the input, keep the role.
            Interlocked.Increment(ref _eventsFailed);
            ModuleHostLog.InputFailed(_logger, e, _role, input.GetType().Name);
        }
    }

    private async Task PumpAsync<T>(ChannelReader<T> reader, Func<T, TInput?> toInput, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (toInput(item) is { } input)
                {
                    Dispatch(input);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    // Under _gate: one timer for the whole machine, armed for its next deadline (a due one fires at once).
    private void Rearm()
    {
        var next = _machine.NextDeadline;
        if (next == _armedFor)
        {
            return;
        }

        _armedFor = next;
        if (next is { } due)
        {
            var wait = due - _time.GetUtcNow();
            _timer.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }
}
