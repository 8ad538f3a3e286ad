"""Read models: the summaries worklists and searches read, computed from a case.

A :class:`CaseSummary` and one :class:`ReferralSummary` per referral are what a store
keeps beside the events, written in the same transaction as the commit that changed
the case (:func:`summarize`), so a worklist reads one indexed table instead of
replaying every case. They hold ids, codes, states and times only: no name, NIK,
address or free text, so they need no sealing and survive nothing the erasure of a
case removes (an erased case has no summary).

Everything here is pure: :func:`summarize` is a function of the case alone, so the
summaries can always be computed again from the event log
(``slrt projections rebuild``), and :func:`case_matches` / :func:`referral_matches`
are the meaning of a selection, which every store's query must agree with (the
contract suite checks it).

Examples:
    >>> from slrt_core.testing import sample_slrt, sample_staff, walk_case
    >>> from slrt_core.adapters import MemoryStore
    >>> store = MemoryStore()
    >>> slrt = sample_slrt(store)
    >>> steps = list(walk_case(slrt, sample_staff(), route="full"))
    >>> summary, referrals = summarize(store.load(steps[-1].case_id))
    >>> summary.state, summary.referrals, referrals[0].status
    (<CaseState.CLOSED: 'closed'>, 1, <ReferralStatus.COMPLETED: 'completed'>)
    >>> case_matches(summary, CaseSelection(states=frozenset({CaseState.CLOSED})))
    True

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import attrs

from slrt_core.case._model import Case, CaseState, Priority, StateChange
from slrt_core.identity import RegionCode
from slrt_core.referral._model import ReferralReason, ReferralStatus
from slrt_core.referral._sla import EscalationStep, Hop
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind, Sector

__all__ = [
    "CASE_COLUMNS",
    "FAR_FUTURE",
    "CaseFilter",
    "CaseOrder",
    "CaseSelection",
    "CaseSummary",
    "Page",
    "REFERRAL_COLUMNS",
    "ReferralFilter",
    "ReferralOrder",
    "ReferralSelection",
    "ReferralSummary",
    "case_key",
    "case_matches",
    "case_of_row",
    "case_row",
    "referral_key",
    "referral_matches",
    "referral_of_row",
    "referral_row",
    "sector_mask",
    "status_mask",
    "summarize",
]

#: The deadline that sorts after every real one: what "no deadline" sorts as.
FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)

_SECTOR_BIT = {s: 1 << i for i, s in enumerate(Sector)}
_STATUS_BIT = {s: 1 << i for i, s in enumerate(ReferralStatus)}


def sector_mask(sectors: Iterable[Sector]) -> int:
    """The sectors as one integer, one bit each (how the database tables index them).

    Examples:
        >>> sector_mask([Sector.HEALTH, Sector.FOOD])
        9
    """
    mask = 0
    for s in sectors:
        mask |= _SECTOR_BIT[s]
    return mask


def status_mask(statuses: Iterable[ReferralStatus]) -> int:
    """The referral statuses as one integer, one bit each.

    Examples:
        >>> status_mask([ReferralStatus.REQUESTED, ReferralStatus.ACCEPTED])
        5
    """
    mask = 0
    for s in statuses:
        mask |= _STATUS_BIT[s]
    return mask


@attrs.frozen(kw_only=True)
class CaseSummary:
    """What a worklist shows of a case: its ids, codes, states and times, no personal data.

    Attributes:
        case_id: the case.
        version: the case version the summary was computed at.
        state: the lifecycle state.
        region: the household's village code (jurisdiction).
        channel: where the need came in.
        kind: question, suggestion or grievance.
        emergency: an emergency case (direct service first).
        priority: handling priority.
        assignees: ids of the workers assigned, sorted.
        registered_at: when the case was registered.
        updated_at: when its last event happened.
        open_sectors: the sectors of its open needs (open or referred), in sector order.
        referrals: how many referrals it has had.
        open_referrals: how many of them are open.
        referral_statuses: the statuses its referrals are in, in status order.
        providers: the providers its referrals went to, sorted.
        services: the services its referrals asked for, sorted.
        next_due_at: the earliest deadline of its open referrals, if any has one.
        escalation_level: the highest escalation level of its open referrals.
        sectors: the sectors of all its needs, open or not, in sector order.
        closing_reason: why it closed; ``None`` while it is open.
        state_history: every state it entered, with when, oldest first (the stage
            timestamps the KPIs time).

    .. versionchanged:: 0.1.0
       ``sectors``, ``closing_reason`` and ``state_history``.
    """

    case_id: str
    version: int
    state: CaseState
    region: RegionCode
    channel: Channel
    kind: ComplaintKind
    emergency: bool
    priority: Priority
    assignees: tuple[str, ...]
    registered_at: datetime
    updated_at: datetime
    open_sectors: tuple[Sector, ...]
    referrals: int
    open_referrals: int
    referral_statuses: tuple[ReferralStatus, ...]
    providers: tuple[str, ...]
    services: tuple[str, ...]
    next_due_at: datetime | None
    escalation_level: int
    sectors: tuple[Sector, ...] = ()
    closing_reason: ClosingReason | None = None
    state_history: tuple[StateChange, ...] = ()

    @property
    def urgency(self) -> int:
        """The rank of the priority order: 0 emergency, 1 high priority, 2 the rest."""
        if self.emergency:
            return 0
        return 1 if self.priority is Priority.HIGH else 2

    def overdue(self, at: datetime) -> bool:
        """Whether an open referral's deadline has passed at *at*."""
        return self.next_due_at is not None and self.next_due_at <= at


@attrs.frozen(kw_only=True)
class ReferralSummary:
    """What a referral worklist shows of a referral: ids, codes, status and times.

    Attributes:
        referral_id: the referral.
        case_id: its case.
        region: the case's village code.
        need_id: the need it serves.
        sector: that need's sector.
        service_id: the service asked for (its program and tier are the directory's).
        provider_id: the provider it is addressed to.
        status: where it stands.
        requested_at: when it was sent.
        updated_at: its latest status change.
        due_at: the deadline of its current hop while it is open.
        escalation_level: escalation steps taken on the current hop.
        replaces: the referral it retries or reroutes, if any.
        confirmed: the client confirmed receiving the service.
        acknowledged_at: when the provider first answered (received, accepted or
            rejected).
        accepted_at: when it was accepted.
        completed_at: when it was completed.
        reason: the reason of its latest status change, if any.
        missed: the hops whose deadline passed before the referral moved on (SLA
            breaches), in order.
        escalations: the escalation steps taken on it, in order.

    .. versionchanged:: 0.1.0
       ``acknowledged_at``, ``accepted_at``, ``completed_at``, ``reason``, ``missed``
       and ``escalations``.
    """

    referral_id: str
    case_id: str
    region: RegionCode
    need_id: str
    sector: Sector
    service_id: str
    provider_id: str
    status: ReferralStatus
    requested_at: datetime
    updated_at: datetime
    due_at: datetime | None
    escalation_level: int
    replaces: str | None
    confirmed: bool
    acknowledged_at: datetime | None = None
    accepted_at: datetime | None = None
    completed_at: datetime | None = None
    reason: ReferralReason | None = None
    missed: tuple[Hop, ...] = ()
    escalations: tuple[EscalationStep, ...] = ()

    @property
    def is_open(self) -> bool:
        """True until the referral reaches a terminal status."""
        return not self.status.is_terminal

    def overdue(self, at: datetime) -> bool:
        """Whether the referral is open and its deadline has passed at *at*."""
        return self.due_at is not None and self.due_at <= at


_ANSWERS = frozenset({ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED, ReferralStatus.REJECTED})
_HOP_OF = {h.value: h for h in Hop}
_STEP_OF = {s.value: s for s in EscalationStep}


def summarize(case: Case) -> tuple[CaseSummary, tuple[ReferralSummary, ...]]:
    """The case's summary and its referrals' summaries, as the stores keep them.

    Deadlines count only while a referral is open: an ended referral is never overdue.
    """
    sector_of = {n.need_id: n.sector for n in case.needs}
    referrals = tuple(
        ReferralSummary(
            referral_id=r.referral_id,
            case_id=case.case_id,
            region=case.region,
            need_id=r.need_id,
            sector=sector_of.get(r.need_id, Sector.OTHER),
            service_id=r.service_id,
            provider_id=r.provider_id,
            status=r.status,
            requested_at=r.requested_at,
            updated_at=r.history[-1].at,
            due_at=r.due_at if r.is_open else None,
            escalation_level=r.escalation_level,
            replaces=r.replaces,
            confirmed=r.confirmed_at is not None,
            acknowledged_at=next((c.at for c in r.history if c.status in _ANSWERS), None),
            accepted_at=r.reached_at(ReferralStatus.ACCEPTED),
            completed_at=r.reached_at(ReferralStatus.COMPLETED),
            reason=r.reason,
            missed=tuple(_HOP_OF[h] for h in r.missed),
            escalations=tuple(_STEP_OF[s] for s in r.escalations),
        )
        for r in case.referrals
    )
    open_ = [r for r in referrals if r.is_open]
    deadlines = [r.due_at for r in open_ if r.due_at is not None]
    sectors = {n.sector for n in case.needs if n.is_open}
    every_sector = {n.sector for n in case.needs}
    statuses = {r.status for r in referrals}
    summary = CaseSummary(
        case_id=case.case_id,
        version=case.version,
        state=case.state,
        region=case.region,
        channel=case.channel,
        kind=case.kind,
        emergency=case.emergency,
        priority=case.priority,
        assignees=tuple(sorted(case.assignees)),
        registered_at=case.opened_at,
        updated_at=case.updated_at,
        open_sectors=tuple(s for s in Sector if s in sectors),
        referrals=len(referrals),
        open_referrals=len(open_),
        referral_statuses=tuple(s for s in ReferralStatus if s in statuses),
        providers=tuple(sorted({r.provider_id for r in referrals})),
        services=tuple(sorted({r.service_id for r in referrals})),
        next_due_at=min(deadlines) if deadlines else None,
        escalation_level=max((r.escalation_level for r in open_), default=0),
        sectors=tuple(s for s in Sector if s in every_sector),
        closing_reason=case.closing_reason,
        state_history=case.state_history,
    )
    return summary, referrals


# --------------------------------------------------------------------------- selections


def _in_regions(
    region: RegionCode, regions: tuple[RegionCode, ...], excluded: tuple[RegionCode, ...]
) -> bool:
    if regions and not any(r.contains(region) for r in regions):
        return False
    return not any(r.contains(region) for r in excluded)


def _in_range(value: datetime, start: datetime | None, before: datetime | None) -> bool:
    return (start is None or value >= start) and (before is None or value < before)


@attrs.frozen(kw_only=True)
class CaseSelection:
    """Which case summaries a store returns: every condition given must hold.

    A store answers it from its indexed tables; :func:`case_matches` is its meaning.
    Empty sets and ``None`` mean "any". Times are ranges ``[from, before)``.

    Attributes:
        regions: the case's village lies within one of these (none: anywhere).
        excluded: ...and within none of these (regencies that moved away in a split).
        case_ids: the case is one of these (a lookup by NIK or KK number).
        states: the case is in one of these states.
        assignee: this worker is assigned to the case.
        channels: it came in through one of these channels.
        kinds: it is one of these kinds of complaint.
        emergency: it is (or is not) an emergency.
        priority: its handling priority.
        sectors: it has an open need in one of these sectors.
        services: it has a referral to one of these services (a program's services).
        provider: it has a referral to this provider.
        referral_statuses: it has a referral in one of these statuses.
        due_before: an open referral's deadline is at or before this time (overdue).
        due_after: no open referral's deadline is at or before this time.
        registered_from: registered at or after.
        registered_before: registered before.
        updated_from: last changed at or after.
        updated_before: last changed before.
    """

    regions: tuple[RegionCode, ...] = ()
    excluded: tuple[RegionCode, ...] = ()
    case_ids: frozenset[str] | None = None
    states: frozenset[CaseState] = frozenset()
    assignee: str | None = None
    channels: frozenset[Channel] = frozenset()
    kinds: frozenset[ComplaintKind] = frozenset()
    emergency: bool | None = None
    priority: Priority | None = None
    sectors: frozenset[Sector] = frozenset()
    services: frozenset[str] | None = None
    provider: str | None = None
    referral_statuses: frozenset[ReferralStatus] = frozenset()
    due_before: datetime | None = None
    due_after: datetime | None = None
    registered_from: datetime | None = None
    registered_before: datetime | None = None
    updated_from: datetime | None = None
    updated_before: datetime | None = None


def case_matches(s: CaseSummary, sel: CaseSelection) -> bool:  # noqa: C901, PLR0911, PLR0912 - a test per condition
    """Whether summary *s* meets every condition of *sel* (the selection's meaning)."""
    if not _in_regions(s.region, sel.regions, sel.excluded):
        return False
    if sel.case_ids is not None and s.case_id not in sel.case_ids:
        return False
    if sel.states and s.state not in sel.states:
        return False
    if sel.assignee is not None and sel.assignee not in s.assignees:
        return False
    if sel.channels and s.channel not in sel.channels:
        return False
    if sel.kinds and s.kind not in sel.kinds:
        return False
    if sel.emergency is not None and s.emergency is not sel.emergency:
        return False
    if sel.priority is not None and s.priority is not sel.priority:
        return False
    if sel.sectors and not sel.sectors.intersection(s.open_sectors):
        return False
    if sel.services is not None and not sel.services.intersection(s.services):
        return False
    if sel.provider is not None and sel.provider not in s.providers:
        return False
    if sel.referral_statuses and not sel.referral_statuses.intersection(s.referral_statuses):
        return False
    if sel.due_before is not None and not s.overdue(sel.due_before):
        return False
    if sel.due_after is not None and s.overdue(sel.due_after):
        return False
    return _in_range(s.registered_at, sel.registered_from, sel.registered_before) and _in_range(
        s.updated_at, sel.updated_from, sel.updated_before
    )


@attrs.frozen(kw_only=True)
class ReferralSelection:
    """Which referral summaries a store returns: every condition given must hold.

    :func:`referral_matches` is its meaning. Empty sets and ``None`` mean "any".

    Attributes:
        regions: the case's village lies within one of these (none: anywhere).
        excluded: ...and within none of these.
        case_id: the referrals of this case.
        statuses: the referral is in one of these statuses.
        provider: it is addressed to this provider.
        services: it asks for one of these services (a program's or a tier's).
        sectors: its need is in one of these sectors.
        escalated: it has (or has not) been escalated on its current hop.
        due_before: it is open and its deadline is at or before this time (overdue).
        due_after: it is not overdue at this time.
        requested_from: sent at or after.
        requested_before: sent before.
    """

    regions: tuple[RegionCode, ...] = ()
    excluded: tuple[RegionCode, ...] = ()
    case_id: str | None = None
    statuses: frozenset[ReferralStatus] = frozenset()
    provider: str | None = None
    services: frozenset[str] | None = None
    sectors: frozenset[Sector] = frozenset()
    escalated: bool | None = None
    due_before: datetime | None = None
    due_after: datetime | None = None
    requested_from: datetime | None = None
    requested_before: datetime | None = None


def referral_matches(r: ReferralSummary, sel: ReferralSelection) -> bool:  # noqa: PLR0911 - one test per condition
    """Whether summary *r* meets every condition of *sel* (the selection's meaning)."""
    if not _in_regions(r.region, sel.regions, sel.excluded):
        return False
    if sel.case_id is not None and r.case_id != sel.case_id:
        return False
    if sel.statuses and r.status not in sel.statuses:
        return False
    if sel.provider is not None and r.provider_id != sel.provider:
        return False
    if sel.services is not None and r.service_id not in sel.services:
        return False
    if sel.sectors and r.sector not in sel.sectors:
        return False
    if sel.escalated is not None and (r.escalation_level > 0) is not sel.escalated:
        return False
    if sel.due_before is not None and not r.overdue(sel.due_before):
        return False
    if sel.due_after is not None and r.overdue(sel.due_after):
        return False
    return _in_range(r.requested_at, sel.requested_from, sel.requested_before)


# --------------------------------------------------------------------------- orders


class CaseOrder(enum.StrEnum):
    """How a page of case summaries is ordered (ascending; the case id breaks ties).

    ``registered``: oldest first. ``deadline``: the earliest open deadline first, cases
    without one last. ``priority``: emergencies, then high priority, then the rest, each
    oldest first. ``updated``: the longest untouched first.
    """

    REGISTERED = "registered"
    DEADLINE = "deadline"
    PRIORITY = "priority"
    UPDATED = "updated"


class ReferralOrder(enum.StrEnum):
    """How a page of referral summaries is ordered (the referral id breaks ties).

    ``requested``: oldest first. ``deadline``: the earliest deadline first, those
    without one last. ``updated``: the longest unchanged first.
    """

    REQUESTED = "requested"
    DEADLINE = "deadline"
    UPDATED = "updated"


def case_key(s: CaseSummary, order: CaseOrder) -> tuple[int | str | datetime, ...]:
    """The sort key of *s* in *order*; a page continues after the last key it showed."""
    if order is CaseOrder.DEADLINE:
        return (s.next_due_at or FAR_FUTURE, s.case_id)
    if order is CaseOrder.PRIORITY:
        return (s.urgency, s.registered_at, s.case_id)
    if order is CaseOrder.UPDATED:
        return (s.updated_at, s.case_id)
    return (s.registered_at, s.case_id)


def referral_key(r: ReferralSummary, order: ReferralOrder) -> tuple[str | datetime, ...]:
    """The sort key of *r* in *order*."""
    if order is ReferralOrder.DEADLINE:
        return (r.due_at or FAR_FUTURE, r.referral_id)
    if order is ReferralOrder.UPDATED:
        return (r.updated_at, r.referral_id)
    return (r.requested_at, r.referral_id)


# --------------------------------------------------------------------------- what callers ask


@attrs.frozen(kw_only=True)
class CaseFilter:
    """What a caller of :meth:`slrt_core.Slrt.cases` asks for; every condition given holds.

    The service turns it into a :class:`CaseSelection`: the region becomes the codes it
    covers on today's date (following region splits), the program the directory's
    services of that program, *overdue* a deadline compared with the service's clock.

    Attributes:
        region: within this region (default: the actor's whole jurisdiction).
        states: in one of these states.
        assignee: this worker is assigned.
        channels: came in through one of these channels.
        kinds: one of these kinds of complaint.
        emergency: is (or is not) an emergency.
        priority: this handling priority.
        sectors: has an open need in one of these sectors.
        program: has a referral to a service of this program (``"PBI-JK"``).
        provider: has a referral to this provider.
        referral_statuses: has a referral in one of these statuses.
        overdue: has (or has not) an open referral past its deadline.
        registered_from: registered at or after.
        registered_before: registered before.
        updated_from: last changed at or after.
        updated_before: last changed before.

    Examples:
        >>> CaseFilter(states=frozenset({CaseState.SUBMITTED})).states
        frozenset({<CaseState.SUBMITTED: 'submitted'>})
    """

    region: RegionCode | None = None
    states: frozenset[CaseState] = frozenset()
    assignee: str | None = None
    channels: frozenset[Channel] = frozenset()
    kinds: frozenset[ComplaintKind] = frozenset()
    emergency: bool | None = None
    priority: Priority | None = None
    sectors: frozenset[Sector] = frozenset()
    program: str | None = None
    provider: str | None = None
    referral_statuses: frozenset[ReferralStatus] = frozenset()
    overdue: bool | None = None
    registered_from: datetime | None = None
    registered_before: datetime | None = None
    updated_from: datetime | None = None
    updated_before: datetime | None = None


@attrs.frozen(kw_only=True)
class ReferralFilter:
    """What a caller of :meth:`slrt_core.Slrt.referrals` asks for.

    Attributes:
        region: the case lies within this region (default: the actor's jurisdiction;
            provider staff see their provider's referrals wherever the case is).
        case_id: the referrals of this case.
        statuses: in one of these statuses.
        provider: addressed to this provider (provider staff: always their own).
        service: asks for this service.
        program: asks for a service of this program.
        tier: asks for a service of this tier (``"district"``).
        sectors: its need is in one of these sectors.
        escalated: has (or has not) been escalated on its current hop.
        overdue: is (or is not) open past its deadline.
        requested_from: sent at or after.
        requested_before: sent before.
    """

    region: RegionCode | None = None
    case_id: str | None = None
    statuses: frozenset[ReferralStatus] = frozenset()
    provider: str | None = None
    service: str | None = None
    program: str | None = None
    tier: str | None = None
    sectors: frozenset[Sector] = frozenset()
    escalated: bool | None = None
    overdue: bool | None = None
    requested_from: datetime | None = None
    requested_before: datetime | None = None


T = TypeVar("T")


@attrs.frozen(kw_only=True)
class Page(Generic[T]):
    """One page of summaries, with the cursor of the next page and, if asked, the count.

    Attributes:
        items: the summaries, in the order asked for.
        next: pass it as ``page=`` to get the next page; ``None`` on the last page.
        total: how many summaries meet the filter, when the count was asked for.
    """

    items: tuple[T, ...]
    next: str | None = None
    total: int | None = None


# --------------------------------------------------------------------------- stored form

_CASE_STATES = {s.value: s for s in CaseState}
_CHANNELS = {c.value: c for c in Channel}
_KINDS = {k.value: k for k in ComplaintKind}
_PRIORITIES = {p.value: p for p in Priority}
_SECTORS = {s.value: s for s in Sector}
_STATUSES = {s.value: s for s in ReferralStatus}
_CLOSING = {r.value: r for r in ClosingReason}
_REASONS = {r.value: r for r in ReferralReason}
_time = datetime.fromisoformat


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


#: The names of the values of a :func:`case_row` list, in order: the fields of
#: :class:`CaseSummary`. Bulk readers (the KPIs, exports) read stored rows by them.
CASE_COLUMNS: tuple[str, ...] = tuple(f.name for f in attrs.fields(CaseSummary))
#: The names of the values of a :func:`referral_row` list: the fields of
#: :class:`ReferralSummary`.
REFERRAL_COLUMNS: tuple[str, ...] = tuple(f.name for f in attrs.fields(ReferralSummary))


def case_row(s: CaseSummary) -> list[object]:
    """*s* as a JSON-ready list, the form the database tables store (read by :func:`case_of_row`).

    A fixed order of plain values: a page of 50 decodes in well under a millisecond.

    Examples:
        >>> from slrt_core.testing import sample_slrt, sample_staff, walk_case
        >>> from slrt_core.adapters import MemoryStore
        >>> store = MemoryStore()
        >>> step = next(walk_case(sample_slrt(store), sample_staff()))
        >>> summary = summarize(store.load(step.case_id))[0]
        >>> case_of_row(case_row(summary)) == summary
        True
    """
    return [
        s.case_id,
        s.version,
        s.state.value,
        s.region.code,
        s.channel.value,
        s.kind.value,
        s.emergency,
        s.priority.value,
        list(s.assignees),
        s.registered_at.isoformat(),
        s.updated_at.isoformat(),
        [x.value for x in s.open_sectors],
        s.referrals,
        s.open_referrals,
        [x.value for x in s.referral_statuses],
        list(s.providers),
        list(s.services),
        _iso(s.next_due_at),
        s.escalation_level,
        [x.value for x in s.sectors],
        None if s.closing_reason is None else s.closing_reason.value,
        [[c.state.value, c.at.isoformat()] for c in s.state_history],
    ]


def case_of_row(row: list[Any]) -> CaseSummary:
    """The summary a :func:`case_row` list holds."""
    return CaseSummary(
        case_id=row[0],
        version=row[1],
        state=_CASE_STATES[row[2]],
        region=RegionCode(row[3]),
        channel=_CHANNELS[row[4]],
        kind=_KINDS[row[5]],
        emergency=row[6],
        priority=_PRIORITIES[row[7]],
        assignees=tuple(row[8]),
        registered_at=_time(row[9]),
        updated_at=_time(row[10]),
        open_sectors=tuple(_SECTORS[x] for x in row[11]),
        referrals=row[12],
        open_referrals=row[13],
        referral_statuses=tuple(_STATUSES[x] for x in row[14]),
        providers=tuple(row[15]),
        services=tuple(row[16]),
        next_due_at=None if row[17] is None else _time(row[17]),
        escalation_level=row[18],
        sectors=tuple(_SECTORS[x] for x in row[19]),
        closing_reason=None if row[20] is None else _CLOSING[row[20]],
        state_history=tuple(
            StateChange(state=_CASE_STATES[state], at=_time(at)) for state, at in row[21]
        ),
    )


def referral_row(r: ReferralSummary) -> list[object]:
    """*r* as a JSON-ready list (read by :func:`referral_of_row`)."""
    return [
        r.referral_id,
        r.case_id,
        r.region.code,
        r.need_id,
        r.sector.value,
        r.service_id,
        r.provider_id,
        r.status.value,
        r.requested_at.isoformat(),
        r.updated_at.isoformat(),
        _iso(r.due_at),
        r.escalation_level,
        r.replaces,
        r.confirmed,
        _iso(r.acknowledged_at),
        _iso(r.accepted_at),
        _iso(r.completed_at),
        None if r.reason is None else r.reason.value,
        [h.value for h in r.missed],
        [x.value for x in r.escalations],
    ]


def referral_of_row(row: list[Any]) -> ReferralSummary:
    """The summary a :func:`referral_row` list holds."""
    return ReferralSummary(
        referral_id=row[0],
        case_id=row[1],
        region=RegionCode(row[2]),
        need_id=row[3],
        sector=_SECTORS[row[4]],
        service_id=row[5],
        provider_id=row[6],
        status=_STATUSES[row[7]],
        requested_at=_time(row[8]),
        updated_at=_time(row[9]),
        due_at=None if row[10] is None else _time(row[10]),
        escalation_level=row[11],
        replaces=row[12],
        confirmed=row[13],
        acknowledged_at=None if row[14] is None else _time(row[14]),
        accepted_at=None if row[15] is None else _time(row[15]),
        completed_at=None if row[16] is None else _time(row[16]),
        reason=None if row[17] is None else _REASONS[row[17]],
        missed=tuple(_HOP_OF[h] for h in row[18]),
        escalations=tuple(_STEP_OF[x] for x in row[19]),
    )
