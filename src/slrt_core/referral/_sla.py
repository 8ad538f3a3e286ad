"""SLA deadlines per hop and the escalation ladder of overdue referrals.

Each hop of a referral has a deadline in working days from the step before it
(:class:`~slrt_core.referral.Sla`): *acknowledge* (requested -> received), *accept*
(received -> accepted) and *complete* (accepted -> completed). The completion hop runs
from acceptance and keeps running while the referral is in progress or on hold, so
pausing does not reset the clock. A terminal referral has no deadline.

When a deadline passes, the referral climbs the :class:`EscalationLadder` one rung at a
time. The default ladder: a **reminder** to the provider at the deadline, the
**overdue** flag one working day later, **escalation** to the supervisor and the next
tier two working days later, and **expiry** three working days later (the referral is
cancelled with reason ``expired`` and the need goes to the next candidate). A later
rung fires at the end of its working day, in the calendar's time zone.

:func:`steps_due` answers for one referral; :func:`overdue` answers for a columnar
:class:`ReferralTable` of a million referrals at once (numpy), with the same result.

Examples:
    >>> from datetime import UTC, datetime
    >>> from slrt_core.calendar import WorkingCalendar
    >>> cal = WorkingCalendar()
    >>> due = datetime(2026, 8, 14, 17, 0, tzinfo=UTC)       # end of Friday 14 August, WIB
    >>> now = datetime(2026, 8, 19, 1, 0, tzinfo=UTC)        # Wednesday morning
    >>> [r.step.value for _, r in DEFAULT_LADDER.steps_due(due, 0, now, cal)]
    ['reminder', 'overdue']
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

import attrs
import numpy as np
import numpy.typing as npt

from slrt_core.calendar import WorkingCalendar
from slrt_core.errors import DefinitionError
from slrt_core.referral._directory import Sla
from slrt_core.referral._model import Referral, ReferralStatus

__all__ = [
    "DEFAULT_LADDER",
    "EscalationLadder",
    "EscalationStep",
    "Hop",
    "Overdue",
    "ReferralTable",
    "Rung",
    "SweepReport",
    "current_hop",
    "hop_deadline",
    "next_deadline",
    "overdue",
]


class Hop(enum.StrEnum):
    """A stretch of a referral with its own SLA deadline."""

    ACKNOWLEDGE = "acknowledge"
    ACCEPT = "accept"
    COMPLETE = "complete"


class EscalationStep(enum.StrEnum):
    """What one rung of the escalation ladder does."""

    REMINDER = "reminder"
    """Remind the provider that the deadline has passed."""
    OVERDUE = "overdue"
    """Flag the referral overdue to the back office."""
    ESCALATE = "escalate"
    """Tell the supervisor and the next tier up."""
    EXPIRE = "expire"
    """Cancel the referral with reason ``expired`` and reroute the need."""


@attrs.frozen
class Rung:
    """One step of the ladder, *after_days* working days after the deadline."""

    step: EscalationStep
    after_days: int


def _rungs(rungs: Iterable[Rung]) -> tuple[Rung, ...]:
    return tuple(rungs)


@attrs.frozen
class EscalationLadder:
    """The steps taken on an overdue referral, in order.

    Args:
        rungs: the steps; their ``after_days`` never decrease, and ``EXPIRE``, when
            present, is the last.

    Raises:
        DefinitionError: no rungs, a negative or decreasing ``after_days``, or a rung
            after ``EXPIRE``.

    Examples:
        >>> EscalationLadder((Rung(EscalationStep.REMINDER, 0), Rung(EscalationStep.EXPIRE, 5)))
        EscalationLadder(rungs=(Rung(step=<EscalationStep.REMINDER: 'reminder'>, after_days=0), Rung(step=<EscalationStep.EXPIRE: 'expire'>, after_days=5)))
    """  # noqa: E501 - a doctest line

    rungs: tuple[Rung, ...] = attrs.field(converter=_rungs)

    def __attrs_post_init__(self) -> None:
        problems = []
        if not self.rungs:
            problems.append("it has no rungs")
        days = [r.after_days for r in self.rungs]
        if any(d < 0 for d in days):
            problems.append("after_days is negative")
        if any(b < a for a, b in itertools.pairwise(days)):
            problems.append("after_days decreases")
        steps = [r.step for r in self.rungs]
        if EscalationStep.EXPIRE in steps[:-1]:
            problems.append("a rung comes after 'expire'")
        if problems:
            msg = (
                f"The escalation ladder is not valid: {'; '.join(problems)}. List the rungs in "
                "order of working days after the deadline, with 'expire' last if at all."
            )
            raise DefinitionError(msg, message_id=msg)

    def __len__(self) -> int:
        return len(self.rungs)

    def fire_at(self, due_at: datetime, level: int, calendar: WorkingCalendar) -> datetime | None:
        """When the rung after *level* steps fires (``None`` when the ladder is done)."""
        if level >= len(self.rungs):
            return None
        return calendar.after_deadline(due_at, self.rungs[level].after_days)

    def steps_due(
        self, due_at: datetime, level: int, now: datetime, calendar: WorkingCalendar
    ) -> tuple[tuple[int, Rung], ...]:
        """The rungs that have fired by *now* and were not taken yet, with their new level.

        *level* is the number of steps already taken on this deadline; a rung's new level
        is its position plus one.
        """
        fired: list[tuple[int, Rung]] = []
        while (at := self.fire_at(due_at, level, calendar)) is not None and at <= now:
            fired.append((level + 1, self.rungs[level]))
            level += 1
        return tuple(fired)


#: Reminder at the deadline, overdue a working day later, escalation after two, expiry
#: after three.
DEFAULT_LADDER = EscalationLadder(
    (
        Rung(EscalationStep.REMINDER, 0),
        Rung(EscalationStep.OVERDUE, 1),
        Rung(EscalationStep.ESCALATE, 2),
        Rung(EscalationStep.EXPIRE, 3),
    )
)

_HOPS = {
    ReferralStatus.REQUESTED: Hop.ACKNOWLEDGE,
    ReferralStatus.RECEIVED: Hop.ACCEPT,
    ReferralStatus.ACCEPTED: Hop.COMPLETE,
    ReferralStatus.IN_PROGRESS: Hop.COMPLETE,
    ReferralStatus.ON_HOLD: Hop.COMPLETE,
}


def current_hop(status: ReferralStatus) -> Hop | None:
    """The hop a referral in *status* is on; ``None`` once it has ended.

    Examples:
        >>> current_hop(ReferralStatus.ON_HOLD), current_hop(ReferralStatus.COMPLETED)
        (<Hop.COMPLETE: 'complete'>, None)
    """
    return _HOPS.get(status)


def next_deadline(
    referral: Referral,
    status: ReferralStatus,
    at: datetime,
    sla: Sla,
    calendar: WorkingCalendar,
) -> datetime | None:
    """The deadline *referral* will have after moving to *status* at *at*.

    The same as :func:`hop_deadline` of the referral after the move.

    Examples:
        >>> from datetime import UTC, datetime
        >>> from slrt_core.referral import StatusChange
        >>> from slrt_core.calendar import WorkingCalendar
        >>> sent = StatusChange(status=ReferralStatus.REQUESTED, actor_id="bo-1",
        ...                     at=datetime(2026, 8, 14, 3, 0, tzinfo=UTC))
        >>> r = Referral(referral_id="r1", case_id="c1", need_id="n1", service_id="s1",
        ...              provider_id="p1", status=ReferralStatus.REQUESTED, history=(sent,))
        >>> next_deadline(r, ReferralStatus.RECEIVED, datetime(2026, 8, 18, 3, 0, tzinfo=UTC),
        ...               Sla(accept_days=1), WorkingCalendar())
        datetime.datetime(2026, 8, 19, 17, 0, tzinfo=datetime.timezone.utc)
    """
    hop = current_hop(status)
    if hop is None:
        return None
    if hop is Hop.ACKNOWLEDGE:
        return calendar.deadline(referral.requested_at, sla.acknowledge_days)
    if hop is Hop.ACCEPT:
        return calendar.deadline(
            referral.reached_at(ReferralStatus.RECEIVED) or at, sla.accept_days
        )
    started = referral.reached_at(ReferralStatus.ACCEPTED) or at
    return calendar.deadline(started, sla.complete_days)


def hop_deadline(referral: Referral, sla: Sla, calendar: WorkingCalendar) -> datetime | None:
    """The deadline of the hop *referral* is on, from its history and *sla*.

    Examples:
        >>> from datetime import UTC, datetime
        >>> from slrt_core.referral import StatusChange
        >>> from slrt_core.calendar import WorkingCalendar
        >>> sent = StatusChange(status=ReferralStatus.REQUESTED, actor_id="bo-1",
        ...                     at=datetime(2026, 8, 14, 3, 0, tzinfo=UTC))
        >>> r = Referral(referral_id="r1", case_id="c1", need_id="n1", service_id="s1",
        ...              provider_id="p1", status=ReferralStatus.REQUESTED, history=(sent,))
        >>> hop_deadline(r, Sla(acknowledge_days=2), WorkingCalendar())
        datetime.datetime(2026, 8, 19, 17, 0, tzinfo=datetime.timezone.utc)
    """
    hop = current_hop(referral.status)
    if hop is None:
        return None
    if hop is Hop.ACKNOWLEDGE:
        return calendar.deadline(referral.requested_at, sla.acknowledge_days)
    if hop is Hop.ACCEPT:
        start = referral.reached_at(ReferralStatus.RECEIVED)
        days = sla.accept_days
    else:
        start = referral.reached_at(ReferralStatus.ACCEPTED)
        days = sla.complete_days
    assert start is not None  # noqa: S101 - the lifecycle passes through that status
    return calendar.deadline(start, days)


@attrs.frozen(kw_only=True)
class SweepReport:
    """What one SLA sweep did.

    Attributes:
        at: the time the sweep judged deadlines against.
        checked: open referrals past their deadline that it looked at.
        steps: escalation steps taken, by step (``{"reminder": 3, "expire": 1}``).
        expired: referrals that expired (cancelled with reason ``expired``).
        rerouted: expired referrals whose need went to the next candidate.
        unrouted: expired referrals whose need had no candidate left.
        conflicts: cases changed by someone else during the sweep; the next sweep
            takes them up.
        skipped: the ids of cases with overdue referrals whose stored record is damaged
            (:class:`~slrt_core.errors.CorruptRecordError`): not escalated, and reported
            here so they can be restored from a backup.
    """

    at: datetime
    checked: int = 0
    steps: Mapping[str, int] = attrs.field(factory=dict)
    expired: int = 0
    rerouted: int = 0
    unrouted: int = 0
    conflicts: int = 0
    skipped: tuple[str, ...] = ()

    @property
    def escalated(self) -> int:
        """Escalation steps taken in all."""
        return sum(self.steps.values())


# --------------------------------------------------------------------------- columnar

_NAT = np.datetime64("NaT", "us")


def _utc64(at: datetime | None) -> np.datetime64:
    if at is None:
        return _NAT
    return np.datetime64(at.astimezone(UTC).replace(tzinfo=None), "us")


@attrs.frozen
class ReferralTable:
    """Open referrals as columns, for the vectorised sweep.

    Attributes:
        referral_id: the ids.
        due_at: deadlines as UTC ``datetime64[us]``; ``NaT`` when a referral has none.
        level: escalation steps already taken on the current deadline.
    """

    referral_id: npt.NDArray[np.object_]
    due_at: npt.NDArray[np.datetime64]
    level: npt.NDArray[np.int16]

    def __attrs_post_init__(self) -> None:
        sizes = {len(self.referral_id), len(self.due_at), len(self.level)}
        if len(sizes) != 1:
            msg = "The columns of a ReferralTable must have the same length."
            raise DefinitionError(msg, message_id="Kolom ReferralTable harus sama panjang.")

    def __len__(self) -> int:
        return len(self.referral_id)

    @classmethod
    def from_referrals(cls, referrals: Iterable[Referral]) -> ReferralTable:
        """The open ones of *referrals*, as a table.

        Examples:
            >>> len(ReferralTable.from_referrals([]))
            0
        """
        rows = [r for r in referrals if r.is_open]
        return cls(
            referral_id=np.array([r.referral_id for r in rows], dtype=object),
            due_at=np.array([_utc64(r.due_at) for r in rows], dtype="datetime64[us]"),
            level=np.array([r.escalation_level for r in rows], dtype=np.int16),
        )


@attrs.frozen
class Overdue:
    """The referrals a sweep must escalate.

    Attributes:
        index: their row numbers in the table.
        level: the escalation level each must reach now (one step per level above its
            current one).
    """

    index: npt.NDArray[np.intp]
    level: npt.NDArray[np.int16]

    def __len__(self) -> int:
        return len(self.index)

    def referral_ids(self, table: ReferralTable) -> list[str]:
        """The ids of the overdue referrals of *table*."""
        return [str(i) for i in table.referral_id[self.index]]


def overdue(
    table: ReferralTable,
    now: datetime,
    *,
    calendar: WorkingCalendar,
    ladder: EscalationLadder = DEFAULT_LADDER,
) -> Overdue:
    """The referrals of *table* with ladder rungs due at *now*, vectorised.

    It agrees with :meth:`EscalationLadder.steps_due` row by row.

    Examples:
        >>> from datetime import UTC, datetime
        >>> from slrt_core.calendar import WorkingCalendar
        >>> table = ReferralTable(
        ...     referral_id=np.array(["r1", "r2", "r3"], dtype=object),
        ...     due_at=np.array(["2026-08-14T17:00", "2026-09-30T17:00", "NaT"],
        ...                     dtype="datetime64[us]"),
        ...     level=np.zeros(3, dtype=np.int16))
        >>> found = overdue(table, datetime(2026, 8, 19, 1, 0, tzinfo=UTC),
        ...                 calendar=WorkingCalendar())
        >>> found.referral_ids(table), found.level.tolist()
        (['r1'], [2])
    """
    at = _utc64(now)
    due = table.due_at.astype("datetime64[us]")
    level = table.level.astype(np.int16)
    # Every rung fires at or after the deadline: look only at what is past due.
    index = np.flatnonzero((due <= at) & (level < len(ladder)))
    due_c = due[index]
    target = level[index].copy()
    for k in range(int(target.min()) if len(target) else len(ladder), len(ladder)):
        climbing = np.flatnonzero(target == k)
        if not len(climbing):
            continue
        fires = calendar.after_deadline_array(due_c[climbing], ladder.rungs[k].after_days)
        target[climbing[fires <= at]] = k + 1
    moved = target > level[index]
    return Overdue(index=index[moved], level=target[moved])
