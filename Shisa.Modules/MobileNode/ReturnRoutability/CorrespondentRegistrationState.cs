namespace Shisa.Modules.MobileNode.ReturnRoutability;

/// <summary>
/// The states of the binding with one correspondent: SHISA's return routability states (MIP6_BUL_RR_FSM_STATE_START,
/// WAITHC, WAITH, WAITC) followed by its registration states for a correspondent (WAITA, BOUND, WAITD).
/// </summary>
public enum CorrespondentRegistrationState
{
    /// <summary>No return routability in progress and no binding: packets go through the home agent (triangle routing).</summary>
    Start,

    /// <summary>HoTI and CoTI sent; waiting for both the Home Test and the Care-of Test.</summary>
    WaitHomeAndCareOfTest,

    /// <summary>Waiting for the Home Test (the care-of keygen token is in hand or not needed).</summary>
    WaitHomeTest,

    /// <summary>Waiting for the Care-of Test (the home keygen token is in hand).</summary>
    WaitCareOfTest,

    /// <summary>A Binding Update with the A flag sent; waiting for its acknowledgement.</summary>
    WaitAck,

    /// <summary>The correspondent acknowledged: the data plane talks to it directly from the care-of address.</summary>
    Bound,

    /// <summary>A deletion (lifetime 0) sent after returning home; waiting for its acknowledgement.</summary>
    WaitDeregistration,
}

public static class CorrespondentRegistrationStateNames
{
    /// <summary>SHISA's names, for logs and the status page.</summary>
    public static string Name(this CorrespondentRegistrationState state) => state switch
    {
        CorrespondentRegistrationState.Start => "START",
        CorrespondentRegistrationState.WaitHomeAndCareOfTest => "WAITHC",
        CorrespondentRegistrationState.WaitHomeTest => "WAITH",
        CorrespondentRegistrationState.WaitCareOfTest => "WAITC",
        CorrespondentRegistrationState.WaitAck => "WAITA",
        CorrespondentRegistrationState.Bound => "BOUND",
        CorrespondentRegistrationState.WaitDeregistration => "WAITD",
        _ => state.ToString(),
    };

    /// <summary>True in the three return routability states.</summary>
    public static bool IsReturnRoutability(this CorrespondentRegistrationState state) =>
        state is CorrespondentRegistrationState.WaitHomeAndCareOfTest or CorrespondentRegistrationState.WaitHomeTest or CorrespondentRegistrationState.WaitCareOfTest;
}
