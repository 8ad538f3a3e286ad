"""The case lifecycle, declared with python-statemachine and compiled to a table.

The declaration is the single source of the case states and transitions: the service
checks commands against the compiled table, the fold of events takes each new state from
it, and the docs draw the diagram from it.
"""

from __future__ import annotations

from collections.abc import Callable

from statemachine import State, StateMachine

from slrt_core._machine import compile_machine
from slrt_core.case._model import Case, CaseState

__all__ = [
    "CASE_TABLE",
    "CaseLifecycle",
    "ERASE",
    "case_guards",
    "next_state",
    "why_not",
]


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
    record_consent = (
        registered.to.itself()
        | emergency_served.to.itself()
        | assessed.to.itself()
        | submitted.to.itself()
        | returned.to.itself()
        | approved.to.itself()
        | reviewed.to.itself()
        | in_service.to.itself()
        | reassessed.to.itself()
    )
    withdraw_consent = (
        registered.to.itself()
        | emergency_served.to.itself()
        | assessed.to.itself()
        | submitted.to.itself()
        | returned.to.itself()
        | approved.to.itself()
        | reviewed.to.itself()
        | in_service.to.itself()
        | reassessed.to.itself()
    )
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

    Empty texts when there is nothing more to say than the refusal itself.

    Examples:
        >>> why_not("close", CaseState.IN_SERVICE)[0]
        'A referral is still open: cancel it with a reason, or wait for its outcome.'
        >>> why_not("submit", CaseState.CLOSED)
        ('', '')

    .. versionadded:: 0.1.0
    """
    if event == ERASE:
        return _ERASE_WHY
    return _WHY.get((event, state.value), ("", ""))


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
