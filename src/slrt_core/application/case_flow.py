"""Handlers of the case flow: register, needs, assessment, approval, local outcomes, closing.

Each handler is a ``check`` (pure shape checks) and a ``decide`` (the events, given the
loaded case and the :class:`~slrt_core.application.Collaborators`); the pipeline runs
them between the lifecycle check and the fold.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from slrt_core.application._base import Collaborators, Decision, Handler, unchecked
from slrt_core.application._checks import (
    check_enum,
    check_note,
    enum_value,
    household_problems,
    number_needs,
    require_text,
)
from slrt_core.application.commands import (
    Approve,
    Assess,
    Close,
    DeliverDirectService,
    Reassess,
    RecordNeed,
    RegisterCase,
    ResolveLocally,
    ReturnForCorrection,
    Review,
    Submit,
)
from slrt_core.calendar import local_date_in
from slrt_core.case._events import (
    CaseApproved,
    CaseAssessed,
    CaseClosed,
    CaseReassessed,
    CaseRegistered,
    CaseReturned,
    CaseReviewed,
    CaseSubmitted,
    DirectServiceDelivered,
    NeedRecorded,
    NeedResolvedLocally,
)
from slrt_core.case._model import Case, Priority, ProgramDecision
from slrt_core.errors import InvalidInputError, Problem
from slrt_core.rules._scalar import decide as decide_programs
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind

__all__ = ["HANDLERS", "eligibility"]


def _check_register(command: RegisterCase, deps: Collaborators) -> RegisterCase:
    # The civil date where the household lives (its region's time zone).
    day = local_date_in(getattr(command.household, "region", None), deps.clock.now())
    problems = household_problems(command.household, day)
    channel = enum_value(Channel, command.channel, "channel", problems)
    kind = enum_value(ComplaintKind, command.kind, "kind", problems)
    priority = enum_value(Priority, command.priority, "priority", problems)
    numbered = number_needs(command.needs, command.household, problems, start=1)
    override: object = command.duplicate_override  # typed loosely by callers at run time
    if override is not None and (not isinstance(override, str) or not override.strip()):
        problems.append(
            Problem(
                "duplicate_override",
                "Give the reason to register a household that already has an open case "
                "(non-empty text), or leave duplicate_override out.",
                "Berikan alasan mendaftarkan rumah tangga yang sudah punya kasus terbuka "
                "(teks tidak kosong), atau kosongkan `duplicate_override`.",
            )
        )
    if not numbered and not problems:
        problems.append(
            Problem(
                "needs",
                "Record at least one need; use Sector.OTHER when it fits no sector.",
                "Catat paling sedikit satu kebutuhan; pakai sektor 'lainnya' bila tidak cocok.",
            )
        )
    if problems:
        raise InvalidInputError(problems)
    return attrs.evolve(
        command,
        channel=channel,
        kind=kind,
        priority=priority,
        needs=tuple(numbered),
        emergency=bool(command.emergency),
    )


def _register(command: RegisterCase, _case: None, _now: datetime, _deps: Collaborators) -> Decision:
    return Decision(
        steps=(
            CaseRegistered(
                household=command.household,
                channel=command.channel,
                kind=command.kind,
                needs=tuple(command.needs),
                emergency=command.emergency,
                priority=command.priority,
            ),
        )
    )


def _check_record_need(command: RecordNeed, _deps: Collaborators) -> RecordNeed:
    if command.channel is None:
        return command
    channel = check_enum(Channel, command.channel, "channel")
    return command if channel is command.channel else attrs.evolve(command, channel=channel)


def _record_need(command: RecordNeed, case: Case, _now: datetime, _deps: Collaborators) -> Decision:
    problems: list[Problem] = []
    numbered = number_needs([command.need], case.household, problems, start=len(case.needs) + 1)
    if problems:
        raise InvalidInputError(problems)
    return Decision(steps=(NeedRecorded(need=numbered[0], channel=command.channel),))


def eligibility(
    case: Case, now: datetime, deps: Collaborators
) -> tuple[tuple[ProgramDecision, ...], str | None, str | None]:
    """The summaries of the rulebook's decisions for the household, its version and hash.

    Decided on the local date of *now* (of the working calendar); nothing without a
    rulebook. The hash is the rulebook's full :attr:`~slrt_core.rules.Rulebook.content_hash`,
    so the decisions can be replayed against the exact rules.
    """
    if deps.rulebook is None:
        return (), None, None
    on = deps.calendar.local_date(now)
    decided = decide_programs(case.household, on=on, rulebook=deps.rulebook)
    return (
        tuple(ProgramDecision.from_decision(d) for d in decided.values()),
        deps.rulebook.version,
        deps.rulebook.content_hash,
    )


def _check_findings(command: Any, _deps: Collaborators) -> Any:
    require_text(command.findings, "findings")
    return command


def _assess(command: Assess, case: Case, now: datetime, deps: Collaborators) -> Decision:
    decisions, version, content = eligibility(case, now, deps)
    payload = CaseAssessed(
        findings=command.findings,
        decisions=decisions,
        rulebook_version=version,
        rulebook_hash=content,
    )
    return Decision(steps=(payload,))


def _reassess(command: Reassess, case: Case, now: datetime, deps: Collaborators) -> Decision:
    decisions, version, content = eligibility(case, now, deps)
    payload = CaseReassessed(
        findings=command.findings,
        decisions=decisions,
        rulebook_version=version,
        rulebook_hash=content,
    )
    return Decision(steps=(payload,))


def _check_return(command: ReturnForCorrection, _deps: Collaborators) -> ReturnForCorrection:
    require_text(command.note, "note")
    return command


def _return(
    command: ReturnForCorrection, _case: Case, _now: datetime, _deps: Collaborators
) -> Decision:
    return Decision(steps=(CaseReturned(note=command.note),), reason=command.note)


_SUBMITTED = Decision(steps=(CaseSubmitted(),))
_APPROVED = Decision(steps=(CaseApproved(),))
_REVIEWED = Decision(steps=(CaseReviewed(),))


def _check_resolve(command: ResolveLocally, _deps: Collaborators) -> ResolveLocally:
    require_text(command.how, "how")
    return command


def _resolve(command: ResolveLocally, case: Case, _now: datetime, _deps: Collaborators) -> Decision:
    case.open_need(command.need_id)
    payload = NeedResolvedLocally(need_id=command.need_id, how=command.how)
    return Decision(steps=(payload,), reason=command.how)


def _check_direct(command: DeliverDirectService, _deps: Collaborators) -> DeliverDirectService:
    require_text(command.description, "description")
    return command


def _direct(
    command: DeliverDirectService, case: Case, _now: datetime, _deps: Collaborators
) -> Decision:
    case.open_need(command.need_id)
    payload = DirectServiceDelivered(need_id=command.need_id, description=command.description)
    return Decision(steps=(payload,))


def _check_close(command: Close, _deps: Collaborators) -> Close:
    check_note(command.note, "note")
    reason = check_enum(ClosingReason, command.reason, "reason")
    return command if reason is command.reason else attrs.evolve(command, reason=reason)


def _close(command: Close, _case: Case, _now: datetime, _deps: Collaborators) -> Decision:
    return Decision(steps=(CaseClosed(reason=command.reason),), reason=command.note)


#: The case-flow commands and their handlers.
HANDLERS: dict[type[Any], Handler[Any]] = {
    RegisterCase: Handler(check=_check_register, decide=_register),
    RecordNeed: Handler(check=_check_record_need, decide=_record_need),
    Assess: Handler(check=_check_findings, decide=_assess),
    Submit: Handler(check=unchecked, decide=lambda *_: _SUBMITTED),
    ReturnForCorrection: Handler(check=_check_return, decide=_return),
    Approve: Handler(check=unchecked, decide=lambda *_: _APPROVED),
    Review: Handler(check=unchecked, decide=lambda *_: _REVIEWED),
    ResolveLocally: Handler(check=_check_resolve, decide=_resolve),
    DeliverDirectService: Handler(check=_check_direct, decide=_direct),
    Reassess: Handler(check=_check_findings, decide=_reassess),
    Close: Handler(check=_check_close, decide=_close),
}
