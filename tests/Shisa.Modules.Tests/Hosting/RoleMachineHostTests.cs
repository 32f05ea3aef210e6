using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shisa.Modules.Hosting;

namespace Shisa.Modules.Tests.Hosting;

public sealed class RoleMachineHostTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task Inputs_from_a_channel_reach_the_machine_in_order()
    {
        var machine = new RecordingMachine();
        await using var host = new RoleMachineHost<Input>("test", machine, Input.Deadline, new FakeTimeProvider(T0), NullLogger.Instance);
        var channel = Channel.CreateUnbounded<int>();
        host.Listen(channel.Reader, static n => new Input($"packet {n}"));
        for (int n = 1; n <= 3; n++)
        {
            channel.Writer.TryWrite(n);
        }

        await WaitUntil(() => machine.Count == 3);
        Assert.That(machine.Seen, Is.EqualTo(new[] { "packet 1", "packet 2", "packet 3" }));
    }

    [Test]
    public async Task The_deadline_input_is_fed_when_the_machines_next_deadline_comes()
    {
        var time = new FakeTimeProvider(T0);
        var machine = new RecordingMachine { NextDeadline = T0 + TimeSpan.FromSeconds(10) };
        await using var host = new RoleMachineHost<Input>("test", machine, Input.Deadline, time, NullLogger.Instance);
        host.Dispatch(new Input("arms the timer"));

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.That(machine.Seen, Is.EqualTo(new[] { "arms the timer" }), "not yet due");

        machine.NextDeadline = null;
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(machine.Seen, Is.EqualTo(new[] { "arms the timer", "deadline" }));
        Assert.That(machine.Times[^1], Is.EqualTo(T0 + TimeSpan.FromSeconds(10)), "fed with the time it came");

        time.Advance(TimeSpan.FromMinutes(5));
        Assert.That(machine.Count, Is.EqualTo(2), "no deadline left: the timer stays disarmed");
    }

    [Test]
    public async Task A_deadline_the_machine_has_before_any_input_is_armed_at_once()
    {
        var time = new FakeTimeProvider(T0);
        var machine = new RecordingMachine { NextDeadline = T0 + TimeSpan.FromSeconds(3) };
        await using var host = new RoleMachineHost<Input>("test", machine, Input.Deadline, time, NullLogger.Instance);
        machine.NextDeadline = null;

        time.Advance(TimeSpan.FromSeconds(3));
        Assert.That(machine.Seen, Is.EqualTo(new[] { "deadline" }));
    }

    [Test]
    public async Task A_deadline_moved_earlier_rearms_the_timer()
    {
        var time = new FakeTimeProvider(T0);
        var machine = new RecordingMachine { NextDeadline = T0 + TimeSpan.FromSeconds(60) };
        await using var host = new RoleMachineHost<Input>("test", machine, Input.Deadline, time, NullLogger.Instance);
        host.Dispatch(new Input("late deadline"));
        machine.NextDeadline = T0 + TimeSpan.FromSeconds(5);
        host.Dispatch(new Input("earlier deadline"));
        machine.NextDeadline = null;

        time.Advance(TimeSpan.FromSeconds(5));
        Assert.That(machine.Seen[^1], Is.EqualTo("deadline"));
    }

    [Test]
    public async Task An_input_that_throws_is_counted_and_the_next_one_is_handled()
    {
        var machine = new RecordingMachine { ThrowOn = "bad" };
        await using var host = new RoleMachineHost<Input>("test", machine, Input.Deadline, new FakeTimeProvider(T0), NullLogger.Instance);
        host.Dispatch(new Input("bad"));
        host.Dispatch(new Input("good"));

        Assert.That(host.EventsFailed, Is.EqualTo(1));
        Assert.That(machine.Seen, Is.EqualTo(new[] { "bad", "good" }));
    }

    [Test]
    public async Task After_a_stop_no_input_reaches_the_machine_but_a_last_snapshot_still_runs()
    {
        var time = new FakeTimeProvider(T0);
        var machine = new RecordingMachine { NextDeadline = T0 + TimeSpan.FromSeconds(1) };
        var host = new RoleMachineHost<Input>("test", machine, Input.Deadline, time, NullLogger.Instance);
        var channel = Channel.CreateUnbounded<int>();
        host.Listen(channel.Reader, static n => new Input($"packet {n}"));
        await host.StopAsync();

        host.Dispatch(new Input("after stop"));
        channel.Writer.TryWrite(1);
        time.Advance(TimeSpan.FromSeconds(2));
        await Task.Delay(50);

        Assert.That(machine.Count, Is.Zero);
        Assert.That(host.Run(() => machine.Count + 42), Is.EqualTo(42));
        Assert.That(() => host.Listen(channel.Reader, static n => new Input($"packet {n}")), Throws.TypeOf<ObjectDisposedException>());
        await host.DisposeAsync();
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }

    private sealed record Input(string Name)
    {
        public static readonly Input Deadline = new("deadline");
    }

    private sealed class RecordingMachine : IRoleMachine<Input>
    {
        private readonly List<string> _seen = [];

        public List<DateTimeOffset> Times { get; } = [];

        public string? ThrowOn { get; init; }

        public DateTimeOffset? NextDeadline { get; set; }

        public int Count
        {
            get
            {
                lock (_seen)
                {
                    return _seen.Count;
                }
            }
        }

        public string[] Seen
        {
            get
            {
                lock (_seen)
                {
                    return [.. _seen];
                }
            }
        }

        public void Process(Input input, DateTimeOffset now)
        {
            lock (_seen)
            {
                _seen.Add(input.Name);
                Times.Add(now);
            }

            if (input.Name == ThrowOn)
            {
                throw new InvalidOperationException("a bad input");
            }
        }
    }
}
