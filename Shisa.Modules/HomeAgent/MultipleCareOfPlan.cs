using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.Modules.HomeAgent;

/// <summary>
/// What an accepted-so-far registration will do to a home address's bindings, decided before anything changes:
/// the bindings to install, whether the home address's other bindings go, the Binding Identifier options to echo
/// (RFC 5648 6.2) and the acknowledgement's status; or a refusal of the whole Binding Update.
/// </summary>
internal sealed record MultipleCareOfPlan(
    IReadOnlyList<HomeBinding> Bindings,
    bool ReplacesOthers,
    MobilityOption[] Echo,
    BindingAcknowledgementStatus AckStatus,
    BindingAcknowledgementStatus? Refusal)
{
    /// <summary>
    /// A Binding Update without Binding Identifier option (RFC 6275): its one binding replaces every binding of the home
    /// address, those made with binding ids too (RFC 5648 6.2 leaves a plain Binding Update to RFC 6275, which keeps one
    /// binding per home address). A new home address needs room under max_bindings (130 otherwise).
    /// </summary>
    public static MultipleCareOfPlan Single(HomeBinding binding, IReadOnlyList<HomeBinding> existing, int room) =>
        existing.Count == 0 && room <= 0
            ? Refused(BindingAcknowledgementStatus.InsufficientResources, [])
            : new([binding], ReplacesOthers: true, [], BindingAcknowledgementStatus.Accepted, null);

    /// <summary>
    /// RFC 5648 6.2 for a registration with Binding Identifier options: without O, a binding made without binding id
    /// refuses it (165); a binding id the home address already has is updated; a new one takes a place under
    /// max_bindings (<paramref name="room"/> places are free, plus those O frees), and when some new binding ids find
    /// none, the others are still registered and the acknowledgement says 4 (MCOA NOTCOMPLETE) with 130 in the refused
    /// ids' options; none registered at all is a refusal with 130.
    /// </summary>
    public static MultipleCareOfPlan Make(
        IReadOnlyList<BindingIdentifierRequest> requests,
        IReadOnlyList<HomeBinding> existing,
        int room,
        Func<BindingIdentifierRequest, HomeBinding> bind)
    {
        bool overwrite = BindingIdentifierRequests.Overwrites(requests);
        if (!overwrite && existing.Any(b => b.BindingId == 0))
        {
            return Refused(BindingAcknowledgementStatus.McoaNonMcoaBindingExists, requests);
        }

        if (overwrite)
        {
            room += existing.Count(b => !requests.Any(r => r.BindingId == b.BindingId));
        }

        var refused = new HashSet<ushort>();
        foreach (var request in requests)
        {
            if (existing.Any(b => b.BindingId == request.BindingId))
            {
                continue;
            }

            if (room > 0)
            {
                room--;
            }
            else
            {
                refused.Add(request.BindingId);
            }
        }

        if (refused.Count == requests.Count)
        {
            return Refused(BindingAcknowledgementStatus.InsufficientResources, requests);
        }

        var echo = BindingIdentifierRequests.Echo(requests, r => refused.Contains(r.BindingId)
            ? BindingAcknowledgementStatus.InsufficientResources
            : BindingAcknowledgementStatus.Accepted);
        return new(
            [.. requests.Where(r => !refused.Contains(r.BindingId)).Select(bind)],
            overwrite,
            echo,
            refused.Count > 0 ? BindingAcknowledgementStatus.McoaNotComplete : BindingAcknowledgementStatus.Accepted,
            null);
    }

    private static MultipleCareOfPlan Refused(BindingAcknowledgementStatus status, IReadOnlyList<BindingIdentifierRequest> requests) =>
        new([], false, BindingIdentifierRequests.Echo(requests, _ => status), status, status);
}
