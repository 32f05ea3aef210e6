namespace Shisa.Modules.MobileNode;

/// <summary>The states of the home registration (SHISA's MIP6_BUL_REG_FSM_STATE_*).</summary>
public enum HomeRegistrationState
{
    /// <summary>No registration in progress (at home, or no care-of address).</summary>
    Idle,

    /// <summary>Looking for a home agent with DHAAD (RFC 6275 11.4.1).</summary>
    Discovering,

    /// <summary>A registration for a new care-of address sent; waiting for its acknowledgement.</summary>
    WaitAck,

    /// <summary>A refresh of a live binding sent; waiting for its acknowledgement.</summary>
    WaitAckRefresh,

    /// <summary>Registered; the refresh timer runs.</summary>
    Bound,

    /// <summary>A deregistration sent; waiting for its acknowledgement.</summary>
    WaitDereg,

    /// <summary>A mobile router deregisters from a home agent that does not support mobile routers, then looks for
    /// one that does (RFC 3963 5.3, 7).</summary>
    LeavingHomeAgent,
}

public static class HomeRegistrationStateNames
{
    /// <summary>SHISA's names, for logs and the status page.</summary>
    public static string Name(this HomeRegistrationState state) => state switch
    {
        HomeRegistrationState.Idle => "IDLE",
        HomeRegistrationState.Discovering => "DHAAD",
        HomeRegistrationState.WaitAck => "WAITA",
        HomeRegistrationState.WaitAckRefresh => "WAITAR",
        HomeRegistrationState.Bound => "BOUND",
        HomeRegistrationState.WaitDereg => "WAITD",
        HomeRegistrationState.LeavingHomeAgent => "LEAVING",
        _ => state.ToString(),
    };

    /// <summary>How the binding update list entry's state reads on the bus.</summary>
    public static Shisa.DataPlane.Bus.BindingUpdateListState ToBulState(this HomeRegistrationState state) => state switch
    {
        HomeRegistrationState.Discovering => Shisa.DataPlane.Bus.BindingUpdateListState.Discovering,
        HomeRegistrationState.WaitAck or HomeRegistrationState.WaitAckRefresh => Shisa.DataPlane.Bus.BindingUpdateListState.WaitingAck,
        HomeRegistrationState.Bound => Shisa.DataPlane.Bus.BindingUpdateListState.Bound,
        HomeRegistrationState.WaitDereg or HomeRegistrationState.LeavingHomeAgent => Shisa.DataPlane.Bus.BindingUpdateListState.Deregistering,
        _ => Shisa.DataPlane.Bus.BindingUpdateListState.Idle,
    };
}
