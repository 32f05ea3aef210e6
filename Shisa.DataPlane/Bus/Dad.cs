using System.Net;

namespace Shisa.DataPlane.Bus;

/// <summary>
/// The DAD message's verb, valued as SHISA's MIPM_DAD_*: below 128 a request to the data plane, from 128 its
/// answer.
/// </summary>
public enum DadMessage : ushort
{
    /// <summary>Run duplicate address detection for the address.</summary>
    Do = 0,

    /// <summary>Stop a running detection.</summary>
    Stop = 1,

    /// <summary>Run it for the link-local address of the same interface identifier.</summary>
    LinkLocal = 2,

    /// <summary>The address is unique.</summary>
    Success = 128,

    /// <summary>The address is a duplicate.</summary>
    Fail = 129,

    /// <summary>
    /// No result: the detector could take no more requests (its probes and its bounded wait queue full). Not unique,
    /// not a duplicate: whoever asked must not treat the address as checked.
    /// </summary>
    Busy = 130,
}

/// <summary>
/// MIPM_DAD (14): a request for, or the result of, duplicate address detection of <see cref="Address"/> on an
/// interface (mipsock mipm_dad). A home agent asks before it defends a home address (RFC 6275 10.3.1).
/// </summary>
public sealed record Dad(DadMessage Message, IPAddress Address, string InterfaceName, int InterfaceIndex) : MobilityMessage
{
    public override MessageType Type => MessageType.Dad;

    /// <summary>True for an answer (Success, Fail, Busy), false for a request.</summary>
    public bool IsResult => (ushort)Message >= 128;
}
