"""Referral values: statuses (a FHIR Task subset), reason codes and the referral record."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

__all__ = ["Referral", "ReferralReason", "ReferralStatus", "StatusChange"]


class ReferralStatus(enum.StrEnum):
    """Where a referral stands; the codes are FHIR R4 Task statuses in snake_case.

    ``received`` is the optional acknowledgement; ``ready`` and ``draft`` are not used.
    Terminal statuses never reopen: a retry or reroute is a new referral.
    """

    REQUESTED = "requested"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    ENTERED_IN_ERROR = "entered_in_error"

    @property
    def is_terminal(self) -> bool:
        """True for statuses that never change again."""
        return self in _TERMINAL

    @property
    def fhir_code(self) -> str:
        """The FHIR Task.status code (``in-progress``)."""
        return self.value.replace("_", "-")


_TERMINAL = frozenset(
    {
        ReferralStatus.REJECTED,
        ReferralStatus.COMPLETED,
        ReferralStatus.FAILED,
        ReferralStatus.CANCELLED,
        ReferralStatus.ENTERED_IN_ERROR,
    }
)


class ReferralReason(enum.StrEnum):
    """Why a referral was rejected, failed, cancelled, put on hold or expired."""

    CAPACITY = "capacity"
    NOT_ELIGIBLE = "not_eligible"
    OUT_OF_AREA = "out_of_area"
    MISSING_DOCUMENTS = "missing_documents"
    CLIENT_DECLINED = "client_declined"
    CLIENT_UNREACHABLE = "client_unreachable"
    DUPLICATE = "duplicate"
    EXPIRED = "expired"
    OTHER = "other"


@attrs.frozen(kw_only=True)
class StatusChange:
    """One step of a referral's history."""

    status: ReferralStatus
    at: datetime
    actor_id: str
    reason: ReferralReason | None = None
    note: str = ""


@attrs.frozen(kw_only=True)
class Referral:
    """One need of a case sent to one provider's service.

    Attributes:
        referral_id: the referral's id.
        case_id: the case it belongs to.
        need_id: the need it serves.
        service_id: the service asked for.
        provider_id: the provider that runs the service (only its staff may update it).
        status: current status.
        history: every status change, oldest first (time to acknowledge, accept, complete).
        replaces: the referral this one retries or reroutes, if any.
        confirmed_at: when the client confirmed receiving the service (closes the loop).
        due_at: the deadline of the current hop, when the service has an SLA.
        escalation_level: how many escalation steps the SLA engine has taken on this hop.
        consent_id: the consent or lawful-basis record the personal data was sent under.
        missed: the hops (``"acknowledge"``, ``"accept"``, ``"complete"``) whose deadline
            had passed when the referral moved on from them, in order: SLA breaches as
            recorded, whatever the sweep did meanwhile.
        escalations: the escalation steps taken, on every hop, in order (``"reminder"``,
            ``"overdue"``, ...).

    .. versionchanged:: 0.1.0
       ``missed`` and ``escalations``.
    """

    referral_id: str
    case_id: str
    need_id: str
    service_id: str
    provider_id: str
    status: ReferralStatus
    history: tuple[StatusChange, ...]
    replaces: str | None = None
    confirmed_at: datetime | None = None
    due_at: datetime | None = None
    escalation_level: int = 0
    consent_id: str | None = None
    missed: tuple[str, ...] = ()
    escalations: tuple[str, ...] = ()

    @property
    def is_open(self) -> bool:
        """True until the referral reaches a terminal status."""
        return not self.status.is_terminal

    @property
    def requested_at(self) -> datetime:
        """When the referral was sent."""
        return self.history[0].at

    @property
    def reason(self) -> ReferralReason | None:
        """The reason of the latest status change, if any."""
        return self.history[-1].reason

    def reached_at(self, status: ReferralStatus) -> datetime | None:
        """When the referral first reached *status*, or ``None``."""
        return next((c.at for c in self.history if c.status is status), None)
