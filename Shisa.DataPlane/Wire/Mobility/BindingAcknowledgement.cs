using System.Buffers.Binary;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>Flags of the Binding Acknowledgement; bits not named here are reserved and kept as read.</summary>
[Flags]
public enum BindingAcknowledgementFlags : byte
{
    None = 0,

    /// <summary>Key Management Mobility Capability (RFC 6275 6.1.8).</summary>
    K = 0x80,

    /// <summary>Mobile Router (RFC 3963 4.2).</summary>
    R = 0x40,

    /// <summary>Proxy Registration (RFC 5213).</summary>
    P = 0x20,
}

/// <summary>
/// Binding Acknowledgement status (RFC 6275 6.1.8, RFC 3963 4.2, RFC 4285 8, RFC 5648 6.2); below 128 means accepted.
/// RFC 5648's values are the ones IANA assigned in the Mobility IPv6 "Status Codes" registry (the RFC's own text
/// proposed 139-144 and 33-34, which collided with RFC 3963 and RFC 4285).
/// </summary>
public enum BindingAcknowledgementStatus : byte
{
    Accepted = 0,
    AcceptedPrefixDiscoveryNecessary = 1,

    /// <summary>MCOA NOTCOMPLETE (RFC 5648 6.2): a bulk registration was accepted for some binding ids only; each Binding Identifier option in the BA has its own status.</summary>
    McoaNotComplete = 4,

    /// <summary>MCOA RETURNHOME WO/NDP (RFC 5648 6.2, 5.6).</summary>
    McoaReturnHomeWithoutNdp = 5,
    ReasonUnspecified = 128,
    AdministrativelyProhibited = 129,
    InsufficientResources = 130,
    HomeRegistrationNotSupported = 131,
    NotHomeSubnet = 132,
    NotHomeAgentForThisMobileNode = 133,
    DuplicateAddressDetectionFailed = 134,
    SequenceNumberOutOfWindow = 135,
    ExpiredHomeNonceIndex = 136,
    ExpiredCareOfNonceIndex = 137,
    ExpiredNonces = 138,
    RegistrationTypeChangeDisallowed = 139,
    MobileRouterOperationNotPermitted = 140,
    InvalidPrefix = 141,
    NotAuthorizedForPrefix = 142,
    ForwardingSetupFailed = 143,
    MobileNodeIdentifierMismatch = 144,
    MessageIdRequired = 145,
    AuthenticationFailed = 146,

    /// <summary>MCOA MALFORMED (RFC 5648 6.2): a Binding Identifier option is not as the RFC writes it (binding id 0, the same id twice).</summary>
    McoaMalformed = 164,

    /// <summary>MCOA NON-MCOA BINDING EXISTS (RFC 5648 6.2): a binding without binding id exists and the Binding Update did not set O.</summary>
    McoaNonMcoaBindingExists = 165,

    /// <summary>MCOA PROHIBITED (RFC 5648 6.2): multiple care-of address registration is administratively off.</summary>
    McoaProhibited = 166,

    /// <summary>MCOA UNKNOWN COA (RFC 5648 6.2).</summary>
    McoaUnknownCareOfAddress = 167,

    /// <summary>MCOA BULK REGISTRATION PROHIBITED (RFC 5648 6.2).</summary>
    McoaBulkRegistrationProhibited = 168,

    /// <summary>MCOA SIMULTANEOUS HOME AND FOREIGN PROHIBITED (RFC 5648 6.2, 5.6): the H flag of the Binding Identifier option.</summary>
    McoaSimultaneousHomeAndForeignProhibited = 169,

    /// <summary>RFC 5555 (IANA): the IPv4 care-of address does not match where the Binding Update came from.</summary>
    InvalidCareOfAddress = 174,
}

/// <summary>What a Binding Acknowledgement status says about its Binding Update.</summary>
public static class BindingAcknowledgementStatusExtensions
{
    /// <summary>Below 128: the Binding Update was accepted (RFC 6275 6.1.8).</summary>
    public static bool IsAccepted(this BindingAcknowledgementStatus status) => (byte)status < BindingAcknowledgement.FirstRejectionStatus;
}

/// <summary>
/// Binding Acknowledgement, RFC 6275 6.1.8 (MH Type 6): Header Len at least 1; lifetime in 4-second units.
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |    Status     |K|R|P|Reserved |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Sequence #          |           Lifetime            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                        Mobility Options                       .
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record BindingAcknowledgement(
    BindingAcknowledgementStatus Status,
    BindingAcknowledgementFlags Flags,
    ushort Sequence,
    ushort LifetimeUnits) : MobilityMessage
{
    /// <summary>Status values below this one mean the Binding Update was accepted (RFC 6275 6.1.8).</summary>
    public const byte FirstRejectionStatus = 128;

    private const int StatusOffset = 6;
    private const int FlagsOffset = 7;
    private const int SequenceOffset = 8;
    private const int LifetimeOffset = 10;

    public override MobilityHeaderType Type => MobilityHeaderType.BindingAcknowledgement;

    public TimeSpan Lifetime => MobilityLifetime.ToTimeSpan(LifetimeUnits);

    public bool IsAccepted => Status.IsAccepted();

    internal static BindingAcknowledgement Parse(ReadOnlySpan<byte> mh, MobilityOptionList options) =>
        new(
            (BindingAcknowledgementStatus)mh[StatusOffset],
            (BindingAcknowledgementFlags)mh[FlagsOffset],
            BinaryPrimitives.ReadUInt16BigEndian(mh[SequenceOffset..]),
            BinaryPrimitives.ReadUInt16BigEndian(mh[LifetimeOffset..])) { Options = options };

    private protected override void WriteFixed(Span<byte> mh)
    {
        mh[StatusOffset] = (byte)Status;
        mh[FlagsOffset] = (byte)Flags;
        BinaryPrimitives.WriteUInt16BigEndian(mh[SequenceOffset..], Sequence);
        BinaryPrimitives.WriteUInt16BigEndian(mh[LifetimeOffset..], LifetimeUnits);
    }
}
