namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>The MH Type field (RFC 6275 6.1.1, 6.1.2 to 6.1.9; IANA "Mobility Header Types").</summary>
public enum MobilityHeaderType : byte
{
    BindingRefreshRequest = 0,
    HomeTestInit = 1,
    CareOfTestInit = 2,
    HomeTest = 3,
    CareOfTest = 4,
    BindingUpdate = 5,
    BindingAcknowledgement = 6,
    BindingError = 7,
}
