"""The PostgreSQL store: several app servers on one database (``psycopg`` 3).

Install it with the ``postgres`` extra (``pip install slrt-core[postgres]``); this is
the only module of slrt_core that imports ``psycopg``.

It keeps the promises of :class:`~slrt_core.adapters.SqliteStore`:

- **One transaction per command** (or per batch, :meth:`PostgresStore.commit_many`).
  The events with their audit links, the case row, the referral index, the summaries,
  the outbox rows and the idempotency record are written together or not at all. A
  commit takes two round trips (psycopg pipeline mode): one begins the transaction and
  reads the chain head and the case versions, one writes everything and commits.
- **One audit chain, never forked.** The chain is global (sequence 1..n over all
  cases). Each commit locks the single row of ``audit_head`` (``SELECT ... FOR
  UPDATE``) before it reads the case version, so commits append to the chain one at a
  time, in commit order, whichever app server they come from.
- **Optimistic concurrency.** A case not at the expected version, a reused idempotency
  key, a unique violation, a serialization failure or a deadlock raises
  :class:`~slrt_core.ConcurrencyError`; nothing was written, and the command can be
  repeated on the reloaded case.
- **Clear failures.** A lost connection, a stopped server or an exhausted pool raises
  :class:`~slrt_core.StorageError` whose message says whether anything may have been
  committed and to retry. The pool checks each connection it hands out, so after a
  server restart the next commands succeed without restarting the app.
- **An outbox for many relays.** :meth:`PostgresStore.claim_due` leases messages with
  ``FOR UPDATE SKIP LOCKED``, so several workers drain the outbox at once and each
  message goes to one worker per lease.

Durability follows the server's ``synchronous_commit`` (``on`` by default: an
acknowledged command survives a server crash). ``synchronous_commit="off"`` on the
store's sessions trades the last few hundred milliseconds of acknowledged commands in a
server crash (never consistency) for speed; see docs/how-to/use-postgresql.md.

Schema versions are rows of ``schema_migrations``. Opening a store applies pending
migrations under an advisory lock (so app servers starting together migrate once), or,
with ``migrate=False``, refuses an out-of-date database; a database newer than the
library is always refused.
"""

from __future__ import annotations

import select
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal, Self, TypeAlias, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool, PoolTimeout

from slrt_core.adapters._dedup import (
    POSTGRES_DEDUP_SCHEMA,
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
    POSTGRES,
    POSTGRES_SCHEMA,
    POSTGRES_STAGES,
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

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "PostgresStore"]

# The state the cases index records for an erased case (not a lifecycle state).
_ERASED = ERASED

T = TypeVar("T")
Connection: TypeAlias = psycopg.Connection[TupleRow]
SynchronousCommit: TypeAlias = Literal["on", "off", "local", "remote_write", "remote_apply"]

#: Migrations, in order; ``schema_migrations`` holds one row per migration applied.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE schema_migrations (
        version integer PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE audit_head (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        seq bigint NOT NULL,
        digest text NOT NULL
    );
    INSERT INTO audit_head (seq, digest) VALUES (0, repeat('0', 64));  -- audit.GENESIS
    CREATE TABLE events (
        seq bigint PRIMARY KEY,
        case_id text NOT NULL,
        version integer NOT NULL,
        type text NOT NULL,
        body bytea NOT NULL,
        prev text NOT NULL,
        digest text NOT NULL,
        UNIQUE (case_id, version)
    );
    CREATE TABLE cases (
        case_id text PRIMARY KEY,
        version integer NOT NULL,
        state text NOT NULL,
        region text NOT NULL
    );
    CREATE INDEX cases_region ON cases (region text_pattern_ops);
    CREATE TABLE referrals (
        referral_id text PRIMARY KEY,
        case_id text NOT NULL,
        provider_id text NOT NULL,
        status text NOT NULL,
        due_at timestamptz
    );
    CREATE INDEX referrals_open ON referrals (status, due_at);
    CREATE TABLE idempotency (
        key text PRIMARY KEY,
        command text NOT NULL,
        case_id text NOT NULL,
        version integer NOT NULL,
        result_id text NOT NULL
    );
    CREATE TABLE outbox (
        position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        message_id text NOT NULL UNIQUE,
        body text NOT NULL,
        due_at timestamptz NOT NULL,
        leased_until timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        last_error text NOT NULL DEFAULT '',
        delivered boolean NOT NULL DEFAULT false,
        dead boolean NOT NULL DEFAULT false
    );
    CREATE INDEX outbox_pending ON outbox (position) WHERE NOT delivered AND NOT dead;
    """,
    # 2: the fingerprint of the request an idempotency key was used for.
    """
    ALTER TABLE idempotency ADD COLUMN fingerprint text NOT NULL DEFAULT '';
    """,
    # 3: erasures committed but not finished (key, outbox), the outbox rows by case, and
    # no free-text note left in a notification written before notes stayed out of them.
    """
    CREATE TABLE pending_erasures (
        case_id text PRIMARY KEY,
        requested_at timestamptz NOT NULL
    );
    CREATE INDEX outbox_case ON outbox (((body::jsonb) ->> 'case_id'));
    UPDATE outbox SET body = ((body::jsonb) #- '{template,fields,note}')::text
        WHERE (body::jsonb) #> '{template,fields,note}' IS NOT NULL;
    """,
    # 4: the read models (case and referral summaries); filled by rebuild_projections.
    POSTGRES_SCHEMA,
    # 5: the duplicate-candidate index of intake de-duplication (keyed tokens only);
    # filled by Slrt.rebuild_duplicate_index for the cases stored before it.
    POSTGRES_DEDUP_SCHEMA,
    # 6: the summaries' stage timestamps and SLA facts (a new stored form: rebuilt once),
    # and an index on the time of a case's last change.
    POSTGRES_STAGES,
)

#: The last migration that changed the stored form of the summaries: a store migrated
#: from before it has them rebuilt once (4 added them, 6 gave them their stage times).
_PROJECTIONS_MIGRATION = 6

#: The schema version this library writes.
SCHEMA_VERSION = len(MIGRATIONS)

#: Marks an erasure pending, in the transaction of its event.
_PENDING_ERASURE = (
    "INSERT INTO pending_erasures (case_id, requested_at) VALUES (%s, %s)"
    " ON CONFLICT (case_id) DO NOTHING"
)

# pg_advisory_xact_lock key serializing migrations ("slrt" in ASCII).
_MIGRATION_LOCK = 0x736C7274

# SQLSTATEs that mean "someone else changed it first": unique_violation,
# serialization_failure, deadlock_detected.
_CONFLICTS = (pg_errors.UniqueViolation, pg_errors.SerializationFailure, pg_errors.DeadlockDetected)

#: Audit records read per query by :meth:`PostgresStore.audit_records`.
AUDIT_PAGE = 10_000


class _CommitUncertainError(Exception):
    """The connection broke after COMMIT was sent: the outcome is unknown."""


class PostgresStore:
    """A :class:`~slrt_core.ports.Store` in a PostgreSQL database, shared by app servers.

    Args:
        conninfo: a ``postgresql://`` URL or a libpq ``key=value`` string.
        min_size: connections the pool keeps open.
        max_size: the most connections the pool opens (per store, so per app process).
        timeout: seconds to wait for a connection (pool or server) before failing with
            :class:`~slrt_core.StorageError`.
        migrate: apply pending migrations on open (default); with ``False`` an
            out-of-date database raises :class:`~slrt_core.StorageError`.
        synchronous_commit: sets ``synchronous_commit`` on the store's sessions;
            ``None`` (default) keeps the server's setting (``on`` unless changed).
        lock_timeout: seconds a commit waits for the audit chain lock before failing
            with ``StorageError``; ``None`` waits as long as the server allows.
        codec: how events are stored; canonical JSON in clear by default,
            :class:`~slrt_core.crypto.SealingCodec` to encrypt personal data at rest
            with per-case keys (and allow erasure).

    Raises:
        StorageError: the server cannot be reached, or the schema is newer than this
            library (or older, with ``migrate=False``).

    Examples:
        Against a server of your own (not run here)::

            store = PostgresStore("postgresql://slrt@db.example/slrt", max_size=10)
            slrt = Slrt(store=store)
            ...
            store.close()
    """

    def __init__(
        self,
        conninfo: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        timeout: float = 30.0,
        migrate: bool = True,
        synchronous_commit: SynchronousCommit | None = None,
        lock_timeout: float | None = 30.0,
        codec: EventCodec | None = None,
    ) -> None:
        if synchronous_commit not in (None, "on", "off", "local", "remote_write", "remote_apply"):
            msg = (
                "synchronous_commit must be one of 'on', 'off', 'local', 'remote_write', "
                f"'remote_apply' or None, not {synchronous_commit!r}."
            )
            raise StorageError(msg)
        if not 0 <= min_size <= max_size or max_size < 1:
            msg = (
                "Pool sizes must satisfy 0 <= min_size <= max_size and max_size >= 1, "
                f"not {min_size} and {max_size}."
            )
            raise StorageError(msg)
        self._where = _describe(conninfo)
        self._timeout = timeout
        self._max_size = max_size
        self._settings: dict[str, str] = {}
        if synchronous_commit is not None:
            self._settings["synchronous_commit"] = synchronous_commit
        if lock_timeout is not None:
            self._settings["lock_timeout"] = f"{int(lock_timeout * 1000)}ms"
        self._cache: dict[str, Case] = {}
        self.codec: EventCodec = codec or PlainCodec()
        self._conninfo = conninfo
        self.migrations_applied = self._prepare(migrate=migrate)
        self._pool: ConnectionPool[Connection] = ConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max_size,
            open=False,
            timeout=timeout,
            kwargs={"autocommit": True},
            configure=self._configure,
            check=_check_connection,
            name="slrt_core",
        )
        try:
            self._pool.open(wait=min_size > 0, timeout=timeout)
        except psycopg.Error as exc:
            self._pool.close()
            msg = (
                f"Cannot open a pool of connections to PostgreSQL at {self._where}: {exc}. "
                "Check that the server runs and accepts this many connections."
            )
            raise StorageError(msg) from exc
        if SCHEMA_VERSION - self.migrations_applied < _PROJECTIONS_MIGRATION:
            self.rebuild_projections()  # summaries missing or in an older form: fill them

    # ------------------------------------------------------------------ connections

    def _configure(self, conn: Connection) -> None:
        for name, value in self._settings.items():
            conn.execute("SELECT set_config(%s, %s, false)", (name, value))

    def _connect(self) -> Connection:
        try:
            conn = psycopg.connect(
                self._conninfo, autocommit=True, connect_timeout=max(1, round(self._timeout))
            )
        except psycopg.Error as exc:
            msg = (
                f"Cannot connect to PostgreSQL at {self._where}: {exc}. Check that the server "
                "runs and that the URL, user and password are right."
            )
            raise StorageError(msg) from exc
        try:
            self._configure(conn)
        except psycopg.Error as exc:
            conn.close()
            msg = f"Cannot configure the PostgreSQL session at {self._where}: {exc}."
            raise StorageError(msg) from exc
        return conn

    def _prepare(self, *, migrate: bool) -> int:
        with self._connect() as conn:
            try:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                    current = _schema_version(conn)
                    check_schema_version(
                        current, SCHEMA_VERSION, f"at {self._where}", migrate=migrate
                    )
                    for number in range(current, SCHEMA_VERSION):
                        conn.execute(MIGRATIONS[number].encode())
                        conn.execute(
                            "INSERT INTO schema_migrations (version) VALUES (%s)", (number + 1,)
                        )
            except psycopg.Error as exc:
                msg = f"Preparing the schema at {self._where} failed: {exc}. Nothing was changed."
                raise StorageError(msg) from exc
        return SCHEMA_VERSION - current

    def _read(self, fn: Callable[[Connection], T]) -> T:
        try:
            with self._pool.connection() as conn:
                return fn(conn)
        except PoolTimeout as exc:
            raise self._no_connection(exc, "Nothing was read.") from exc
        except psycopg.Error as exc:
            msg = (
                f"Reading from PostgreSQL at {self._where} failed: {exc}. Nothing was changed; "
                "retry once the server is reachable."
            )
            raise StorageError(msg) from exc

    def _write(self, fn: Callable[[Connection], T], *, case_id: str, expected: int) -> T:
        """Run *fn* in one pipelined transaction; translate database errors."""
        committing = False
        try:
            # One pipeline: BEGIN and the reads go out together (fn fetches them: one
            # round trip), then the writes and COMMIT (the pipeline's sync: another).
            # On an error the pool connection's context manager rolls back.
            with self._pool.connection() as conn:
                try:
                    with conn.pipeline():
                        conn.execute("BEGIN")
                        result = fn(conn)
                        conn.execute("COMMIT")
                        committing = True
                except psycopg.OperationalError as exc:
                    # Once COMMIT is on its way, a connection that broke (lost, or ended
                    # by the server) may have broken before or after the commit itself.
                    # A statement error on a live connection aborted the transaction.
                    if committing and (conn.broken or conn.closed):
                        raise _CommitUncertainError from exc
                    raise
                return result
        except _CONFLICTS as exc:
            raise ConcurrencyError(case_id, expected, None) from exc
        except PoolTimeout as exc:
            raise self._no_connection(exc, "Nothing was committed.") from exc
        except _CommitUncertainError as exc:
            msg = (
                f"The connection to PostgreSQL at {self._where} was lost while committing "
                f"({exc.__cause__}), so the command may or may not have been stored. Retry it "
                "with the same idempotency key: a command already stored is not applied twice."
            )
            raise StorageError(msg) from exc.__cause__
        except psycopg.Error as exc:
            msg = (
                f"Writing to PostgreSQL at {self._where} failed: {exc}. Nothing was committed; "
                "retry the command once the server is reachable."
            )
            raise StorageError(msg) from exc

    def _autocommit(self, sql: str, params: tuple[Any, ...]) -> None:
        def run(conn: Connection) -> None:
            conn.execute(sql, params)

        self._read(run)

    def _no_connection(self, exc: Exception, outcome: str) -> StorageError:
        return StorageError(
            f"No connection to PostgreSQL at {self._where} within {self._timeout:g} s ({exc}): "
            f"the server is down or unreachable, or all {self._max_size} pooled connections "
            f"are busy. {outcome} Retry the command; raise max_size if the pool is too small."
        )

    @property
    def location(self) -> str:
        """Where the store is, as ``host:port/dbname`` (no user or password)."""
        return self._where

    def schema_version(self) -> int:
        """The schema version of the open database."""
        return self._read(_schema_version)

    def close(self) -> None:
        """Close the pool and every connection in it."""
        self._pool.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ CaseStore

    def load(self, case_id: str, /) -> Case:
        """The current case (from the cache, brought up to the stored version)."""
        cached = self._cache.get(case_id)

        def read(conn: Connection) -> tuple[int | None, list[Event]]:
            row = conn.execute(
                "SELECT version, state FROM cases WHERE case_id = %s", (case_id,)
            ).fetchone()
            if row is None:
                return None, []
            if row[1] == _ERASED:
                raise CaseErasedError(case_id)
            after = cached.version if cached is not None and cached.version <= row[0] else 0
            if after == row[0]:
                return row[0], []
            rows = conn.execute(
                "SELECT version, body FROM events WHERE case_id = %s AND version > %s"
                " ORDER BY version",
                (case_id, after),
            ).fetchall()
            return row[0], decode_events(case_id, rows, self.codec.decode, after=after)

        version, new = self._read(read)
        if version is None:
            raise CaseNotFoundError(case_id)
        case = fold_events(new, cached)
        self._cache[case_id] = case
        return case

    def events(self, case_id: str, /) -> list[Event]:
        """The case's events, oldest first."""
        rows = self._read(
            lambda c: c.execute(
                "SELECT version, body FROM events WHERE case_id = %s ORDER BY version",
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

        See :class:`~slrt_core.ports.EventStore`. Still two round trips: the first reads
        the chain head (locked), the versions of every case of the batch and the keys it
        uses; the second writes the commits that pass and commits. A unique violation,
        serialization failure or deadlock, which no single commit can be blamed for,
        raises :class:`~slrt_core.ConcurrencyError` with nothing written.
        """
        batch = [
            (
                commit,
                commit_rows(commit, self.codec.encode, _as_is),
                commit_projection(commit, POSTGRES),
            )
            for commit in commits
        ]
        if not batch:
            return []
        case_ids = list(dict.fromkeys(c.case.case_id for c, _, _ in batch))
        keys = [c.idempotency.key for c, _, _ in batch if c.idempotency is not None]

        def write(conn: Connection) -> list[ConcurrencyError | None]:
            # The chain head lock comes first: every writer takes it, so it also guards
            # the case versions read just after it (a fresh snapshot in READ COMMITTED).
            head_cur = conn.execute("SELECT seq, digest FROM audit_head FOR UPDATE")
            case_cur = conn.execute(
                "SELECT case_id, version FROM cases WHERE case_id = ANY(%s)", (case_ids,)
            )
            key_cur = (
                conn.execute("SELECT key FROM idempotency WHERE key = ANY(%s)", (keys,))
                if keys
                else None
            )
            row = head_cur.fetchone()
            head: tuple[int, str] = (row[0], row[1]) if row is not None else (0, GENESIS)
            versions: dict[str, int] = {str(r[0]): int(r[1]) for r in case_cur.fetchall()}
            used: set[str] = {str(r[0]) for r in key_cur.fetchall()} if key_cur else set()
            check = BatchCheck()
            results: list[ConcurrencyError | None] = []
            with conn.cursor() as cur:
                for commit, rows, projection in batch:
                    key = commit.idempotency.key if commit.idempotency is not None else None
                    stored = check.written(rows.case_id) or versions.get(rows.case_id)
                    refusal = check.admit(commit, stored or 0, key_stored=key in used)
                    results.append(refusal)
                    if refusal is None:
                        head = _write_rows(cur, rows, projection, commit.dedup, head, stored)
                cur.execute("UPDATE audit_head SET seq = %s, digest = %s", head)
            return results

        first = batch[0][0]
        results = self._write(write, case_id=first.case.case_id, expected=first.expected_version)
        for (commit, _, _), refused in zip(batch, results, strict=True):
            if refused is not None:
                continue
            if commit.erases:
                self._cache.pop(commit.case.case_id, None)
            else:
                self._cache[commit.case.case_id] = commit.case
        return results

    def erase(self, case_id: str, /) -> None:
        """Finish the erasure of a case: destroy its key, delete its outbox rows, unmark it.

        As :meth:`SqliteStore.erase <slrt_core.adapters.SqliteStore.erase>`: the key
        first, then one transaction for the outbox rows (pending and delivered) and the
        pending mark. Safe to repeat.

        Raises:
            StorageError: the codec keeps personal data in clear, or the key could not be
                destroyed for good (the erasure stays pending).
        """
        self._cache.pop(case_id, None)
        self.codec.erase(case_id)

        def finish(conn: Connection) -> None:
            conn.execute("DELETE FROM outbox WHERE (body::jsonb) ->> 'case_id' = %s", (case_id,))
            drop_dedup(conn, case_id, "postgres")
            conn.execute("DELETE FROM pending_erasures WHERE case_id = %s", (case_id,))

        self._write(finish, case_id=case_id, expected=0)

    def pending_erasures(self) -> list[str]:
        """The cases whose erasure was committed but not finished by :meth:`erase`."""
        rows = self._read(
            lambda c: c.execute("SELECT case_id FROM pending_erasures ORDER BY case_id").fetchall()
        )
        return [str(r[0]) for r in rows]

    def case_id_of_referral(self, referral_id: str, /) -> str:
        """The case a referral belongs to."""
        row = self._read(
            lambda c: c.execute(
                "SELECT case_id FROM referrals WHERE referral_id = %s", (referral_id,)
            ).fetchone()
        )
        if row is None:
            raise ReferralNotFoundError(referral_id)
        return str(row[0])

    def find_cases(self, *, within: RegionCode, state: CaseState | None = None) -> list[Case]:
        """Cases inside *within*, optionally in *state*, ordered by id."""
        sql = "SELECT case_id FROM cases WHERE state <> %s"
        params: list[str] = [_ERASED]
        if within.code:
            sql += " AND (region = %s OR region LIKE %s)"
            params += [within.code, _like_prefix(within.code) + ".%"]
        if state is not None:
            sql += " AND state = %s"
            params.append(state.value)
        rows = self._read(lambda c: c.execute(sql + " ORDER BY case_id", params).fetchall())
        return listed((r[0] for r in rows), self.load)

    def open_referrals(self, due_before: datetime | None = None) -> list[tuple[str, str]]:
        """Open referrals, earliest deadline first; only those due by *due_before* if given.

        The due ones come from the read model's deadline index (the SLA sweep's question).
        """
        if due_before is not None:
            due_sql, due_params = due_referrals(due_before, POSTGRES)
            found = self._read(lambda c: c.execute(due_sql, due_params).fetchall())
            return [(str(r[0]), str(r[1])) for r in found]
        sql = "SELECT referral_id, case_id FROM referrals WHERE status <> ALL(%s)"
        params: list[Any] = [[s.value for s in ReferralStatus if s.is_terminal]]
        sql += " ORDER BY due_at NULLS LAST, referral_id"
        rows = self._read(lambda c: c.execute(sql, params).fetchall())
        return [(str(r[0]), str(r[1])) for r in rows]

    def idempotency(self, key: str, /) -> IdempotencyRecord | None:
        """The record of an idempotency key."""
        row = self._read(
            lambda c: c.execute(
                "SELECT key, command, case_id, version, result_id, fingerprint FROM idempotency"
                " WHERE key = %s",
                (key,),
            ).fetchone()
        )
        return None if row is None else idempotency_record(row)

    # ------------------------------------------------------------------ CandidateIndex

    def dedup_candidates(self, keys: Collection[str], /, *, limit: int = 50) -> list[str]:
        """Case ids filed under any of *keys*, NIK and KK matches first, most keys next."""
        if not keys:
            return []
        sql, params = candidates_sql(keys, limit, "postgres")
        rows = self._read(lambda c: c.execute(sql.encode(), params).fetchall())
        return [str(r[0]) for r in rows]

    def dedup_tokens(self, case_ids: Collection[str], /) -> dict[str, HouseholdTokens]:
        """The stored tokens of those of *case_ids* in the index."""
        if not case_ids:
            return {}
        sql, params = tokens_sql(case_ids, "postgres")
        return decode_tokens(self._read(lambda c: c.execute(sql.encode(), params).fetchall()))

    def dedup_flagged(self, *, within: RegionCode | None = None) -> list[str]:
        """The indexed cases with an open duplicate-suspect flag (within a region)."""
        sql, params = flagged_sql(within.code if within is not None else None, "postgres")
        rows = self._read(lambda c: c.execute(sql.encode(), params).fetchall())
        return [str(r[0]) for r in rows]

    def dedup_file(self, case_id: str, entry: DedupEntry, /) -> None:
        """File *entry* as the case's entry (or remove it), in a transaction of its own."""

        def write(conn: Connection) -> None:
            with conn.cursor() as cur:
                write_dedup(cur, case_id, entry, "postgres")

        self._write(write, case_id=case_id, expected=0)

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
        sql, params = case_page(selection, order, after, limit, POSTGRES)
        rows = self._read(lambda c: c.execute(sql.encode(), params).fetchall())
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
        sql, params = referral_page(selection, order, after, limit, POSTGRES)
        rows = self._read(lambda c: c.execute(sql.encode(), params).fetchall())
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
        sql, params = case_page(selection, order, after, limit, POSTGRES)
        rows = self._read(lambda c: c.execute(sql.encode(), params).fetchall())
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
        sql, params = referral_page(selection, order, after, limit, POSTGRES)
        rows = self._read(lambda c: c.execute(sql.encode(), params).fetchall())
        return StoredPage(rows)

    def count_cases(self, selection: CaseSelection, /) -> int:
        """How many case summaries meet *selection*."""
        sql, params = count_cases(selection, POSTGRES)
        return int(self._read(lambda c: c.execute(sql.encode(), params).fetchone()[0]))  # type: ignore[index]

    def count_referrals(self, selection: ReferralSelection, /) -> int:
        """How many referral summaries meet *selection*."""
        sql, params = count_referrals(selection, POSTGRES)
        return int(self._read(lambda c: c.execute(sql.encode(), params).fetchone()[0]))  # type: ignore[index]

    def rebuild_projections(self, *, batch: int = 500) -> int:
        """Compute every summary again from the events, *batch* cases per transaction.

        Each batch holds the audit chain lock that every commit takes, so a command
        committing meanwhile is never overwritten by an older fold; summaries of cases
        no longer stored (or erased) are removed at the end.
        """
        done, after = 0, ""

        def step(conn: Connection, after: str) -> tuple[str, int] | None:
            with conn.transaction():
                conn.execute("SELECT seq FROM audit_head FOR UPDATE")
                ids = [
                    str(r[0])
                    for r in conn.execute(
                        "SELECT case_id FROM cases WHERE state <> %s AND case_id > %s"
                        " ORDER BY case_id LIMIT %s",
                        (_ERASED, after, batch),
                    )
                ]
                if not ids:
                    return None
                events = conn.execute(
                    "SELECT case_id, version, body FROM events WHERE case_id = ANY(%s)"
                    " ORDER BY case_id, version",
                    (ids,),
                ).fetchall()
                with conn.cursor() as cur:
                    for rows in rebuild_rows(events, self.codec.decode, POSTGRES):
                        write_projection(cur, rows, POSTGRES)
                return ids[-1], len(ids)

        while (progress := self._read(lambda c, a=after: step(c, a))) is not None:  # type: ignore[misc]
            after, count = progress
            done += count
        for table in ("case_summaries", "case_assignees", "referral_summaries"):
            self._autocommit(
                f"DELETE FROM {table} WHERE case_id NOT IN"  # noqa: S608 - fixed names
                " (SELECT case_id FROM cases WHERE state <> %s)",
                (_ERASED,),
            )
        return done

    # ------------------------------------------------------------------ AuditLog

    def audit_records(self, *, start: int = 1) -> Iterator[AuditRecord]:
        """Records from sequence *start* on, read in pages."""
        seq = start
        while True:
            rows = self._read(
                lambda c, s=seq: c.execute(  # type: ignore[misc]
                    "SELECT seq, prev, digest, body, case_id, version FROM events "
                    "WHERE seq >= %s ORDER BY seq LIMIT %s",
                    (s, AUDIT_PAGE),
                ).fetchall()
            )
            for r in rows:
                # verify() checks the columns outside the chain against the body.
                yield AuditRecord(r[0], r[1], r[2], bytes(r[3]), r[4], r[5])
            if len(rows) < AUDIT_PAGE:
                return
            seq = rows[-1][0] + 1

    # ------------------------------------------------------------------ Outbox

    def claim_due(
        self, now: datetime, /, *, limit: int, lease_seconds: float
    ) -> list[OutboxMessage]:
        """Lease up to *limit* due messages; concurrent workers skip each other's rows."""
        until = now + timedelta(seconds=lease_seconds)
        rows = self._read(
            lambda c: c.execute(
                "WITH due AS ("
                " SELECT position FROM outbox"
                " WHERE NOT delivered AND NOT dead AND due_at <= %(now)s"
                " AND (leased_until IS NULL OR leased_until <= %(now)s)"
                " ORDER BY position LIMIT %(limit)s FOR UPDATE SKIP LOCKED)"
                " UPDATE outbox o SET leased_until = %(until)s FROM due"
                " WHERE o.position = due.position"
                " RETURNING o.position, o.body, o.attempts, o.last_error",
                {"now": now, "until": until, "limit": limit},
            ).fetchall()
        )
        rows.sort(key=lambda r: r[0])
        return [outbox_message(r[1], r[2], r[3], dead=False) for r in rows]

    def record_delivery(self, message_id: str, /) -> None:
        """Mark a message delivered."""
        self._autocommit(
            "UPDATE outbox SET delivered = true, leased_until = NULL WHERE message_id = %s",
            (message_id,),
        )

    def record_failure(self, message_id: str, /, *, error: str, retry_at: datetime | None) -> None:
        """Count a failed attempt; dead-letter it when *retry_at* is ``None``."""
        self._autocommit(
            "UPDATE outbox SET attempts = attempts + 1, last_error = %s, leased_until = NULL,"
            " dead = %s, due_at = COALESCE(%s, due_at) WHERE message_id = %s",
            (error, retry_at is None, retry_at, message_id),
        )

    def dead_letters(self) -> list[OutboxMessage]:
        """Messages that exhausted their retries."""
        rows = self._read(
            lambda c: c.execute(
                "SELECT body, attempts, last_error FROM outbox WHERE dead ORDER BY position"
            ).fetchall()
        )
        return [outbox_message(r[0], r[1], r[2], dead=True) for r in rows]


def _write_rows(
    cur: psycopg.Cursor[TupleRow],
    rows: CommitRows,
    projection: ProjectionRows,
    dedup: DedupEntry | None,
    head: tuple[int, str],
    stored: int | None,
) -> tuple[int, str]:
    """Write one checked commit's rows after the chain *head*; the new head.

    *stored* is the case's version in the database as the batch left it, ``None`` for
    a new case.
    """
    records = chain(rows.bodies, after_seq=head[0], prev=head[1])
    cur.executemany(
        "INSERT INTO events (seq, case_id, version, type, body, prev, digest) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)",
        rows.event_rows(records),
    )
    write_projection(cur, projection, POSTGRES)
    commit_dedup(
        cur, rows.case_id, dedup, "postgres", erased=rows.state == _ERASED, new=stored is None
    )
    if stored is not None:
        cur.execute(
            "UPDATE cases SET version = %s, state = %s, region = %s "
            "WHERE case_id = %s AND version = %s",
            (rows.version, rows.state, rows.region, rows.case_id, stored),
        )
    else:
        cur.execute(
            "INSERT INTO cases (case_id, version, state, region) VALUES (%s, %s, %s, %s)",
            (rows.case_id, rows.version, rows.state, rows.region),
        )
    if rows.referrals:
        cur.executemany(
            "INSERT INTO referrals (referral_id, case_id, provider_id, status, due_at) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (referral_id) DO UPDATE SET "
            "case_id = EXCLUDED.case_id, provider_id = EXCLUDED.provider_id, "
            "status = EXCLUDED.status, due_at = EXCLUDED.due_at",
            rows.referrals,
        )
    if rows.outbox:
        cur.executemany(
            "INSERT INTO outbox (message_id, body, due_at) VALUES (%s, %s, %s) "
            "ON CONFLICT (message_id) DO NOTHING",
            rows.outbox,
        )
    if rows.idempotency is not None:
        cur.execute(
            "INSERT INTO idempotency (key, command, case_id, version, result_id,"
            " fingerprint) VALUES (%s, %s, %s, %s, %s, %s)",
            rows.idempotency,
        )
    if rows.state == _ERASED:  # pending until erase() has destroyed the key
        cur.execute(_PENDING_ERASURE, (rows.case_id, rows.events[-1].at))
    return (records[-1].seq, records[-1].digest) if records else head


def _as_is(value: datetime) -> datetime:
    """A time as psycopg writes it (timestamptz)."""
    return value


def _schema_version(conn: Connection) -> int:
    row = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if row is None or not row[0]:
        return 0
    found = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(found[0]) if found is not None else 0


def _check_connection(conn: Connection) -> None:
    """Pool check on checkout: a round trip only when the server has said something.

    A server that shut down or restarted closes its end of the socket (after a FATAL
    message), which makes the socket readable; an idle, healthy connection is not.
    """
    if conn.closed or conn.broken:
        msg = "connection closed"
        raise psycopg.OperationalError(msg)
    if _readable(conn.fileno()):
        ConnectionPool.check_connection(conn)


def _readable(fd: int) -> bool:
    if not hasattr(select, "poll"):  # pragma: no cover - Windows has no poll()
        return bool(select.select([fd], [], [], 0)[0])
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


def _describe(conninfo: str) -> str:
    """``host:port/dbname`` of *conninfo*, without user or password."""
    try:
        params = conninfo_to_dict(conninfo)
    except psycopg.Error as exc:
        msg = (
            f"Cannot read the PostgreSQL connection string: {exc}. Use a URL such as "
            "postgresql://user@host:5432/dbname."
        )
        raise StorageError(msg) from exc
    host = params.get("host") or params.get("hostaddr") or "localhost"
    return f"{host}:{params.get('port') or 5432}/{params.get('dbname') or params.get('user') or ''}"


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
