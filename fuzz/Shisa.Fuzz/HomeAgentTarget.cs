using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using Shisa.Modules.Configuration;
using Shisa.Modules.HomeAgent;
using BusMessage = Shisa.DataPlane.Bus.MobilityMessage;

namespace Shisa.Fuzz;

/// <summary>
/// The home agent core fed whole packets (<see cref="HomeAgentCore.Process"/> with <see cref="SignallingReceived"/>),
/// as the module's pump does: a fresh core per input, serving an unauthenticated mobile node (already registered, so
/// refreshes, moves, deregistrations and prefix solicitations reach their code), an RFC 4285 authenticated one and a
/// mobile router; then the DAD it asked for succeeds and the clock runs past every deadline.
/// </summary>
internal sealed class HomeAgentTarget
{
    private static readonly HomeAgentSection s_section = new(
        Topology.HomeAgent, Topology.HomePrefix, 8, TimeSpan.FromSeconds(420),
        new EquatableArray<AuthorizedMobileNode>(
        [
            new(Topology.Home, EquatableArray<Prefix>.Empty, null, EquatableArray<byte>.Empty),
            new(Topology.OtherHome, EquatableArray<Prefix>.Empty, Topology.Spi, new EquatableArray<byte>(Topology.Key)),
            new(Topology.RouterHome, new EquatableArray<Prefix>([Topology.MobileNetwork]), null, EquatableArray<byte>.Empty),
        ]));

    private readonly byte[] _registration;
    private readonly List<BusMessage> _published = [];
    private readonly CheckingSender _sender = new();

    public HomeAgentTarget()
    {
        var update = new BindingUpdate(1, Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags.A | Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags.H, 30);
        var buffer = new byte[MobilityPackets.MaxPacketLength];
        if (!MobilityPackets.TryWrite(update, new Ipv6Envelope(Topology.CareOf, Topology.HomeAgent, HomeAddress: Topology.Home), buffer, out int n))
        {
            throw new InvalidOperationException("cannot write the registration");
        }

        _registration = buffer[..n];
    }

    public void Run(ReadOnlySpan<byte> input)
    {
        _published.Clear();
        var now = Topology.T0;
        var core = new HomeAgentCore(s_section, _sender, _published.Add, homeLink: new HomeLink("eth0", 2));
        Deliver(core, _registration, now);
        AnswerDad(core, now);
        if (core.BindingCount != 1)
        {
            throw new InvariantException("the seed registration did not bind");
        }

        Deliver(core, input.ToArray(), now);
        AnswerDad(core, now);

        foreach (var later in (ReadOnlySpan<TimeSpan>)[TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10)])
        {
            if (core.NextDeadline is { } due && due <= now + later)
            {
                core.Process(DeadlineReached.Instance, now + later);
            }
        }

        core.GetCounters();
        core.GetBindings(now);
    }

    private void Deliver(HomeAgentCore core, byte[] packet, DateTimeOffset now)
    {
        var kind = SignallingKinds.MobilityHeader;
        if (Ipv6Packet.TryParse(packet, out var ip) && ip.UpperLayerProtocol == IpProtocol.Icmpv6)
        {
            kind = SignallingKinds.HomeAgentDiscovery | SignallingKinds.MobilePrefix;
        }

        core.Process(new SignallingReceived(new SignallingPacket(packet, kind, "eth0", 2, now)), now);
    }

    private void AnswerDad(HomeAgentCore core, DateTimeOffset now)
    {
        foreach (var dad in _published.OfType<Dad>().Where(d => d.Message == DadMessage.Do).ToList())
        {
            core.Process(new DadReported(new Dad(DadMessage.Success, dad.Address, "eth0", 2)), now);
        }

        _published.Clear();
    }
}
