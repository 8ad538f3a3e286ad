"""The in-memory store: for tests, simulations and trying things out.

It keeps the same promises as the database adapters (atomic commits, optimistic
concurrency, hash-chained audit, outbox, idempotency) and is safe across threads,
but keeps nothing after the process ends.

The audit chain is sealed lazily: committed events are encoded and hashed, in commit
order, when the audit trail is first read. The records are the same bytes a database
adapter writes at commit time; a simulation that never reads its audit trail does not
pay for it.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import attrs

from slrt_core.adapters._records import BatchCheck, listed
from slrt_core.adapters.basics import PlainCodec
from slrt_core.audit import GENESIS, AuditRecord, chain
from slrt_core.case._events import Event, replay
from slrt_core.case._model import Case, CaseState
from slrt_core.dedup import HouseholdTokens, MemoryCandidateIndex
from slrt_core.errors import (
    CaseErasedError,
    CaseNotFoundError,
    ConcurrencyError,
    ReferralNotFoundError,
)
from slrt_core.identity import RegionCode
from slrt_core.ports import Commit, DedupEntry, EventCodec, IdempotencyRecord, OutboxMessage
from slrt_core.projections import (
    CaseOrder,
    CaseSelection,
    CaseSummary,
    ReferralOrder,
    ReferralSelection,
    ReferralSummary,
    case_key,
    case_matches,
    case_row,
    referral_key,
    referral_matches,
    referral_row,
    summarize,
)

__all__ = ["MemoryStore"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@attrs.define
class _Pending:
    message: OutboxMessage
    seq: int
    due_at: datetime
    leased_until: datetime | None = None
    delivered: bool = False


class MemoryStore:
    """A :class:`~slrt_core.ports.Store` held in process memory.

    Args:
        codec: how the audit trail encodes events; canonical JSON in clear by default.
            With :class:`~slrt_core.crypto.SealingCodec` the trail holds ciphertext and
            :meth:`erase` works as in the database stores.

    Examples:
        >>> store = MemoryStore()
        >>> list(store.audit_records())
        []
    """

    def __init__(self, *, codec: EventCodec | None = None) -> None:
        self.codec: EventCodec = codec or PlainCodec()
        self._erased: set[str] = set()
        self._pending_erasures: set[str] = set()
        self._lock = threading.RLock()
        self._cases: dict[str, Case] = {}
        self._events: dict[str, list[Event]] = {}
        self._records: list[AuditRecord] = []
        self._unsealed: list[Event] = []  # committed, in order, not yet in _records
        self._referrals: dict[str, str] = {}
        self._open: dict[str, tuple[str, datetime | None]] = {}
        self._idempotency: dict[str, IdempotencyRecord] = {}
        self._outbox: dict[str, _Pending] = {}
        self._positions = itertools.count()  # outbox order; erasure deletes messages
        self._case_summaries: dict[str, CaseSummary] = {}
        self._referral_summaries: dict[str, ReferralSummary] = {}
        self._dedup = MemoryCandidateIndex()
        self._dedup_of: dict[str, tuple[RegionCode, int]] = {}  # region, open flags

    # CaseStore
    def load(self, case_id: str, /) -> Case:
        """The current case."""
        if case_id in self._erased:
            raise CaseErasedError(case_id)
        try:
            return self._cases[case_id]
        except KeyError:
            raise CaseNotFoundError(case_id) from None

    def events(self, case_id: str, /) -> list[Event]:
        """The case's events, oldest first."""
        with self._lock:
            if case_id in self._erased:
                raise CaseErasedError(case_id)
            if case_id not in self._events:
                raise CaseNotFoundError(case_id)
            return list(self._events[case_id])

    def commit(self, commit: Commit, /) -> None:
        """Write *commit* atomically (see :class:`~slrt_core.ports.CaseStore`)."""
        refused = self.commit_many((commit,))[0]
        if refused is not None:
            raise refused

    def commit_many(self, commits: Sequence[Commit], /) -> list[ConcurrencyError | None]:
        """Write *commits* at once, leaving out those refused.

        See :class:`~slrt_core.ports.EventStore`: every commit is checked before any is
        written.
        """
        with self._lock:
            check = BatchCheck()
            accepted: list[Commit] = []
            results: list[ConcurrencyError | None] = []
            for commit in commits:
                stored = check.written(commit.case.case_id)
                if stored is None:
                    current = self._cases.get(commit.case.case_id)
                    stored = current.version if current is not None else 0
                key = commit.idempotency.key if commit.idempotency else None
                refusal = check.admit(commit, stored, key_stored=key in self._idempotency)
                results.append(refusal)
                if refusal is None:
                    accepted.append(commit)
            if any(c.erases for c in accepted):
                self._seal()  # encode what is pending while the case key still exists
            # Nothing above changed state; from here on nothing can fail.
            for commit in accepted:
                self._apply(commit)
        return results

    def _apply(self, commit: Commit) -> None:
        """Write one checked commit (the caller holds the lock)."""
        case_id = commit.case.case_id
        erases = commit.erases
        if erases:
            self._seal()  # the batch's earlier events, encoded before the erasure
        self._unsealed.extend(commit.events)
        self._events.setdefault(case_id, []).extend(commit.events)
        self._cases[case_id] = commit.case
        for referral in commit.case.referrals:
            self._referrals[referral.referral_id] = case_id
            if referral.is_open:
                self._open[referral.referral_id] = (case_id, referral.due_at)
            else:
                self._open.pop(referral.referral_id, None)
        if commit.idempotency is not None:
            self._idempotency[commit.idempotency.key] = commit.idempotency
        for n in commit.notifications:
            if n.message_id not in self._outbox:
                self._outbox[n.message_id] = _Pending(
                    OutboxMessage(notification=n), next(self._positions), n.created_at
                )
        if erases:
            self._erased.add(case_id)
            self._pending_erasures.add(case_id)
            self._events[case_id] = []
        self._keep_candidate(case_id, commit.dedup, erased=erases)
        self._project(commit.case, erased=erases)

    def _keep_candidate(self, case_id: str, entry: DedupEntry | None, *, erased: bool) -> None:
        """A commit's candidate entry: none left for an erased case (under the lock)."""
        if erased:
            self._file(case_id, DedupEntry(tokens=None))
        elif entry is not None:
            self._file(case_id, entry)

    def _file(self, case_id: str, entry: DedupEntry) -> None:
        """File or remove the case's candidate entry (the caller holds the lock)."""
        self._dedup.remove(case_id)
        self._dedup_of.pop(case_id, None)
        if entry.tokens is not None:
            self._dedup.add(case_id, entry.tokens)
            self._dedup_of[case_id] = (RegionCode(entry.region), entry.suspects)

    def _project(self, case: Case, *, erased: bool) -> None:
        """Keep the case's summaries (the caller holds the lock); none once erased."""
        for referral in case.referrals:
            self._referral_summaries.pop(referral.referral_id, None)
        if erased:
            self._case_summaries.pop(case.case_id, None)
            return
        summary, referrals = summarize(case)
        self._case_summaries[case.case_id] = summary
        for r in referrals:
            self._referral_summaries[r.referral_id] = r

    def erase(self, case_id: str, /) -> None:
        """Destroy the case's key, drop its outbox messages, then clear its pending mark.

        See :class:`~slrt_core.ports.ErasableStore`; safe to repeat.
        """
        self.codec.erase(case_id)
        with self._lock:
            for message_id in [
                m for m, p in self._outbox.items() if p.message.notification.case_id == case_id
            ]:
                del self._outbox[message_id]
            self._pending_erasures.discard(case_id)

    def pending_erasures(self) -> list[str]:
        """The cases whose erasure was committed but not finished by :meth:`erase`."""
        with self._lock:
            return sorted(self._pending_erasures)

    def case_id_of_referral(self, referral_id: str, /) -> str:
        """The case a referral belongs to."""
        try:
            return self._referrals[referral_id]
        except KeyError:
            raise ReferralNotFoundError(referral_id) from None

    def find_cases(self, *, within: RegionCode, state: CaseState | None = None) -> list[Case]:
        """Cases inside *within*, optionally in *state*, ordered by id."""
        with self._lock:
            found = [
                c
                for c in self._cases.values()
                if within.contains(c.region)
                and (state is None or c.state is state)
                and c.case_id not in self._erased
            ]
        # Through load, as the database stores list: a case that does not load is reported.
        return listed(sorted(c.case_id for c in found), self.load)

    def idempotency(self, key: str, /) -> IdempotencyRecord | None:
        """The record of an idempotency key."""
        return self._idempotency.get(key)

    def open_referrals(self, due_before: datetime | None = None) -> list[tuple[str, str]]:
        """Open referrals, earliest deadline first; only those due by *due_before* if given."""
        with self._lock:
            rows = list(self._open.items())
        if due_before is not None:
            rows = [r for r in rows if r[1][1] is not None and r[1][1] <= due_before]
        rows.sort(key=lambda r: (r[1][1] is None, r[1][1] or due_before or _EPOCH, r[0]))
        return [(rid, case_id) for rid, (case_id, _) in rows]

    # CandidateIndex
    def dedup_candidates(self, keys: Collection[str], /, *, limit: int = 50) -> list[str]:
        """Case ids filed under any of *keys*, NIK and KK matches first, most keys next."""
        with self._lock:
            return list(self._dedup.candidates_of(keys, limit=limit))

    def dedup_tokens(self, case_ids: Collection[str], /) -> dict[str, HouseholdTokens]:
        """The stored tokens of those of *case_ids* in the index (without blocking keys)."""
        with self._lock:
            index = self._dedup
            return {c: index.tokens_of(c).without_blocks() for c in case_ids if c in index}

    def dedup_flagged(self, *, within: RegionCode | None = None) -> list[str]:
        """The indexed cases with an open duplicate-suspect flag (within a region)."""
        with self._lock:
            return sorted(
                c
                for c, (region, suspects) in self._dedup_of.items()
                if suspects > 0 and (within is None or within.contains(region))
            )

    def dedup_file(self, case_id: str, entry: DedupEntry, /) -> None:
        """File *entry* as the case's entry (or remove it)."""
        with self._lock:
            self._file(case_id, entry)

    # SummaryQueries
    def case_summaries(
        self,
        selection: CaseSelection,
        /,
        *,
        order: CaseOrder,
        after: tuple[object, ...] | None = None,
        limit: int = 50,
    ) -> list[CaseSummary]:
        """Case summaries meeting *selection*, in *order*, after key *after*."""
        with self._lock:
            found = [s for s in self._case_summaries.values() if case_matches(s, selection)]
        return _page(found, lambda s: case_key(s, order), after, limit)

    def referral_summaries(
        self,
        selection: ReferralSelection,
        /,
        *,
        order: ReferralOrder,
        after: tuple[object, ...] | None = None,
        limit: int = 50,
    ) -> list[ReferralSummary]:
        """Referral summaries meeting *selection*, in *order*, after key *after*."""
        with self._lock:
            found = [r for r in self._referral_summaries.values() if referral_matches(r, selection)]
        return _page(found, lambda r: referral_key(r, order), after, limit)

    def case_summary_rows(
        self,
        selection: CaseSelection,
        /,
        *,
        order: CaseOrder,
        after: tuple[object, ...] | None = None,
        limit: int = 50,
    ) -> list[list[Any]]:
        """The page of :meth:`case_summaries` in its stored form (``case_row`` lists)."""
        return [
            case_row(s)
            for s in self.case_summaries(selection, order=order, after=after, limit=limit)
        ]

    def referral_summary_rows(
        self,
        selection: ReferralSelection,
        /,
        *,
        order: ReferralOrder,
        after: tuple[object, ...] | None = None,
        limit: int = 50,
    ) -> list[list[Any]]:
        """The page of :meth:`referral_summaries` in its stored form (``referral_row`` lists)."""
        found = self.referral_summaries(selection, order=order, after=after, limit=limit)
        return [referral_row(r) for r in found]

    def count_cases(self, selection: CaseSelection, /) -> int:
        """How many case summaries meet *selection*."""
        with self._lock:
            return sum(case_matches(s, selection) for s in self._case_summaries.values())

    def count_referrals(self, selection: ReferralSelection, /) -> int:
        """How many referral summaries meet *selection*."""
        with self._lock:
            return sum(referral_matches(r, selection) for r in self._referral_summaries.values())

    def rebuild_projections(self, *, batch: int = 500) -> int:
        """Compute every summary again by replaying each case's events; the case count."""
        del batch  # everything is in memory already
        with self._lock:
            self._case_summaries.clear()
            self._referral_summaries.clear()
            live = [c for c, events in self._events.items() if c not in self._erased and events]
            for case_id in live:
                self._project(replay(self._events[case_id]), erased=False)
        return len(live)

    # AuditLog
    def audit_records(self, *, start: int = 1) -> Iterator[AuditRecord]:
        """Records from sequence *start* on."""
        with self._lock:
            self._seal()
            records = self._records[start - 1 :]
        return iter(records)

    def _seal(self) -> None:
        """Chain the committed events not yet in the trail (the caller holds the lock)."""
        if self._unsealed:
            prev = self._records[-1].digest if self._records else GENESIS
            bodies = (self.codec.encode(e) for e in self._unsealed)
            sealed = chain(bodies, after_seq=len(self._records), prev=prev)
            # With the case_id and version the record stands for, as a database row has.
            self._records.extend(
                r._replace(case_id=e.case_id, version=e.version)
                for r, e in zip(sealed, self._unsealed, strict=True)
            )
            self._unsealed.clear()

    # Outbox
    def claim_due(
        self, now: datetime, /, *, limit: int, lease_seconds: float
    ) -> list[OutboxMessage]:
        """Lease up to *limit* due messages."""
        with self._lock:
            due = [
                p
                for p in self._outbox.values()
                if not p.delivered
                and not p.message.dead
                and p.due_at <= now
                and (p.leased_until is None or p.leased_until <= now)
            ]
            due.sort(key=lambda p: p.seq)
            claimed = due[:limit]
            for p in claimed:
                p.leased_until = now + timedelta(seconds=lease_seconds)
            return [p.message for p in claimed]

    def record_delivery(self, message_id: str, /) -> None:
        """Mark a message delivered (one erased meanwhile is gone: nothing to mark)."""
        with self._lock:
            if (pending := self._outbox.get(message_id)) is not None:
                pending.delivered = True

    def record_failure(self, message_id: str, /, *, error: str, retry_at: datetime | None) -> None:
        """Count a failed attempt; dead-letter it when *retry_at* is ``None``."""
        with self._lock:
            p = self._outbox.get(message_id)
            if p is None:  # erased meanwhile: nothing to retry
                return
            p.message = attrs.evolve(
                p.message,
                attempts=p.message.attempts + 1,
                last_error=error,
                dead=retry_at is None,
            )
            p.leased_until = None
            if retry_at is not None:
                p.due_at = retry_at

    def dead_letters(self) -> list[OutboxMessage]:
        """Messages that exhausted their retries."""
        with self._lock:
            return [p.message for p in self._outbox.values() if p.message.dead]

    def close(self) -> None:
        """Nothing to release; here for symmetry with the database stores."""


T = TypeVar("T")


def _page(
    found: Iterable[T],
    key: Callable[[T], tuple[Any, ...]],
    after: tuple[object, ...] | None,
    limit: int,
) -> list[T]:
    """The *limit* smallest of *found* by *key* whose key is after *after*."""
    if after is not None:
        found = [x for x in found if key(x) > after]
    return heapq.nsmallest(limit, found, key=key)
