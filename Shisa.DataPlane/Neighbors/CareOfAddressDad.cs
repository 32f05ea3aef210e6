using System.Net;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Kernel;

namespace Shisa.DataPlane.Neighbors;

/// <summary>
/// Duplicate address detection of a mobile node's care-of addresses, done by the appliance instead of the kernel.
/// Linux turns optimistic DAD off when forwarding is on (every mobile router), so a new address stays tentative
/// for DupAddrDetectTransmits × RetransTimer (1 s) before the kernel lets it be used: most of a mobile router's
/// handover gap. On each Ethernet uplink the kernel's DAD is turned off (<c>accept_dad=0</c>, the old value put
/// back at stop); a new care-of address is used at once, as an optimistic address (RFC 4429 3: it may be used for
/// the node's own traffic, here the BU and the tunnel, while <see cref="DuplicateAddressDetector"/> probes it from ::
/// without a Source Link-Layer Address Option, RFC 4862 5.4). RFC 4429 3.3 also says an optimistic node should
/// not send a Neighbor Solicitation with that option from the address, nor an advertisement that overrides caches;
/// the kernel, which now sees the address as valid, may still resolve the router with the care-of address as the
/// source and its link-layer address attached: a known limit, for at most one RetransTimer (1 s) until the result.
/// When another node holds the address (5.4.5: it must not be used), a warning is logged, the address is
/// withdrawn from the kernel (RTM_DELADDR) and kept withdrawn should SLAAC add it again (at most
/// <see cref="MaxDuplicates"/> remembered, the oldest forgotten first); the movement detector hears the same
/// Dad(Fail) and moves to the next usable address or uplink.
/// </summary>
public sealed partial class CareOfAddressDad
{
    /// <summary>Duplicates remembered (bounded whatever the links do).</summary>
    public const int MaxDuplicates = 16;

    private readonly IKernel _kernel;
    private readonly Func<IPAddress, string, int, bool> _probe;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _savedAcceptDad = new(StringComparer.Ordinal);
    private readonly HashSet<(string Interface, IPAddress Address)> _probing = [];
    private readonly LinkedList<(string Interface, IPAddress Address)> _duplicates = new();

    /// <param name="kernel">Where sysctls are written and duplicates withdrawn.</param>
    /// <param name="probe">Starts a probe of an address on an interface (<see cref="DuplicateAddressDetector.Start"/>).</param>
    /// <param name="logger">Where the duplicate's warning goes.</param>
    public CareOfAddressDad(IKernel kernel, Func<IPAddress, string, int, bool> probe, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(logger);
        _kernel = kernel;
        _probe = probe;
        _logger = logger;
    }

    /// <summary>Interfaces whose DAD the appliance does.</summary>
    public IReadOnlyCollection<string> Interfaces
    {
        get
        {
            lock (_lock)
            {
                return [.. _savedAcceptDad.Keys.Where(k => k != AllInterfaces)];
            }
        }
    }

    /// <summary>
    /// Turns the kernel's DAD off on <paramref name="interfaceName"/> (an Ethernet uplink: the probe needs a
    /// link-layer address). The kernel does DAD where either <c>conf/all</c> or the interface's own
    /// <c>accept_dad</c> is at least 1 (ip-sysctl.rst: the maximum of the two decides), so <c>all</c> goes to 0 too: every other interface keeps its
    /// DAD through its own value.
    /// </summary>
    public void TakeOver(string interfaceName)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        lock (_lock)
        {
            TakeOverLocked(AllInterfaces);
            TakeOverLocked(interfaceName);
        }
    }

    private const string AllInterfaces = "all";

    // Under _lock.
    private void TakeOverLocked(string interfaceName)
    {
        if (interfaceName == AllInterfaces && _savedAcceptDad.ContainsKey(AllInterfaces))
        {
            return;
        }

        string key = $"net.ipv6.conf.{interfaceName}.accept_dad";
        try
        {
            string old = _kernel.ReadSysctl(key);
            if (old != "0")
            {
                _kernel.WriteSysctl(key, "0");
            }

            // Hotplug: the value read after a replug is the kernel's default for the new device, restored as such.
            _savedAcceptDad[interfaceName] = old;
            Log.TookOver(_logger, interfaceName, old);
        }
        catch (KernelException exception)
        {
            Log.TakeOverFailed(_logger, interfaceName, exception.Message);
        }
    }

    /// <summary>A new care-of address on an interface whose DAD is ours: probe it (it is in use meanwhile, RFC 4429).</summary>
    public void OnMovement(MovementInfo movement)
    {
        ArgumentNullException.ThrowIfNull(movement);
        if (movement is not { Command: MovementCommand.NewCareOfAddress, CareOfAddress: { } address })
        {
            return;
        }

        var key = (movement.InterfaceName, address);
        lock (_lock)
        {
            if (movement.InterfaceName == AllInterfaces || !_savedAcceptDad.ContainsKey(movement.InterfaceName) || _duplicates.Contains(key) || !_probing.Add(key))
            {
                return;
            }
        }

        // False: no probe (the uplink's port is not open yet: a device just made, whose kernel DAD was still on when
        // it formed the address). A refusal was answered Busy at once, which removed it already.
        if (!_probe(address, movement.InterfaceName, movement.InterfaceIndex))
        {
            lock (_lock)
            {
                _probing.Remove(key);
            }
        }
    }

    /// <summary>The uplink's device is gone: nothing to put back; a device made again under its name is taken over anew.</summary>
    public void Forget(string interfaceName)
    {
        lock (_lock)
        {
            if (interfaceName != AllInterfaces)
            {
                _savedAcceptDad.Remove(interfaceName);
            }
        }
    }

    /// <summary>A detector result: a failed care-of address is logged, remembered and withdrawn. True when it was one.</summary>
    public bool OnResult(Dad result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!result.IsResult)
        {
            return false;
        }

        var key = (result.InterfaceName, result.Address);
        lock (_lock)
        {
            if (!_probing.Remove(key) || result.Message != DadMessage.Fail)
            {
                return false;
            }

            if (!_duplicates.Contains(key))
            {
                _duplicates.AddLast(key);
                if (_duplicates.Count > MaxDuplicates)
                {
                    _duplicates.RemoveFirst();
                }
            }
        }

        Log.Duplicate(_logger, result.Address, result.InterfaceName);
        WithdrawDuplicates();
        return true;
    }

    /// <summary>Deletes from the kernel every remembered duplicate it holds (SLAAC adds one back at each advertisement).</summary>
    public void WithdrawDuplicates()
    {
        List<(string Interface, IPAddress Address)> duplicates;
        lock (_lock)
        {
            if (_duplicates.Count == 0)
            {
                return;
            }

            duplicates = [.. _duplicates];
        }

        foreach (var group in duplicates.GroupBy(d => d.Interface))
        {
            try
            {
                foreach (var held in _kernel.ListAddresses(group.Key))
                {
                    if (group.Any(d => d.Address.Equals(held.Address)))
                    {
                        _kernel.DeleteAddress(held);
                        Log.Withdrawn(_logger, held.Address, held.Device);
                    }
                }
            }
            catch (KernelException exception)
            {
                Log.WithdrawFailed(_logger, group.Key, exception.Message);
            }
        }
    }

    /// <summary>Puts back the kernel's DAD setting of each interface taken over.</summary>
    public void Restore()
    {
        lock (_lock)
        {
            foreach (var (name, old) in _savedAcceptDad)
            {
                try
                {
                    _kernel.WriteSysctl($"net.ipv6.conf.{name}.accept_dad", old);
                }
                catch (KernelException exception)
                {
                    Log.TakeOverFailed(_logger, name, exception.Message); // the interface may be gone
                }
            }

            _savedAcceptDad.Clear();
            _probing.Clear();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5040, Level = LogLevel.Information, Message = "care-of address DAD on {Interface} done by the appliance: kernel accept_dad {Old} -> 0")]
        public static partial void TookOver(ILogger logger, string @interface, string old);

        [LoggerMessage(EventId = 5041, Level = LogLevel.Warning, Message = "accept_dad of {Interface} not changed: {Error}")]
        public static partial void TakeOverFailed(ILogger logger, string @interface, string error);

        [LoggerMessage(EventId = 5042, Level = LogLevel.Warning, Message = "care-of address {Address} on {Interface} is a duplicate (DAD failed: another node holds it): withdrawn, not used")]
        public static partial void Duplicate(ILogger logger, IPAddress address, string @interface);

        [LoggerMessage(EventId = 5043, Level = LogLevel.Information, Message = "duplicate address {Address} deleted from {Interface}")]
        public static partial void Withdrawn(ILogger logger, IPAddress address, string @interface);

        [LoggerMessage(EventId = 5044, Level = LogLevel.Warning, Message = "withdrawing duplicate addresses from {Interface} failed: {Error}")]
        public static partial void WithdrawFailed(ILogger logger, string @interface, string error);
    }
}
