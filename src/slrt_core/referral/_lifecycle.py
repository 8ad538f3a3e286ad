"""The referral lifecycle, declared with python-statemachine (a FHIR Task subset).

Events are named ``to_<status>``. ``received`` (acknowledged) is optional. Terminal
statuses never reopen; a retry or reroute is a new referral that ``replaces`` the old.
"""

from __future__ import annotations

from statemachine import State, StateMachine

from slrt_core._machine import compile_machine
from slrt_core.referral._model import ReferralStatus

__all__ = [
    "PERFORMER_STATUSES",
    "REASON_REQUIRED",
    "REFERRAL_TABLE",
    "REQUESTER_STATUSES",
    "ReferralLifecycle",
]


class ReferralLifecycle(StateMachine):
    """Requested, received, accepted or rejected, in progress or on hold, then an outcome."""

    requested = State(initial=True)
    received = State()
    accepted = State()
    in_progress = State()
    on_hold = State()
    rejected = State(final=True)
    completed = State(final=True)
    failed = State(final=True)
    cancelled = State(final=True)
    entered_in_error = State(final=True)

    to_received = requested.to(received)
    to_accepted = requested.to(accepted) | received.to(accepted)
    to_rejected = requested.to(rejected) | received.to(rejected)
    to_in_progress = accepted.to(in_progress) | on_hold.to(in_progress)
    to_on_hold = accepted.to(on_hold) | in_progress.to(on_hold)
    to_completed = accepted.to(completed) | in_progress.to(completed) | on_hold.to(completed)
    to_failed = accepted.to(failed) | in_progress.to(failed) | on_hold.to(failed)
    to_cancelled = (
        requested.to(cancelled)
        | received.to(cancelled)
        | accepted.to(cancelled)
        | in_progress.to(cancelled)
        | on_hold.to(cancelled)
    )
    to_entered_in_error = (
        requested.to(entered_in_error)
        | received.to(entered_in_error)
        | accepted.to(entered_in_error)
        | in_progress.to(entered_in_error)
        | on_hold.to(entered_in_error)
    )


REFERRAL_TABLE = compile_machine(ReferralLifecycle)

#: Statuses the provider's staff set (the performer, in FHIR terms).
PERFORMER_STATUSES = frozenset(
    {
        ReferralStatus.RECEIVED,
        ReferralStatus.ACCEPTED,
        ReferralStatus.REJECTED,
        ReferralStatus.IN_PROGRESS,
        ReferralStatus.ON_HOLD,
        ReferralStatus.COMPLETED,
        ReferralStatus.FAILED,
    }
)
#: Statuses the referring SLRT staff set (the requester).
REQUESTER_STATUSES = frozenset({ReferralStatus.CANCELLED, ReferralStatus.ENTERED_IN_ERROR})
#: Statuses that need a reason code (FHIR expects statusReason for them).
REASON_REQUIRED = frozenset(
    {
        ReferralStatus.REJECTED,
        ReferralStatus.FAILED,
        ReferralStatus.CANCELLED,
        ReferralStatus.ON_HOLD,
        ReferralStatus.ENTERED_IN_ERROR,
    }
)
