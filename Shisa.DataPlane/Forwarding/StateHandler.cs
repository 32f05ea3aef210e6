using Shisa.DataPlane.Bus;

namespace Shisa.DataPlane.Forwarding;

/// <summary>
/// One role's part of the forwarding state: applies the bus messages of the types it names to the binding tables
/// and to the <see cref="DesiredKernelState"/>. Called by the <see cref="ForwardingStateWriter"/> only, one message
/// at a time, under its lock.
/// </summary>
internal abstract class StateHandler
{
    /// <summary>The message types this handler takes (any of them may still be for another role: see <see cref="Apply"/>).</summary>
    public abstract IReadOnlyList<MessageType> Types { get; }

    /// <summary>Applies <paramref name="message"/>; false when it is not this role's (e.g. a correspondent binding for the home agent part).</summary>
    public abstract bool Apply(MobilityMessage message);

    /// <summary>Called once the kernel holds what the last applies asked for (after each sync).</summary>
    public virtual void Synced()
    {
    }
}
