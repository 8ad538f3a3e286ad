"""Rows of the audit trail changed behind the library's back are found, with their sequence number.

Each test fills a SQLite file or a PostgreSQL schema with the demo scenario (some thirty
audit records), changes the ``events`` table with plain SQL, as someone with database access
could, and checks that verification names the first record that no longer fits.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from slrt_core import AuditIntegrityError
from slrt_core.audit import verify
from slrt_core.demo import run_demo
from slrt_core.errors import StorageError
from slrt_core.identity import RegionCode
from slrt_core.ports import Store
from slrt_core.testing import sample_slrt, sample_staff

if TYPE_CHECKING:
    from tests.integration.conftest import Backend

# Replace the actor of one event: the body is stored as bytes (BLOB / bytea).
EDIT = {
    "sqlite": "UPDATE events SET body = CAST(replace(CAST(body AS TEXT), "
    '\'"actor_id":"\', \'"actor_id":"x\') AS BLOB) WHERE seq = ?',
    "postgres": "UPDATE events SET body = convert_to(replace(convert_from(body, 'UTF8'), "
    "'\"actor_id\":\"', '\"actor_id\":\"x'), 'UTF8') WHERE seq = %s",
}


def _sql(backend: Backend, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    """Run one statement on the backend's database, outside the library, and commit."""
    if backend.kind == "sqlite":
        with sqlite3.connect(backend.spec) as conn:
            rows = conn.execute(statement.replace("%s", "?"), params).fetchall()
        conn.close()
        return rows
    import psycopg

    with psycopg.connect(backend.spec) as conn:
        cur = conn.execute(statement, params)
        return cur.fetchall() if cur.description else []


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    """A store holding the demo scenario, with an audit chain that verifies."""
    opened = backend.open()
    try:
        assert run_demo(opened).audit.ok
        yield opened
    finally:
        opened.close()  # type: ignore[attr-defined]


def test_edited_event_is_found_at_its_sequence_number(backend: Backend, store: Store) -> None:
    """An event body changed with SQL UPDATE fails verification at exactly that record."""
    _sql(backend, EDIT[backend.kind], 7)
    report = verify(store.audit_records())
    assert not report.ok
    assert report.first_bad == 7
    assert "edited" in report.reason
    with pytest.raises(AuditIntegrityError) as caught:
        report.raise_for_error()
    assert caught.value.seq == 7
    assert sample_slrt(store).verify_audit(sample_staff().auditor).first_bad == 7


def test_deleted_event_is_found_at_its_sequence_number(backend: Backend, store: Store) -> None:
    """An event removed with SQL DELETE fails verification at the missing sequence number."""
    _sql(backend, "DELETE FROM events WHERE seq = %s", 12)
    report = verify(store.audit_records())
    assert report.first_bad == 12
    assert "missing" in report.reason


def test_edited_and_rehashed_event_is_found_at_the_next_record(
    backend: Backend, store: Store
) -> None:
    """Editing a body and recomputing its digest breaks the link from the next record."""
    _sql(backend, EDIT[backend.kind], 20)
    [(body,)] = _sql(backend, "SELECT body FROM events WHERE seq = %s", 20)
    [(prev,)] = _sql(backend, "SELECT prev FROM events WHERE seq = %s", 20)
    forged = hashlib.sha256(
        b'{"event":%s,"prev":"%s","seq":%d}' % (bytes(body), prev.encode(), 20)
    ).hexdigest()
    _sql(backend, "UPDATE events SET digest = %s WHERE seq = %s", forged, 20)
    report = verify(store.audit_records())
    assert report.first_bad == 21
    assert "prev" in report.reason


def test_untouched_store_verifies(store: Store) -> None:
    """Without tampering the whole chain verifies, so the failures above come from the edits."""
    report = verify(store.audit_records())
    assert report.ok
    cases = store.find_cases(within=RegionCode.INDONESIA)
    assert report.records == sum(len(store.events(c.case_id)) for c in cases) > 20


def _two_cases(backend: Backend) -> tuple[str, str, int, int]:
    """Two case ids and, for each, the seq of one of its events at the same version."""
    rows = _sql(backend, "SELECT seq, case_id, version FROM events WHERE version = 2 ORDER BY seq")
    (seq_a, case_a, _), (seq_b, case_b, _) = rows[0], next(r for r in rows if r[1] != rows[0][1])
    return case_a, case_b, seq_a, seq_b


def test_swapped_case_ids_fail_verify_and_reads(backend: Backend, store: Store) -> None:
    """Swapping events.case_id between two cases' rows fails verify; history refuses.

    Regression (issue 12, item 11): the column is outside the digest, so the swap passed
    verify and history returned another case's event.
    """
    case_a, case_b, seq_a, seq_b = _two_cases(backend)
    _sql(backend, "UPDATE events SET case_id = 'tmp' WHERE seq = %s", seq_a)
    _sql(backend, "UPDATE events SET case_id = %s WHERE seq = %s", case_a, seq_b)
    _sql(backend, "UPDATE events SET case_id = %s WHERE seq = %s", case_b, seq_a)
    reopened = backend.open()
    try:
        report = verify(reopened.audit_records())
        assert not report.ok
        assert report.first_bad == min(seq_a, seq_b)
        assert "column" in report.reason
        with pytest.raises(StorageError, match="damaged") as caught:
            reopened.events(case_a)
        assert "rusak" in caught.value.message("id")
    finally:
        reopened.close()  # type: ignore[attr-defined]


def test_swapped_versions_within_a_case_fail_verify_and_reads(
    backend: Backend, store: Store
) -> None:
    """Swapping the version of two events of one case fails verify; its events refuse."""
    seq, case_id, _ = _sql(
        backend, "SELECT seq, case_id, version FROM events WHERE version = 2 ORDER BY seq"
    )[0]
    (other,) = _sql(backend, "SELECT seq FROM events WHERE case_id = %s AND version = 3", case_id)[
        0
    ]
    _sql(backend, "UPDATE events SET version = -1 WHERE seq = %s", seq)
    _sql(backend, "UPDATE events SET version = 2 WHERE seq = %s", other)
    _sql(backend, "UPDATE events SET version = 3 WHERE seq = %s", seq)
    reopened = backend.open()
    try:
        report = verify(reopened.audit_records())
        assert (report.ok, report.first_bad) == (False, seq)
        with pytest.raises(StorageError, match="damaged"):
            reopened.events(case_id)
    finally:
        reopened.close()  # type: ignore[attr-defined]
