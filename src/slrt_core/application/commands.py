"""Commands: what an actor asks of the service, one frozen value per command.

A command names its actor, its target (a new case, a case or a referral) and its
arguments; the :class:`~slrt_core.application.Pipeline` runs it, and its handler (one
function per command, in the module of its capability) decides the events. Each
command class declares:

- ``permission``: the :class:`~slrt_core.access.Command` the actor's role must hold;
- ``event``: the payload type it records, whose ``transition`` is the case lifecycle
  transition it needs (checked once, before the handler runs).

Arguments are kept as the caller gave them: the handler's shape check refuses what
is malformed before anything is read or written.

Examples:
    >>> from slrt_core import Actor, RegionCode, Role
    >>> staff = Actor(actor_id="sup-1", role=Role.SUPERVISOR, jurisdiction=RegionCode("33.74"))
    >>> command = Approve(actor=staff, case_id="case-1")
    >>> command.permission, command.event.transition
    (<Command.APPROVE: 'approve'>, 'approve')
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import ClassVar, TypeAlias

import attrs

from slrt_core.access import Actor, Command
from slrt_core.case._events import (
    CaseApproved,
    CaseAssessed,
    CaseClosed,
    CaseErased,
    CaseMergedInto,
    CaseReassessed,
    CaseRegistered,
    CaseReturned,
    CaseReviewed,
    CaseSubmitted,
    CaseTransferred,
    ConsentRecorded,
    ConsentWithdrawn,
    DirectServiceDelivered,
    DomainEvent,
    DuplicateMarkedDistinct,
    DuplicateMerged,
    LawfulBasisRecorded,
    NeedRecorded,
    NeedResolvedLocally,
    ReceiptConfirmed,
    ReferralEscalated,
    ReferralRequested,
    ReferralStatusChanged,
    WorkerAssigned,
    WorkerUnassigned,
)
from slrt_core.case._model import Need, Priority
from slrt_core.household import Household
from slrt_core.identity import RegionCode
from slrt_core.ports import RoutingPolicy
from slrt_core.referral._consent import DataCategory, LawfulBasisKind, Purpose
from slrt_core.referral._lifecycle import PERFORMER_STATUSES
from slrt_core.referral._model import ReferralReason, ReferralStatus
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind

__all__ = [
    "AnyCommand",
    "Approve",
    "Assess",
    "AssignWorker",
    "Close",
    "CloseAsDuplicate",
    "ConfirmReceipt",
    "DeliverDirectService",
    "Erase",
    "Escalate",
    "MarkDistinct",
    "MergeDuplicate",
    "Reassess",
    "RecordConsent",
    "RecordHouseholdConsent",
    "RecordLawfulBasis",
    "RecordNeed",
    "Refer",
    "RegisterCase",
    "ResolveLocally",
    "ReturnForCorrection",
    "Review",
    "Submit",
    "TransferCase",
    "UnassignWorker",
    "UpdateReferral",
    "WithdrawConsent",
]


# ---------------------------------------------------------------- case flow


@attrs.frozen(kw_only=True, eq=False)
class RegisterCase:
    """Open a case for *household* with its first needs.

    *duplicate_override* is the reason to register a household whose NIK or KK number
    is already on an open case (another household sharing an old KK, say); without it
    such a registration is refused.
    """

    permission: ClassVar[Command] = Command.REGISTER
    event: ClassVar[type[DomainEvent]] = CaseRegistered
    actor: Actor
    household: Household
    channel: Channel
    kind: ComplaintKind
    needs: Sequence[Need]
    emergency: bool = False
    priority: Priority = Priority.NORMAL
    duplicate_override: str | None = None
    idempotency_key: str | None = None
    expected_version: ClassVar[None] = None  # a new case has no version to expect


@attrs.frozen(kw_only=True, eq=False)
class RecordNeed:
    """Add a need to an open case (*channel*: the door it came in through, if another)."""

    permission: ClassVar[Command] = Command.RECORD_NEED
    event: ClassVar[type[DomainEvent]] = NeedRecorded
    actor: Actor
    case_id: str
    need: Need
    channel: Channel | None = None
    idempotency_key: str | None = None
    expected_version: int | None = None


@attrs.frozen(kw_only=True, eq=False)
class Assess:
    """Record the assessment of the household (or correct it after a return)."""

    permission: ClassVar[Command] = Command.ASSESS
    event: ClassVar[type[DomainEvent]] = CaseAssessed
    actor: Actor
    case_id: str
    findings: str
    idempotency_key: str | None = None
    expected_version: int | None = None


@attrs.frozen(kw_only=True, eq=False)
class Submit:
    """Submit the assessment to the supervisor."""

    permission: ClassVar[Command] = Command.SUBMIT
    event: ClassVar[type[DomainEvent]] = CaseSubmitted
    actor: Actor
    case_id: str
    idempotency_key: str | None = None
    expected_version: int | None = None


@attrs.frozen(kw_only=True, eq=False)
class ReturnForCorrection:
    """Send the case back to the assessor with a note."""

    permission: ClassVar[Command] = Command.RETURN_FOR_CORRECTION
    event: ClassVar[type[DomainEvent]] = CaseReturned
    actor: Actor
    case_id: str
    note: str
    idempotency_key: str | None = None
    expected_version: int | None = None


@attrs.frozen(kw_only=True, eq=False)
class Approve:
    """Approve the submitted assessment."""

    permission: ClassVar[Command] = Command.APPROVE
    event: ClassVar[type[DomainEvent]] = CaseApproved
    actor: Actor
    case_id: str
    idempotency_key: str | None = None
    expected_version: int | None = None


@attrs.frozen(kw_only=True, eq=False)
class Review:
    """Front-office review of the approved case."""

    permission: ClassVar[Command] = Command.REVIEW
    event: ClassVar[type[DomainEvent]] = CaseReviewed
    actor: Actor
    case_id: str
    idempotency_key: str | None = None
    expected_version: int | None = None


@attrs.frozen(kw_only=True, eq=False)
class ResolveLocally:
    """Record that a need was solved at village level."""

    permission: ClassVar[Command] = Command.RESOLVE_LOCALLY
    event: ClassVar[type[DomainEvent]] = NeedResolvedLocally
    actor: Actor
    case_id: str
    need_id: str
    how: str
    idempotency_key: str | None = None
    expected_version: int | None = None


@attrs.frozen(kw_only=True, eq=False)
class DeliverDirectService:
    """Record a service given directly (first, for an emergency)."""

    permission: ClassVar[Command] = Command.DELIVER_DIRECT_SERVICE
    event: ClassVar[type[DomainEvent]] = DirectServiceDelivered
    actor: Actor
    case_id: str
    need_id: str
    description: str
    idempotency_key: str | None = None
    expected_version: int | None = None


@attrs.frozen(kw_only=True, eq=False)
class Reassess:
    """Assess the household again after its referrals ended."""

    permission: ClassVar[Command] = Command.REASSESS
    event: ClassVar[type[DomainEvent]] = CaseReassessed
    actor: Actor
    case_id: str
    findings: str
    idempotency_key: str | None = None
    expected_version: int | None = None


@attrs.frozen(kw_only=True, eq=False)
class Close:
    """Close the case for *reason*."""

    permission: ClassVar[Command] = Command.CLOSE
    event: ClassVar[type[DomainEvent]] = CaseClosed
    actor: Actor
    case_id: str
    reason: ClosingReason
    note: str = ""
    idempotency_key: str | None = None
    expected_version: int | None = None


# ---------------------------------------------------------------- duplicates


@attrs.frozen(kw_only=True, eq=False)
class MarkDistinct:
    """Resolve the case's duplicate-suspect flag naming *other_case_id*: two households.

    .. versionadded:: 0.1.0
    """

    permission: ClassVar[Command] = Command.MARK_DISTINCT
    event: ClassVar[type[DomainEvent]] = DuplicateMarkedDistinct
    actor: Actor
    case_id: str
    other_case_id: str
    note: str
    idempotency_key: str | None = None
    expected_version: int | None = None


@attrs.frozen(kw_only=True, eq=False)
class MergeDuplicate:
    """Carry the open needs of case *from_case_id* over to this case (the one kept).

    *needs* are the duplicate's open needs as this household records them (member ids
    mapped), *origins* their ids in the duplicate, in the same order.

    .. versionadded:: 0.1.0
    """

    permission: ClassVar[Command] = Command.MERGE_CASES
    event: ClassVar[type[DomainEvent]] = DuplicateMerged
    actor: Actor
    case_id: str
    from_case_id: str
    needs: Sequence[Need]
    origins: Sequence[str]
    note: str
    idempotency_key: str | None = None
    expected_version: int | None = None


@attrs.frozen(kw_only=True, eq=False)
class CloseAsDuplicate:
    """Close the case as a duplicate of *into_case_id*, which holds its needs now.

    .. versionadded:: 0.1.0
    """

    permission: ClassVar[Command] = Command.MERGE_CASES
    event: ClassVar[type[DomainEvent]] = CaseMergedInto
    actor: Actor
    case_id: str
    into_case_id: str
    note: str
    idempotency_key: str | None = None
    expected_version: int | None = None


# ---------------------------------------------------------------- assignment


@attrs.frozen(kw_only=True, eq=False)
class AssignWorker:
    """Assign *worker* (a facilitator, Puskesos operator or back office) to the case.

    .. versionadded:: 0.1.0
    """

    permission: ClassVar[Command] = Command.ASSIGN
    event: ClassVar[type[DomainEvent]] = WorkerAssigned
    actor: Actor
    case_id: str
    worker: Actor
    note: str = ""
    idempotency_key: str | None = None
    expected_version: int | None = None


@attrs.frozen(kw_only=True, eq=False)
class UnassignWorker:
    """Take the worker *worker_id* off the case.

    .. versionadded:: 0.1.0
    """

    permission: ClassVar[Command] = Command.ASSIGN
    event: ClassVar[type[DomainEvent]] = WorkerUnassigned
    actor: Actor
    case_id: str
    worker_id: str
    note: str = ""
    idempotency_key: str | None = None
    expected_version: int | None = None


@attrs.frozen(kw_only=True, eq=False)
class TransferCase:
    """Move the case to village *to_region* (the household moved to another region).

    *open_referrals* says what happens to referrals still open: ``"cancel"`` them, or
    ``"keep"`` them (only where the service serves the new region and the consent or
    lawful basis still covers it); with open referrals, one must be chosen.

    .. versionadded:: 0.1.0
    """

    permission: ClassVar[Command] = Command.TRANSFER
    event: ClassVar[type[DomainEvent]] = CaseTransferred
    actor: Actor
    case_id: str
    to_region: RegionCode
    open_referrals: str | None = None
    note: str = ""
    idempotency_key: str | None = None
    expected_version: int | None = None


# ---------------------------------------------------------------- referral


@attrs.frozen(kw_only=True, eq=False)
class Refer:
    """Refer one need to one provider's service (named, or routed)."""

    permission: ClassVar[Command] = Command.REFER
    event: ClassVar[type[DomainEvent]] = ReferralRequested
    actor: Actor
    case_id: str
    need_id: str
    service_id: str | None = None
    replaces: str | None = None
    policy: RoutingPolicy | None = None
    override_reason: str | None = None
    idempotency_key: str | None = None
    expected_version: int | None = None


@attrs.frozen(kw_only=True, eq=False)
class UpdateReferral:
    """Move a referral to *status* (the provider's staff, or the referring staff)."""

    event: ClassVar[type[DomainEvent]] = ReferralStatusChanged
    actor: Actor
    referral_id: str
    status: ReferralStatus
    reason: ReferralReason | None = None
    note: str = ""
    idempotency_key: str | None = None
    expected_version: int | None = None

    @property
    def permission(self) -> Command:
        """The performer's permission, or the requester's for cancelled and entered in error."""
        if self.status in PERFORMER_STATUSES:
            return Command.UPDATE_REFERRAL
        return Command.WITHDRAW_REFERRAL


@attrs.frozen(kw_only=True, eq=False)
class ConfirmReceipt:
    """Record the client's confirmation that the referred service was received."""

    permission: ClassVar[Command] = Command.CONFIRM_RECEIPT
    event: ClassVar[type[DomainEvent]] = ReceiptConfirmed
    actor: Actor
    referral_id: str
    idempotency_key: str | None = None
    expected_version: int | None = None


# ---------------------------------------------------------------- consent


@attrs.frozen(kw_only=True, eq=False)
class RecordConsent:
    """Record a member's consent to send their data."""

    permission: ClassVar[Command] = Command.RECORD_CONSENT
    event: ClassVar[type[DomainEvent]] = ConsentRecorded
    actor: Actor
    case_id: str
    subject: str
    grantor: str
    purposes: Iterable[Purpose | str]
    recipients: Iterable[str]
    evidence: str
    guardian: str | None = None
    categories: Iterable[DataCategory | str] = ()
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    idempotency_key: str | None = None
    expected_version: int | None = None


@attrs.frozen(kw_only=True, eq=False)
class RecordHouseholdConsent:
    """Record one consent per member of the household, a guardian's for each child."""

    permission: ClassVar[Command] = Command.RECORD_CONSENT
    event: ClassVar[type[DomainEvent]] = ConsentRecorded
    actor: Actor
    case_id: str
    purposes: Iterable[Purpose | str]
    recipients: Iterable[str]
    evidence: str
    guardian: str | None = None
    categories: Iterable[DataCategory | str] = ()
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    idempotency_key: str | None = None
    expected_version: int | None = None


@attrs.frozen(kw_only=True, eq=False)
class RecordLawfulBasis:
    """Record a lawful basis other than consent for sending the household's data."""

    permission: ClassVar[Command] = Command.RECORD_LAWFUL_BASIS
    event: ClassVar[type[DomainEvent]] = LawfulBasisRecorded
    actor: Actor
    case_id: str
    kind: LawfulBasisKind
    legal_reference: str
    purposes: Iterable[Purpose | str]
    recipients: Iterable[str] = ("*",)
    note: str = ""
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    idempotency_key: str | None = None
    expected_version: int | None = None


@attrs.frozen(kw_only=True, eq=False)
class WithdrawConsent:
    """Withdraw a consent or lawful basis."""

    permission: ClassVar[Command] = Command.WITHDRAW_CONSENT
    event: ClassVar[type[DomainEvent]] = ConsentWithdrawn
    actor: Actor
    case_id: str
    record_id: str
    note: str = ""
    idempotency_key: str | None = None
    expected_version: int | None = None


# ---------------------------------------------------------------- sweep


@attrs.frozen(kw_only=True, eq=False)
class Escalate:
    """Take the escalation steps due at *at* on *referral_ids* of one case (the system)."""

    permission: ClassVar[Command] = Command.ESCALATE
    event: ClassVar[type[DomainEvent]] = ReferralEscalated
    actor: Actor
    case_id: str
    referral_ids: tuple[str, ...]
    at: datetime
    idempotency_key: ClassVar[None] = None
    expected_version: ClassVar[None] = None


# ---------------------------------------------------------------- privacy


@attrs.frozen(kw_only=True, eq=False)
class Erase:
    """Erase a closed case's personal data (crypto-shredding)."""

    permission: ClassVar[Command] = Command.ERASE
    event: ClassVar[type[DomainEvent]] = CaseErased
    actor: Actor
    case_id: str
    request_ref: str
    idempotency_key: ClassVar[None] = None
    expected_version: ClassVar[None] = None


#: Every command the pipeline runs.
AnyCommand: TypeAlias = (
    RegisterCase
    | RecordNeed
    | Assess
    | Submit
    | ReturnForCorrection
    | Approve
    | Review
    | ResolveLocally
    | DeliverDirectService
    | Reassess
    | Close
    | Refer
    | UpdateReferral
    | ConfirmReceipt
    | RecordConsent
    | RecordHouseholdConsent
    | RecordLawfulBasis
    | WithdrawConsent
    | Escalate
    | Erase
    | AssignWorker
    | UnassignWorker
    | TransferCase
    | MarkDistinct
    | MergeDuplicate
    | CloseAsDuplicate
)

#: The commands that act on a referral (found through the store's referral index).
REFERRAL_COMMANDS = (UpdateReferral, ConfirmReceipt)
