using Shisa.DataPlane.Signalling;
using Shisa.Modules.Correspondent;
using BusMessage = Shisa.DataPlane.Bus.MobilityMessage;

namespace Shisa.Fuzz;

/// <summary>
/// The correspondent node fed whole Mobility Header packets (<see cref="CorrespondentNode.Receive(SignallingPacket, DateTimeOffset)"/>):
/// a fresh node per input holding the vectors' Kcn and nonces (so the rr_crypto.json Binding Update verifies and is
/// bound first), then its timer once the nonces and the binding have expired.
/// </summary>
internal sealed class CorrespondentTarget
{
    // rr_crypto.json bu_to_cn_with_bad: CoA -> CN with HAO, HNI 257, CoNI 514, signed.
    private static readonly byte[] s_binding = Convert.FromHexString(
        "6000000000383c4020010db800a10000000000fffe00001020010db8000c00000000000000000002870201020000c91020010db80001000000000000000001003b030500a898123480000064040401010202050c10cab1c5221e5fe19fdf3721");

    private static readonly CorrespondentOptions s_options = new() { MaxBindings = 8 };

    private readonly CheckingSender _sender = new();
    private readonly Action<BusMessage> _publish = static _ => { };

    public void Run(ReadOnlySpan<byte> input)
    {
        var now = Topology.T0;
        var secrets = new NodeSecrets(s_options, now);
        secrets.Install(257, Topology.HomeNonce, Topology.Kcn, now);
        secrets.Install(514, Topology.CareOfNonce, Topology.Kcn, now);
        var node = new CorrespondentNode(s_options, _sender, _publish, now, secrets);
        node.Receive(Packet(s_binding, now), now);

        node.Receive(Packet(input.ToArray(), now), now);
        node.OnTimer(now + TimeSpan.FromSeconds(1));
        node.OnTimer(now + TimeSpan.FromMinutes(10));
        node.GetSnapshot(now + TimeSpan.FromMinutes(10));
    }

    private static SignallingPacket Packet(byte[] bytes, DateTimeOffset now) => new(bytes, SignallingKinds.MobilityHeader, "cn0", 2, now);
}
