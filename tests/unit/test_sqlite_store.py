"""SqliteStore specifics: schema versions and migrations, durability settings, opening, closing."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from slrt_core import Channel, ComplaintKind, Need, Sector
from slrt_core.adapters import SqliteStore
from slrt_core.adapters.sqlite import SCHEMA_VERSION
from slrt_core.audit import verify
from slrt_core.errors import ConcurrencyError, StorageError
from slrt_core.ports import Commit
from slrt_core.testing import sample_household, sample_slrt, sample_staff, walk_case


@pytest.fixture
def directory() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="slrt-sqlite-"))
    yield path
    shutil.rmtree(path)


def _pragma(path: Path, name: str) -> object:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]


def _set_user_version(path: Path, version: int) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA user_version = {version}")


def _store_pragma(store: SqliteStore, name: str) -> object:
    # The durability pragmas are per connection: ask the store's own connection.
    return store._read(lambda c: c.execute(f"PRAGMA {name}").fetchone()[0])


def _fill(store: SqliteStore) -> str:
    """Run one short case on *store*; returns its id."""
    steps = list(walk_case(sample_slrt(store), sample_staff(), route="local"))
    return steps[-1].case_id


class TestSchema:
    def test_new_database_gets_the_current_schema(self, directory: Path) -> None:
        """Opening a new file applies every migration and records the schema in user_version."""
        path = directory / "slrt.db"
        store = SqliteStore(path)
        try:
            assert store.migrations_applied == SCHEMA_VERSION
            assert store.schema_version() == SCHEMA_VERSION
        finally:
            store.close()
        assert _pragma(path, "user_version") == SCHEMA_VERSION

    def test_reopening_applies_nothing_and_keeps_the_data(self, directory: Path) -> None:
        """An up-to-date database opens without migrating and keeps its cases."""
        path = directory / "slrt.db"
        store = SqliteStore(path)
        try:
            case_id = _fill(store)
            case = store.load(case_id)
        finally:
            store.close()
        again = SqliteStore(path, migrate=False)
        try:
            assert again.migrations_applied == 0
            assert again.load(case_id) == case
        finally:
            again.close()

    def test_newer_schema_is_refused(self, directory: Path) -> None:
        """A database written by a newer library is refused with StorageError and left alone."""
        path = directory / "slrt.db"
        SqliteStore(path).close()
        _set_user_version(path, SCHEMA_VERSION + 1)
        with pytest.raises(StorageError, match="newer"):
            SqliteStore(path)
        assert _pragma(path, "user_version") == SCHEMA_VERSION + 1

    def test_old_schema_without_migrate_is_refused(self, directory: Path) -> None:
        """With migrate=False an out-of-date database raises StorageError and is not changed."""
        path = directory / "slrt.db"
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("CREATE TABLE unrelated (x INTEGER)")
        with pytest.raises(StorageError, match="schema version 0"):
            SqliteStore(path, migrate=False)
        assert _pragma(path, "user_version") == 0
        store = SqliteStore(path)
        try:
            assert store.migrations_applied == SCHEMA_VERSION
            assert store.schema_version() == SCHEMA_VERSION
        finally:
            store.close()

    def test_refused_open_leaves_no_connection_open(self, directory: Path) -> None:
        """After a refused open the file can be used at once: no connection or WAL is left."""
        path = directory / "slrt.db"
        SqliteStore(path).close()
        _set_user_version(path, SCHEMA_VERSION + 1)
        with pytest.raises(StorageError):
            SqliteStore(path)
        assert not (directory / "slrt.db-wal").exists()


class TestOptions:
    @pytest.mark.parametrize(("synchronous", "level"), [("full", 2), ("normal", 1)])
    def test_synchronous_setting(self, directory: Path, synchronous: str, level: int) -> None:
        """synchronous "full" and "normal" set SQLite's pragma to FULL (2) and NORMAL (1)."""
        store = SqliteStore(directory / "slrt.db", synchronous=synchronous)  # type: ignore[arg-type]
        try:
            assert _store_pragma(store, "synchronous") == level
        finally:
            store.close()

    def test_full_is_the_default(self, directory: Path) -> None:
        """Without a synchronous argument every commit is synced (FULL)."""
        store = SqliteStore(directory / "slrt.db")
        try:
            assert _store_pragma(store, "synchronous") == 2
        finally:
            store.close()

    @pytest.mark.parametrize("value", ["off", "FULL", "extra", ""])
    def test_bad_synchronous_is_refused(self, directory: Path, value: str) -> None:
        """Any other synchronous value raises StorageError before the file is created."""
        with pytest.raises(StorageError, match="synchronous"):
            SqliteStore(directory / "slrt.db", synchronous=value)  # type: ignore[arg-type]
        assert not (directory / "slrt.db").exists()

    def test_wal_mode_is_on(self, directory: Path) -> None:
        """The database file is in WAL journal mode, with a WAL file while the store is open."""
        path = directory / "slrt.db"
        store = SqliteStore(path)
        try:
            _fill(store)
            assert (directory / "slrt.db-wal").exists()
        finally:
            store.close()
        assert _pragma(path, "journal_mode") == "wal"


class TestOpenAndClose:
    def test_directory_path_raises_storage_error(self, directory: Path) -> None:
        """An unopenable path (a directory) raises StorageError naming it, from sqlite3's error."""
        with pytest.raises(StorageError, match="Cannot open") as caught:
            SqliteStore(directory)
        assert str(directory) in str(caught.value)
        assert isinstance(caught.value.__cause__, sqlite3.Error)

    def test_missing_parent_directory_raises_storage_error(self, directory: Path) -> None:
        """A file in a directory that does not exist raises StorageError."""
        with pytest.raises(StorageError):
            SqliteStore(directory / "missing" / "slrt.db")

    def test_close_releases_every_connection(self, directory: Path) -> None:
        """close() closes the connections of every thread: SQLite then removes the WAL file."""
        path = directory / "slrt.db"
        store = SqliteStore(path)
        case_id = _fill(store)
        readers = [threading.Thread(target=store.load, args=(case_id,)) for _ in range(3)]
        for t in readers:
            t.start()
        for t in readers:
            t.join()
        store.close()
        assert not (directory / "slrt.db-wal").exists()
        store.close()  # closing twice is harmless

    def test_memory_databases_are_private(self) -> None:
        """Two ":memory:" stores do not share data."""
        first, second = SqliteStore(":memory:"), SqliteStore(":memory:")
        try:
            case_id = _fill(first)
            assert len(list(first.audit_records())) == 3
            assert list(second.audit_records()) == []
            assert first.load(case_id).version == 3
        finally:
            first.close()
            second.close()


class TestAuditStream:
    def test_a_file_store_streams_its_records_on_its_own_connection(self, tmp_path):
        """Records stream in order; a command can commit while the stream is open."""
        from slrt_core.audit import verify
        from slrt_core.testing import sample_slrt, sample_staff, walk_case

        path = tmp_path / "odd #name?.sqlite"  # characters a file URI must quote
        store = SqliteStore(path)
        try:
            slrt = sample_slrt(store)
            list(walk_case(slrt, sample_staff()))
            records = store.audit_records()
            first = next(records)
            list(walk_case(slrt, sample_staff()))  # writes while the reader is open
            rest = list(records)
            assert first.seq == 1
            assert [r.seq for r in rest] == list(range(2, len(rest) + 2))
            assert verify(store.audit_records()).ok
            assert [r.seq for r in store.audit_records(start=3)][:2] == [3, 4]
        finally:
            store.close()

    def test_an_unreadable_trail_is_a_storage_error(self, tmp_path):
        """A damaged events table is reported as StorageError, not a raw sqlite3 error."""
        import sqlite3

        from slrt_core.errors import StorageError

        path = tmp_path / "slrt.sqlite"
        SqliteStore(path).close()
        with sqlite3.connect(path) as conn:
            conn.execute("DROP TABLE events")
        conn.close()
        store = SqliteStore(path, migrate=False)
        try:
            with pytest.raises(StorageError, match="Reading the audit trail"):
                list(store.audit_records())
        finally:
            store.close()


class TestOtherWriters:
    """Skipping reads while nobody else wrote (``PRAGMA data_version``) never goes stale."""

    def test_two_stores_on_one_file_see_each_others_writes(self, directory: Path) -> None:
        path = directory / "shared.sqlite"
        one, two = SqliteStore(path), SqliteStore(path)
        try:
            staff = sample_staff()
            a, b = sample_slrt(one), sample_slrt(two)
            case_id = a.register(
                staff.facilitator,
                sample_household(),
                channel=Channel.HOME_VISIT,
                kind=ComplaintKind.GRIEVANCE,
                needs=[Need(sector=Sector.HEALTH, description="No health insurance")],
            ).case_id
            a.assess(staff.facilitator, case_id, findings="first")  # one knows version 2
            b.submit(staff.facilitator, case_id)  # the other store writes version 3
            third = two.events(case_id)[-1]
            with pytest.raises(ConcurrencyError):  # one's version 2 is stale: it must see so
                one.commit(Commit(case=two.load(case_id), expected_version=2, events=(third,)))
            assert one.load(case_id).version == 3  # not its cached 2
            a.approve(staff.supervisor, case_id)  # chains after the other store's event
            assert two.load(case_id).version == 4
            assert verify(one.audit_records()).ok
            assert [r.seq for r in two.audit_records()] == [1, 2, 3, 4]
        finally:
            one.close()
            two.close()
