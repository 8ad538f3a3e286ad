"""The server's sync ledger: devices, envelope answers, conflicts, and their journal.

One SQLite database (a file, or ``":memory:"``) beside the case store. Every step
that is not a case event (a device registered or revoked, a conflict held, resolved,
a claimed time flagged) is a record of the ledger's journal, hash-chained like the
audit trail (:func:`slrt_core.audit.seal`) and checked by :func:`slrt_core.audit.verify`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Literal

import attrs
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from slrt_core.access import Actor
from slrt_core.audit import GENESIS, AuditRecord, AuditReport, seal, verify
from slrt_core.errors import InvalidInputError, StorageError
from slrt_core.serialization import canonical_json, converter, structure
from slrt_core.sync._protocol import EnvelopeResult, from_json, to_canonical

__all__ = ["Answer", "Device", "SyncLedger"]

#: An answer as kept: the result, its journal record, and ``(case_id, envelope JSON)``
#: of the conflict it holds.
Answer = tuple["EnvelopeResult", dict[str, Any] | None, tuple[str, dict[str, Any]] | None]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS devices (
    device_id TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    public_key BLOB NOT NULL,
    registered_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS answers (
    device_id TEXT NOT NULL,
    envelope_id TEXT NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (device_id, envelope_id)
);
CREATE TABLE IF NOT EXISTS conflicts (
    conflict_id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    envelope_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    envelope TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS conflicts_open ON conflicts (status, case_id);
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY,
    prev TEXT NOT NULL,
    digest TEXT NOT NULL,
    body BLOB NOT NULL
);
"""


@attrs.frozen(kw_only=True)
class Device:
    """A registered device: whose it is, its public key, whether it is revoked.

    .. versionadded:: 0.1.0
    """

    device_id: str
    actor: Actor
    public_key: Ed25519PublicKey
    registered_at: datetime
    revoked_at: datetime | None = None


class SyncLedger:
    """The sync ledger in SQLite.

    Args:
        path: the database file; ``":memory:"`` (the default) for a ledger that lives
            as long as this object.
        synchronous: ``"full"`` (the default: a committed answer survives a power loss)
            or ``"normal"`` (it survives a crash of the process), as for
            :class:`~slrt_core.adapters.SqliteStore`. An answer lost is given again from
            the pipeline's idempotency record for an applied envelope, and worked out
            anew for the others.

    Examples:
        >>> ledger = SyncLedger()
        >>> ledger.verify().ok, ledger.open_conflicts()
        (True, [])

    .. versionadded:: 0.1.0
    """

    def __init__(
        self, path: str = ":memory:", *, synchronous: Literal["full", "normal"] = "full"
    ) -> None:
        if synchronous not in ("full", "normal"):
            msg = f"synchronous must be 'full' or 'normal', not {synchronous!r}."
            raise ValueError(msg)
        self._lock = threading.Lock()
        try:
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            # As the case store: a write-ahead log, synchronous FULL or NORMAL.
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
            self._conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StorageError(
                f"The sync ledger {path!r} does not open: {exc}.",
                message_id=f"Buku besar sinkronisasi {path!r} tidak dapat dibuka: {exc}.",
            ) from exc

    def close(self) -> None:
        """Close the database."""
        self._conn.close()

    # ------------------------------------------------------------ devices

    def add_device(self, device: Device) -> None:
        """Register *device*, journalled.

        Raises:
            InvalidInputError: the device id is registered already.
        """
        key = device.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        with self._tx() as conn:
            if conn.execute(
                "SELECT 1 FROM devices WHERE device_id = ?", (device.device_id,)
            ).fetchone():
                raise InvalidInputError.single(
                    "device_id",
                    f"Device {device.device_id!r} is registered already; give a new device "
                    "its own id.",
                    f"Perangkat {device.device_id!r} sudah terdaftar; beri perangkat baru "
                    "id tersendiri.",
                )
            conn.execute(
                "INSERT INTO devices VALUES (?, ?, ?, ?, NULL)",
                (
                    device.device_id,
                    canonical_json(converter.unstructure(device.actor)).decode(),
                    key,
                    device.registered_at.isoformat(),
                ),
            )
            self._journal(
                conn,
                {
                    "kind": "device_registered",
                    "device_id": device.device_id,
                    "actor_id": device.actor.actor_id,
                    "at": device.registered_at.isoformat(),
                    "public_key": key.hex(),
                },
            )

    def device(self, device_id: str) -> Device | None:
        """The device, or ``None`` when it was never registered."""
        with self._lock:
            row = self._conn.execute(
                "SELECT actor, public_key, registered_at, revoked_at FROM devices "
                "WHERE device_id = ?",
                (device_id,),
            ).fetchone()
        if row is None:
            return None
        actor_json, key, registered, revoked = row
        return Device(
            device_id=device_id,
            actor=structure(json.loads(actor_json), Actor),
            public_key=Ed25519PublicKey.from_public_bytes(key),
            registered_at=datetime.fromisoformat(registered),
            revoked_at=datetime.fromisoformat(revoked) if revoked else None,
        )

    def revoke_device(self, device_id: str, *, at: datetime, by: str, note: str) -> bool:
        """Revoke the device from *at*; ``False`` when it was unknown or revoked already."""
        with self._tx() as conn:
            done = conn.execute(
                "UPDATE devices SET revoked_at = ? WHERE device_id = ? AND revoked_at IS NULL",
                (at.isoformat(), device_id),
            ).rowcount
            if done:
                self._journal(
                    conn,
                    {
                        "kind": "device_revoked",
                        "device_id": device_id,
                        "by": by,
                        "at": at.isoformat(),
                        "note": note,
                    },
                )
        return bool(done)

    # ------------------------------------------------------------ answers

    def answer(self, device_id: str, envelope_id: str) -> EnvelopeResult | None:
        """The recorded answer to an envelope, or ``None`` when none is recorded."""
        with self._lock:
            row = self._conn.execute(
                "SELECT result FROM answers WHERE device_id = ? AND envelope_id = ?",
                (device_id, envelope_id),
            ).fetchone()
        return None if row is None else from_json(json.loads(row[0]), EnvelopeResult)

    def record_answer(
        self,
        device_id: str,
        result: EnvelopeResult,
        *,
        journal: dict[str, Any] | None = None,
        conflict: tuple[str, dict[str, Any]] | None = None,
    ) -> None:
        """Keep *result* as the answer to its envelope (replacing an earlier one).

        Args:
            device_id: the device of the envelope.
            result: the answer.
            journal: a journal record written in the same transaction.
            conflict: ``(case_id, envelope JSON)`` of a conflict held by *result*.
        """
        self.record_answers(device_id, [(result, journal, conflict)])

    def record_answers(self, device_id: str, answers: Iterable[Answer]) -> None:
        """Keep several answers (see :meth:`record_answer`) in one transaction."""
        rows = [(a, to_canonical(a[0]).decode()) for a in answers]
        if not rows:
            return
        with self._tx() as conn:
            for (result, journal, conflict), body in rows:
                conn.execute(
                    "INSERT OR REPLACE INTO answers VALUES (?, ?, ?)",
                    (device_id, result.envelope_id, body),
                )
                if conflict is not None and result.conflict is not None:
                    conn.execute(
                        "INSERT OR REPLACE INTO conflicts VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            result.conflict.conflict_id,
                            device_id,
                            result.envelope_id,
                            conflict[0],
                            canonical_json(conflict[1]).decode(),
                            result.conflict.status,
                        ),
                    )
                if journal is not None:
                    self._journal(conn, journal)

    # ------------------------------------------------------------ conflicts

    def conflict(self, conflict_id: str) -> tuple[str, str, str, dict[str, Any], str] | None:
        """``(device_id, envelope_id, case_id, envelope JSON, status)`` of a conflict."""
        with self._lock:
            row = self._conn.execute(
                "SELECT device_id, envelope_id, case_id, envelope, status FROM conflicts "
                "WHERE conflict_id = ?",
                (conflict_id,),
            ).fetchone()
        if row is None:
            return None
        device_id, envelope_id, case_id, envelope, status = row
        return device_id, envelope_id, case_id, json.loads(envelope), status

    def open_conflicts(self, case_id: str | None = None) -> list[str]:
        """The ids of the conflicts waiting for a supervisor (of one case, or all), sorted."""
        sql = "SELECT conflict_id FROM conflicts WHERE status = 'open'"
        args: tuple[str, ...] = ()
        if case_id is not None:
            sql += " AND case_id = ?"
            args = (case_id,)
        with self._lock:
            return sorted(r[0] for r in self._conn.execute(sql + " ORDER BY conflict_id", args))

    def set_conflict_status(self, conflict_id: str, status: str) -> None:
        """Mark the conflict resolved as *status*."""
        with self._tx() as conn:
            conn.execute(
                "UPDATE conflicts SET status = ? WHERE conflict_id = ?", (status, conflict_id)
            )

    # ------------------------------------------------------------ journal

    def journal(self) -> Iterator[AuditRecord]:
        """The journal's records, in sequence order."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, prev, digest, body FROM journal ORDER BY seq"
            ).fetchall()
        return (AuditRecord(seq, prev, digest, bytes(body)) for seq, prev, digest, body in rows)

    def verify(self) -> AuditReport:
        """Check the journal's hash chain."""
        return verify(self.journal())

    def _journal(self, conn: sqlite3.Connection, entry: dict[str, Any]) -> None:
        last = conn.execute("SELECT seq, digest FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last[0], last[1]) if last else (0, GENESIS)
        record = seal(seq + 1, prev, canonical_json(entry))
        conn.execute(
            "INSERT INTO journal VALUES (?, ?, ?, ?)",
            (record.seq, record.prev, record.digest, record.body),
        )

    # ------------------------------------------------------------ transactions

    def _tx(self) -> _Transaction:
        return _Transaction(self._conn, self._lock)


class _Transaction:
    """One write transaction under the ledger's lock."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.Lock) -> None:
        self._conn = conn
        self._lock = lock

    def __enter__(self) -> sqlite3.Connection:
        self._lock.acquire()
        self._conn.execute("BEGIN IMMEDIATE")
        return self._conn

    def __exit__(self, kind: object, *_: object) -> None:
        try:
            self._conn.execute("COMMIT" if kind is None else "ROLLBACK")
        finally:
            self._lock.release()
