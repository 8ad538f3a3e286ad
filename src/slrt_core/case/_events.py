"""Past-tense domain events and the fold that turns them into a case.

Every accepted command appends one or more :class:`Event` envelopes (actor, time, reason,
schema version) around a payload. :func:`replay` folds them into the :class:`Case`;
replaying a case's events rebuilds it exactly.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, ClassVar, TypeAlias

import attrs

from slrt_core.case._lifecycle import next_state
from slrt_core.case._model import (
    Assessment,
    Case,
    CaseState,
    DirectService,
    Need,
    NeedStatus,
    Priority,
    ProgramDecision,
)
from slrt_core.errors import CorruptRecordError, InvalidInputError
from slrt_core.household import Household
from slrt_core.referral._consent import Consent, ConsentStatus, LawfulBasis
from slrt_core.referral._model import Referral, ReferralReason, ReferralStatus, StatusChange
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind, Role

__all__ = [
    "EVENT_TYPES",
    "CaseApproved",
    "CaseAssessed",
    "CaseClosed",
    "CaseErased",
    "CaseReassessed",
    "CaseRegistered",
    "CaseReturned",
    "CaseReviewed",
    "CaseSubmitted",
    "ConsentRecorded",
    "ConsentWithdrawn",
    "DirectServiceDelivered",
    "DomainEvent",
    "Event",
    "LawfulBasisRecorded",
    "NeedRecorded",
    "NeedResolvedLocally",
    "ReceiptConfirmed",
    "ReferralEscalated",
    "ReferralRequested",
    "ReferralStatusChanged",
    "apply",
    "replay",
]

SCHEMA_VERSION = 1


@attrs.frozen(kw_only=True)
class CaseRegistered:
    """A household's need was brought in and the case opened."""

    type: ClassVar[str] = "case_registered"
    transition: ClassVar[str] = ""
    household: Household
    channel: Channel
    kind: ComplaintKind
    needs: tuple[Need, ...]
    emergency: bool
    priority: Priority


@attrs.frozen(kw_only=True)
class NeedRecorded:
    """Another need was recorded on the case."""

    type: ClassVar[str] = "need_recorded"
    transition: ClassVar[str] = "record_need"
    need: Need


@attrs.frozen(kw_only=True)
class CaseAssessed:
    """The household was assessed (first assessment, or a correction before approval)."""

    type: ClassVar[str] = "case_assessed"
    transition: ClassVar[str] = "assess"
    findings: str
    decisions: tuple[ProgramDecision, ...] = ()
    rulebook_version: str | None = None


@attrs.frozen(kw_only=True)
class CaseReassessed:
    """The household was assessed again after its referrals ended."""

    type: ClassVar[str] = "case_reassessed"
    transition: ClassVar[str] = "reassess"
    findings: str
    decisions: tuple[ProgramDecision, ...] = ()
    rulebook_version: str | None = None


@attrs.frozen(kw_only=True)
class CaseSubmitted:
    """The assessment was submitted to the supervisor."""

    type: ClassVar[str] = "case_submitted"
    transition: ClassVar[str] = "submit"


@attrs.frozen(kw_only=True)
class CaseReturned:
    """The supervisor returned the case for correction."""

    type: ClassVar[str] = "case_returned"
    transition: ClassVar[str] = "return_for_correction"
    note: str


@attrs.frozen(kw_only=True)
class CaseApproved:
    """The supervisor approved the assessment and plan."""

    type: ClassVar[str] = "case_approved"
    transition: ClassVar[str] = "approve"


@attrs.frozen(kw_only=True)
class CaseReviewed:
    """The front office reviewed the approved case for referral."""

    type: ClassVar[str] = "case_reviewed"
    transition: ClassVar[str] = "review"


@attrs.frozen(kw_only=True)
class NeedResolvedLocally:
    """A need was solved at village level (village program, NGO, information)."""

    type: ClassVar[str] = "need_resolved_locally"
    transition: ClassVar[str] = "resolve_locally"
    need_id: str
    how: str


@attrs.frozen(kw_only=True)
class DirectServiceDelivered:
    """A service was given directly to the household."""

    type: ClassVar[str] = "direct_service_delivered"
    transition: ClassVar[str] = "deliver_direct_service"
    need_id: str
    description: str


@attrs.frozen(kw_only=True)
class ReferralRequested:
    """A need was referred to a provider's service."""

    type: ClassVar[str] = "referral_requested"
    transition: ClassVar[str] = "refer"
    referral_id: str
    need_id: str
    service_id: str
    provider_id: str
    replaces: str | None = None
    due_at: datetime | None = None
    consent_id: str | None = None


@attrs.frozen(kw_only=True)
class ReferralStatusChanged:
    """A referral moved to another status."""

    type: ClassVar[str] = "referral_status_changed"
    transition: ClassVar[str] = "update_referral"
    referral_id: str
    status: ReferralStatus
    reason: ReferralReason | None = None
    note: str = ""
    due_at: datetime | None = None


@attrs.frozen(kw_only=True)
class ReferralEscalated:
    """A referral missed its deadline and was escalated one step."""

    type: ClassVar[str] = "referral_escalated"
    transition: ClassVar[str] = "escalate_referral"
    referral_id: str
    level: int
    step: str
    due_at: datetime | None = None


@attrs.frozen(kw_only=True)
class ReceiptConfirmed:
    """The client confirmed receiving the referred service: the loop is closed."""

    type: ClassVar[str] = "receipt_confirmed"
    transition: ClassVar[str] = "confirm_receipt"
    referral_id: str


@attrs.frozen(kw_only=True)
class ConsentRecorded:
    """A member (or their guardian) consented to sending their data."""

    type: ClassVar[str] = "consent_recorded"
    transition: ClassVar[str] = "record_consent"
    consent: Consent


@attrs.frozen(kw_only=True)
class LawfulBasisRecorded:
    """A lawful basis other than consent was recorded for the case."""

    type: ClassVar[str] = "lawful_basis_recorded"
    transition: ClassVar[str] = "record_consent"
    basis: LawfulBasis


@attrs.frozen(kw_only=True)
class ConsentWithdrawn:
    """A consent or lawful basis was withdrawn: nothing more is sent under it."""

    type: ClassVar[str] = "consent_withdrawn"
    transition: ClassVar[str] = "withdraw_consent"
    record_id: str


@attrs.frozen(kw_only=True)
class CaseClosed:
    """The case closed for a reason."""

    type: ClassVar[str] = "case_closed"
    transition: ClassVar[str] = "close"
    reason: ClosingReason


@attrs.frozen(kw_only=True)
class CaseErased:
    """The case's personal data was erased (UU PDP 27/2022): its data key was destroyed.

    It carries no personal data and is stored in clear. It folds like any event (the
    case stays closed, its version moves on), but an erased case is never replayed
    from a store: its other events can no longer be read.
    """

    type: ClassVar[str] = "case_erased"
    transition: ClassVar[str] = "erase"
    request_ref: str


DomainEvent: TypeAlias = (
    CaseRegistered
    | NeedRecorded
    | CaseAssessed
    | CaseReassessed
    | CaseSubmitted
    | CaseReturned
    | CaseApproved
    | CaseReviewed
    | NeedResolvedLocally
    | DirectServiceDelivered
    | ReferralRequested
    | ReferralStatusChanged
    | ReferralEscalated
    | ReceiptConfirmed
    | ConsentRecorded
    | LawfulBasisRecorded
    | ConsentWithdrawn
    | CaseClosed
    | CaseErased
)

EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.type: cls
    for cls in (
        CaseRegistered,
        NeedRecorded,
        CaseAssessed,
        CaseReassessed,
        CaseSubmitted,
        CaseReturned,
        CaseApproved,
        CaseReviewed,
        NeedResolvedLocally,
        DirectServiceDelivered,
        ReferralRequested,
        ReferralStatusChanged,
        ReferralEscalated,
        ReceiptConfirmed,
        ConsentRecorded,
        LawfulBasisRecorded,
        ConsentWithdrawn,
        CaseClosed,
        CaseErased,
    )
}


@attrs.frozen(kw_only=True)
class Event:
    """An event as recorded: who did what to which case, when and why.

    Attributes:
        case_id: the case the event belongs to.
        version: the case version this event creates (1 for registration).
        at: when it happened (UTC).
        actor_id: who did it.
        role: the actor's role at the time.
        payload: what happened.
        reason: the reason or note given with the command, if any.
        schema: the event schema version.
    """

    case_id: str
    version: int
    at: datetime
    actor_id: str
    role: Role
    payload: DomainEvent
    reason: str = ""
    schema: int = SCHEMA_VERSION

    @property
    def type(self) -> str:
        """The payload's type name (``"case_registered"``)."""
        return self.payload.type


def replay(events: Iterable[Event]) -> Case:
    """Fold *events* (oldest first) into the case they describe.

    Raises:
        CorruptRecordError: the first event is not a registration, versions are not
            consecutive, or an event's transition is not allowed where it stands.
        InvalidInputError: there are no events.
    """
    case: Case | None = None
    for event in events:
        case = apply(case, event)
    if case is None:
        raise InvalidInputError.single(
            "events",
            "replay() needs at least one event: a case starts with its registration.",
            "replay() memerlukan paling sedikit satu peristiwa: kasus dimulai dari pendaftarannya.",
        )
    return case


def apply(case: Case | None, event: Event) -> Case:
    """The case after *event*; *case* is ``None`` before registration.

    Raises:
        CorruptRecordError: *event* cannot follow *case* (see :func:`replay`).
    """
    payload = event.payload
    if case is None:
        if not isinstance(payload, CaseRegistered) or event.version != 1:
            reason = f"a case starts with case_registered at version 1, not {event.type}"
            raise CorruptRecordError(event.case_id, event.version, reason)
        return _registered(event, payload)
    if event.version != case.version + 1 or event.case_id != case.case_id:
        reason = (
            f"event {event.case_id!r} version {event.version} does not follow case "
            f"{case.case_id!r} version {case.version}"
        )
        raise CorruptRecordError(case.case_id, event.version, reason)
    state = next_state(case, payload.transition)
    if state is None:
        reason = f"{event.type} is not allowed in state {case.state}"
        raise CorruptRecordError(case.case_id, event.version, reason)
    # One copy per event: the handler returns only the fields the event changes.
    changes = _APPLY[type(payload)](case, event)
    changes["state"] = state
    changes["version"] = event.version
    changes["updated_at"] = event.at
    return _evolved(case, changes)


#: The fields of a case, in order, and a getter of all their values at once.
_CASE_FIELDS = tuple(a.name for a in attrs.fields(Case))
_case_values = operator.attrgetter(*_CASE_FIELDS)
_new = object.__new__
_set = object.__setattr__


def _evolved(case: Case, changes: dict[str, Any]) -> Case:
    """``attrs.evolve(case, **changes)``, without its per-call work (the fold's hot path).

    Case has no converters, validators or post-init, so copying its slots is the same.
    """
    new: Case = _new(Case)
    for name, value in zip(_CASE_FIELDS, _case_values(case), strict=True):
        _set(new, name, changes.get(name, value))
    return new


#: The fields of a case an event changes, by name.
_Changes: TypeAlias = dict[str, Any]


def _registered(event: Event, e: CaseRegistered) -> Case:
    return Case(
        case_id=event.case_id,
        version=1,
        state=CaseState.REGISTERED,
        household=e.household,
        channel=e.channel,
        kind=e.kind,
        emergency=e.emergency,
        priority=e.priority,
        needs=e.needs,
        opened_at=event.at,
        updated_at=event.at,
        assignees=frozenset({event.actor_id}),
    )


def _with_need(needs: tuple[Need, ...], need_id: str, status: NeedStatus) -> tuple[Need, ...]:
    return tuple(attrs.evolve(n, status=status) if n.need_id == need_id else n for n in needs)


def _with_referral(
    case: Case, referral_id: str, change: Callable[[Referral], Referral]
) -> tuple[Referral, ...]:
    return tuple(change(r) if r.referral_id == referral_id else r for r in case.referrals)


def _need_recorded(case: Case, event: Event) -> _Changes:
    assert isinstance(event.payload, NeedRecorded)  # noqa: S101 - dispatch guarantees it
    return {"needs": (*case.needs, event.payload.need)}


def _assessed(case: Case, event: Event) -> _Changes:
    p = event.payload
    assert isinstance(p, CaseAssessed | CaseReassessed)  # noqa: S101
    assessment = Assessment(
        number=len(case.assessments) + 1,
        at=event.at,
        by=event.actor_id,
        findings=p.findings,
        decisions=p.decisions,
        rulebook_version=p.rulebook_version,
    )
    return {
        "assessments": (*case.assessments, assessment),
        "assignees": case.assignees | {event.actor_id},
        "correction_note": "",
    }


def _unchanged(case: Case, event: Event) -> _Changes:  # noqa: ARG001 - same shape as the others
    return {}


def _returned(case: Case, event: Event) -> _Changes:  # noqa: ARG001
    assert isinstance(event.payload, CaseReturned)  # noqa: S101
    return {"correction_note": event.payload.note}


def _resolved_locally(case: Case, event: Event) -> _Changes:
    assert isinstance(event.payload, NeedResolvedLocally)  # noqa: S101
    return {"needs": _with_need(case.needs, event.payload.need_id, NeedStatus.RESOLVED_LOCALLY)}


def _direct_service(case: Case, event: Event) -> _Changes:
    p = event.payload
    assert isinstance(p, DirectServiceDelivered)  # noqa: S101
    served = DirectService(
        need_id=p.need_id, description=p.description, at=event.at, by=event.actor_id
    )
    return {
        "needs": _with_need(case.needs, p.need_id, NeedStatus.SERVED_DIRECTLY),
        "direct_services": (*case.direct_services, served),
    }


def _referral_requested(case: Case, event: Event) -> _Changes:
    p = event.payload
    assert isinstance(p, ReferralRequested)  # noqa: S101
    referral = Referral(
        referral_id=p.referral_id,
        case_id=case.case_id,
        need_id=p.need_id,
        service_id=p.service_id,
        provider_id=p.provider_id,
        status=ReferralStatus.REQUESTED,
        history=(
            StatusChange(status=ReferralStatus.REQUESTED, at=event.at, actor_id=event.actor_id),
        ),
        replaces=p.replaces,
        due_at=p.due_at,
        consent_id=p.consent_id,
    )
    return {
        "needs": _with_need(case.needs, p.need_id, NeedStatus.REFERRED),
        "referrals": (*case.referrals, referral),
    }


def _referral_status(case: Case, event: Event) -> _Changes:
    p = event.payload
    assert isinstance(p, ReferralStatusChanged)  # noqa: S101
    change = StatusChange(
        status=p.status, at=event.at, actor_id=event.actor_id, reason=p.reason, note=p.note
    )
    referral = case.referral(p.referral_id)
    assert referral is not None  # noqa: S101 - the command checked it
    # A new deadline starts the escalation ladder again; the same deadline (a change
    # within the completion hop) keeps the steps already taken.
    updated = attrs.evolve(
        referral,
        status=p.status,
        history=(*referral.history, change),
        due_at=p.due_at,
        escalation_level=referral.escalation_level if p.due_at == referral.due_at else 0,
    )
    changes: _Changes = {"referrals": _with_referral(case, p.referral_id, lambda _: updated)}
    if p.status.is_terminal:
        outcome = NeedStatus.MET if p.status is ReferralStatus.COMPLETED else NeedStatus.OPEN
        changes["needs"] = _with_need(case.needs, referral.need_id, outcome)
    return changes


def _escalated(case: Case, event: Event) -> _Changes:
    p = event.payload
    assert isinstance(p, ReferralEscalated)  # noqa: S101
    return {
        "referrals": _with_referral(
            case,
            p.referral_id,
            lambda r: attrs.evolve(r, escalation_level=p.level, due_at=p.due_at),
        )
    }


def _receipt_confirmed(case: Case, event: Event) -> _Changes:
    p = event.payload
    assert isinstance(p, ReceiptConfirmed)  # noqa: S101
    return {
        "referrals": _with_referral(
            case, p.referral_id, lambda r: attrs.evolve(r, confirmed_at=event.at)
        )
    }


def _consent_recorded(case: Case, event: Event) -> _Changes:
    p = event.payload
    assert isinstance(p, ConsentRecorded)  # noqa: S101
    return {"consents": (*case.consents, p.consent)}


def _basis_recorded(case: Case, event: Event) -> _Changes:
    p = event.payload
    assert isinstance(p, LawfulBasisRecorded)  # noqa: S101
    return {"lawful_bases": (*case.lawful_bases, p.basis)}


def _consent_withdrawn(case: Case, event: Event) -> _Changes:
    p = event.payload
    assert isinstance(p, ConsentWithdrawn)  # noqa: S101

    gone, at = ConsentStatus.WITHDRAWN, event.at
    return {
        "consents": tuple(
            attrs.evolve(c, status=gone, withdrawn_at=at) if c.consent_id == p.record_id else c
            for c in case.consents
        ),
        "lawful_bases": tuple(
            attrs.evolve(b, status=gone, withdrawn_at=at) if b.basis_id == p.record_id else b
            for b in case.lawful_bases
        ),
    }


def _closed(case: Case, event: Event) -> _Changes:  # noqa: ARG001
    assert isinstance(event.payload, CaseClosed)  # noqa: S101
    return {"closing_reason": event.payload.reason}


_APPLY: dict[type[DomainEvent], Callable[[Case, Event], _Changes]] = {
    NeedRecorded: _need_recorded,
    CaseAssessed: _assessed,
    CaseReassessed: _assessed,
    CaseSubmitted: _unchanged,
    CaseReturned: _returned,
    CaseApproved: _unchanged,
    CaseReviewed: _unchanged,
    NeedResolvedLocally: _resolved_locally,
    DirectServiceDelivered: _direct_service,
    ReferralRequested: _referral_requested,
    ReferralStatusChanged: _referral_status,
    ReferralEscalated: _escalated,
    ReceiptConfirmed: _receipt_confirmed,
    ConsentRecorded: _consent_recorded,
    LawfulBasisRecorded: _basis_recorded,
    ConsentWithdrawn: _consent_withdrawn,
    CaseClosed: _closed,
    CaseErased: _unchanged,
}
