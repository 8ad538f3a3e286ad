"""Rows in and out, shared by the SQLite and PostgreSQL adapters.

What a commit writes (:func:`commit_rows`) and what a load reads back
(:func:`decode_events`, :func:`fold_events`, :func:`idempotency_record`) is one piece
of code; each adapter keeps only its SQL and its transaction handling.


A stored event that does not decode, that names another case or version than its
row, or that does not fold into the case raises
:class:`~slrt_core.errors.CorruptRecordError` naming the case and the version: never a
bare ``ValueError`` or a converter's error from deep inside.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import attrs

from slrt_core.adapters._outbox import outbox_body
from slrt_core.audit import AuditRecord, check_case_events
from slrt_core.case._events import Event, apply, replay
from slrt_core.case._model import Case
from slrt_core.errors import ConcurrencyError, CorruptRecordError, SlrtError
from slrt_core.ports import CaseList, Commit, IdempotencyRecord

__all__ = [
    "BatchCheck",
    "CommitRows",
    "ERASED",
    "commit_rows",
    "decode_events",
    "fold_events",
    "idempotency_record",
    "listed",
]

#: The state the cases index records for an erased case (not a lifecycle state).
ERASED = "erased"


class BatchCheck:
    """The check of each commit of a ``commit_many`` batch, the same in every adapter.

    A commit is checked against the store as the batch's earlier commits left it: its
    case's version after them, the keys they used. Once a commit of a case is refused,
    the batch's later commits of that case are refused too: they may have been built
    on it (see :meth:`~slrt_core.ports.EventStore.commit_many`).
    """

    def __init__(self) -> None:
        self._versions: dict[str, int] = {}  # case id -> its version after the batch so far
        self._keys: set[str] = set()  # the keys the batch used so far
        self._refused: set[str] = set()  # cases with a refused commit

    def written(self, case_id: str) -> int | None:
        """The version an earlier commit of the batch gave *case_id*, if one did."""
        return self._versions.get(case_id)

    def admit(self, commit: Commit, stored: int, *, key_stored: bool) -> ConcurrencyError | None:
        """The refusal of *commit*, or ``None`` when it is to be written (and is counted so).

        *stored* is the case's version as the batch left it (0 for none), *key_stored*
        whether the store held the commit's idempotency key before the batch.
        """
        case_id = commit.case.case_id
        key = commit.idempotency.key if commit.idempotency is not None else None
        if (
            stored != commit.expected_version
            or key_stored
            or (key is not None and key in self._keys)
            or case_id in self._refused
        ):
            self._refused.add(case_id)
            return ConcurrencyError(case_id, commit.expected_version, stored)
        self._versions[case_id] = commit.case.version
        if key is not None:
            self._keys.add(key)
        return None


def decode_events(
    case_id: str,
    rows: Iterable[tuple[int, bytes]],
    decode: Callable[[bytes], Event],
    *,
    after: int = 0,
) -> list[Event]:
    """The events of *case_id* from its ``(version, body)`` rows, oldest first.

    *after* is the version the rows follow (``0`` for the whole history).

    Raises:
        CorruptRecordError: a body does not decode, or belongs to another case or
            version, or a row is missing (:func:`~slrt_core.audit.check_case_events`).
        CaseErasedError: the codec can no longer open the case's sealed parts.
    """
    events = []
    for version, body in rows:
        try:
            event = decode(bytes(body))
        except SlrtError:
            raise
        except Exception as exc:
            kind = type(exc).__name__
            reason = f"the body does not decode ({kind})"
            reason_id = f"isinya tidak dapat diurai ({kind})"
            raise CorruptRecordError(case_id, version, reason, reason_id) from exc
        events.append(event)
    return check_case_events(case_id, events, after=after)


def fold_events(events: list[Event], cached: Case | None = None) -> Case:
    """The case after *events*: on top of *cached* when they follow it, else from scratch.

    Raises:
        CorruptRecordError: the events do not fold (not consecutive, or a transition
            the lifecycle forbids).
    """
    if cached is not None and (not events or events[0].version == cached.version + 1):
        case = cached
        for event in events:
            case = apply(case, event)
        return case
    return replay(events)


def listed(case_ids: Iterable[str], load: Callable[[str], Case]) -> CaseList:
    """The cases of *case_ids*, in that order, loaded by *load*.

    A case whose stored record does not decode is left out and reported in the
    result's ``skipped`` (its :class:`~slrt_core.errors.CorruptRecordError`): one
    damaged case never breaks a listing, and is never hidden.
    """
    found: list[Case] = []
    skipped: list[CorruptRecordError] = []
    for case_id in case_ids:
        try:
            found.append(load(case_id))
        except CorruptRecordError as exc:
            skipped.append(exc)
    return CaseList(found, skipped=skipped)


@attrs.frozen(kw_only=True)
class CommitRows:
    """The rows one :class:`~slrt_core.ports.Commit` writes, as both database adapters store them.

    Built once per commit, before the transaction opens (encoding is the slow part), so
    the transaction only runs statements.

    Attributes:
        case_id: the case.
        version: its version after the commit.
        state: the state the cases row records (``"erased"`` after an erasure).
        region: the case's village code.
        bodies: the stored bytes of each event, in order.
        referrals: ``(referral_id, case_id, provider_id, status, due_at)`` of the touched
            referrals.
        outbox: ``(message_id, body, due_at)`` of the notifications.
        idempotency: ``(key, command, case_id, version, result_id, fingerprint)``, if any.
    """

    case_id: str
    version: int
    state: str
    region: str
    events: tuple[Event, ...]
    bodies: list[bytes]
    referrals: list[tuple[str, str, str, str, object]]
    outbox: list[tuple[str, str, object]]
    idempotency: tuple[str, str, str, int, str, str] | None

    def event_rows(
        self, records: Iterable[AuditRecord]
    ) -> list[tuple[int, str, int, str, bytes, str, str]]:
        """``(seq, case_id, version, type, body, prev, digest)`` of each event, chained."""
        return [
            (r.seq, self.case_id, e.version, e.type, r.body, r.prev, r.digest)
            for r, e in zip(records, self.events, strict=True)
        ]


def commit_rows(
    commit: Commit, encode: Callable[[Event], bytes], when: Callable[[datetime], object]
) -> CommitRows:
    """The rows of *commit*; *when* turns a time into the adapter's column value."""
    case = commit.case
    idem = commit.idempotency
    return CommitRows(
        case_id=case.case_id,
        version=case.version,
        state=ERASED if commit.erases else case.state.value,
        region=case.region.code,
        events=commit.events,
        bodies=[encode(e) for e in commit.events],
        referrals=[
            (
                r.referral_id,
                case.case_id,
                r.provider_id,
                r.status.value,
                when(r.due_at) if r.due_at is not None else None,
            )
            for r in commit.touched_referrals
        ],
        outbox=[(n.message_id, outbox_body(n), when(n.created_at)) for n in commit.notifications],
        idempotency=(
            (idem.key, idem.command, idem.case_id, idem.version, idem.result_id, idem.fingerprint)
            if idem is not None
            else None
        ),
    )


def idempotency_record(row: Sequence[Any]) -> IdempotencyRecord:
    """The record of a ``(key, command, case_id, version, result_id, fingerprint)`` row."""
    return IdempotencyRecord(
        key=row[0],
        command=row[1],
        case_id=row[2],
        version=row[3],
        result_id=row[4],
        fingerprint=row[5],
    )
