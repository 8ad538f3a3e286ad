"""Handlers of referrals: refer a need, move a referral along, confirm receipt.

Routing and consent come together here: a referral goes to the best service whose
provider the client's consent (or a lawful basis) covers, and when a provider rejects
it or it expires, to the next one (:func:`reroute`, also used by the SLA sweep).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from slrt_core.application._base import (
    SYSTEM,
    By,
    Collaborators,
    Decision,
    Handler,
    Step,
    unchecked,
)
from slrt_core.application._checks import check_id, check_note, enum_value, require_text
from slrt_core.application.commands import ConfirmReceipt, Refer, UpdateReferral
from slrt_core.case._events import ReceiptConfirmed, ReferralRequested, ReferralStatusChanged
from slrt_core.case._model import Case, Need
from slrt_core.errors import InvalidInputError, Problem, ReferralNotFoundError, TransitionNotAllowed
from slrt_core.labels import label
from slrt_core.notify import reroutes
from slrt_core.ports import RoutingPolicy
from slrt_core.referral._consent import consent_refusal
from slrt_core.referral._directory import Service, Sla
from slrt_core.referral._lifecycle import next_status, status_problems, why_not
from slrt_core.referral._model import Referral, ReferralReason, ReferralStatus
from slrt_core.referral._routing import DirectServiceFirst, Routing, program_exclusions, route
from slrt_core.referral._sla import next_deadline

__all__ = ["HANDLERS", "referral_of", "reroute", "routing"]


def referral_of(case: Case, referral_id: str) -> Referral:
    """The referral *referral_id* of *case* (the store's index points at the case)."""
    referral = case.referral(referral_id)
    if referral is None:  # pragma: no cover - the store's index points at the case holding it
        raise ReferralNotFoundError(referral_id)
    return referral


def routing(
    case: Case,
    need: Need | str,
    deps: Collaborators,
    policy: RoutingPolicy | None = None,
    override: str | None = None,
) -> Routing | DirectServiceFirst:
    """The ranked services for *need*, with the latest assessment's decisions."""
    return route(
        case,
        need,
        directory=deps.directory,
        decisions=case.decisions,
        policy=policy or deps.policy,
        overlaps=deps.overlaps,
        override_reason=override,
    )


def _refusal(
    case: Case, need: Need, provider_id: str, now: datetime, deps: Collaborators
) -> Exception:
    return consent_refusal(
        subject=case.subject_of(need),
        provider_id=provider_id,
        categories=case.referral_categories(need, deps.calendar.local_date(now)),
    )


def _basis(
    case: Case, need: Need, provider_id: str, now: datetime, deps: Collaborators
) -> str | None:
    return case.basis_for(need, provider_id, now, deps.calendar.local_date(now))


def _routed(
    command: Refer, case: Case, need: Need, now: datetime, deps: Collaborators
) -> tuple[Service, str]:
    """The best routed service the consent covers, and the record that covers it."""
    ranked = routing(case, need, deps, command.policy, command.override_reason)
    if isinstance(ranked, DirectServiceFirst):
        raise TransitionNotAllowed(
            case.case_id,
            case.state.value,
            "refer",
            why="It is an emergency: give direct service first with "
            "deliver_direct_service(), then refer; or name the service to refer now.",
            why_id="Ini kasus darurat: berikan layanan langsung dahulu, lalu rujuk; atau "
            "sebutkan layanan untuk merujuk sekarang.",
        )
    if not ranked.candidates:
        raise _no_candidate(need, ranked)
    for candidate in ranked.candidates:
        basis = _basis(case, need, candidate.provider_id, now, deps)
        if basis is not None:
            return candidate.service, basis
    raise _refusal(case, need, ranked.candidates[0].provider_id, now, deps)


def _no_candidate(need: Need, ranked: Routing) -> InvalidInputError:
    left_out = "; ".join(
        f"{x.service.service_id}: {', '.join(r.message for r in x.reasons)}"
        for x in ranked.excluded[:5]
    )
    left_out_id = "; ".join(
        f"{x.service.service_id}: {', '.join(r.message_id for r in x.reasons)}"
        for x in ranked.excluded[:5]
    )
    return InvalidInputError.single(
        "service_id",
        f"No service in the directory can take need {need.need_id!r} ({need.sector})"
        + (f"; left out: {left_out}" if left_out else "")
        + ". Name a service, give override_reason, or resolve the need another way.",
        f"Tidak ada layanan di direktori untuk kebutuhan {need.need_id!r} "
        f"({label(need.sector, 'id').lower()})"
        + (f"; dikecualikan: {left_out_id}" if left_out_id else "")
        + ". Sebutkan layanan, berikan alasan pengecualian (`override_reason`), atau "
        "selesaikan dengan cara lain.",
    )


def reroute(case: Case, old: Referral, now: datetime, deps: Collaborators) -> list[Step]:
    """The referral of *old*'s need to the next candidate the consent covers, if any.

    Recorded under the system actor, as an automatic reroute.
    """
    need = case.need(old.need_id)
    assert need is not None  # noqa: S101 - a referral's need is on its case
    ranked = routing(case, need, deps)
    if isinstance(ranked, DirectServiceFirst):
        ranked = ranked.then
    for candidate in ranked.candidates:
        basis = _basis(case, need, candidate.provider_id, now, deps)
        if basis is None:
            continue
        request = ReferralRequested(
            referral_id=deps.ids.new_id("referral"),
            need_id=need.need_id,
            service_id=candidate.service_id,
            provider_id=candidate.provider_id,
            replaces=old.referral_id,
            due_at=deps.calendar.deadline(now, candidate.service.sla.acknowledge_days),
            consent_id=basis,
        )
        why = f"Automatic reroute: referral {old.referral_id} ended without the service."
        return [By(payload=request, actor=SYSTEM, reason=why)]
    return []


def _check_refer(command: Refer, _deps: Collaborators) -> Refer:
    if command.override_reason is not None:
        require_text(command.override_reason, "override_reason")
    check_id(command.need_id, "need_id")
    for name, value in (("service_id", command.service_id), ("replaces", command.replaces)):
        if value is not None:
            check_id(value, name)
    return command


def _refer(command: Refer, case: Case, now: datetime, deps: Collaborators) -> Decision:
    # The directory is read and ids are made only now: after authorization.
    named = deps.directory.service(command.service_id) if command.service_id is not None else None
    need = case.need(command.need_id)
    if need is None:
        raise case.unknown_need(command.need_id)
    problems = case.referral_problems(command.need_id, command.replaces)
    if named is not None:
        excluded = (
            program_exclusions(
                named.program,
                received=case.household.programs_received,
                decisions=case.decisions,
                overlaps=deps.overlaps,
            )
            if named.program is not None and command.override_reason is None
            else ()
        )
        problems.extend(named.problems_for(case.region, exclusions=excluded))
    if problems:
        raise InvalidInputError(problems)
    if named is not None:
        service = named
        basis = _basis(case, need, service.provider_id, now, deps)
        if basis is None:
            raise _refusal(case, need, service.provider_id, now, deps)
    else:
        service, basis = _routed(command, case, need, now, deps)
    referral_id = deps.ids.new_id("referral")
    request = ReferralRequested(
        referral_id=referral_id,
        need_id=command.need_id,
        service_id=service.service_id,
        provider_id=service.provider_id,
        replaces=command.replaces,
        due_at=deps.calendar.deadline(now, service.sla.acknowledge_days),
        consent_id=basis,
    )
    return Decision(steps=(request,), reason=command.override_reason or "", result_id=referral_id)


def _check_update(command: UpdateReferral, _deps: Collaborators) -> UpdateReferral:
    check_note(command.note, "note")
    problems: list[Problem] = []
    status = enum_value(ReferralStatus, command.status, "status", problems)
    reason = command.reason
    if reason is not None:
        reason = enum_value(ReferralReason, reason, "reason", problems)
    if problems:
        raise InvalidInputError(problems)
    problems = status_problems(status, reason, command.note)
    if problems:
        raise InvalidInputError(problems)
    if status is command.status and reason is command.reason:
        return command  # already members: nothing to normalise
    return attrs.evolve(command, status=status, reason=reason)


def _sla(service_id: str, deps: Collaborators) -> Sla:
    try:
        return deps.directory.service(service_id).sla
    except InvalidInputError:  # the service left the directory: default deadlines
        return Sla()


def _update(command: UpdateReferral, case: Case, now: datetime, deps: Collaborators) -> Decision:
    referral = referral_of(case, command.referral_id)
    status = command.status
    if next_status(referral.status, status) is None:
        why, why_id = why_not(referral.status)
        raise TransitionNotAllowed(
            command.referral_id,
            referral.status.value,
            f"update_referral(status={status.value})",
            why=why,
            why_id=why_id,
            kind="referral",
        )
    due = next_deadline(referral, status, now, _sla(referral.service_id, deps), deps.calendar)
    steps: list[Step] = [
        ReferralStatusChanged(
            referral_id=command.referral_id,
            status=status,
            reason=command.reason,
            note=command.note,
            due_at=due,
        )
    ]
    if reroutes(status, command.reason):
        steps.extend(reroute(case, referral, now, deps))
    return Decision(steps=tuple(steps), reason=command.note)


def _confirm(command: ConfirmReceipt, case: Case, _now: datetime, _deps: Collaborators) -> Decision:
    referral = referral_of(case, command.referral_id)
    if referral.status is not ReferralStatus.COMPLETED or referral.confirmed_at is not None:
        raise TransitionNotAllowed(
            command.referral_id,
            referral.status.value,
            "confirm_receipt",
            why="The client confirms only a completed referral, once.",
            why_id="Klien hanya mengonfirmasi rujukan yang selesai, satu kali.",
            kind="referral",
        )
    return Decision(steps=(ReceiptConfirmed(referral_id=command.referral_id),))


#: The referral commands and their handlers.
HANDLERS: dict[type[Any], Handler[Any]] = {
    Refer: Handler(check=_check_refer, decide=_refer),
    UpdateReferral: Handler(check=_check_update, decide=_update),
    ConfirmReceipt: Handler(check=unchecked, decide=_confirm),
}
