"""The referral lifecycle, declared with python-statemachine (a FHIR Task subset).

Events are named ``to_<status>``. ``received`` (acknowledged) is optional. Terminal
statuses never reopen; a retry or reroute is a new referral that ``replaces`` the old.
"""

from __future__ import annotations

from statemachine import State, StateMachine

from slrt_core._machine import compile_machine
from slrt_core.errors import Problem
from slrt_core.referral._model import ReferralReason, ReferralStatus

__all__ = [
    "PERFORMER_STATUSES",
    "REASON_REQUIRED",
    "REFERRAL_TABLE",
    "REQUESTER_STATUSES",
    "ReferralLifecycle",
    "next_status",
    "status_problems",
    "why_not",
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


def next_status(current: ReferralStatus, wanted: ReferralStatus) -> ReferralStatus | None:
    """*wanted* when the lifecycle allows it after *current*, else ``None``.

    Examples:
        >>> next_status(ReferralStatus.REQUESTED, ReferralStatus.ACCEPTED)
        <ReferralStatus.ACCEPTED: 'accepted'>
        >>> next_status(ReferralStatus.COMPLETED, ReferralStatus.IN_PROGRESS) is None
        True

    .. versionadded:: 0.1.0
    """
    target = REFERRAL_TABLE.target(current.value, f"to_{wanted.value}", _no_guards)
    return None if target is None else ReferralStatus(target)


def _no_guards(name: str) -> bool:  # pragma: no cover - the referral lifecycle has no guards
    msg = f"unexpected guard {name!r}"
    raise AssertionError(msg)


def why_not(current: ReferralStatus) -> tuple[str, str]:
    """Why a referral in *current* cannot move as asked, in English and Bahasa Indonesia.

    .. versionadded:: 0.1.0
    """
    if current.is_terminal:
        return (
            "It has ended and never reopens; create a new referral that replaces it.",
            "Rujukan sudah berakhir dan tidak dibuka lagi; buat rujukan baru yang menggantikannya.",
        )
    return (
        (
            "That status does not follow from the current one; follow requested, received, "
            "accepted, in progress, completed."
        ),
        (
            "Status itu tidak mengikuti status sekarang; ikuti urutan dikirim, diterima, "
            "disetujui, dilayani, selesai."
        ),
    )


def status_problems(
    status: ReferralStatus, reason: ReferralReason | None, note: str
) -> list[Problem]:
    """What a change to *status* lacks: a reason code where one is needed, a note for 'other'.

    Examples:
        >>> [p.path for p in status_problems(ReferralStatus.REJECTED, None, "")]
        ['reason']
        >>> status_problems(ReferralStatus.ACCEPTED, None, "")
        []

    .. versionadded:: 0.1.0
    """
    if status in REASON_REQUIRED and reason is None:
        return [
            Problem(
                "reason",
                f"Status {status} needs a reason code (ReferralReason).",
                f"Status {status} memerlukan kode alasan.",
            )
        ]
    if reason is ReferralReason.OTHER and not note.strip():
        return [
            Problem(
                "note",
                "Reason 'other' needs a note that explains it.",
                "Alasan 'lainnya' memerlukan catatan penjelasan.",
            )
        ]
    return []
