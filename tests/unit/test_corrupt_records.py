"""Bad stored data raises CorruptRecordError naming the case and version, never a bare error."""

from __future__ import annotations

import base64
import contextlib
import json
import sqlite3
from pathlib import Path

import attrs
import pytest

from slrt_core.adapters import MemoryStore, SqliteStore
from slrt_core.case import Event, replay
from slrt_core.errors import CorruptRecordError, StorageError
from slrt_core.testing import sample_slrt, sample_staff, walk_case


def _fill(path: Path) -> str:
    store = SqliteStore(path)
    try:
        steps = list(walk_case(sample_slrt(store), sample_staff(), route="local"))
    finally:
        store.close()
    return steps[-1].case_id


def _tamper(path: Path, sql: str, *params: object) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(sql, params)
        conn.commit()


class TestSqliteLoad:
    def test_a_body_that_does_not_decode(self, tmp_path: Path) -> None:
        """A damaged event body raises CorruptRecordError with the case id and version."""
        path = tmp_path / "slrt.db"
        case_id = _fill(path)
        _tamper(path, "UPDATE events SET body = ? WHERE case_id = ? AND version = 2", b"{", case_id)
        store = SqliteStore(path)
        try:
            with pytest.raises(CorruptRecordError) as caught:
                store.load(case_id)
        finally:
            store.close()
        assert (caught.value.case_id, caught.value.version) == (case_id, 2)
        assert isinstance(caught.value, StorageError)
        assert "2" in caught.value.message("id")

    def test_a_body_of_another_version(self, tmp_path: Path) -> None:
        """A row whose body is another event of the case is refused, naming the row."""
        path = tmp_path / "slrt.db"
        case_id = _fill(path)
        _tamper(
            path,
            "UPDATE events SET body = (SELECT body FROM events WHERE case_id = ?1 AND version = 3)"
            " WHERE case_id = ?1 AND version = 2",
            case_id,
        )
        store = SqliteStore(path)
        try:
            with pytest.raises(CorruptRecordError, match="belongs to case") as caught:
                store.events(case_id)
        finally:
            store.close()
        assert caught.value.version == 2


class TestReplay:
    def test_events_that_do_not_follow(self) -> None:
        """Folding events out of order is a CorruptRecordError (and still a ValueError)."""
        store_events = _events()
        with pytest.raises(CorruptRecordError) as caught:
            replay([store_events[0], store_events[2]])
        assert isinstance(caught.value, ValueError)
        assert caught.value.version == store_events[2].version

    def test_an_event_of_another_case(self) -> None:
        """An event of another case does not fold into this one."""
        events = _events()
        other = attrs.evolve(events[1], case_id="other")
        with pytest.raises(CorruptRecordError, match="does not follow"):
            replay([events[0], other])


def _events() -> list[Event]:
    store = MemoryStore()
    steps = list(walk_case(sample_slrt(store), sample_staff(), route="local"))
    return store.events(steps[-1].case_id)


class TestSealedRecords:
    def test_an_altered_sealed_part_is_a_corrupt_record_that_listings_skip(
        self, tmp_path: Path
    ) -> None:
        """Ciphertext changed in the file: CorruptRecordError naming the event; lists go on."""
        path = tmp_path / "slrt.db"
        store = SqliteStore(path)  # sealed by default
        try:
            slrt = sample_slrt(store)
            staff = sample_staff()
            damaged = list(walk_case(slrt, staff, route="local"))[-1].case_id
            kept = list(walk_case(slrt, staff, route="local"))[-1].case_id
        finally:
            store.close()
        with contextlib.closing(sqlite3.connect(path)) as conn:
            (body,) = conn.execute(
                "SELECT body FROM events WHERE case_id = ? AND version = 2", (damaged,)
            ).fetchone()
            data = json.loads(body)
            sealed = base64.b64decode(data["payload"]["sealed"])
            altered = sealed[:-1] + bytes([sealed[-1] ^ 1])
            data["payload"]["sealed"] = base64.b64encode(altered).decode()
            conn.execute(
                "UPDATE events SET body = ? WHERE case_id = ? AND version = 2",
                (json.dumps(data).encode(), damaged),
            )
            conn.commit()
        store = SqliteStore(path)
        try:
            with pytest.raises(CorruptRecordError, match="altered or moved") as caught:
                store.load(damaged)
            assert (caught.value.case_id, caught.value.version) == (damaged, 2)
            assert "diubah atau dipindahkan" in caught.value.message("id")
            found = sample_slrt(store).list_cases(staff.supervisor)
            assert ([c.case_id for c in found], found.skipped_ids) == ([kept], (damaged,))
        finally:
            store.close()
