"""Ports: the small Protocols the service talks to.

A host app satisfies a port by shape; nothing inherits from slrt_core. The library
ships adapters for each (:mod:`slrt_core.adapters`), and :mod:`slrt_core.testing` ships
the contract suite every store adapter must pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol, runtime_checkable

import attrs

from slrt_core.audit import AuditRecord
from slrt_core.case._events import CaseErased, Event
from slrt_core.case._model import Case, CaseState
from slrt_core.identity import RegionCode
from slrt_core.notify import Notification
from slrt_core.referral._model import Referral

__all__ = [
    "AuditLog",
    "CaseStore",
    "Clock",
    "Commit",
    "ErasableStore",
    "EventCodec",
    "IdFactory",
    "IdempotencyRecord",
    "Notifier",
    "Outbox",
    "OutboxMessage",
    "Store",
]


@attrs.frozen(kw_only=True)
class IdempotencyRecord:
    """What a command with an idempotency key produced, so a retry returns it again."""

    key: str
    command: str
    case_id: str
    version: int
    result_id: str


@attrs.frozen(kw_only=True)
class Commit:
    """Everything one accepted command writes, in one transaction.

    Attributes:
        case: the case after the events (its version is ``expected_version + len(events)``).
        expected_version: the version the command read; 0 for a new case.
        events: the new events, in order.
        notifications: the outbox rows to deliver after the commit.
        idempotency: the record of the command's idempotency key, if it had one.
    """

    case: Case
    expected_version: int
    events: tuple[Event, ...]
    notifications: tuple[Notification, ...] = ()
    idempotency: IdempotencyRecord | None = None

    @property
    def erases(self) -> bool:
        """Whether the events erase the case (one of them is a ``CaseErased``)."""
        return any(isinstance(e.payload, CaseErased) for e in self.events)

    @property
    def touched_referrals(self) -> tuple[Referral, ...]:
        """The case's referrals the events create or change, as the commit leaves them."""
        touched = {getattr(e.payload, "referral_id", None) for e in self.events}
        return tuple(r for r in self.case.referrals if r.referral_id in touched)


@attrs.frozen(kw_only=True)
class OutboxMessage:
    """A notification waiting in the outbox, with its delivery state."""

    notification: Notification
    attempts: int = 0
    last_error: str = ""
    dead: bool = False


class Clock(Protocol):
    """**Protocol**: tells the time (aware, UTC)."""

    def now(self) -> datetime:
        """The current time."""
        ...


class IdFactory(Protocol):
    """**Protocol**: makes new ids for cases, referrals and the like."""

    def new_id(self, kind: str, /) -> str:
        """A new, unique id for something of *kind* (``"case"``, ``"referral"``)."""
        ...


@runtime_checkable
class Notifier(Protocol):
    """**Protocol**: delivers one notification, or raises :class:`~slrt_core.DeliveryError`."""

    def send(self, notification: Notification, /) -> None:
        """Deliver *notification*; the same ``message_id`` may arrive twice (at-least-once)."""
        ...


class EventCodec(Protocol):
    """**Protocol**: the bytes a store keeps (and the audit chain hashes) for an event.

    :class:`~slrt_core.adapters.basics.PlainCodec` writes canonical JSON in clear;
    :class:`~slrt_core.crypto.SealingCodec` seals personal data under a per-case key.

    Attributes:
        can_erase: whether :meth:`erase` really makes personal data unreadable.
    """

    can_erase: bool

    def encode(self, event: Event, /) -> bytes:
        """The stored bytes of *event*."""
        ...

    def decode(self, body: bytes, /) -> Event:
        """The event in *body*; raises ``CaseErasedError`` when it can no longer be read."""
        ...

    def erase(self, case_id: str, /) -> None:
        """Make the case's personal data unreadable for good (destroy its key).

        Raises:
            StorageError: this codec keeps personal data in clear and cannot erase it.
        """
        ...


class CaseStore(Protocol):
    """**Protocol**: persists cases as events, with optimistic concurrency.

    A commit whose events include :class:`~slrt_core.case.CaseErased` marks the case
    erased: from then on :meth:`load` and :meth:`events` raise
    :class:`~slrt_core.errors.CaseErasedError` and :meth:`find_cases` leaves it out.
    """

    def load(self, case_id: str, /) -> Case:
        """The current case; raises :class:`~slrt_core.errors.CaseNotFoundError`."""
        ...

    def events(self, case_id: str, /) -> list[Event]:
        """The case's events, oldest first; raises ``CaseNotFoundError``."""
        ...

    def commit(self, commit: Commit, /) -> None:
        """Write *commit* atomically: events, audit records, case row, outbox, idempotency.

        Raises:
            ConcurrencyError: the case is not at ``commit.expected_version`` (or, for a new
                case, the id or idempotency key exists already). Nothing was written.
            StorageError: the database failed. Nothing was written.
        """
        ...

    def case_id_of_referral(self, referral_id: str, /) -> str:
        """The case a referral belongs to; raises ``ReferralNotFoundError``."""
        ...

    def find_cases(self, *, within: RegionCode, state: CaseState | None = None) -> list[Case]:
        """Cases whose village lies within *within*, optionally in *state*, by id."""
        ...

    def idempotency(self, key: str, /) -> IdempotencyRecord | None:
        """The record of an idempotency key, or ``None`` if unused."""
        ...

    def open_referrals(self, due_before: datetime | None = None) -> list[tuple[str, str]]:
        """``(referral_id, case_id)`` of open referrals, earliest deadline first.

        With *due_before*, only those whose deadline is at or before it (the SLA sweep's
        question); without it, every open referral, those without a deadline last.
        """
        ...


class AuditLog(Protocol):
    """**Protocol**: reads the hash-chained audit records in sequence order."""

    def audit_records(self, *, start: int = 1) -> Iterator[AuditRecord]:
        """Records from sequence *start* on."""
        ...


class Outbox(Protocol):
    """**Protocol**: the transactional outbox the relay drains."""

    def claim_due(
        self, now: datetime, /, *, limit: int, lease_seconds: float
    ) -> list[OutboxMessage]:
        """Lease up to *limit* messages due at *now*, so no other worker takes them meanwhile."""
        ...

    def record_delivery(self, message_id: str, /) -> None:
        """Mark a message delivered."""
        ...

    def record_failure(self, message_id: str, /, *, error: str, retry_at: datetime | None) -> None:
        """Count a failed attempt; retry at *retry_at*, or dead-letter it when ``None``."""
        ...

    def dead_letters(self) -> list[OutboxMessage]:
        """Messages that exhausted their retries."""
        ...


@runtime_checkable
class ErasableStore(Protocol):
    """**Protocol**: a store that can erase a case's personal data through its codec."""

    codec: EventCodec

    def erase(self, case_id: str, /) -> None:
        """Destroy the case's key (:meth:`EventCodec.erase`) and forget cached copies."""
        ...


class Store(CaseStore, AuditLog, Outbox, Protocol):
    """**Protocol**: one storage adapter holding cases, audit trail and outbox together.

    They live together so one transaction covers all three.
    """
