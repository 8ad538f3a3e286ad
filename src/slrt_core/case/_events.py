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
    DuplicateMatch,
    DuplicateStatus,
    Need,
    NeedStatus,
    Priority,
    ProgramDecision,
    StateChange,
)
from slrt_core.errors import CorruptRecordError, InvalidInputError
from slrt_core.household import Household
from slrt_core.identity import RegionCode
from slrt_core.referral._consent import Consent, ConsentStatus, LawfulBasis
from slrt_core.referral._model import Referral, ReferralReason, ReferralStatus, StatusChange
from slrt_core.referral._sla import current_hop
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind, Role

__all__ = [
    "CaseApproved",
    "CaseAssessed",
    "CaseClosed",
    "CaseErased",
    "CaseMergedInto",
    "CaseReassessed",
    "CaseRegistered",
    "CaseReturned",
    "CaseReviewed",
    "CaseSubmitted",
    "CaseTransferred",
    "ConsentRecorded",
    "ConsentWithdrawn",
    "DirectServiceDelivered",
    "DomainEvent",
    "DuplicateMarkedDistinct",
    "DuplicateMerged",
    "DuplicateSuspected",
    "EVENT_TYPES",
    "Event",
    "LawfulBasisRecorded",
    "NeedRecorded",
    "NeedResolvedLocally",
    "Payload",
    "ReceiptConfirmed",
    "ReferralEscalated",
    "ReferralRequested",
    "ReferralStatusChanged",
    "WorkerAssigned",
    "WorkerUnassigned",
    "apply",
    "replay",
]

SCHEMA_VERSION = 1


class Payload:
    """The base of every event payload: its stored ``type`` and its lifecycle ``transition``.

    A payload class names both in its class statement,
    ``class CaseSubmitted(Payload, name="case_submitted", transition="submit")``; the
    ``type`` is the tag stored with the event, the ``transition`` the case lifecycle
    event it needs (empty for the registration, which opens the case).

    .. versionadded:: 0.1.0
    """

    __slots__ = ()
    type: ClassVar[str]
    transition: ClassVar[str]

    def __init_subclass__(cls, *, name: str | None = None, transition: str = "") -> None:
        super().__init_subclass__()
        if name is not None:
            cls.type = name
            cls.transition = transition
        if "type" in cls.__dict__:  # the final (slotted) class replaces the first one
            _PAYLOADS[cls.type] = cls


#: Payload classes by stored type, filled as they are defined.
_PAYLOADS: dict[str, type[Payload]] = {}


@attrs.frozen(kw_only=True)
class CaseRegistered(Payload, name="case_registered", transition=""):
    """A household's need was brought in and the case opened."""

    household: Household
    channel: Channel
    kind: ComplaintKind
    needs: tuple[Need, ...]
    emergency: bool
    priority: Priority


@attrs.frozen(kw_only=True)
class NeedRecorded(Payload, name="need_recorded", transition="record_need"):
    """Another need was recorded on the case.

    *channel* is the door it came in through when that is not the case's own (a need
    brought to the Puskesos for a household a facilitator registered); ``None`` in
    events recorded before it was kept, and when not given.
    """

    need: Need
    channel: Channel | None = None


@attrs.frozen(kw_only=True)
class CaseAssessed(Payload, name="case_assessed", transition="assess"):
    """The household was assessed (first assessment, or a correction before approval)."""

    findings: str
    decisions: tuple[ProgramDecision, ...] = ()
    rulebook_version: str | None = None
    # The full SHA-256 of the rulebook (Rulebook.content_hash); None in events recorded
    # before it was kept, which replay as before.
    rulebook_hash: str | None = None


@attrs.frozen(kw_only=True)
class CaseReassessed(Payload, name="case_reassessed", transition="reassess"):
    """The household was assessed again after its referrals ended."""

    findings: str
    decisions: tuple[ProgramDecision, ...] = ()
    rulebook_version: str | None = None
    # The full SHA-256 of the rulebook (Rulebook.content_hash); None in events recorded
    # before it was kept, which replay as before.
    rulebook_hash: str | None = None


@attrs.frozen(kw_only=True)
class CaseSubmitted(Payload, name="case_submitted", transition="submit"):
    """The assessment was submitted to the supervisor."""


@attrs.frozen(kw_only=True)
class CaseReturned(Payload, name="case_returned", transition="return_for_correction"):
    """The supervisor returned the case for correction."""

    note: str


@attrs.frozen(kw_only=True)
class CaseApproved(Payload, name="case_approved", transition="approve"):
    """The supervisor approved the assessment and plan."""


@attrs.frozen(kw_only=True)
class CaseReviewed(Payload, name="case_reviewed", transition="review"):
    """The front office reviewed the approved case for referral."""


@attrs.frozen(kw_only=True)
class NeedResolvedLocally(Payload, name="need_resolved_locally", transition="resolve_locally"):
    """A need was solved at village level (village program, NGO, information)."""

    need_id: str
    how: str


@attrs.frozen(kw_only=True)
class DirectServiceDelivered(
    Payload, name="direct_service_delivered", transition="deliver_direct_service"
):
    """A service was given directly to the household."""

    need_id: str
    description: str


@attrs.frozen(kw_only=True)
class ReferralRequested(Payload, name="referral_requested", transition="refer"):
    """A need was referred to a provider's service."""

    referral_id: str
    need_id: str
    service_id: str
    provider_id: str
    replaces: str | None = None
    due_at: datetime | None = None
    consent_id: str | None = None


@attrs.frozen(kw_only=True)
class ReferralStatusChanged(Payload, name="referral_status_changed", transition="update_referral"):
    """A referral moved to another status."""

    referral_id: str
    status: ReferralStatus
    reason: ReferralReason | None = None
    note: str = ""
    due_at: datetime | None = None


@attrs.frozen(kw_only=True)
class ReferralEscalated(Payload, name="referral_escalated", transition="escalate_referral"):
    """A referral missed its deadline and was escalated one step."""

    referral_id: str
    level: int
    step: str
    due_at: datetime | None = None


@attrs.frozen(kw_only=True)
class ReceiptConfirmed(Payload, name="receipt_confirmed", transition="confirm_receipt"):
    """The client confirmed receiving the referred service: the loop is closed."""

    referral_id: str


@attrs.frozen(kw_only=True)
class ConsentRecorded(Payload, name="consent_recorded", transition="record_consent"):
    """A member (or their guardian) consented to sending their data."""

    consent: Consent


@attrs.frozen(kw_only=True)
class LawfulBasisRecorded(Payload, name="lawful_basis_recorded", transition="record_consent"):
    """A lawful basis other than consent was recorded for the case."""

    basis: LawfulBasis


@attrs.frozen(kw_only=True)
class ConsentWithdrawn(Payload, name="consent_withdrawn", transition="withdraw_consent"):
    """A consent or lawful basis was withdrawn: nothing more is sent under it."""

    record_id: str


@attrs.frozen(kw_only=True)
class WorkerAssigned(Payload, name="worker_assigned", transition="assign"):
    """A worker (facilitator, Puskesos operator, back office) was assigned to the case.

    .. versionadded:: 0.1.0
    """

    worker_id: str
    role: Role


@attrs.frozen(kw_only=True)
class WorkerUnassigned(Payload, name="worker_unassigned", transition="assign"):
    """A worker no longer works on the case.

    .. versionadded:: 0.1.0
    """

    worker_id: str


@attrs.frozen(kw_only=True)
class CaseTransferred(Payload, name="case_transferred", transition="transfer"):
    """The household moved: the case now belongs to the region of village *to_region*.

    From the event on, the new region's staff have the case and the old region's do
    not; its workers are unassigned.

    .. versionadded:: 0.1.0
    """

    from_region: RegionCode
    to_region: RegionCode


@attrs.frozen(kw_only=True)
class DuplicateSuspected(Payload, name="duplicate_suspected", transition="flag_duplicate"):
    """The intake check found other cases that may be this household's (a flag).

    Recorded with the registration: a likely match by names, birth dates and village,
    or, with *overridden*, a NIK or KK number already on an open case that the
    registering staff overrode (the event's reason says why). Each flag stays open
    until a supervisor marks it distinct or merges the cases.

    .. versionadded:: 0.1.0
    """

    matches: tuple[DuplicateMatch, ...]
    overridden: bool = False


@attrs.frozen(kw_only=True)
class DuplicateMarkedDistinct(
    Payload, name="duplicate_marked_distinct", transition="resolve_duplicate"
):
    """A supervisor found the flagged case and *other_case_id* to be two households.

    .. versionadded:: 0.1.0
    """

    other_case_id: str


@attrs.frozen(kw_only=True)
class DuplicateMerged(Payload, name="duplicate_merged", transition="resolve_duplicate"):
    """Case *from_case_id* was merged into this one: its open needs carried over.

    *needs* are the needs as this case records them (new ids); *carried* pairs each
    one's id here with its id in the merged case, whose history stays as it was.

    .. versionadded:: 0.1.0
    """

    from_case_id: str
    needs: tuple[Need, ...] = ()
    carried: tuple[tuple[str, str], ...] = ()


@attrs.frozen(kw_only=True)
class CaseMergedInto(Payload, name="case_merged_into", transition="close"):
    """The case was a duplicate of *into_case_id*: it closed, its open needs went there.

    It closes the case with reason ``duplicate``; its history is kept as it was.

    .. versionadded:: 0.1.0
    """

    into_case_id: str


@attrs.frozen(kw_only=True)
class CaseClosed(Payload, name="case_closed", transition="close"):
    """The case closed for a reason."""

    reason: ClosingReason


@attrs.frozen(kw_only=True)
class CaseErased(Payload, name="case_erased", transition="erase"):
    """The case's personal data was erased (UU PDP 27/2022): its data key was destroyed.

    It carries no personal data and is stored in clear. It folds like any event (the
    case stays closed, its version moves on), but an erased case is never replayed
    from a store: its other events can no longer be read.
    """

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
    | WorkerAssigned
    | WorkerUnassigned
    | CaseTransferred
    | DuplicateSuspected
    | DuplicateMarkedDistinct
    | DuplicateMerged
    | CaseMergedInto
)

#: Every payload class by its stored ``type``.
EVENT_TYPES: dict[str, type[DomainEvent]] = dict(_PAYLOADS)  # type: ignore[arg-type]


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
        claimed_at: for a command recorded offline and synchronised later
            (:mod:`slrt_core.sync`), the time the device claimed it happened; ``at`` is
            then the server's receipt time, on which SLA clocks run. ``None`` for a
            command sent online, and in events recorded before it was kept (they replay
            and hash as before: the field is written only when set).
    """

    case_id: str
    version: int
    at: datetime
    actor_id: str
    role: Role
    payload: DomainEvent
    reason: str = ""
    schema: int = SCHEMA_VERSION
    claimed_at: datetime | None = None

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
            reason_id = f"kasus dimulai dengan case_registered pada versi 1, bukan {event.type}"
            raise CorruptRecordError(event.case_id, event.version, reason, reason_id)
        return _registered(event, payload)
    if event.version != case.version + 1 or event.case_id != case.case_id:
        reason = (
            f"event {event.case_id!r} version {event.version} does not follow case "
            f"{case.case_id!r} version {case.version}"
        )
        reason_id = (
            f"peristiwa {event.case_id!r} versi {event.version} tidak menyambung kasus "
            f"{case.case_id!r} versi {case.version}"
        )
        raise CorruptRecordError(case.case_id, event.version, reason, reason_id)
    state = next_state(case, payload.transition)
    if state is None:
        reason = f"{event.type} is not allowed in state {case.state}"
        reason_id = f"{event.type} tidak diperbolehkan pada status {case.state}"
        raise CorruptRecordError(case.case_id, event.version, reason, reason_id)
    # One copy per event: the handler returns only the fields the event changes.
    changes = _APPLY[type(payload)](case, event, payload)
    if state is not case.state:
        changes["state_history"] = (*case.state_history, StateChange(state=state, at=event.at))
    changes["state"] = state
    changes["version"] = event.version
    changes["updated_at"] = event.at
    return _evolved(case, changes)


#: The fields of a case, in order, and a getter of all their values at once.
_CASE_FIELDS = tuple(a.name for a in attrs.fields(Case))
_case_values = operator.attrgetter(*_CASE_FIELDS)
_new = object.__new__
#: Each slot's own setter (its member descriptor), in field order and by name: a frozen
#: class refuses ``setattr``, and the descriptor skips the name look-up of
#: ``object.__setattr__``.
_SETTERS = tuple(vars(Case)[name].__set__ for name in _CASE_FIELDS)
_SETTER = dict(zip(_CASE_FIELDS, _SETTERS, strict=True))


def _evolved(case: Case, changes: dict[str, Any]) -> Case:
    """``attrs.evolve(case, **changes)``, without its per-call work (the fold's hot path).

    Case has no converters, validators or post-init, so copying its slots is the same:
    every slot is copied, then the changed ones are set.
    """
    new: Case = _new(Case)
    for setter, value in zip(_SETTERS, _case_values(case), strict=True):
        setter(new, value)
    for name, value in changes.items():
        _SETTER[name](new, value)
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
        state_history=(StateChange(state=CaseState.REGISTERED, at=event.at),),
    )


def _with_need(needs: tuple[Need, ...], need_id: str, status: NeedStatus) -> tuple[Need, ...]:
    return tuple(attrs.evolve(n, status=status) if n.need_id == need_id else n for n in needs)


def _with_referral(
    case: Case, referral_id: str, change: Callable[[Referral], Referral]
) -> tuple[Referral, ...]:
    return tuple(change(r) if r.referral_id == referral_id else r for r in case.referrals)


def _need_recorded(case: Case, _event: Event, p: NeedRecorded) -> _Changes:
    return {"needs": (*case.needs, p.need)}


def _assessed(case: Case, event: Event, p: CaseAssessed | CaseReassessed) -> _Changes:
    assessment = Assessment(
        number=len(case.assessments) + 1,
        at=event.at,
        by=event.actor_id,
        findings=p.findings,
        decisions=p.decisions,
        rulebook_version=p.rulebook_version,
        rulebook_hash=p.rulebook_hash,
    )
    return {
        "assessments": (*case.assessments, assessment),
        "assignees": case.assignees | {event.actor_id},
        "correction_note": "",
    }


def _unchanged(_case: Case, _event: Event, _payload: Payload) -> _Changes:
    return {}


def _returned(_case: Case, _event: Event, p: CaseReturned) -> _Changes:
    return {"correction_note": p.note}


def _resolved_locally(case: Case, _event: Event, p: NeedResolvedLocally) -> _Changes:
    return {"needs": _with_need(case.needs, p.need_id, NeedStatus.RESOLVED_LOCALLY)}


def _direct_service(case: Case, event: Event, p: DirectServiceDelivered) -> _Changes:
    served = DirectService(
        need_id=p.need_id, description=p.description, at=event.at, by=event.actor_id
    )
    return {
        "needs": _with_need(case.needs, p.need_id, NeedStatus.SERVED_DIRECTLY),
        "direct_services": (*case.direct_services, served),
    }


def _referral_requested(case: Case, event: Event, p: ReferralRequested) -> _Changes:
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


def _referral_status(case: Case, event: Event, p: ReferralStatusChanged) -> _Changes:
    change = StatusChange(
        status=p.status, at=event.at, actor_id=event.actor_id, reason=p.reason, note=p.note
    )
    referral = case.referral(p.referral_id)
    assert referral is not None  # noqa: S101 - the command checked it
    # A new deadline starts the escalation ladder again; the same deadline (a change
    # within the completion hop) keeps the steps already taken, and so does the end of
    # the referral (an expired one shows the level it reached).
    keep = p.due_at == referral.due_at or p.status.is_terminal
    # The hop ends when the referral moves to another hop or ends; it ended late (an SLA
    # breach) when its deadline had passed by then.
    hop = current_hop(referral.status)
    late = (
        hop is not None
        and referral.due_at is not None
        and event.at >= referral.due_at
        and (p.status.is_terminal or current_hop(p.status) is not hop)
    )
    updated = attrs.evolve(
        referral,
        status=p.status,
        history=(*referral.history, change),
        due_at=p.due_at,
        escalation_level=referral.escalation_level if keep else 0,
        missed=(*referral.missed, hop.value) if late and hop is not None else referral.missed,
    )
    changes: _Changes = {"referrals": _with_referral(case, p.referral_id, lambda _: updated)}
    if p.status.is_terminal:
        outcome = NeedStatus.MET if p.status is ReferralStatus.COMPLETED else NeedStatus.OPEN
        changes["needs"] = _with_need(case.needs, referral.need_id, outcome)
    return changes


def _escalated(case: Case, _event: Event, p: ReferralEscalated) -> _Changes:
    return {
        "referrals": _with_referral(
            case,
            p.referral_id,
            lambda r: attrs.evolve(
                r,
                escalation_level=p.level,
                due_at=p.due_at,
                escalations=(*r.escalations, p.step),
            ),
        )
    }


def _receipt_confirmed(case: Case, event: Event, p: ReceiptConfirmed) -> _Changes:
    return {
        "referrals": _with_referral(
            case, p.referral_id, lambda r: attrs.evolve(r, confirmed_at=event.at)
        )
    }


def _consent_recorded(case: Case, _event: Event, p: ConsentRecorded) -> _Changes:
    return {"consents": (*case.consents, p.consent)}


def _basis_recorded(case: Case, _event: Event, p: LawfulBasisRecorded) -> _Changes:
    return {"lawful_bases": (*case.lawful_bases, p.basis)}


def _consent_withdrawn(case: Case, event: Event, p: ConsentWithdrawn) -> _Changes:

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


def _assigned(case: Case, _event: Event, p: WorkerAssigned) -> _Changes:
    return {"assignees": case.assignees | {p.worker_id}}


def _unassigned(case: Case, _event: Event, p: WorkerUnassigned) -> _Changes:
    return {"assignees": case.assignees - {p.worker_id}}


def _transferred(case: Case, _event: Event, p: CaseTransferred) -> _Changes:
    return {"household": attrs.evolve(case.household, region=p.to_region), "assignees": frozenset()}


def _closed(_case: Case, _event: Event, p: CaseClosed) -> _Changes:
    return {"closing_reason": p.reason}


def _resolved(
    duplicates: tuple[DuplicateMatch, ...], case_id: str, status: DuplicateStatus
) -> tuple[DuplicateMatch, ...]:
    return tuple(
        attrs.evolve(d, status=status) if d.case_id == case_id and d.is_open else d
        for d in duplicates
    )


def _suspected(case: Case, _event: Event, p: DuplicateSuspected) -> _Changes:
    return {"duplicates": (*case.duplicates, *p.matches)}


def _distinct(case: Case, _event: Event, p: DuplicateMarkedDistinct) -> _Changes:
    return {"duplicates": _resolved(case.duplicates, p.other_case_id, DuplicateStatus.DISTINCT)}


def _merged(case: Case, _event: Event, p: DuplicateMerged) -> _Changes:
    return {
        "needs": (*case.needs, *p.needs),
        "merged_from": (*case.merged_from, p.from_case_id),
        "duplicates": _resolved(case.duplicates, p.from_case_id, DuplicateStatus.MERGED),
    }


def _merged_into(case: Case, _event: Event, p: CaseMergedInto) -> _Changes:
    return {
        "closing_reason": ClosingReason.DUPLICATE,
        "merged_into": p.into_case_id,
        "duplicates": _resolved(case.duplicates, p.into_case_id, DuplicateStatus.MERGED),
    }


#: The fold of each payload type, typed by its payload (the dispatch guarantees it).
_APPLY: dict[type[DomainEvent], Callable[[Case, Event, Any], _Changes]] = {
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
    WorkerAssigned: _assigned,
    WorkerUnassigned: _unassigned,
    CaseTransferred: _transferred,
    DuplicateSuspected: _suspected,
    DuplicateMarkedDistinct: _distinct,
    DuplicateMerged: _merged,
    CaseMergedInto: _merged_into,
}
