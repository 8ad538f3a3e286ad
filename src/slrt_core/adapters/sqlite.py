"""The SQLite store: the embedded default (stdlib ``sqlite3``).

One transaction per command (``BEGIN IMMEDIATE``), or per batch of commands
(:meth:`SqliteStore.commit_many`), holds the events with their audit links, the case
row, the referral index, the summaries, the outbox rows and the idempotency record.
The database runs in WAL mode. Durability: ``synchronous="full"`` (the default) keeps
every acknowledged command through a power cut; ``"normal"`` keeps it through an
application crash or SIGKILL but may lose the last commits on power loss, and is about
four times faster. Each thread uses its own connection; several processes may share one
file (writers queue on SQLite's lock, up to ``busy_timeout``).

The case row is an index (version, state, region): the case itself is the fold of its
events, cached in memory per version.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Literal, TypeVar

from slrt_core.adapters._dedup import (
    SQLITE_DEDUP_SCHEMA,
    candidates_sql,
    commit_dedup,
    decode_tokens,
    drop_dedup,
    flagged_sql,
    tokens_sql,
    write_dedup,
)
from slrt_core.adapters._outbox import outbox_message
from slrt_core.adapters._projections import (
    SQLITE,
    SQLITE_SCHEMA,
    SQLITE_STAGES,
    ProjectionRows,
    StoredPage,
    case_page,
    commit_projection,
    count_cases,
    count_referrals,
    decode_case,
    decode_referral,
    due_referrals,
    rebuild_rows,
    referral_page,
    write_projection,
)
from slrt_core.adapters._records import (
    ERASED,
    BatchCheck,
    CommitRows,
    commit_rows,
    decode_events,
    fold_events,
    idempotency_record,
    listed,
)
from slrt_core.adapters.basics import PlainCodec, check_schema_version
from slrt_core.audit import GENESIS, AuditRecord, chain
from slrt_core.case._events import Event
from slrt_core.case._model import Case, CaseState
from slrt_core.dedup import HouseholdTokens
from slrt_core.errors import (
    CaseErasedError,
    CaseNotFoundError,
    ConcurrencyError,
    ReferralNotFoundError,
    StorageError,
)
from slrt_core.identity import RegionCode
from slrt_core.keys import sealing_codec
from slrt_core.ports import Commit, DedupEntry, EventCodec, IdempotencyRecord, OutboxMessage
from slrt_core.projections import (
    CaseOrder,
    CaseSelection,
    CaseSummary,
    ReferralOrder,
    ReferralSelection,
    ReferralSummary,
)
from slrt_core.referral._model import ReferralStatus
from slrt_core.serialization import converter

__all__ = ["SCHEMA_VERSION", "SqliteStore"]

T = TypeVar("T")

#: Migrations, in order; the database's ``user_version`` says how many ran.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        type TEXT NOT NULL,
        body BLOB NOT NULL,
        prev TEXT NOT NULL,
        digest TEXT NOT NULL,
        UNIQUE (case_id, version)
    );
    CREATE TABLE cases (
        case_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        state TEXT NOT NULL,
        region TEXT NOT NULL
    );
    CREATE INDEX cases_region ON cases (region);
    CREATE TABLE referrals (
        referral_id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL,
        provider_id TEXT NOT NULL,
        status TEXT NOT NULL,
        due_at TEXT
    );
    CREATE INDEX referrals_open ON referrals (status, due_at);
    CREATE TABLE idempotency (
        key TEXT PRIMARY KEY,
        command TEXT NOT NULL,
        case_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        result_id TEXT NOT NULL
    );
    CREATE TABLE outbox (
        position INTEGER PRIMARY KEY,
        message_id TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL,
        due_at TEXT NOT NULL,
        leased_until TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT '',
        delivered INTEGER NOT NULL DEFAULT 0,
        dead INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX outbox_due ON outbox (delivered, dead, due_at);
    """,
    # 2: the fingerprint of the request an idempotency key was used for.
    """
    ALTER TABLE idempotency ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
    """,
    # 3: erasures committed but not finished (key, outbox), the outbox rows by case, and
    # no free-text note left in a notification written before notes stayed out of them.
    """
    CREATE TABLE pending_erasures (
        case_id TEXT PRIMARY KEY,
        requested_at TEXT NOT NULL
    );
    CREATE INDEX outbox_case ON outbox (json_extract(body, '$.case_id'));
    UPDATE outbox SET body = json_remove(body, '$.template.fields.note')
        WHERE json_extract(body, '$.template.fields.note') IS NOT NULL;
    """,
    # 4: the read models (case and referral summaries); filled by rebuild_projections.
    SQLITE_SCHEMA,
    # 5: the duplicate-candidate index of intake de-duplication (keyed tokens only);
    # filled by Slrt.rebuild_duplicate_index for the cases stored before it.
    SQLITE_DEDUP_SCHEMA,
    # 6: the summaries' stage timestamps and SLA facts (a new stored form: rebuilt once),
    # and an index on the time of a case's last change.
    SQLITE_STAGES,
)

#: The last migration that changed the stored form of the summaries: a store migrated
#: from before it has them rebuilt once (4 added them, 6 gave them their stage times).
_PROJECTIONS_MIGRATION = 6

# The state the cases index records for an erased case (not a lifecycle state).
_ERASED = ERASED

#: The schema version this library writes.
SCHEMA_VERSION = len(MIGRATIONS)

# Terminal referral statuses: they never change again (five, as open_referrals expects).
_ENDED = tuple(s.value for s in ReferralStatus if s.is_terminal)

#: What a commit reads before it writes: the case version, whether the idempotency key
#: is used, and the audit chain head.
_BEFORE_WRITE = (
    "SELECT (SELECT version FROM cases WHERE case_id = ?),"
    " (SELECT 1 FROM idempotency WHERE key = ?),"
    " (SELECT seq FROM events ORDER BY seq DESC LIMIT 1),"
    " (SELECT digest FROM events ORDER BY seq DESC LIMIT 1)"
)

#: Whether an idempotency key is used (for a case the batch wrote already).
_KEY_USED = "SELECT 1 FROM idempotency WHERE key = ?"


def _mark_erasure(conn: sqlite3.Connection, rows: CommitRows) -> None:
    """In an erasure's transaction: mark it pending until erase() has destroyed the key."""
    if rows.state == ERASED:
        conn.execute(
            "INSERT OR IGNORE INTO pending_erasures (case_id, requested_at) VALUES (?, ?)",
            (rows.case_id, _iso(rows.events[-1].at)),
        )


# Builds an AuditRecord from a row tuple in C (AuditRecord._make goes through Python).
_record = partial(tuple.__new__, AuditRecord)

#: The audit columns and the two columns outside the chain that reads depend on, which
#: verify() checks against the body. CAST: a hand-edited row may hold TEXT; hash the
#: stored bytes either way.
_AUDIT_COLUMNS = "SELECT seq, prev, digest, CAST(body AS BLOB), case_id, version FROM events"

#: How many entries each in-process cache keeps (cases by id, referral -> case).
CACHE_ENTRIES = 50_000

K = TypeVar("K")
V = TypeVar("V")


def _remember(cache: dict[K, V], key: K, value: V) -> None:
    """Put *key* last in *cache* (dict order is recency) and drop the oldest beyond the limit."""
    cache.pop(key, None)
    cache[key] = value
    if len(cache) > CACHE_ENTRIES:
        del cache[next(iter(cache))]


assert len(_ENDED) == 5  # noqa: PLR2004, S101


class _Seen:
    """What one connection knows of the database as of its ``PRAGMA data_version``.

    ``data_version`` changes only when *another* connection (a thread's, another
    store's, another process's) commits, never for the connection's own commits. While
    it is unchanged, nothing was written but by this connection, so the chain head it
    last wrote or read and the case versions it last saw are still the database's: a
    load skips its ``SELECT`` and a commit its reads before writing. Any change
    forgets all of it, and the next reads go to the database.
    """

    __slots__ = ("cases", "data_version", "head")

    def __init__(self) -> None:
        self.data_version: int | None = None
        self.head: tuple[int, str] | None = None  # (seq, digest) of the last event
        self.cases: dict[str, int] = {}  # case id -> its version in the database

    def check(self, conn: sqlite3.Connection) -> bool:
        """Whether nobody else wrote since the last check (forgets everything if they did)."""
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if version == self.data_version:
            return True
        self.data_version = version
        self.head = None
        self.cases.clear()
        return False


def _iso(value: datetime) -> str:
    return converter.unstructure(value)  # type: ignore[no-any-return]


class SqliteStore:
    """A :class:`~slrt_core.ports.Store` in one SQLite file.

    Args:
        path: the database file; ``":memory:"`` for a private in-memory database (one
            connection shared by all threads).
        synchronous: ``"full"`` (default) or ``"normal"``; see the module docstring.
        busy_timeout: seconds a writer waits for another to finish.
        migrate: apply pending migrations on open (default); with ``False`` an
            out-of-date database raises :class:`~slrt_core.StorageError`.
        codec: how events are stored. By default a file store seals personal data at
            rest (:func:`slrt_core.keys.sealing_codec`: per-case keys in
            ``<path>.keys``, the master key in ``<path>.key``, created on first use with
            mode 0600); pass ``codec=PlainCodec()`` to opt out, for tests and
            simulation only. ``":memory:"`` stores in clear.

    Raises:
        StorageError: the file cannot be opened, or its schema is newer than this library.

    Examples:
        >>> store = SqliteStore(":memory:")
        >>> store.schema_version()
        6
        >>> store.close()
    """

    def __init__(
        self,
        path: str | Path,
        *,
        synchronous: Literal["full", "normal"] = "full",
        busy_timeout: float = 30.0,
        migrate: bool = True,
        codec: EventCodec | None = None,
    ) -> None:
        if synchronous not in ("full", "normal"):
            msg = f"synchronous must be 'full' or 'normal', not {synchronous!r}."
            raise StorageError(msg)
        self._path = str(path)
        # Sealed by default on a file (key beside it, slrt_core.keys); PlainCodec() is the
        # explicit opt-out for tests and simulation, as is ":memory:".
        self.codec: EventCodec = codec or (
            PlainCodec() if self._path == ":memory:" else sealing_codec(self._path)
        )
        self._synchronous = synchronous.upper()
        self._busy_ms = int(busy_timeout * 1000)
        self._local = threading.local()
        self._shared: sqlite3.Connection | None = None
        self._shared_lock = threading.RLock()
        self._connections: list[sqlite3.Connection] = []
        self._cache: dict[str, Case] = {}  # case id -> the case at its cached version
        self._referral_cases: dict[str, str] = {}  # referral id -> case id (never changes)
        self._seen: dict[sqlite3.Connection, _Seen] = {}  # per connection, see _Seen
        try:
            if self._path == ":memory:":
                self._shared = self._connect()
            self._prepare(migrate=migrate)
        except BaseException:
            self.close()  # a refused or failed open leaves no connection behind
            raise

    # ------------------------------------------------------------------ connections

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = None
        try:
            # Each thread still uses only its own connection; check_same_thread=False lets
            # close() release the connections other threads opened.
            conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {self._busy_ms}")
            if self._path != ":memory:":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {self._synchronous}")
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
            msg = (
                f"Cannot open the SQLite database {self._path!r}: {exc}. "
                "Check the path and permissions."
            )
            raise StorageError(msg) from exc
        self._seen[conn] = _Seen()
        self._connections.append(conn)
        return conn

    def _conn(self) -> sqlite3.Connection:
        if self._shared is not None:
            return self._shared
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self._shared_lock if self._shared is not None else _NO_LOCK:
            try:
                return fn(self._conn())
            except sqlite3.Error as exc:
                msg = f"Reading the SQLite store failed: {exc}."
                raise StorageError(msg) from exc

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self._shared_lock if self._shared is not None else _NO_LOCK:
            conn = self._conn()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                msg = f"The SQLite store is busy or unavailable: {exc}. Retry the command."
                raise StorageError(msg) from exc
            try:
                result = fn(conn)
                conn.execute("COMMIT")
            except BaseException as exc:
                conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    msg = f"Writing to the SQLite store failed: {exc}. Nothing was written."
                    raise StorageError(msg) from exc
                raise
            return result

    def _prepare(self, *, migrate: bool) -> None:
        def upgrade(conn: sqlite3.Connection) -> int:
            current = int(conn.execute("PRAGMA user_version").fetchone()[0])
            check_schema_version(current, SCHEMA_VERSION, repr(self._path), migrate=migrate)
            for number in range(current, SCHEMA_VERSION):
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number + 1}")
            return SCHEMA_VERSION - current

        self.migrations_applied = self._write(upgrade)
        if SCHEMA_VERSION - self.migrations_applied < _PROJECTIONS_MIGRATION:
            self.rebuild_projections()  # summaries missing or in an older form: fill them

    def schema_version(self) -> int:
        """The schema version of the open database."""
        return self._read(lambda c: int(c.execute("PRAGMA user_version").fetchone()[0]))

    def close(self) -> None:
        """Close every connection this store opened."""
        for conn in self._connections:
            conn.close()
        self._connections.clear()
        self._seen.clear()
        self._local = threading.local()
        self._shared = None

    # ------------------------------------------------------------------ CaseStore

    def load(self, case_id: str, /) -> Case:
        """The current case (from the cache when the stored version matches).

        When no other connection has written since this one last looked
        (``PRAGMA data_version``), the version it saw is still the stored one and the
        row is not read again.
        """
        cached = self._cache.get(case_id)

        def probe(c: sqlite3.Connection) -> tuple[int, str] | None:
            seen = self._seen[c]
            if (
                seen.check(c)
                and cached is not None
                and seen.cases.get(case_id, -1) == cached.version
            ):
                return cached.version, ""
            row: tuple[int, str] | None = c.execute(
                "SELECT version, state FROM cases WHERE case_id = ?", (case_id,)
            ).fetchone()
            if row is not None and row[1] != _ERASED:
                _remember(seen.cases, case_id, row[0])
            return row

        row = self._read(probe)
        if row is None:
            raise CaseNotFoundError(case_id)
        if row[1] == _ERASED:
            raise CaseErasedError(case_id)
        if cached is not None and cached.version == row[0]:
            return cached
        case = fold_events(self.events(case_id))
        _remember(self._cache, case_id, case)
        return case

    def events(self, case_id: str, /) -> list[Event]:
        """The case's events, oldest first."""
        rows = self._read(
            lambda c: c.execute(
                "SELECT version, body FROM events WHERE case_id = ? ORDER BY version",
                (case_id,),
            ).fetchall()
        )
        if not rows:
            raise CaseNotFoundError(case_id)
        return decode_events(case_id, rows, self.codec.decode)

    def commit(self, commit: Commit, /) -> None:
        """Write *commit* in one transaction (see :class:`~slrt_core.ports.CaseStore`)."""
        refused = self.commit_many((commit,))[0]
        if refused is not None:
            raise refused

    def commit_many(self, commits: Sequence[Commit], /) -> list[ConcurrencyError | None]:
        """Write *commits* in one transaction, leaving out those refused.

        See :class:`~slrt_core.ports.EventStore`. Each commit's version and key are
        checked before any of its rows is written, so a refused one leaves nothing; the
        rows are built before the transaction opens.
        """
        batch = [
            (
                commit,
                commit_rows(commit, self.codec.encode, _iso),
                commit_projection(commit, SQLITE),
            )
            for commit in commits
        ]
        if not batch:
            return []

        def write(
            conn: sqlite3.Connection,
        ) -> tuple[_Seen, tuple[int, str] | None, list[ConcurrencyError | None]]:
            seen = self._seen[conn]
            # Under BEGIN IMMEDIATE: nobody writes until COMMIT. While nobody else wrote
            # since this connection last looked, the case versions and the chain head it
            # saw are still the database's, no need to read them.
            fresh = seen.check(conn)
            head = seen.head if fresh else None
            check = BatchCheck()
            results: list[ConcurrencyError | None] = []
            for commit, rows, projection in batch:
                key = rows.idempotency[0] if rows.idempotency is not None else None
                version, used, head = _before_write(
                    conn, rows.case_id, key, check.written(rows.case_id), seen, head, commit
                )
                refusal = check.admit(commit, version or 0, key_stored=used)
                results.append(refusal)
                if refusal is None:
                    head = _write_rows(
                        conn, rows, projection, commit.dedup, head, exists=version is not None
                    )
            return seen, head, results

        seen, head, results = self._write(write)
        # Only once COMMIT succeeded: the connection now knows the head and the versions.
        seen.head = head
        for (commit, rows, _), refused in zip(batch, results, strict=True):
            if refused is None:
                self._written(seen, commit.case, erased=rows.state == _ERASED)
        return results

    def _written(self, seen: _Seen, case: Case, *, erased: bool) -> None:
        """What a connection and the cache know once *case* is committed."""
        if erased:
            seen.cases.pop(case.case_id, None)
            self._cache.pop(case.case_id, None)
        else:
            _remember(seen.cases, case.case_id, case.version)
            _remember(self._cache, case.case_id, case)

    def erase(self, case_id: str, /) -> None:
        """Finish the erasure of a case: destroy its key, delete its outbox rows, unmark it.

        The key goes first (through the codec), then one transaction deletes the case's
        outbox rows, pending and delivered, and its pending mark; the cached copy is
        forgotten. Safe to repeat; after a crash at any point :meth:`pending_erasures`
        still lists the case (see :class:`~slrt_core.ports.ErasableStore`).

        Raises:
            StorageError: the codec keeps personal data in clear, or the key could not be
                destroyed for good (the erasure stays pending).
        """
        self._cache.pop(case_id, None)
        self.codec.erase(case_id)

        def finish(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM outbox WHERE json_extract(body, '$.case_id') = ?", (case_id,))
            drop_dedup(conn, case_id, "sqlite")
            conn.execute("DELETE FROM pending_erasures WHERE case_id = ?", (case_id,))

        self._write(finish)

    def pending_erasures(self) -> list[str]:
        """The cases whose erasure was committed but not finished by :meth:`erase`."""
        rows = self._read(
            lambda c: c.execute("SELECT case_id FROM pending_erasures ORDER BY case_id").fetchall()
        )
        return [str(r[0]) for r in rows]

    def case_id_of_referral(self, referral_id: str, /) -> str:
        """The case a referral belongs to."""
        if (known := self._referral_cases.get(referral_id)) is not None:
            return known
        row = self._read(
            lambda c: c.execute(
                "SELECT case_id FROM referrals WHERE referral_id = ?", (referral_id,)
            ).fetchone()
        )
        if row is None:
            raise ReferralNotFoundError(referral_id)
        case_id = str(row[0])
        _remember(self._referral_cases, referral_id, case_id)
        return case_id

    def find_cases(self, *, within: RegionCode, state: CaseState | None = None) -> list[Case]:
        """Cases inside *within*, optionally in *state*, ordered by id."""
        sql = "SELECT case_id FROM cases WHERE state <> ?"
        params: list[str] = [_ERASED]
        if within.code:
            sql += " AND (region = ? OR region LIKE ?)"
            params += [within.code, within.code + ".%"]
        if state is not None:
            sql += " AND state = ?"
            params.append(state.value)
        rows = self._read(lambda c: c.execute(sql + " ORDER BY case_id", params).fetchall())
        return listed((r[0] for r in rows), self.load)

    def idempotency(self, key: str, /) -> IdempotencyRecord | None:
        """The record of an idempotency key."""
        row = self._read(
            lambda c: c.execute(
                "SELECT key, command, case_id, version, result_id, fingerprint FROM idempotency"
                " WHERE key = ?",
                (key,),
            ).fetchone()
        )
        return None if row is None else idempotency_record(row)

    def open_referrals(self, due_before: datetime | None = None) -> list[tuple[str, str]]:
        """Open referrals, earliest deadline first; only those due by *due_before* if given.

        The due ones come from the read model's deadline index (the SLA sweep's question).
        """
        if due_before is not None:
            due_sql, due_params = due_referrals(due_before, SQLITE)
            found = self._read(lambda c: c.execute(due_sql, due_params).fetchall())
            return [(str(r[0]), str(r[1])) for r in found]
        sql = "SELECT referral_id, case_id FROM referrals WHERE status NOT IN (?, ?, ?, ?, ?)"
        params: list[str] = list(_ENDED)
        sql += " ORDER BY due_at IS NULL, due_at, referral_id"
        rows = self._read(lambda c: c.execute(sql, params).fetchall())
        return [(str(r[0]), str(r[1])) for r in rows]

    # ------------------------------------------------------------------ CandidateIndex

    def dedup_candidates(self, keys: Collection[str], /, *, limit: int = 50) -> list[str]:
        """Case ids filed under any of *keys*, NIK and KK matches first, most keys next."""
        if not keys:
            return []
        sql, params = candidates_sql(keys, limit, "sqlite")
        rows = self._read(lambda c: c.execute(sql, params).fetchall())
        return [str(r[0]) for r in rows]

    def dedup_tokens(self, case_ids: Collection[str], /) -> dict[str, HouseholdTokens]:
        """The stored tokens of those of *case_ids* in the index."""
        if not case_ids:
            return {}
        sql, params = tokens_sql(case_ids, "sqlite")
        return decode_tokens(self._read(lambda c: c.execute(sql, params).fetchall()))

    def dedup_flagged(self, *, within: RegionCode | None = None) -> list[str]:
        """The indexed cases with an open duplicate-suspect flag (within a region)."""
        sql, params = flagged_sql(within.code if within is not None else None, "sqlite")
        return [str(r[0]) for r in self._read(lambda c: c.execute(sql, params).fetchall())]

    def dedup_file(self, case_id: str, entry: DedupEntry, /) -> None:
        """File *entry* as the case's entry (or remove it), in a transaction of its own."""
        self._write(lambda c: write_dedup(c, case_id, entry, "sqlite"))

    # ------------------------------------------------------------------ SummaryQueries

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
        sql, params = case_page(selection, order, after, limit, SQLITE)
        rows = self._read(lambda c: c.execute(sql, params).fetchall())
        return [decode_case(r[0]) for r in rows]

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
        sql, params = referral_page(selection, order, after, limit, SQLITE)
        rows = self._read(lambda c: c.execute(sql, params).fetchall())
        return [decode_referral(r[0]) for r in rows]

    def case_summary_rows(
        self,
        selection: CaseSelection,
        /,
        *,
        order: CaseOrder,
        after: tuple[object, ...] | None = None,
        limit: int = 50,
    ) -> StoredPage:
        """The page of :meth:`case_summaries` in its stored form (``case_row`` lists)."""
        sql, params = case_page(selection, order, after, limit, SQLITE)
        rows = self._read(lambda c: c.execute(sql, params).fetchall())
        return StoredPage(rows)

    def referral_summary_rows(
        self,
        selection: ReferralSelection,
        /,
        *,
        order: ReferralOrder,
        after: tuple[object, ...] | None = None,
        limit: int = 50,
    ) -> StoredPage:
        """The page of :meth:`referral_summaries` in its stored form (``referral_row`` lists)."""
        sql, params = referral_page(selection, order, after, limit, SQLITE)
        rows = self._read(lambda c: c.execute(sql, params).fetchall())
        return StoredPage(rows)

    def count_cases(self, selection: CaseSelection, /) -> int:
        """How many case summaries meet *selection*."""
        sql, params = count_cases(selection, SQLITE)
        return int(self._read(lambda c: c.execute(sql, params).fetchone()[0]))

    def count_referrals(self, selection: ReferralSelection, /) -> int:
        """How many referral summaries meet *selection*."""
        sql, params = count_referrals(selection, SQLITE)
        return int(self._read(lambda c: c.execute(sql, params).fetchone()[0]))

    def rebuild_projections(self, *, batch: int = 500) -> int:
        """Compute every summary again from the events, *batch* cases per transaction.

        Each batch reads its cases' events and writes their summaries under one write
        lock, so a command committing meanwhile is never overwritten by an older fold;
        summaries of cases no longer stored (or erased) are removed at the end.
        """
        done, after = 0, ""

        def step(conn: sqlite3.Connection, after: str) -> tuple[str, int] | None:
            ids = [
                str(r[0])
                for r in conn.execute(
                    "SELECT case_id FROM cases WHERE state <> ? AND case_id > ?"
                    " ORDER BY case_id LIMIT ?",
                    (_ERASED, after, batch),
                )
            ]
            if not ids:
                return None
            marks = ", ".join("?" * len(ids))
            events = conn.execute(
                "SELECT case_id, version, body FROM events"  # noqa: S608 - placeholders only
                f" WHERE case_id IN ({marks}) ORDER BY case_id, version",
                ids,
            )
            for rows in rebuild_rows(events, self.codec.decode, SQLITE):
                write_projection(conn, rows, SQLITE)
            return ids[-1], len(ids)

        while (progress := self._write(lambda c, a=after: step(c, a))) is not None:  # type: ignore[misc]
            after, count = progress
            done += count
        self._write(_drop_orphans)
        return done

    # ------------------------------------------------------------------ AuditLog

    def audit_records(self, *, start: int = 1) -> Iterator[AuditRecord]:
        """Records from sequence *start* on, streamed (memory stays flat).

        A file store streams one cursor on a read-only connection of its own, so the
        caller's connection stays free for commands while it reads; an in-memory store
        (one shared connection) reads in pages instead.
        """
        if self._shared is not None:
            yield from self._audit_pages(start)
            return
        sql = _AUDIT_COLUMNS + " WHERE seq >= ? ORDER BY seq"
        conn: sqlite3.Connection | None = None
        try:
            uri = Path(self._path).resolve().as_uri() + "?mode=ro"  # quotes odd characters
            conn = sqlite3.connect(uri, uri=True)
            conn.execute(f"PRAGMA busy_timeout = {self._busy_ms}")
            yield from map(_record, conn.execute(sql, (start,)))
        except sqlite3.Error as exc:
            msg = f"Reading the audit trail of {self._path!r} failed: {exc}."
            raise StorageError(msg) from exc
        finally:
            if conn is not None:
                conn.close()

    def _audit_pages(self, start: int) -> Iterator[AuditRecord]:
        page = 2_000
        seq = start
        while True:
            rows = self._read(
                lambda c, s=seq: c.execute(  # type: ignore[misc]
                    _AUDIT_COLUMNS + " WHERE seq >= ? ORDER BY seq LIMIT ?",
                    (s, page),
                ).fetchall()
            )
            yield from map(_record, rows)
            if len(rows) < page:
                return
            seq = rows[-1][0] + 1

    # ------------------------------------------------------------------ Outbox

    def claim_due(
        self, now: datetime, /, *, limit: int, lease_seconds: float
    ) -> list[OutboxMessage]:
        """Lease up to *limit* due messages."""
        until = _iso(now + timedelta(seconds=lease_seconds))
        stamp = _iso(now)

        def claim(conn: sqlite3.Connection) -> list[OutboxMessage]:
            rows = conn.execute(
                "UPDATE outbox SET leased_until = ? WHERE position IN ("
                " SELECT position FROM outbox WHERE delivered = 0 AND dead = 0 AND due_at <= ?"
                " AND (leased_until IS NULL OR leased_until <= ?) ORDER BY position LIMIT ?)"
                " RETURNING position, body, attempts, last_error",
                (until, stamp, stamp, limit),
            ).fetchall()
            rows.sort(key=lambda r: r[0])
            return [outbox_message(r[1], r[2], r[3], dead=False) for r in rows]

        return self._write(claim)

    def record_delivery(self, message_id: str, /) -> None:
        """Mark a message delivered."""
        self._write(
            lambda c: c.execute(
                "UPDATE outbox SET delivered = 1, leased_until = NULL WHERE message_id = ?",
                (message_id,),
            )
        )

    def record_failure(self, message_id: str, /, *, error: str, retry_at: datetime | None) -> None:
        """Count a failed attempt; dead-letter it when *retry_at* is ``None``."""
        self._write(
            lambda c: c.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, leased_until = NULL,"
                " dead = ?, due_at = COALESCE(?, due_at) WHERE message_id = ?",
                (error, int(retry_at is None), _iso(retry_at) if retry_at else None, message_id),
            )
        )

    def dead_letters(self) -> list[OutboxMessage]:
        """Messages that exhausted their retries."""
        rows = self._read(
            lambda c: c.execute(
                "SELECT body, attempts, last_error FROM outbox WHERE dead = 1 ORDER BY position"
            ).fetchall()
        )
        return [outbox_message(r[0], r[1], r[2], dead=True) for r in rows]


def _before_write(
    conn: sqlite3.Connection,
    case_id: str,
    key: str | None,
    in_batch: int | None,
    seen: _Seen,
    head: tuple[int, str] | None,
    commit: Commit,
) -> tuple[int | None, bool, tuple[int, str]]:
    """The case's stored version, whether *key* is stored, and the chain head.

    *in_batch* is the version an earlier commit of the batch wrote; *head* the chain
    head the batch has reached, ``None`` before it read one. Under ``BEGIN IMMEDIATE``
    nobody else writes, so what the connection saw since the last ``data_version``
    check is still the database's and is not read again.
    """
    if in_batch is not None:
        assert head is not None  # noqa: S101 - the batch wrote, so it knows the head
        used = key is not None and conn.execute(_KEY_USED, (key,)).fetchone() is not None
        return in_batch, used, head
    if head is not None and key is None and seen.cases.get(case_id) == commit.expected_version:
        return commit.expected_version, False, head
    # One round trip for everything the write depends on: the case version, the key's
    # use and the chain head.
    version, used, last_seq, last_digest = conn.execute(_BEFORE_WRITE, (case_id, key)).fetchone()
    return version, bool(used), head or (last_seq or 0, last_digest or GENESIS)


def _write_rows(
    conn: sqlite3.Connection,
    rows: CommitRows,
    projection: ProjectionRows,
    dedup: DedupEntry | None,
    head: tuple[int, str],
    *,
    exists: bool,
) -> tuple[int, str]:
    """Write one checked commit's rows after the chain *head*; the new head."""
    records = chain(rows.bodies, after_seq=head[0], prev=head[1])
    conn.executemany(
        "INSERT INTO events (seq, case_id, version, type, body, prev, digest) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows.event_rows(records),
    )
    write_projection(conn, projection, SQLITE)
    commit_dedup(conn, rows.case_id, dedup, "sqlite", erased=rows.state == _ERASED, new=not exists)
    if exists:
        conn.execute(
            "UPDATE cases SET version = ?, state = ?, region = ? WHERE case_id = ?",
            (rows.version, rows.state, rows.region, rows.case_id),
        )
    else:
        conn.execute(
            "INSERT INTO cases (case_id, version, state, region) VALUES (?, ?, ?, ?)",
            (rows.case_id, rows.version, rows.state, rows.region),
        )
    if rows.referrals:
        conn.executemany(
            "INSERT OR REPLACE INTO referrals"
            " (referral_id, case_id, provider_id, status, due_at) VALUES (?, ?, ?, ?, ?)",
            rows.referrals,
        )
    if rows.outbox:
        conn.executemany(
            "INSERT OR IGNORE INTO outbox (message_id, body, due_at) VALUES (?, ?, ?)",
            rows.outbox,
        )
    if rows.idempotency is not None:
        conn.execute(
            "INSERT INTO idempotency (key, command, case_id, version, result_id,"
            " fingerprint) VALUES (?, ?, ?, ?, ?, ?)",
            rows.idempotency,
        )
    _mark_erasure(conn, rows)
    return records[-1].seq, records[-1].digest


def _drop_orphans(conn: sqlite3.Connection) -> None:
    for table in ("case_summaries", "case_assignees", "referral_summaries"):
        conn.execute(
            f"DELETE FROM {table} WHERE case_id NOT IN"  # noqa: S608 - fixed names
            " (SELECT case_id FROM cases WHERE state <> ?)",
            (_ERASED,),
        )


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_NO_LOCK = _NoLock()
