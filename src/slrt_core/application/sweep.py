"""The SLA sweep: escalate overdue referrals one ladder step at a time, as the system.

:func:`sweep` asks the read side which referrals are overdue and runs one
:class:`~slrt_core.application.commands.Escalate` per case through the pipeline, in
batches of :data:`BATCH` cases whose commits go to the store in one transaction
(:meth:`~slrt_core.application.Pipeline.run_many`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from slrt_core.application._base import (
    SYSTEM,
    Collaborators,
    Decision,
    Handler,
    NothingDue,
    Step,
    unchecked,
)
from slrt_core.application.commands import Escalate
from slrt_core.application.referral import reroute
from slrt_core.case._events import ReferralEscalated, ReferralStatusChanged
from slrt_core.case._model import Case
from slrt_core.errors import ConcurrencyError, CorruptRecordError
from slrt_core.ports import CaseQueries
from slrt_core.referral._model import ReferralReason, ReferralStatus
from slrt_core.referral._sla import EscalationStep, SweepReport

__all__ = ["BATCH", "HANDLERS", "sweep"]

#: Cases escalated per transaction. It bounds what a batch holds in memory and how long
#: it holds the store's write lock, while sparing the per-commit cost of the store.
BATCH = 200

_STEP_NAMES = frozenset(s.value for s in EscalationStep)


def _escalations(
    case: Case, referral_ids: Sequence[str], now: datetime, deps: Collaborators
) -> tuple[list[Step], Counter[str]]:
    """The ladder steps due at *now* on the referrals of *case*, with expiry's effects."""
    found: list[Step] = []
    outcome: Counter[str] = Counter()
    for referral_id in referral_ids:
        referral = case.referral(referral_id)
        if referral is None or not referral.is_open or referral.due_at is None:
            continue
        due = deps.ladder.steps_due(referral.due_at, referral.escalation_level, now, deps.calendar)
        for level, rung in due:
            found.append(
                ReferralEscalated(
                    referral_id=referral_id,
                    level=level,
                    step=rung.step.value,
                    due_at=referral.due_at,
                )
            )
            outcome[rung.step.value] += 1
            if rung.step is EscalationStep.EXPIRE:
                found.append(
                    ReferralStatusChanged(
                        referral_id=referral_id,
                        status=ReferralStatus.CANCELLED,
                        reason=ReferralReason.EXPIRED,
                        note="No answer by the deadline: expired by the SLA sweep.",
                    )
                )
                rerouted = reroute(case, referral, now, deps)
                found.extend(rerouted)
                outcome["rerouted" if rerouted else "unrouted"] += 1
    return found, outcome


def _escalate(command: Escalate, case: Case, now: datetime, deps: Collaborators) -> Decision:
    steps, outcome = _escalations(case, command.referral_ids, now, deps)
    if not steps:
        raise NothingDue
    return Decision(steps=tuple(steps), reason="SLA sweep", tally=outcome)


def sweep(
    queries: CaseQueries,
    run: Callable[[Sequence[Escalate]], Sequence[Decision | Exception | None]],
    at: datetime,
    *,
    batch: int | None = None,
) -> SweepReport:
    """Escalate every referral overdue at *at*, one command per case, *batch* cases at once.

    Args:
        queries: the read side, which knows the overdue referrals.
        run: runs commands through the pipeline and writes them in one transaction
            (:meth:`~slrt_core.application.Pipeline.run_many`); for each, its decision,
            ``None`` when nothing was due, or the refusal it raised.
        at: the time deadlines are judged against (the events carry it).
        batch: the most cases per transaction; :data:`BATCH` by default.

    Returns:
        What the sweep did; a case changed meanwhile is counted as a conflict and left
        to the next sweep, a damaged one is reported in ``skipped``.

    Raises:
        SlrtError: any other refusal, after the batch it belongs to was written.
    """
    by_case: dict[str, list[str]] = {}
    for referral_id, case_id in queries.open_referrals(due_before=at):
        by_case.setdefault(case_id, []).append(referral_id)
    steps: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    skipped: list[str] = []
    due = list(by_case.items())
    size = batch or BATCH
    for start in range(0, len(due), size):
        chunk = due[start : start + size]
        commands = [
            Escalate(actor=SYSTEM, case_id=case_id, referral_ids=tuple(ids), at=at)
            for case_id, ids in chunk
        ]
        unexpected: Exception | None = None
        for (case_id, referral_ids), answer in zip(chunk, run(commands), strict=True):
            totals["checked"] += len(referral_ids)
            if isinstance(answer, ConcurrencyError):
                totals["conflicts"] += 1
            elif isinstance(answer, CorruptRecordError):  # never stops the sweep: reported
                skipped.append(case_id)
            elif isinstance(answer, Exception):
                unexpected = unexpected or answer
            elif answer is not None:
                for key, value in answer.tally.items():
                    (steps if key in _STEP_NAMES else totals)[key] += value
        if unexpected is not None:
            raise unexpected
    return SweepReport(
        at=at,
        checked=totals["checked"],
        steps=dict(sorted(steps.items())),
        expired=steps[EscalationStep.EXPIRE.value],
        rerouted=totals["rerouted"],
        unrouted=totals["unrouted"],
        conflicts=totals["conflicts"],
        skipped=tuple(sorted(skipped)),
    )


#: The sweep's command and its handler.
HANDLERS: dict[type[Any], Handler[Any]] = {
    Escalate: Handler(check=unchecked, decide=_escalate),
}
