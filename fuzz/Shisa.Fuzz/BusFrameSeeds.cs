using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Bus.Encoding;

namespace Shisa.Fuzz;

/// <summary>Seeds for the busframe target: one frame of each message type (`Shisa.Fuzz --seed-busframe DIR`).</summary>
internal static class BusFrameSeeds
{
    public static int Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var v4 = IPAddress.Parse("192.0.2.10");
        var entry = new BindingCacheEntry(Topology.Home, Topology.CareOf, Topology.HomeAgent,
            BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.MobileRouter | BindingUpdateFlags.Acknowledge,
            TimeSpan.FromSeconds(60), 7, [Topology.MobileNetwork]);
        var bul = new BindingUpdateListEntry(Topology.HomeAgent, Topology.Home, Topology.CareOf,
            BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.Acknowledge, TimeSpan.FromSeconds(420), 65535,
            BindingUpdateListState.Bound, [Topology.MobileNetwork], 3);
        MobilityMessage[] messages =
        [
            new NodeTypeInfo(NodeType.HomeAgent | NodeType.CorrespondentNode, true),
            new BindingCacheAdd(entry),
            new BindingCacheRemove(entry with { CareOfAddress = v4, MobileNetworkPrefixes = default }),
            new BindingCacheFlush(),
            new BindingUpdateListAdd(bul),
            new BindingUpdateListRemove(bul with { State = BindingUpdateListState.Deregistering }),
            new BindingUpdateListFlush(),
            new MovementInfo(MovementCommand.NewCareOfAddress, Topology.CareOf, "mn0", 4, false),
            new MovementInfo(MovementCommand.ReturnedHome, Topology.Home, "eth0", 2, true, Topology.Home),
            new HomeHint("eth0", 2, Topology.HomePrefix),
            new RrHint(Topology.Home, Topology.Correspondent),
            new BeHint(BindingErrorStatus.UnknownBindingForHomeAddressOption, Topology.CareOf, Topology.HomeAgent, Topology.Home),
            new Dad(DadMessage.Do, Topology.Home, "eth0", 2),
        ];
        uint sequence = 0;
        foreach (var message in messages)
        {
            var frame = BusFrame.ToArray(new BusEnvelope(++sequence, Topology.T0, message, "fuzz"));
            File.WriteAllBytes(Path.Combine(directory, $"{sequence:D2}_{message.Type}.bin"), frame);
        }

        return messages.Length;
    }
}
