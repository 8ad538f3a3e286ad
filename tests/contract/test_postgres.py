"""The store contract, run against PostgreSQL: a fresh schema per store, reopened by URL.

The sessions use ``synchronous_commit=off``: the contract is about semantics, and a
reopened store reads from the same running server either way. Durability through
crashes and restarts, with the server's default ``on``, is proven in tests/integration.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from importlib.util import find_spec
from typing import Any

import pytest
from click.testing import CliRunner
from tests.postgres_fixture import fresh_schema, postgres_server

from slrt_core import Need, Sector
from slrt_core.access import Role
from slrt_core.adapters import MemoryStore
from slrt_core.application import commands as cmd
from slrt_core.audit import verify
from slrt_core.case import Case, CaseRegistered, Event, NeedRecorded, apply
from slrt_core.case._model import Priority
from slrt_core.cli import main
from slrt_core.errors import ConcurrencyError, StorageError
from slrt_core.identity import RegionCode
from slrt_core.notify import Notification
from slrt_core.ports import Commit, EventCodec, Store
from slrt_core.testing import (
    FrozenClock,
    StoreContract,
    sample_household,
    sample_slrt,
    sample_staff,
    walk_case,
)
from slrt_core.testing.postgres import PostgresServer
from slrt_core.vocabulary import Channel, ComplaintKind

if not (find_spec("psycopg") and find_spec("psycopg_pool")) and os.environ.get("CI") != "true":
    pytest.skip("psycopg is not installed: install the postgres extra.", allow_module_level=True)

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from slrt_core.adapters import postgres as postgres_module
from slrt_core.adapters.postgres import (
    SCHEMA_VERSION,
    PostgresStore,
    _check_connection,
    _like_prefix,
)

__all__ = [
    "TestBatches",
    "TestCachingAndPaging",
    "TestPostgresStore",
    "TestSchemaMigrations",
    "TestStorageErrors",
    "postgres_server",
]

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True, scope="class")
def _bind_server(request: pytest.FixtureRequest, postgres_server: PostgresServer) -> None:
    # Class-scoped, so Hypothesis sees no function-scoped fixture around @given tests.
    request.cls.server = postgres_server


class TestPostgresStore(StoreContract):
    """PostgresStore keeps every promise of the Store protocol, also after reopening."""

    server: PostgresServer

    def setup_method(self) -> None:
        self._urls: dict[int, str] = {}

    def _open(self, url: str) -> PostgresStore:
        store = PostgresStore(url, synchronous_commit="off", timeout=10)
        self._urls[id(store)] = url
        return store

    def make_store(self) -> Store:
        return self._open(fresh_schema(self.server))

    def reopen(self, store: Store) -> Store:
        url = self._urls.pop(id(store))
        store.close()  # type: ignore[attr-defined]
        return self._open(url)

    def make_sealed_store(self, codec: EventCodec) -> Store:
        return PostgresStore(
            fresh_schema(self.server), synchronous_commit="off", timeout=10, codec=codec
        )

    def damage(self, store: Store, case_id: str, version: int) -> Store:
        with psycopg.connect(self._urls[id(store)], autocommit=True) as conn:
            conn.execute(
                "UPDATE events SET body = %s WHERE case_id = %s AND version = %s",
                (b"{", case_id, version),
            )
        return self.reopen(store)


# --------------------------------------------------------------------------- PostgreSQL only


@pytest.fixture
def url(postgres_server: PostgresServer) -> str:
    """A fresh, empty schema on the session's server."""
    return fresh_schema(postgres_server)


def _sql(url: str, *statements: str) -> list[tuple[Any, ...]]:
    """Run statements outside the library (committed); returns the last one's rows."""
    rows: list[tuple[Any, ...]] = []
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            cur = conn.execute(statement)  # type: ignore[arg-type]
            rows = cur.fetchall() if cur.description else []
    return rows


class TestSchemaMigrations:
    """Schema versions: applied on open or by `slrt db upgrade`; newer databases refused."""

    def test_open_applies_migrations_once(self, url: str) -> None:
        """The first open applies every migration and records it; the next applies none."""
        with PostgresStore(url) as store:
            assert store.migrations_applied == SCHEMA_VERSION
            assert store.schema_version() == SCHEMA_VERSION
        with PostgresStore(url, migrate=False) as store:
            assert store.migrations_applied == 0
        assert _sql(url, "SELECT version FROM schema_migrations ORDER BY version") == [
            (n,) for n in range(1, SCHEMA_VERSION + 1)
        ]

    def test_stores_opening_together_migrate_once(self, url: str) -> None:
        """App servers starting at once on an empty database apply the migrations once."""
        stores: list[PostgresStore] = []
        lock = threading.Lock()

        def open_one() -> None:
            store = PostgresStore(url)
            with lock:
                stores.append(store)

        threads = [threading.Thread(target=open_one) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        try:
            assert len(stores) == 4
            assert sorted(s.migrations_applied for s in stores) == [0, 0, 0, SCHEMA_VERSION]
        finally:
            for store in stores:
                store.close()

    def test_newer_database_is_refused(self, url: str) -> None:
        """A database migrated by a newer library raises StorageError, with or without migrate."""
        PostgresStore(url).close()
        _sql(url, f"INSERT INTO schema_migrations (version) VALUES ({SCHEMA_VERSION + 1})")
        for migrate in (True, False):
            with pytest.raises(StorageError, match="newer than this library"):
                PostgresStore(url, migrate=migrate)

    def test_older_database_is_refused_without_migrate(self, url: str) -> None:
        """With migrate=False an out-of-date (here empty) database raises StorageError."""
        with pytest.raises(StorageError, match="slrt db upgrade"):
            PostgresStore(url, migrate=False)
        assert _sql(url, "SELECT to_regclass('schema_migrations')") == [(None,)]

    def test_failed_migration_changes_nothing(self, url: str) -> None:
        """A migration that fails (a table in the way) raises StorageError and is rolled back."""
        _sql(url, "CREATE TABLE events (x int)")
        with pytest.raises(StorageError, match="Preparing the schema"):
            PostgresStore(url)
        assert _sql(url, "SELECT to_regclass('schema_migrations')") == [(None,)]

    def test_cli_upgrades_a_postgresql_database(self, url: str) -> None:
        """`slrt db upgrade postgresql://...` migrates, then finds nothing to do."""
        runner = CliRunner()
        first = runner.invoke(main, ["db", "upgrade", url])
        assert first.exit_code == 0, first.output
        assert f"schema version {SCHEMA_VERSION} ({SCHEMA_VERSION} migration(s) applied)" in (
            first.output
        )
        assert "postgres@" not in first.output  # no user (or password) is echoed
        again = runner.invoke(main, ["db", "upgrade", url])
        assert "(0 migration(s) applied)" in again.output

    def test_cli_rebuilds_the_read_models_of_a_postgresql_store(self, url: str) -> None:
        """`slrt projections rebuild postgresql://...` recomputes the summaries."""
        from slrt_core.projections import (
            CaseOrder,
            CaseSelection,
            ReferralSelection,
        )

        with PostgresStore(url) as store:
            slrt = sample_slrt(store)
            list(walk_case(slrt, sample_staff(), route="full"))
            before = store.case_summaries(CaseSelection(), order=CaseOrder.REGISTERED)
        _sql(url, "DELETE FROM referral_summaries")
        result = CliRunner().invoke(main, ["projections", "rebuild", url])
        assert result.exit_code == 0, result.output
        assert "rebuilt the summaries of 1 case(s)" in result.output
        with PostgresStore(url) as store:
            assert store.case_summaries(CaseSelection(), order=CaseOrder.REGISTERED) == before
            assert store.count_referrals(ReferralSelection()) == 1
        monkeypatch = pytest.MonkeyPatch()
        with monkeypatch.context() as m:
            m.setitem(sys.modules, "slrt_core.adapters.postgres", None)
            missing = CliRunner().invoke(main, ["projections", "rebuild", "postgresql://u@h/d"])
        assert missing.exit_code == 1
        assert "postgres extra" in missing.output

    def test_cli_refuses_a_newer_postgresql_database(self, url: str) -> None:
        """`slrt db upgrade` on a newer database exits 1 with the library's message."""
        PostgresStore(url).close()
        _sql(url, f"INSERT INTO schema_migrations (version) VALUES ({SCHEMA_VERSION + 1})")
        result = CliRunner().invoke(main, ["db", "upgrade", url])
        assert result.exit_code == 1
        assert "newer than this library" in result.output

    def test_cli_without_the_postgres_extra_says_what_to_install(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without psycopg, `slrt db upgrade postgresql://...` names the extra to install."""
        monkeypatch.setitem(sys.modules, "slrt_core.adapters.postgres", None)
        result = CliRunner().invoke(main, ["db", "upgrade", "postgresql://u@h/db"])
        assert result.exit_code == 1
        assert "slrt-core[postgres]" in result.output


class TestStorageErrors:
    """Database failures become StorageError (or ConcurrencyError) with a message to act on."""

    def test_bad_options_are_refused(self, url: str) -> None:
        """Unknown synchronous_commit values and impossible pool sizes raise StorageError."""
        with pytest.raises(StorageError, match="synchronous_commit"):
            PostgresStore(url, synchronous_commit="sometimes")  # type: ignore[arg-type]
        with pytest.raises(StorageError, match="Pool sizes"):
            PostgresStore(url, min_size=5, max_size=2)
        with pytest.raises(StorageError, match="connection string"):
            PostgresStore("host=127.0.0.1 port")

    def test_unreachable_server_says_so(self) -> None:
        """Opening a store on a port nobody listens on raises StorageError naming the place."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        with pytest.raises(StorageError, match=f"127.0.0.1:{port}/db") as caught:
            PostgresStore(f"postgresql://nobody:secret@127.0.0.1:{port}/db", timeout=1)
        assert "secret" not in str(caught.value)
        assert isinstance(caught.value.__cause__, psycopg.OperationalError)

    def test_bad_session_setting_is_reported(self, url: str) -> None:
        """A session setting the server rejects raises StorageError when the store opens."""
        with pytest.raises(StorageError, match="configure"):
            PostgresStore(url, lock_timeout=-1)

    def test_pool_that_cannot_open_is_reported(
        self, url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A pool that cannot fill itself in time raises StorageError and is closed."""

        def refuse(self: ConnectionPool[Any], wait: bool = False, timeout: float = 30.0) -> None:
            raise PoolTimeout("pool initialization incomplete")

        monkeypatch.setattr(ConnectionPool, "open", refuse)
        with pytest.raises(StorageError, match="pool of connections"):
            PostgresStore(url)

    def test_failed_read_and_write_raise_storage_error(self, url: str) -> None:
        """A query the database rejects raises StorageError saying nothing was changed."""
        with PostgresStore(url) as store:
            commit = _register_commit("case-1")
            store.commit(commit)
            _sql(url, "DROP TABLE referrals", "DROP TABLE outbox")
            with pytest.raises(StorageError, match="Reading from PostgreSQL"):
                store.case_id_of_referral("ref-1")
            with pytest.raises(StorageError, match="Reading from PostgreSQL"):
                store.record_delivery("m-1")
            with pytest.raises(StorageError, match="Nothing was committed") as caught:
                store.commit(_next_commit(commit.case, notes=True))
            assert isinstance(caught.value.__cause__, psycopg.errors.UndefinedTable)
            assert store.load("case-1").version == 1
            assert len(list(store.audit_records())) == 1

    def test_unique_violation_is_a_concurrency_error(self, url: str) -> None:
        """A row written behind the store's back that collides raises ConcurrencyError."""
        with PostgresStore(url) as store:
            commit = _register_commit("case-1")
            store.commit(commit)
            # A writer that ignored the chain lock already stored version 2.
            _sql(
                url,
                "INSERT INTO events (seq, case_id, version, type, body, prev, digest) "
                "VALUES (999, 'case-1', 2, 'x', '\\x7b7d', '', '')",
            )
            with pytest.raises(ConcurrencyError) as caught:
                store.commit(_next_commit(commit.case))
            assert caught.value.case_id == "case-1"
            assert isinstance(caught.value.__cause__, psycopg.errors.UniqueViolation)
            assert store.load("case-1").version == 1

    def test_connection_lost_while_committing_is_uncertain_then_retry_is_safe(
        self, url: str
    ) -> None:
        """A connection lost during COMMIT says the outcome is unknown; a keyed retry lands once."""
        # The first commit that moves the chain head kills its own session at COMMIT time.
        _sql(
            url,
            "CREATE SEQUENCE kill_once",
            "CREATE FUNCTION kill_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF nextval('kill_once') = 2 THEN PERFORM pg_terminate_backend(pg_backend_pid()); "
            "END IF; RETURN NULL; END $$",
        )
        with PostgresStore(url) as store:
            _sql(
                url,
                "CREATE CONSTRAINT TRIGGER kill AFTER UPDATE ON audit_head "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION kill_at_commit()",
            )
            slrt = sample_slrt(store)
            staff = sample_staff()
            case = slrt.register(
                staff.facilitator,
                sample_household(),
                channel=Channel.HOME_VISIT,
                kind=ComplaintKind.GRIEVANCE,
                needs=[Need(sector=Sector.HEALTH, description="No health insurance")],
            )
            need = Need(sector=Sector.EDUCATION, description="School fees")
            with pytest.raises(StorageError, match="may or may not have been stored") as caught:
                slrt.record_need(staff.facilitator, case.case_id, need, idempotency_key="k1")
            assert "same idempotency key" in str(caught.value)
            slrt.record_need(staff.facilitator, case.case_id, need, idempotency_key="k1")
            slrt.record_need(staff.facilitator, case.case_id, need, idempotency_key="k1")
            assert [n.description for n in store.load(case.case_id).needs] == [
                "No health insurance",
                "School fees",
            ]
            assert verify(store.audit_records()).ok

    def test_session_ended_while_waiting_commits_nothing(self, url: str) -> None:
        """A command whose session the server ends before COMMIT says nothing was committed."""
        with PostgresStore(url) as store:
            commit = _register_commit("case-1")
            store.commit(commit)
            failure: list[BaseException] = []
            blocker = psycopg.connect(url)
            try:
                blocker.execute("SELECT 1 FROM audit_head FOR UPDATE")

                def write() -> None:
                    try:
                        store.commit(_next_commit(commit.case))
                    except BaseException as exc:  # noqa: BLE001 - inspected below
                        failure.append(exc)

                worker = threading.Thread(target=write)
                worker.start()
                _terminate_lock_waiter(blocker)
                worker.join(timeout=30)
            finally:
                blocker.close()
            assert len(failure) == 1
            assert isinstance(failure[0], StorageError)
            assert "Nothing was committed" in str(failure[0])
            # AdminShutdown when the notice arrives first; a bare OperationalError when the
            # socket closes first (seen under load). Both are the server ending the session.
            assert isinstance(failure[0].__cause__, psycopg.OperationalError)
            assert store.load("case-1").version == 1
            store.commit(_next_commit(commit.case))
            assert verify(store.audit_records()).records == 2

    def test_closed_connection_fails_the_pool_check(self, url: str) -> None:
        """The pool's checkout check rejects a closed connection and passes a live one."""
        conn = psycopg.connect(url, autocommit=True)
        _check_connection(conn)
        conn.close()
        with pytest.raises(psycopg.OperationalError):
            _check_connection(conn)


class TestBatches:
    """commit_many on PostgreSQL: one transaction, and a failure in it leaves nothing."""

    def test_a_batch_that_fails_midway_writes_nothing(
        self, url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A database error in the third commit's rows rolls back the two before it."""
        with PostgresStore(url, synchronous_commit="off", timeout=10) as store:
            slrt = sample_slrt(store)
            staff = sample_staff()
            cases = [
                slrt.register(
                    staff.facilitator,
                    sample_household(),
                    channel=Channel.HOME_VISIT,
                    kind=ComplaintKind.GRIEVANCE,
                    needs=[Need(sector=Sector.HEALTH, description="No health insurance")],
                ).case_id
                for _ in range(2)
            ]
            records = list(store.audit_records())
            real = postgres_module.write_projection
            calls: list[object] = []

            def failing(cur: Any, rows: Any, d: Any) -> None:
                calls.append(rows)
                if len(calls) == 3:
                    msg = "could not extend file: No space left on device"
                    raise psycopg.errors.DiskFull(msg)
                real(cur, rows, d)

            def need(case_id: str, text: str, key: str | None = None) -> cmd.RecordNeed:
                return cmd.RecordNeed(
                    actor=staff.facilitator,
                    case_id=case_id,
                    need=Need(sector=Sector.EDUCATION, description=text),
                    idempotency_key=key,
                )

            batch = [need(cases[0], "One", "k-1"), need(cases[1], "Two"), need(cases[0], "Three")]
            monkeypatch.setattr(postgres_module, "write_projection", failing)
            with pytest.raises(StorageError, match="Nothing was committed"):
                slrt.pipeline.run_many(batch)
            monkeypatch.setattr(postgres_module, "write_projection", real)
            assert list(store.audit_records()) == records
            assert [store.load(c).version for c in cases] == [1, 1]
            assert store.idempotency("k-1") is None
            answers = slrt.pipeline.run_many(batch)  # sent again, it is written whole
            assert not [a for a in answers if isinstance(a, Exception)]
            assert [store.load(c).version for c in cases] == [3, 2]
            assert verify(store.audit_records()).ok


class TestCachingAndPaging:
    """The per-store case cache follows other writers; audit records come in pages."""

    def test_store_catches_up_with_another_writer(self, url: str) -> None:
        """A store whose cached case is behind applies only the newer events on load."""
        with PostgresStore(url) as first, PostgresStore(url, lock_timeout=None) as second:
            commit = _register_commit("case-1")
            first.commit(commit)
            assert first.load("case-1") == commit.case
            later = _next_commit(second.load("case-1"))
            second.commit(later)
            assert first.load("case-1") == later.case == second.load("case-1")

    def test_store_ahead_of_the_database_replays_from_scratch(self, url: str) -> None:
        """A cached case newer than the database (a restored backup) is rebuilt from events."""
        with PostgresStore(url) as store:
            first = _register_commit("case-1")
            store.commit(first)
            store.commit(_next_commit(first.case))
            assert store.load("case-1").version == 2
            _sql(
                url,
                "DELETE FROM events WHERE version = 2",
                "UPDATE cases SET version = 1",
                "UPDATE audit_head SET seq = 1, digest = (SELECT digest FROM events)",
            )
            assert store.load("case-1") == first.case

    def test_commit_without_events_keeps_the_chain(self, url: str) -> None:
        """A commit with no events writes no audit record and leaves the chain head alone."""
        with PostgresStore(url) as store:
            first = _register_commit("case-1")
            store.commit(first)
            store.commit(Commit(case=first.case, expected_version=1, events=()))
            assert [r.seq for r in store.audit_records()] == [1]
            second = _next_commit(first.case)
            store.commit(second)
            report = verify(store.audit_records())
            assert report.ok
            assert report.records == 2

    def test_audit_records_are_read_in_pages(
        self, url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Records come back whole and in order across page boundaries."""
        monkeypatch.setattr(postgres_module, "AUDIT_PAGE", 2)
        with PostgresStore(url) as store:
            commit = _register_commit("case-1")
            store.commit(commit)
            for _ in range(4):
                commit = _next_commit(commit.case)
                store.commit(commit)
            assert [r.seq for r in store.audit_records()] == [1, 2, 3, 4, 5]
            assert [r.seq for r in store.audit_records(start=4)] == [4, 5]
            assert verify(store.audit_records()).ok

    def test_open_referrals_agree_with_the_memory_store(self, url: str) -> None:
        """open_referrals lists the same referrals, in the same order, as MemoryStore."""

        def build(target: Store) -> FrozenClock:
            clock = FrozenClock()
            slrt = sample_slrt(target, clock=clock)
            # (route, commands run): open referrals with different deadlines, one ended.
            for route, steps in (("full", 7), ("returned", 20), ("full", 9), ("full", 7)):
                walk = walk_case(slrt, sample_staff(), route=route)  # type: ignore[arg-type]
                for _ in range(steps):
                    next(walk, None)
                clock.advance(days=2)
            return clock

        with PostgresStore(url) as store:
            reference = MemoryStore()
            clock = build(store)
            build(reference)
            expected = reference.open_referrals()
            assert len(expected) == 3
            assert store.open_referrals() == expected
            for days in (-5, 0, 10, 30):
                due = clock.now() + timedelta(days=days)
                assert store.open_referrals(due) == reference.open_referrals(due)

    def test_find_cases_treats_like_wildcards_literally(self, url: str) -> None:
        """A region code with LIKE wildcards matches itself and its children only."""
        with PostgresStore(url) as store:
            store.commit(_register_commit("case-1"))
            assert store.find_cases(within=RegionCode("33.74")) != []
            assert _like_prefix("3_%\\") == "3\\_\\%\\\\"


def _terminate_lock_waiter(conn: psycopg.Connection[Any]) -> None:
    """End the session that waits for a lock, once there is one, from *conn*."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        row = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        ).fetchone()
        if row is not None:
            return
        time.sleep(0.02)
    pytest.fail("no command waited for the audit chain lock")


def _register_commit(case_id: str) -> Commit:
    event = Event(
        case_id=case_id,
        version=1,
        at=datetime(2026, 1, 5, 8, 0, tzinfo=UTC),
        actor_id="facilitator-1",
        role=Role.FACILITATOR,
        payload=CaseRegistered(
            household=sample_household(),
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.GRIEVANCE,
            needs=(Need(sector=Sector.HEALTH, description="No health insurance", need_id="n1"),),
            emergency=False,
            priority=Priority.NORMAL,
        ),
    )
    return Commit(case=apply(None, event), expected_version=0, events=(event,))


def _next_commit(case: Case, *, notes: bool = False) -> Commit:
    need_id = f"n{len(case.needs) + 1}"
    event = Event(
        case_id=case.case_id,
        version=case.version + 1,
        at=case.updated_at + timedelta(minutes=5),
        actor_id="facilitator-1",
        role=Role.FACILITATOR,
        payload=NeedRecorded(
            need=Need(sector=Sector.EDUCATION, description=f"need {need_id}", need_id=need_id)
        ),
    )
    new = apply(case, event)
    notifications = (
        (
            Notification(
                message_id=f"m-{need_id}",
                topic="test",
                recipient="role:back_office@33.74",
                case_id=case.case_id,
                subject={"en": "s", "id": "s"},
                body={"en": "b", "id": "b"},
                created_at=event.at,
            ),
        )
        if notes
        else ()
    )
    return Commit(
        case=new, expected_version=case.version, events=(event,), notifications=notifications
    )
