"""Ports: every small Protocol the library talks to, in one module.

A host app satisfies a port by shape; nothing inherits from slrt_core. The library
ships adapters for each (:mod:`slrt_core.adapters`), and :mod:`slrt_core.testing` ships
the contract suite every store adapter must pass.

The ports, by side:

- **write side of a store**: :class:`EventStore` (load a case, append a
  :class:`Commit`, idempotency records), with :class:`AuditLog`, :class:`Outbox` and
  :class:`ErasableStore`;
- **read side of a store**: :class:`CaseQueries` (questions answered from projections,
  never by replaying every case) and :class:`SummaryQueries` (pages and counts of the
  read models, :mod:`slrt_core.projections`), with :class:`ProjectionRebuild`;
  :class:`CaseStore` is both sides, :class:`Store` everything one adapter holds;
- **collaborators**: :class:`Clock`, :class:`IdFactory`, :class:`Notifier`,
  :class:`Authorizer`, :class:`ServiceDirectory`, :class:`RoutingPolicy`,
  :class:`AccessLog`;
- **personal data**: :class:`EventCodec`, :class:`Keyring`, :class:`KeyStore`,
  :class:`TokenIndex`, and :class:`CandidateIndex` (the keyed tokens intake
  de-duplication looks households up by, kept by the store beside its cases).

This module depends on nothing of slrt_core at run time (the types in its signatures
are imported for type checkers only), so every layer may import it. Besides the
Protocols it holds the small values they exchange (:class:`Commit`,
:class:`IdempotencyRecord`, :class:`OutboxMessage`, :class:`CaseList`). The Protocols are
also importable from their older homes (``slrt_core.access.Authorizer``,
``slrt_core.referral.ServiceDirectory``, ``slrt_core.crypto.Keyring``, ...).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

if TYPE_CHECKING:
    from slrt_core.access import Actor, Command
    from slrt_core.audit import AuditRecord
    from slrt_core.case._events import Event
    from slrt_core.case._model import Case, CaseState
    from slrt_core.dedup import HouseholdTokens
    from slrt_core.errors import ConcurrencyError, CorruptRecordError
    from slrt_core.identity import RegionCode
    from slrt_core.notify import Notification
    from slrt_core.privacy import AccessRecord
    from slrt_core.projections import (
        CaseOrder,
        CaseSelection,
        CaseSummary,
        ReferralOrder,
        ReferralSelection,
        ReferralSummary,
    )
    from slrt_core.referral._directory import Provider, Service
    from slrt_core.referral._model import Referral
    from slrt_core.referral._routing import Option, RoutingReason

__all__ = [
    "AccessLog",
    "AuditLog",
    "Authorizer",
    "CandidateIndex",
    "CaseList",
    "CaseQueries",
    "CaseStore",
    "Clock",
    "Commit",
    "DedupEntry",
    "ErasableStore",
    "EventCodec",
    "EventStore",
    "IdFactory",
    "IdempotencyRecord",
    "KeyStore",
    "Keyring",
    "Notifier",
    "Outbox",
    "OutboxMessage",
    "ProjectionRebuild",
    "RoutingPolicy",
    "ServiceDirectory",
    "Store",
    "SummaryQueries",
    "SummaryRows",
    "TokenIndex",
]

#: The type of the payload that erases a case (``CaseErased.type``).
_ERASED = "case_erased"


@attrs.frozen(kw_only=True)
class IdempotencyRecord:
    """What a command with an idempotency key produced, so a retry returns it again."""

    key: str
    command: str
    case_id: str
    version: int
    result_id: str
    #: A digest of the request (the command with its arguments, without the key): the
    #: same key with another request is refused. Empty for records written before it.
    fingerprint: str = ""


@attrs.frozen(kw_only=True)
class DedupEntry:
    """What the duplicate-candidate index holds of one case (:class:`CandidateIndex`).

    Attributes:
        tokens: the keyed tokens of the case's household
            (:class:`~slrt_core.dedup.HouseholdTokens`); ``None`` takes the case out of
            the index (it closed, or was erased).
        suspects: how many duplicate-suspect flags of the case are still open.
        region: the case's village code (the supervisors' worklist is by region).

    .. versionadded:: 0.1.0
    """

    tokens: HouseholdTokens | None
    suspects: int = 0
    region: str = ""


@attrs.frozen(kw_only=True)
class Commit:
    """Everything one accepted command writes, in one transaction.

    Attributes:
        case: the case after the events (its version is ``expected_version + len(events)``).
        expected_version: the version the command read; 0 for a new case.
        events: the new events, in order.
        notifications: the outbox rows to deliver after the commit.
        idempotency: the record of the command's idempotency key, if it had one.
        dedup: the case's entry in the duplicate-candidate index, written in the same
            transaction (a :class:`CandidateIndex` store); ``None`` leaves the entry as
            it is. A commit that erases the case removes its entry whatever this says.
    """

    case: Case
    expected_version: int
    events: tuple[Event, ...]
    notifications: tuple[Notification, ...] = ()
    idempotency: IdempotencyRecord | None = None
    dedup: DedupEntry | None = None

    @property
    def erases(self) -> bool:
        """Whether the events erase the case (one of them is a ``CaseErased``)."""
        return any(e.type == _ERASED for e in self.events)

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


class CaseList(list["Case"]):
    """The cases a listing found, and the damaged ones it had to leave out.

    A plain list of :class:`~slrt_core.case.Case` (it compares equal to one) with one
    more attribute, :attr:`skipped`: one
    :class:`~slrt_core.errors.CorruptRecordError` per case whose stored record does not
    decode, naming the case and the version of the bad event. One damaged case never
    breaks a listing, and is never hidden either: check :attr:`skipped` (or
    :attr:`skipped_ids`) and restore those records from a backup.

    Examples:
        >>> from slrt_core.errors import CorruptRecordError
        >>> found = CaseList([], skipped=[CorruptRecordError("case-9", 2, "not JSON")])
        >>> found == [], found.skipped_ids
        (True, ('case-9',))

    .. versionadded:: 0.1.0
    """

    def __init__(
        self, cases: Iterable[Case] = (), /, *, skipped: Iterable[CorruptRecordError] = ()
    ) -> None:
        super().__init__(cases)
        #: The errors of the cases left out, by case id.
        self.skipped: tuple[CorruptRecordError, ...] = tuple(
            sorted(skipped, key=lambda e: e.case_id)
        )

    @property
    def skipped_ids(self) -> tuple[str, ...]:
        """The ids of the damaged cases left out, sorted."""
        return tuple(e.case_id for e in self.skipped)


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


class EventStore(Protocol):
    """**Protocol**: the write side of a store: cases as events, optimistic concurrency.

    Everything a command reads or writes: the case it acts on, the case a referral
    belongs to, the record of an idempotency key, and the :class:`Commit`. Read
    queries live on :class:`CaseQueries`, so they can grow without touching this port.

    A commit whose events include :class:`~slrt_core.case.CaseErased` marks the case
    erased: from then on :meth:`load` and :meth:`events` raise
    :class:`~slrt_core.errors.CaseErasedError`.

    .. versionadded:: 0.1.0
    """

    def load(self, case_id: str, /) -> Case:
        """The current case; raises :class:`~slrt_core.errors.CaseNotFoundError`.

        A stored event that does not decode or fold raises
        :class:`~slrt_core.errors.CorruptRecordError` naming the case and version.
        """
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

    def commit_many(self, commits: Sequence[Commit], /) -> list[ConcurrencyError | None]:
        """Write *commits* in one transaction, in order; what became of each.

        Each commit is checked as :meth:`commit` checks it, against the store as the
        commits before it in the batch left it (two commits of one case chain their
        versions, a key used earlier in the batch is used). A commit that fails its
        check is left out whole, and its place in the answer holds the
        :class:`~slrt_core.errors.ConcurrencyError`; so are the batch's later commits of
        the same case, which may have been built on it. The others are written, their
        audit records chained in the batch's order. Written ones have ``None``.

        Raises:
            ConcurrencyError: a conflict the store cannot blame on one commit (a unique
                violation, a serialization failure). Nothing of the batch was written.
            StorageError: the database failed. Nothing of the batch was written.

        .. versionadded:: 0.1.0
        """
        ...

    def case_id_of_referral(self, referral_id: str, /) -> str:
        """The case a referral belongs to; raises ``ReferralNotFoundError``."""
        ...

    def idempotency(self, key: str, /) -> IdempotencyRecord | None:
        """The record of an idempotency key, or ``None`` if unused."""
        ...


class CaseQueries(Protocol):
    """**Protocol**: the read side of a store: questions answered from its projections.

    Erased cases are left out.

    .. versionadded:: 0.1.0
    """

    def find_cases(self, *, within: RegionCode, state: CaseState | None = None) -> list[Case]:
        """Cases whose village lies within *within*, optionally in *state*, by id.

        A case whose stored record does not decode is left out and reported: the
        adapters return a :class:`CaseList` whose ``skipped`` holds its
        :class:`~slrt_core.errors.CorruptRecordError`.
        """
        ...

    def open_referrals(self, due_before: datetime | None = None) -> list[tuple[str, str]]:
        """``(referral_id, case_id)`` of open referrals, earliest deadline first.

        With *due_before*, only those whose deadline is at or before it (the SLA sweep's
        question); without it, every open referral, those without a deadline last.
        """
        ...


class SummaryQueries(Protocol):
    """**Protocol**: pages and counts of the read models, answered from indexed tables.

    The summaries (:class:`~slrt_core.projections.CaseSummary`,
    :class:`~slrt_core.projections.ReferralSummary`) are written in the transaction of
    the commit that changed the case, so a query never replays a case. A selection means
    exactly what :func:`~slrt_core.projections.case_matches` and
    :func:`~slrt_core.projections.referral_matches` say; a page is ordered by
    :func:`~slrt_core.projections.case_key` (or ``referral_key``) and continues strictly
    after the key *after* (keyset pagination: stable while rows are added). Erased
    cases have no summaries.

    .. versionadded:: 0.1.0
    """

    def case_summaries(
        self,
        selection: CaseSelection,
        /,
        *,
        order: CaseOrder,
        after: tuple[object, ...] | None = None,
        limit: int = 50,
    ) -> list[CaseSummary]:
        """Up to *limit* case summaries meeting *selection*, in *order*, after key *after*."""
        ...

    def referral_summaries(
        self,
        selection: ReferralSelection,
        /,
        *,
        order: ReferralOrder,
        after: tuple[object, ...] | None = None,
        limit: int = 50,
    ) -> list[ReferralSummary]:
        """Up to *limit* referral summaries meeting *selection*, in *order*, after *after*."""
        ...

    def count_cases(self, selection: CaseSelection, /) -> int:
        """How many case summaries meet *selection*."""
        ...

    def count_referrals(self, selection: ReferralSelection, /) -> int:
        """How many referral summaries meet *selection*."""
        ...


@runtime_checkable
class SummaryRows(Protocol):
    """**Protocol**: pages of summaries in their stored form, for readers of many at once.

    The same pages as :class:`SummaryQueries` (same selections, orders and keys), each
    summary as the JSON-ready list of :func:`~slrt_core.projections.case_row` (or
    :func:`~slrt_core.projections.referral_row`), whose values
    :data:`~slrt_core.projections.CASE_COLUMNS` names: the KPIs and exports of
    hundreds of thousands of cases read these instead of building a value per summary.
    A page may decode each row only when it is read (SQLite and PostgreSQL do), so a
    reader going through it row by row holds one decoded row at a time.
    A store without it is read through :class:`SummaryQueries` (the rows made from the
    summaries), with the same results.

    .. versionadded:: 0.1.0
    """

    def case_summary_rows(
        self,
        selection: CaseSelection,
        /,
        *,
        order: CaseOrder,
        after: tuple[object, ...] | None = None,
        limit: int = 50,
    ) -> Sequence[list[Any]]:
        """The page :meth:`SummaryQueries.case_summaries` returns, as ``case_row`` lists."""
        ...

    def referral_summary_rows(
        self,
        selection: ReferralSelection,
        /,
        *,
        order: ReferralOrder,
        after: tuple[object, ...] | None = None,
        limit: int = 50,
    ) -> Sequence[list[Any]]:
        """The page of :meth:`SummaryQueries.referral_summaries`, as ``referral_row`` lists."""
        ...


@runtime_checkable
class ProjectionRebuild(Protocol):
    """**Protocol**: a store that can compute its read models again from the event log.

    .. versionadded:: 0.1.0
    """

    def rebuild_projections(self, *, batch: int = 500) -> int:
        """Replace every summary by the fold of the case's events; the number of cases.

        Streamed: *batch* cases are read, folded and written per transaction, so memory
        stays bounded by the batch, and commits running meanwhile are kept.
        """
        ...


class CaseStore(EventStore, CaseQueries, SummaryQueries, Protocol):
    """**Protocol**: persists cases as events (:class:`EventStore`) and answers queries.

    Both sides of one store (:class:`CaseQueries` and :class:`SummaryQueries`).
    """


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
    """**Protocol**: a store that can erase a case's personal data through its codec.

    Erasure is crash-safe in three steps. (1) The commit of the
    :class:`~slrt_core.case.CaseErased` event also records the erasure as *pending*, in
    the same transaction. (2) :meth:`erase` destroys the case's key, (3) then, in one
    transaction, deletes the case's outbox rows (pending and delivered) and the pending
    mark. A crash between the steps leaves a pending erasure that
    :meth:`pending_erasures` lists and :meth:`erase` finishes (every step may run again),
    never a case marked erased whose key survives unnoticed.
    """

    codec: EventCodec

    def erase(self, case_id: str, /) -> None:
        """Destroy the case's key, delete its outbox rows, then clear its pending mark.

        Forgets cached copies too. Safe to call again; the mark stays when destroying
        the key fails.

        Raises:
            StorageError: the codec keeps personal data in clear, or the key could not be
                destroyed for good (the erasure stays pending).
        """
        ...

    def pending_erasures(self) -> list[str]:
        """The cases whose erasure was committed but not yet finished, sorted."""
        ...


class Store(CaseStore, AuditLog, Outbox, Protocol):
    """**Protocol**: one storage adapter holding cases, audit trail and outbox together.

    They live together so one transaction covers all three.
    """


class Authorizer(Protocol):
    """**Protocol**: decides whether an actor may run a command on a case or referral."""

    def authorize(
        self,
        actor: Actor,
        command: Command,
        /,
        *,
        region: RegionCode | None = None,
        provider_id: str | None = None,
    ) -> None:
        """Return when allowed; raise :class:`~slrt_core.AccessDenied` otherwise.

        Args:
            actor: who asks.
            command: what is asked.
            region: the village of the case concerned, if any.
            provider_id: the provider a referral is addressed to, if a referral is concerned.
        """


class ServiceDirectory(Protocol):
    """**Protocol**: looks up services and their providers."""

    def service(self, service_id: str, /) -> Service:
        """The service; raises :class:`~slrt_core.InvalidInputError` when unknown."""
        ...

    def provider(self, provider_id: str, /) -> Provider:
        """The provider; raises :class:`~slrt_core.InvalidInputError` when unknown."""
        ...

    def services(self) -> Iterable[Service]:
        """Every service."""
        ...


class RoutingPolicy(Protocol):
    """**Protocol**: orders the services that passed the filters.

    ``key`` is called for every option and must be cheap: a sort key, smaller ranks
    higher (ties go to the service id). ``explain`` gives the reasons for the key, in
    both languages; it is called only when a candidate's reasons are read.
    """

    @property
    def name(self) -> str:
        """A short name (``"nearest tier first"``)."""
        ...

    def key(self, option: Option, /) -> tuple[float, ...]:
        """The sort key of *option*."""
        ...

    def explain(self, option: Option, /) -> tuple[RoutingReason, ...]:
        """Why *option* has its key."""
        ...


class AccessLog(Protocol):
    """**Protocol**: keeps :class:`~slrt_core.privacy.AccessRecord` entries (a table, a SIEM)."""

    def record(self, entry: AccessRecord, /) -> None:
        """Keep *entry*; raise :class:`~slrt_core.StorageError` if it cannot."""
        ...


class TokenIndex(Protocol):
    """**Protocol**: maps lookup tokens to the cases holding that NIK or KK number."""

    def add(self, case_id: str, tokens: Iterable[str], /) -> None:
        """Index *case_id* under *tokens* (kept alongside any it had)."""
        ...

    def find(self, tokens: Iterable[str], /) -> list[str]:
        """The case ids indexed under any of *tokens*, sorted."""
        ...

    def replace(self, case_id: str, tokens: Iterable[str], /) -> None:
        """Index *case_id* under exactly *tokens* (none: forget the case)."""
        ...


@runtime_checkable
class CandidateIndex(Protocol):
    """**Protocol**: the duplicate-candidate index a store keeps beside its open cases.

    Keyed tokens only (:mod:`slrt_core.dedup`): blocking keys -> case ids, and each
    case's tokens for scoring, never a name, birth date or number in clear. A commit
    carrying a :class:`DedupEntry` (``Commit.dedup``) files or removes the case's entry
    in the commit's own transaction, so the index never disagrees with the events; a
    commit that erases the case removes it. :meth:`dedup_file` does the same outside a
    commit (filling the index of a store that held cases before, a pepper rotation).

    .. versionadded:: 0.1.0
    """

    def dedup_candidates(self, keys: Collection[str], /, *, limit: int = 50) -> list[str]:
        """Up to *limit* case ids filed under any of *keys*.

        Ranked: the cases sharing the most NIK and KK keys (``tokens.exact`` when filed)
        first, then those sharing the most keys, then by id.
        """
        ...

    def dedup_tokens(self, case_ids: Collection[str], /) -> Mapping[str, HouseholdTokens]:
        """The stored tokens of those of *case_ids* in the index (without blocking keys)."""
        ...

    def dedup_flagged(self, *, within: RegionCode | None = None) -> list[str]:
        """The ids of the indexed cases with an open duplicate-suspect flag, sorted.

        With *within*, only those whose village lies within that region.
        """
        ...

    def dedup_file(self, case_id: str, entry: DedupEntry, /) -> None:
        """File *entry* as the case's entry (replacing any), or remove it (no tokens)."""
        ...


class Keyring(Protocol):
    """**Protocol**: the host app's master key, which wraps and unwraps data keys.

    Back it with a KMS or HSM in production (wrap and unwrap are its two calls); the
    master key itself never needs to reach slrt_core.
    """

    def wrap(self, key: bytes, /, *, key_id: str) -> bytes:
        """*key* encrypted under the current master key, bound to *key_id*."""
        ...

    def unwrap(self, wrapped: bytes, /, *, key_id: str) -> bytes:
        """The key *wrapped* holds; raises :class:`~slrt_core.StorageError` if it cannot."""
        ...


class KeyStore(Protocol):
    """**Protocol**: where wrapped data keys live (apart from the event store).

    Destroying a key must really remove it: no copy in this store may survive, and the
    host app must keep backups of it short-lived or shred them on erasure too.
    """

    def get(self, key_id: str, /) -> bytes | None:
        """The wrapped key, or ``None`` when it never existed or was destroyed."""
        ...

    def add(self, key_id: str, wrapped: bytes, /) -> bytes:
        """Keep *wrapped* unless *key_id* has a key already; return the key kept."""
        ...

    def destroy(self, key_id: str, /) -> bool:
        """Remove the key for good; ``True`` when there was one."""
        ...

    def replace(self, key_id: str, wrapped: bytes, /) -> None:
        """Store *wrapped* in place of the existing key (master-key rotation)."""
        ...

    def key_ids(self) -> Iterator[str]:
        """Every key id held."""
        ...
