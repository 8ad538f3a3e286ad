"""The case lifecycle, declared with python-statemachine and compiled to a table.

The declaration is the single source of the case states and transitions: the service
checks commands against the compiled table, the fold of events takes each new state from
it, and the docs draw the diagram from it.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable

from statemachine import State, StateMachine
from statemachine.transition_list import TransitionList

from slrt_core._machine import compile_machine
from slrt_core.case._model import Case, CaseState
from slrt_core.texts import LanguageCode, text

__all__ = [
    "CASE_TABLE",
    "CaseLifecycle",
    "ERASE",
    "case_guards",
    "next_state",
    "why_not",
]


def _stays(*states: State) -> TransitionList:
    """Each of *states* to itself: an event that records something and keeps the state."""
    joined: TransitionList = functools.reduce(operator.or_, (s.to.itself() for s in states))
    return joined


class CaseLifecycle(StateMachine):
    """The SLRT case flow (Permensos 15/2018; Pedum SLRT 2017 and 2020).

    Guards: ``is_emergency`` (direct service and referral before assessment),
    ``no_open_referral`` (closing, re-assessment). Consents and lawful bases may be
    recorded or withdrawn in any state but closed.
    """

    registered = State(initial=True)
    emergency_served = State()
    assessed = State()
    submitted = State()
    returned = State()
    approved = State()
    reviewed = State()
    in_service = State()
    reassessed = State()
    closed = State(final=True)

    # The states an event may be recorded in without moving the case: all but closed.
    _OPEN = (
        registered,
        emergency_served,
        assessed,
        submitted,
        returned,
        approved,
        reviewed,
        in_service,
        reassessed,
    )

    record_need = (
        registered.to.itself()
        | emergency_served.to.itself()
        | assessed.to.itself()
        | returned.to.itself()
        | in_service.to.itself()
        | reassessed.to.itself()
    )
    deliver_direct_service = (
        registered.to(emergency_served, cond="is_emergency")
        | emergency_served.to.itself()
        | reviewed.to(in_service)
        | in_service.to.itself()
        | reassessed.to(in_service)
    )
    assess = (
        registered.to(assessed)
        | emergency_served.to(assessed)
        | returned.to(assessed)
        | assessed.to(assessed)
    )
    submit = assessed.to(submitted)
    return_for_correction = submitted.to(returned)
    approve = submitted.to(approved)
    review = approved.to(reviewed)
    resolve_locally = (
        registered.to.itself()
        | emergency_served.to.itself()
        | assessed.to.itself()
        | returned.to.itself()
        | in_service.to.itself()
        | reassessed.to.itself()
    )
    refer = (
        reviewed.to(in_service)
        | in_service.to.itself()
        | reassessed.to(in_service)
        | registered.to(in_service, cond="is_emergency")
        | emergency_served.to(in_service)
    )
    record_consent = _stays(*_OPEN)
    withdraw_consent = _stays(*_OPEN)
    assign = _stays(*_OPEN)
    transfer = _stays(*_OPEN)
    flag_duplicate = _stays(*_OPEN)
    resolve_duplicate = _stays(*_OPEN)
    update_referral = in_service.to.itself()
    escalate_referral = in_service.to.itself()
    confirm_receipt = in_service.to.itself() | reassessed.to.itself()
    reassess = in_service.to(reassessed, cond="no_open_referral") | reassessed.to(reassessed)
    close = (
        registered.to(closed)
        | emergency_served.to(closed)
        | assessed.to(closed)
        | submitted.to(closed)
        | returned.to(closed)
        | approved.to(closed)
        | reviewed.to(closed)
        | in_service.to(closed, cond="no_open_referral")
        | reassessed.to(closed)
    )


CASE_TABLE = compile_machine(CaseLifecycle)

_GUARDS: dict[str, Callable[[Case], bool]] = {
    "is_emergency": lambda case: case.emergency,
    "no_open_referral": lambda case: not any(r.is_open for r in case.referrals),
}


def case_guards(case: Case) -> Callable[[str], bool]:
    """The guard oracle of *case*: answers whether a named guard holds."""
    return lambda name: _GUARDS[name](case)


#: The transition of an erasure. It is not a move of the flow but of the data: only a
#: closed case is erased, and it stays closed (its personal data is what goes).
ERASE = "erase"


def next_state(case: Case, event: str) -> CaseState | None:
    """The state *event* takes *case* to, or ``None`` when the lifecycle forbids it.

    *event* is a transition name, as an event payload declares it (``transition``).
    """
    if event == ERASE:
        return case.state if case.state is CaseState.CLOSED else None
    target = CASE_TABLE.target(case.state.value, event, case_guards(case))
    return None if target is None else _STATES[target]


def why_not(event: str, state: CaseState) -> tuple[str, str]:
    """Why transition *event* is refused in *state*, in English and Bahasa Indonesia.

    Without a reason of its own, the shortest way forward in the flow: the state where
    it is possible and the commands that come first; or that the case is past that
    step, or closed.

    Examples:
        >>> why_not("close", CaseState.IN_SERVICE)[0]
        'A referral is still open: cancel it with a reason, or wait for its outcome.'
        >>> why_not("approve", CaseState.REGISTERED)[0].split("; ")[1]
        'first assess a case, then submit an assessment.'
        >>> why_not("submit", CaseState.IN_SERVICE)[1]
        'Langkah itu sudah terlewati: kasus sudah berstatus “Dalam layanan”.'
        >>> why_not("submit", CaseState.CLOSED)[0]
        'The case is closed: nothing more can be done on it; register a new case.'

    .. versionadded:: 0.1.0
    """
    if event == ERASE:
        return _ERASE_WHY
    return _WHY.get((event, state.value)) or _first_steps(event, state.value)


_NOT_A_WAY = frozenset({"close", "return_for_correction", "deliver_direct_service"})


def _first_steps(event: str, state: str) -> tuple[str, str]:
    """What must happen before *event* from *state*: the shortest path of the flow.

    The path follows the unguarded moves forward in the flow (closing, correction and
    direct service left out: a referral is the usual way into service) to the first
    state where *event* is allowed; empty texts when there is none (the case is past
    that step).
    """
    allowed = {t.source for t in CASE_TABLE.transitions if t.event == event}
    paths: dict[str, tuple[str, ...]] = {state: ()}
    queue = [state]
    while queue:
        here = queue.pop(0)
        if here in allowed and here != state:
            return _steps_text(paths[here], here)
        for move in CASE_TABLE.transitions:
            fresh = move.target not in paths and not move.guards
            if move.source == here and fresh and move.event not in _NOT_A_WAY:
                paths[move.target] = (*paths[here], move.event)
                queue.append(move.target)
    if state != CaseState.CLOSED.value and any(_reaches(a, state) for a in allowed):
        en = text(f"label.CaseState.{state}", "en")
        id_ = text(f"label.CaseState.{state}", "id")
        return (
            f"That step is behind the case: it is already “{en}”.",
            f"Langkah itu sudah terlewati: kasus sudah berstatus “{id_}”.",
        )
    if state == CaseState.CLOSED.value:
        return (
            "The case is closed: nothing more can be done on it; register a new case.",
            "Kasus sudah ditutup: tidak ada lagi yang dapat dilakukan; daftarkan kasus baru.",
        )
    return "", ""


def _reaches(start: str, goal: str) -> bool:
    """Whether the flow goes forward from *start* to *goal* (the moves of the path)."""
    seen, queue = {start}, [start]
    while queue:
        here = queue.pop(0)
        for move in CASE_TABLE.transitions:
            if move.source == here and move.event not in _NOT_A_WAY and move.target not in seen:
                seen.add(move.target)
                queue.append(move.target)
    return goal in seen and goal != start


def _steps_text(steps: tuple[str, ...], where: str) -> tuple[str, str]:
    def said(language: LanguageCode) -> str:
        words = [text(f"label.Command.{step}", language) for step in steps]
        joined = (", then " if language == "en" else ", lalu ").join(words)
        state = text(f"label.CaseState.{where}", language)
        if language == "en":
            return f"It is possible once the case is “{state}”; first {joined}."
        return f"Itu dapat dilakukan setelah kasus berstatus “{state}”; lebih dahulu {joined}."

    return said("en"), said("id")


_WHY = {
    ("refer", "registered"): (
        "Assess the case first; only an emergency case is referred before assessment.",
        "Lakukan asesmen dahulu; hanya kasus darurat yang dirujuk sebelum asesmen.",
    ),
    ("deliver_direct_service", "registered"): (
        "Direct service before assessment is only for an emergency case.",
        "Layanan langsung sebelum asesmen hanya untuk kasus darurat.",
    ),
    ("close", "in_service"): (
        "A referral is still open: cancel it with a reason, or wait for its outcome.",
        "Masih ada rujukan terbuka: batalkan dengan alasan, atau tunggu hasilnya.",
    ),
    ("reassess", "in_service"): (
        "Re-assessment comes after every referral has ended.",
        "Asesmen ulang dilakukan setelah semua rujukan selesai.",
    ),
}
_ERASE_WHY = (
    "Close the case first (a referral may still need the data).",
    "Tutup kasus terlebih dahulu (rujukan mungkin masih memerlukan data).",
)


_STATES = {s.value: s for s in CaseState}
