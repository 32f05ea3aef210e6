using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using Shisa.Modules.Correspondent;
using Shisa.Modules.MobileNode.ReturnRoutability;
using BusMessage = Shisa.DataPlane.Bus.MobilityMessage;
using RrCrypto = Shisa.DataPlane.Wire.Crypto.ReturnRoutability;

namespace Shisa.Modules.Tests.MobileNode.ReturnRoutability;

/// <summary>Addresses of the test topology (DESIGN 9) and of the vectors.</summary>
internal static class Ro
{
    public static readonly IPAddress Home = IPAddress.Parse("2001:db8:1::100");
    public static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    public static readonly IPAddress CareOf = IPAddress.Parse("2001:db8:a1::ff:fe00:10");
    public static readonly IPAddress CareOf2 = IPAddress.Parse("2001:db8:a2::ff:fe00:10");
    public static readonly IPAddress Cn = IPAddress.Parse("2001:db8:c::2");
    public static readonly IPAddress Cn2 = IPAddress.Parse("2001:db8:c::3");
    public static readonly IPAddress Cn3 = IPAddress.Parse("2001:db8:c::4");
    public static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public const ulong HomeCookie = 0x1111111111111111;
    public const ulong CareOfCookie = 0x2222222222222222;

    /// <summary>Cookies in the vectors' order: the HoTI's first, then the CoTI's, then made-up ones.</summary>
    public static Func<ulong> VectorCookies()
    {
        var queue = new Queue<ulong>([HomeCookie, CareOfCookie]);
        ulong next = 0x3333333333333333;
        return () => queue.Count > 0 ? queue.Dequeue() : next++;
    }

    public static RouteOptimizationOptions Options(params IPAddress[] optOut) => new(Home, new Shisa.DataPlane.Bus.EquatableArray<IPAddress>(optOut));

    public static byte[] Write(CorrespondentAction action)
    {
        var buffer = new byte[MobilityPackets.MaxPacketLength];
        int n = 0;
        bool ok = action switch
        {
            SendHomeTestInit hoti => CorrespondentPackets.TryWriteHomeTestInit(hoti, buffer, out n),
            SendCareOfTestInit coti => CorrespondentPackets.TryWriteCareOfTestInit(coti, buffer, out n),
            SendCorrespondentBindingUpdate bu => CorrespondentPackets.TryWriteBindingUpdate(bu.Request, buffer, out n),
            _ => false,
        };
        Assert.That(ok, Is.True, $"cannot write {action}");
        return buffer[..n];
    }

    public static SignallingPacket Signalling(byte[] packet, SignallingKinds kind = SignallingKinds.MobilityHeader) =>
        new(packet, kind, "mn0", 2, T0);

    public static ReceivedMobilityMessage Read(byte[] packet)
    {
        Assert.That(MobilityPackets.TryRead(Signalling(packet), out var received, out var refusal, out var error), Is.True, $"{refusal} {error}");
        return received!;
    }

    public static ReceivedMobilityMessage Read(string hex) => Read(Convert.FromHexString(hex));

    /// <summary>A packet of <paramref name="message"/> as <paramref name="envelope"/> says, unsigned.</summary>
    public static byte[] Packet(Shisa.DataPlane.Wire.Mobility.MobilityMessage message, Ipv6Envelope envelope)
    {
        var buffer = new byte[MobilityPackets.MaxPacketLength];
        Assert.That(MobilityPackets.TryWrite(message, envelope, buffer, out int n), Is.True);
        return buffer[..n];
    }

    /// <summary>
    /// The correspondent's answer to <paramref name="request"/>: to its source, RH2 = its HAO, signed with its Kbm over
    /// the BU's source as care-of address (as <see cref="CorrespondentNode"/> does).
    /// </summary>
    public static ReceivedMobilityMessage Ba(
        CorrespondentBindingUpdateRequest request,
        BindingAcknowledgementStatus status = BindingAcknowledgementStatus.Accepted,
        ushort? lifetimeUnits = null,
        ushort? sequence = null,
        bool sign = true,
        byte[]? kbm = null)
    {
        var ba = new BindingAcknowledgement(status, BindingAcknowledgementFlags.None, sequence ?? request.Sequence, lifetimeUnits ?? MobilityLifetime.ToUnits(request.Lifetime))
        {
            Options = sign ? [BindingAuthorizationDataOption.Placeholder] : MobilityOptionList.Empty,
        };
        var envelope = new Ipv6Envelope(request.Destination, request.Source, RoutingHomeAddress: request.HomeAddressOption);
        var buffer = new byte[MobilityPackets.MaxPacketLength];
        Assert.That(MobilityPackets.TryWrite(ba, envelope, buffer, out int n), Is.True);
        if (sign)
        {
            int length = ba.GetByteCount();
            var finalDestination = (request.HomeAddressOption ?? request.Source).GetAddressBytes();
            Assert.That(RrCrypto.TrySign(buffer.AsSpan(n - length, length), kbm ?? request.Kbm.ToArray(), request.Source.GetAddressBytes(),
                request.Destination.GetAddressBytes(), request.Destination.GetAddressBytes(), finalDestination), Is.True);
        }

        return Read(buffer[..n]);
    }

    /// <summary>An ICMPv6 Parameter Problem from <paramref name="from"/> about <paramref name="invoking"/>, sent to its source.</summary>
    public static SignallingPacket ParameterProblem(byte[] invoking, ParameterProblemCode code, uint pointer, IPAddress from)
    {
        var to = new IPAddress(invoking.AsSpan(8, 16));
        var buffer = new byte[MobilityPackets.MaxPacketLength];
        Assert.That(Icmpv6PacketBuilder.TryWrite(buffer, new Ipv6Envelope(from, to), new Shisa.DataPlane.Wire.Icmp.ParameterProblem(code, pointer, invoking), out int n), Is.True);
        return Signalling(buffer[..n], SignallingKinds.ParameterProblem);
    }
}

/// <summary>Records what a node hands its data plane.</summary>
internal sealed class QueueSender : IPacketSender
{
    public Queue<byte[]> Pending { get; } = new();

    public List<byte[]> All { get; } = [];

    public bool TrySend(ReadOnlySpan<byte> ipv6Packet)
    {
        var copy = ipv6Packet.ToArray();
        Pending.Enqueue(copy);
        All.Add(copy);
        return true;
    }

    public List<ReceivedMobilityMessage> Sent => [.. All.Select(Ro.Read)];

    public List<ReceivedMobilityMessage> Take()
    {
        var taken = Pending.Select(Ro.Read).ToList();
        Pending.Clear();
        return taken;
    }
}

/// <summary>
/// A mobile node's route optimization (manager + driver on a <see cref="FakeTimeProvider"/>) and the real
/// correspondent node, joined in memory: what one sends, <see cref="Pump"/> delivers to the other. The HoTI and
/// the HoT cross the home agent's tunnel in reality; here they are simply delivered.
/// </summary>
internal sealed class RoNetwork
{
    private readonly Lock _gate = new();

    public RoNetwork(RouteOptimizationOptions? options = null, CorrespondentOptions? cnOptions = null, Func<ushort>? sequences = null)
    {
        Time = new FakeTimeProvider(Ro.T0);
        Manager = new RouteOptimizationManager(options ?? Ro.Options(), MnSender, MnPublished.Add, cookies: Ro.VectorCookies(), sequences: sequences ?? (() => 4659));
        Driver = new RouteOptimizationDriver(Manager, Time, _gate);
        Cn = new CorrespondentNode(cnOptions ?? new CorrespondentOptions(), CnSender, CnPublished.Add, Time.GetUtcNow());
    }

    public FakeTimeProvider Time { get; }

    public DateTimeOffset Now => Time.GetUtcNow();

    public RouteOptimizationManager Manager { get; }

    public RouteOptimizationDriver Driver { get; }

    public CorrespondentNode Cn { get; }

    public QueueSender MnSender { get; } = new();

    public QueueSender CnSender { get; } = new();

    public List<BusMessage> MnPublished { get; } = [];

    public List<BusMessage> CnPublished { get; } = [];

    /// <summary>When false, what the mobile node sends is lost (an unreachable correspondent).</summary>
    public bool Connected { get; set; } = true;

    /// <summary>Everything the mobile node sent, in order.</summary>
    public List<ReceivedMobilityMessage> FromMn { get; } = [];

    public CorrespondentRegistration? Machine => Manager.Find(Ro.Cn);

    /// <summary>An RrHint for <paramref name="peer"/>; what it makes the nodes send is delivered.</summary>
    public void Hint(IPAddress? peer = null)
    {
        Driver.OnRrHint(new Shisa.DataPlane.Bus.RrHint(Ro.Home, peer ?? Ro.Cn), Now);
        Pump();
    }

    public void HomeChange(CorrespondentEvent change)
    {
        Driver.OnHomeRegistrationChange(change, Now);
        Pump();
    }

    /// <summary>Home registration bound at <paramref name="careOf"/> (what the mobile node module tells after the HA's BA).</summary>
    public void Registered(IPAddress? careOf = null) => HomeChange(new HomeRegistrationBound(careOf ?? Ro.CareOf));

    /// <summary>Delivers packets both ways until none is left.</summary>
    public void Pump()
    {
        while (MnSender.Pending.Count > 0 || CnSender.Pending.Count > 0)
        {
            while (MnSender.Pending.TryDequeue(out var packet))
            {
                FromMn.Add(Ro.Read(packet));
                if (Connected)
                {
                    Cn.Receive(Ro.Signalling(packet), Now);
                }
            }

            while (CnSender.Pending.TryDequeue(out var packet))
            {
                Driver.Receive(Ro.Read(packet), Now);
            }
        }
    }

    /// <summary>Moves time on in one-second steps, running both nodes' timers and delivering what they send.</summary>
    public void Advance(TimeSpan by)
    {
        var until = Now + by;
        while (Now < until)
        {
            var step = until - Now < TimeSpan.FromSeconds(1) ? until - Now : TimeSpan.FromSeconds(1);
            Time.Advance(step);
            if (Cn.NextDeadline <= Now)
            {
                Cn.OnTimer(Now);
            }

            Pump();
        }
    }

    /// <summary>RrHint, then both tests and the binding: returns with the correspondent bound.</summary>
    public void Bind()
    {
        Registered();
        Hint();
        Assert.That(Machine?.State, Is.EqualTo(CorrespondentRegistrationState.Bound));
    }
}
