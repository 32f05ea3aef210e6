using System.Net;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Kernel;

namespace Shisa.DataPlane.Forwarding;

/// <summary>
/// The correspondent's binding cache (RFC 6275 9.3.2): what the kernel sends to a bound home address goes into the
/// TUN (a route in the correspondent's own table, which a rule applies to every packet but the appliance's own),
/// and from there out to the care-of address with a type 2 routing header.
/// </summary>
internal sealed class CorrespondentBindings(
    CorrespondentBindingTable table,
    DesiredKernelState desired,
    string tunnel,
    int routeTable,
    ILogger logger) : StateHandler
{
    public override IReadOnlyList<MessageType> Types { get; } =
        [MessageType.BindingCacheAdd, MessageType.BindingCacheRemove, MessageType.BindingCacheFlush];

    public override bool Apply(MobilityMessage message)
    {
        switch (message)
        {
            case BindingCacheAdd add when !add.Entry.IsHomeRegistration:
                var binding = new CorrespondentBinding(add.Entry.HomeAddress, add.Entry.CareOfAddress, add.Entry.Peer);
                if (table.Set(binding, out var previous) == BindingSetResult.Full)
                {
                    ForwardingLog.TableFull(logger, "correspondent cache", add.Entry.HomeAddress, table.Capacity);
                    return true;
                }

                if (previous is null)
                {
                    desired.Require(Route(binding.HomeAddress));
                }

                ForwardingLog.BindingSet(logger, "correspondent cache", binding.ToString());
                return true;
            case BindingCacheRemove remove when !remove.Entry.IsHomeRegistration:
                if (table.Remove(new CorrespondentKey(AddressKey.From(remove.Entry.Peer), AddressKey.From(remove.Entry.HomeAddress)), out var removed))
                {
                    desired.Release(Route(removed.HomeAddress));
                    ForwardingLog.BindingRemoved(logger, "correspondent cache", remove.Entry.HomeAddress);
                }

                return true;
            case BindingCacheFlush:
                foreach (var gone in table.Clear())
                {
                    desired.Release(Route(gone.HomeAddress));
                }

                return true;
            default:
                return false;
        }
    }

    private KernelRoute Route(UInt128 homeAddress) => new(new IPNetwork(AddressKey.ToAddress(homeAddress), 128), tunnel, routeTable);
}
