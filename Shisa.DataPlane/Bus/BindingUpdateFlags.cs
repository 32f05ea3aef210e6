namespace Shisa.DataPlane.Bus;

/// <summary>
/// Binding Update flags as they sit in the Binding Update's 16-bit flags field (RFC 6275 6.1.7, RFC 3963 4.1),
/// so a codec can convert without a table. SHISA's IP6_MH_BU_*.
/// </summary>
[Flags]
public enum BindingUpdateFlags : ushort
{
    None = 0,

    /// <summary>R: the mobile node is a mobile router (RFC 3963).</summary>
    MobileRouter = 0x0400,

    /// <summary>K: key management mobility capability.</summary>
    KeyManagement = 0x1000,

    /// <summary>L: link-local address compatibility.</summary>
    LinkLocal = 0x2000,

    /// <summary>H: home registration.</summary>
    HomeRegistration = 0x4000,

    /// <summary>A: acknowledge.</summary>
    Acknowledge = 0x8000,
}
