"""The reference client: a device's queue of envelopes and its copy of the feed, in SQLite.

A :class:`Replica` records commands while offline (each a signed envelope with the
case version the device last saw and the device's own time), uploads them in order
when a network is there, keeps every answer, and keeps the latest version of each case
of its feed. It speaks only the protocol's JSON through two callables, so the same code
runs over HTTP, in a test, or in a simulation.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import attrs
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from slrt_core.access import Actor
from slrt_core.errors import StorageError
from slrt_core.ports import Clock
from slrt_core.sync._protocol import (
    Batch,
    BatchResult,
    Envelope,
    EnvelopeResult,
    FeedPage,
    FeedRequest,
    Status,
    command_to_json,
    from_json,
    sign,
    to_canonical,
    to_json,
)

__all__ = ["Replica", "SyncReport"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queue (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    envelope_id TEXT NOT NULL UNIQUE,
    envelope TEXT NOT NULL,
    result TEXT
);
CREATE TABLE IF NOT EXISTS cases (
    case_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    change TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

#: Answers after which an envelope leaves the queue (a deferred one is sent again).
_FINAL = frozenset({Status.APPLIED, Status.ALREADY_APPLIED, Status.CONFLICT, Status.REFUSED})

Upload = Callable[[dict[str, Any]], dict[str, Any]]
Download = Callable[[dict[str, Any]], dict[str, Any]]


@attrs.frozen(kw_only=True)
class SyncReport:
    """What one :meth:`Replica.sync` did.

    .. versionadded:: 0.1.0
    """

    sent: int
    answered: dict[str, int]
    pending: int
    pages: int
    changes: int


class _SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class Replica:
    """A device's local queue and feed copy, in one SQLite database.

    Args:
        path: the database file (``":memory:"`` for one that lives with this object).
        device_id: the device's registered id.
        actor: the device's registered actor.
        key: the device's Ed25519 private key (its public key is registered).
        clock: the device's clock (its claimed times); the system clock by default.
        new_id: makes envelope ids; random UUIDs by default.

    Examples:
        >>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        >>> from slrt_core import Actor, RegionCode, Role
        >>> from slrt_core.application.commands import Submit
        >>> me = Actor(actor_id="fac-1", role=Role.FACILITATOR,
        ...            jurisdiction=RegionCode("33.74.01"))
        >>> tablet = Replica(":memory:", device_id="tab-1", actor=me,
        ...                  key=Ed25519PrivateKey.generate())
        >>> envelope = tablet.record(Submit(actor=me, case_id="case-1"), base_version=2)
        >>> envelope.command_type, envelope.command, len(tablet.pending())
        ('Submit', {'case_id': 'case-1'}, 1)

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        path: str,
        *,
        device_id: str,
        actor: Actor,
        key: Ed25519PrivateKey,
        clock: Clock | None = None,
        new_id: Callable[[], str] | None = None,
    ) -> None:
        self.device_id = device_id
        self.actor = actor
        self._key = key
        self._clock: Clock = clock or _SystemClock()
        self._new_id = new_id or (lambda: str(uuid.uuid4()))
        self._lock = threading.Lock()
        try:
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StorageError(
                f"The device database {path!r} does not open: {exc}.",
                message_id=f"Basis data perangkat {path!r} tidak dapat dibuka: {exc}.",
            ) from exc

    def close(self) -> None:
        """Close the database."""
        self._conn.close()

    # ------------------------------------------------------------ recording

    def record(self, command: Any, *, base_version: int | None = None) -> Envelope:
        """Queue *command* (a command value of :mod:`slrt_core.application.commands`).

        The base version is the local copy's version of the command's case unless given;
        a command on ``"envelope:<id>"`` (the case a queued registration will make) has none.

        Raises:
            InvalidInputError: the command is not one a device sends.
        """
        name, fields = command_to_json(command)
        if base_version is None:
            base_version = self._base_of(fields)
        envelope = sign(
            Envelope(
                device_id=self.device_id,
                envelope_id=self._new_id(),
                command_type=name,
                command=fields,
                base_version=base_version,
                claimed_at=self._clock.now(),
                actor=self.actor,
            ),
            self._key,
        )
        body = to_canonical(envelope).decode()
        with self._lock:
            self._conn.execute(
                "INSERT INTO queue (envelope_id, envelope) VALUES (?, ?)",
                (envelope.envelope_id, body),
            )
        return envelope

    def _base_of(self, fields: dict[str, Any]) -> int | None:
        case_id = fields.get("case_id")
        if case_id is None and "referral_id" in fields:
            case_id = self._case_of_referral(str(fields["referral_id"]))
        return self.version(case_id) if isinstance(case_id, str) else None

    def _case_of_referral(self, referral_id: str) -> str | None:
        for case_id, change in self._changes():
            summary = change.get("summary") or {}
            if any(r[0] == referral_id for r in summary.get("referrals", ())):
                return case_id
        return None

    # ------------------------------------------------------------ the queue

    def pending(self) -> list[Envelope]:
        """The envelopes without a final answer, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT envelope FROM queue WHERE result IS NULL ORDER BY seq"
            ).fetchall()
        return [from_json(json.loads(r[0]), Envelope) for r in rows]

    def batch(self, limit: int = 100) -> Batch:
        """The next batch to upload: the oldest pending envelopes, in order."""
        return Batch(device_id=self.device_id, envelopes=tuple(self.pending()[:limit]))

    def accept(self, answers: BatchResult) -> None:
        """Keep the final answers of an upload (a deferred envelope stays queued)."""
        with self._lock:
            for result in answers.results:
                if result.status in _FINAL:
                    self._conn.execute(
                        "UPDATE queue SET result = ? WHERE envelope_id = ?",
                        (to_canonical(result).decode(), result.envelope_id),
                    )

    def answers(self) -> dict[str, EnvelopeResult]:
        """The final answer of each answered envelope, by envelope id."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT envelope_id, result FROM queue WHERE result IS NOT NULL ORDER BY seq"
            ).fetchall()
        return {e: from_json(json.loads(r), EnvelopeResult) for e, r in rows}

    # ------------------------------------------------------------ the feed copy

    @property
    def cursor(self) -> int:
        """Where the next feed page starts."""
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = 'cursor'").fetchone()
        return int(row[0]) if row else 0

    def feed_request(self, limit: int = 100) -> FeedRequest:
        """The signed request of the next feed page."""
        return sign(
            FeedRequest(device_id=self.device_id, cursor=self.cursor, limit=limit), self._key
        )

    def apply_page(self, page: FeedPage) -> None:
        """Keep the page's cases (a newer version replaces an older) and its cursor."""
        with self._lock:
            self._conn.execute("BEGIN")
            for change in page.changes:
                if change.erased:
                    self._conn.execute("DELETE FROM cases WHERE case_id = ?", (change.case_id,))
                    continue
                self._conn.execute(
                    "INSERT INTO cases VALUES (?, ?, ?) ON CONFLICT (case_id) DO UPDATE "
                    "SET version = excluded.version, change = excluded.change "
                    "WHERE excluded.version >= cases.version",
                    (
                        change.case_id,
                        change.version,
                        to_canonical(change).decode(),
                    ),
                )
            self._conn.execute(
                "INSERT OR REPLACE INTO meta VALUES ('cursor', ?)", (str(page.next_cursor),)
            )
            self._conn.execute("COMMIT")

    def version(self, case_id: str) -> int | None:
        """The local copy's version of the case, or ``None`` when the device has none."""
        with self._lock:
            row = self._conn.execute(
                "SELECT version FROM cases WHERE case_id = ?", (case_id,)
            ).fetchone()
        return None if row is None else int(row[0])

    def case(self, case_id: str) -> dict[str, Any] | None:
        """The local copy of the case as the feed sent it (``case`` and ``summary``)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT change FROM cases WHERE case_id = ?", (case_id,)
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def case_ids(self) -> list[str]:
        """The ids of the cases in the local copy, sorted."""
        return [case_id for case_id, _ in self._changes()]

    def _changes(self) -> Iterator[tuple[str, dict[str, Any]]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT case_id, change FROM cases ORDER BY case_id"
            ).fetchall()
        return ((case_id, json.loads(change)) for case_id, change in rows)

    # ------------------------------------------------------------ one round

    def sync(
        self, upload: Upload, download: Download, *, batch_size: int = 100, page_size: int = 100
    ) -> SyncReport:
        """Upload every pending envelope in batches, then download the feed to its end.

        *upload* takes a batch's JSON and returns the results' JSON; *download* takes a
        feed request's JSON and returns a page's JSON (an HTTP call each, or the
        endpoint's :meth:`~slrt_core.sync.SyncEndpoint.upload_json` and
        :meth:`~slrt_core.sync.SyncEndpoint.feed_json`). An exception of either (no
        network) ends the round; what was answered is kept and the rest is sent again.
        """
        sent = 0
        answered: dict[str, int] = {}
        while True:
            batch = self.batch(batch_size)
            if not batch.envelopes:
                break
            results = from_json(upload(to_json(batch)), BatchResult, subject="the results")
            self.accept(results)
            sent += len(batch.envelopes)
            for r in results.results:
                answered[r.status.value] = answered.get(r.status.value, 0) + 1
            if all(r.status is Status.DEFERRED for r in results.results):
                break  # what they wait for is not here: the server cannot go on
        pages = changes = 0
        while True:
            page = from_json(download(to_json(self.feed_request(page_size))), FeedPage)
            self.apply_page(page)
            pages += 1
            changes += len(page.changes)
            if not page.more:
                break
        return SyncReport(
            sent=sent,
            answered=answered,
            pending=len(self.pending()),
            pages=pages,
            changes=changes,
        )
