"""What handlers and the pipeline share: collaborators, decisions, the handler shape."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, Generic, TypeVar

import attrs

from slrt_core.access import Actor
from slrt_core.calendar import WorkingCalendar
from slrt_core.case._events import DomainEvent
from slrt_core.identity import RegionCode
from slrt_core.ports import Clock, IdFactory, RoutingPolicy, ServiceDirectory
from slrt_core.referral._sla import EscalationLadder
from slrt_core.rules._rulebook import Rulebook
from slrt_core.vocabulary import Role

__all__ = [
    "By",
    "Collaborators",
    "Decision",
    "Handler",
    "NothingDue",
    "SYSTEM",
    "Step",
    "overlaps_of",
    "unchecked",
]

C = TypeVar("C")


@attrs.frozen(kw_only=True)
class Collaborators:
    """Everything a handler may consult, built once by the composition root.

    Handlers receive this one value, never the service object: what a decision can
    depend on is written here.

    Attributes:
        clock: the time source.
        ids: makes ids of new cases, referrals, consents and lawful bases.
        directory: the provider directory.
        calendar: working days for SLA deadlines and local dates.
        ladder: the escalation steps of an overdue referral.
        policy: how referrals are routed when no service is named (``None``: the default).
        overlaps: program -> programs it must not be combined with, for routing.
        rulebook: the eligibility rules, if any.

    .. versionadded:: 0.1.0
    """

    clock: Clock
    ids: IdFactory
    directory: ServiceDirectory
    calendar: WorkingCalendar
    ladder: EscalationLadder
    policy: RoutingPolicy | None = None
    overlaps: Mapping[str, Iterable[str]] | None = None
    rulebook: Rulebook | None = None


@attrs.frozen
class By:
    """An event of a command recorded under another actor (the system's reroute).

    .. versionadded:: 0.1.0
    """

    payload: DomainEvent
    actor: Actor
    reason: str = ""


#: One step of a decision: a payload recorded under the command's actor, or :class:`By`.
Step = DomainEvent | By


_NO_TALLY: Mapping[str, int] = MappingProxyType({})


@attrs.frozen(kw_only=True)
class Decision:
    """What a handler decided: the events to record, and what the command returns.

    Attributes:
        steps: the payloads, in order.
        reason: the reason or note recorded on the command's own events.
        result_id: the id the command returns (a new referral's); the case id by default.
        tally: counts of what was done (a sweep's steps), for the caller's report.

    .. versionadded:: 0.1.0
    """

    steps: tuple[Step, ...]
    reason: str = ""
    result_id: str | None = None
    tally: Mapping[str, int] = _NO_TALLY


@attrs.frozen(kw_only=True)
class Handler(Generic[C]):
    """One command's handler: its shape check and its decision.

    Attributes:
        check: refuses a malformed command before anything is read (pure); returns the
            command with its arguments normalised (enums, lists).
        decide: the decision on the loaded case (``None`` for a new case) at *now*.

    .. versionadded:: 0.1.0
    """

    check: Callable[[C, Collaborators], C]
    decide: Callable[[C, Any, datetime, Collaborators], Decision]


class NothingDue(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a decision that has nothing to record (a sweep with no step due)."""


def overlaps_of(rulebook: Rulebook) -> dict[str, tuple[str, ...]]:
    """Program -> the programs it excludes or duplicates, as routing reads them."""
    return {
        code: tuple(o.program for o in program.overlaps)
        for code, program in rulebook.programs.items()
        if program.overlaps
    }


def unchecked(command: C, _deps: Collaborators) -> C:
    """The check of a command with nothing to check beyond its target id."""
    return command


#: The actor of automatic work: the SLA sweep and reroutes after a rejection.
SYSTEM = Actor(actor_id="slrt-system", role=Role.SYSTEM, jurisdiction=RegionCode.INDONESIA)
