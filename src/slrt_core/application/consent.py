"""Handlers of consent and lawful bases: record them, withdraw them (UU PDP 27/2022)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from slrt_core.application._base import Collaborators, Decision, Handler
from slrt_core.application._checks import (
    check_id,
    check_note,
    enum_value,
    items,
    listed,
    recipient_problems,
)
from slrt_core.application.commands import (
    RecordConsent,
    RecordHouseholdConsent,
    RecordLawfulBasis,
    WithdrawConsent,
)
from slrt_core.case._events import ConsentRecorded, ConsentWithdrawn, LawfulBasisRecorded
from slrt_core.case._model import Case
from slrt_core.errors import InvalidInputError, Problem
from slrt_core.referral._consent import (
    ADULT_AGE,
    Consent,
    DataCategory,
    LawfulBasis,
    LawfulBasisKind,
    Purpose,
)

__all__ = ["HANDLERS"]


def _check_consent(command: RecordConsent | RecordHouseholdConsent, _deps: Collaborators) -> Any:
    problems: list[Problem] = []
    wanted = [enum_value(Purpose, p, "purposes", problems) for p in items(command.purposes)]
    kinds = [enum_value(DataCategory, c, "categories", problems) for c in items(command.categories)]
    recipients = listed(command.recipients)
    problems.extend(recipient_problems(recipients))
    if problems:
        raise InvalidInputError(problems, subject="the consent")
    return attrs.evolve(
        command, purposes=tuple(wanted), categories=tuple(kinds), recipients=tuple(recipients)
    )


def _record_consent(
    command: RecordConsent, case: Case, now: datetime, deps: Collaborators
) -> Decision:
    consent = Consent(
        consent_id=deps.ids.new_id("consent"),
        subject=command.subject,
        grantor=command.grantor,
        guardian=command.guardian,
        purposes=list(command.purposes),
        recipients=list(command.recipients),
        categories=list(command.categories),
        valid_from=command.valid_from or now,
        valid_until=command.valid_until,
        evidence=command.evidence,
    )
    found = consent.problems_for(case.household, deps.calendar.local_date(now))
    if found:
        raise InvalidInputError(found, subject="the consent")
    return Decision(steps=(ConsentRecorded(consent=consent),))


def _record_household_consent(
    command: RecordHouseholdConsent, case: Case, now: datetime, deps: Collaborators
) -> Decision:
    on = deps.calendar.local_date(now)
    guardian = command.guardian or case.household.head.member_id
    steps = []
    problems: list[Problem] = []
    for member in case.household.members:
        adult = member.age_on(on) >= ADULT_AGE
        consent = Consent(
            consent_id=deps.ids.new_id("consent"),
            subject=member.member_id,
            grantor=member.member_id if adult else guardian,
            guardian=None if adult else guardian,
            purposes=list(command.purposes),
            recipients=list(command.recipients),
            categories=list(command.categories),
            valid_from=command.valid_from or now,
            valid_until=command.valid_until,
            evidence=command.evidence,
        )
        problems.extend(consent.problems_for(case.household, on))
        steps.append(ConsentRecorded(consent=consent))
    if problems:
        raise InvalidInputError(list(dict.fromkeys(problems)), subject="the consent")
    return Decision(steps=tuple(steps))


def _check_basis(command: RecordLawfulBasis, _deps: Collaborators) -> RecordLawfulBasis:
    check_note(command.note, "note")
    problems: list[Problem] = []
    kind = enum_value(LawfulBasisKind, command.kind, "kind", problems)
    wanted = [enum_value(Purpose, p, "purposes", problems) for p in items(command.purposes)]
    recipients = listed(command.recipients)
    problems.extend(recipient_problems(recipients))
    if problems:
        raise InvalidInputError(problems, subject="the lawful basis")
    return attrs.evolve(command, kind=kind, purposes=tuple(wanted), recipients=tuple(recipients))


def _record_basis(
    command: RecordLawfulBasis,
    _case: Case,
    now: datetime,
    deps: Collaborators,
) -> Decision:
    basis = LawfulBasis(
        basis_id=deps.ids.new_id("basis"),
        kind=command.kind,
        legal_reference=command.legal_reference,
        purposes=list(command.purposes),
        recipients=list(command.recipients),
        valid_from=command.valid_from or now,
        valid_until=command.valid_until,
        note=command.note,
    )
    return Decision(steps=(LawfulBasisRecorded(basis=basis),), reason=command.note)


def _check_withdraw(command: WithdrawConsent, _deps: Collaborators) -> WithdrawConsent:
    check_id(command.record_id, "record_id")
    check_note(command.note, "note")
    return command


def _withdraw(
    command: WithdrawConsent,
    case: Case,
    _now: datetime,
    _deps: Collaborators,
) -> Decision:
    problems = case.record_in_force_problems(command.record_id)
    if problems:
        raise InvalidInputError(problems)
    return Decision(steps=(ConsentWithdrawn(record_id=command.record_id),), reason=command.note)


#: The consent commands and their handlers.
HANDLERS: dict[type[Any], Handler[Any]] = {
    RecordConsent: Handler(check=_check_consent, decide=_record_consent),
    RecordHouseholdConsent: Handler(check=_check_consent, decide=_record_household_consent),
    RecordLawfulBasis: Handler(check=_check_basis, decide=_record_basis),
    WithdrawConsent: Handler(check=_check_withdraw, decide=_withdraw),
}
