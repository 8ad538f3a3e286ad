"""The audit hash chain: sealing, verifying tampered chains, JSONL export, SQLite tampering."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest

from slrt_core.adapters import MemoryStore, SqliteStore
from slrt_core.audit import (
    GENESIS,
    AuditRecord,
    AuditReport,
    chain,
    export_jsonl,
    read_jsonl,
    seal,
    verify,
)
from slrt_core.demo import run_demo
from slrt_core.errors import AuditIntegrityError, SlrtError
from slrt_core.serialization import canonical_json


def _bodies(n: int) -> list[bytes]:
    return [canonical_json({"n": i, "text": f"event {i}"}) for i in range(1, n + 1)]


def _records(n: int = 8) -> list[AuditRecord]:
    return chain(_bodies(n), after_seq=0, prev=GENESIS)


def _demo_records() -> list[AuditRecord]:
    store = MemoryStore()
    run_demo(store)
    return list(store.audit_records())


class TestSealAndChain:
    def test_digest_is_sha256_of_canonical_seq_prev_and_event(self) -> None:
        """A record's digest is sha256 over the canonical JSON of event, prev and seq."""
        body = canonical_json({"kota": "Semarang", "n": 1})
        record = seal(7, "ab" * 32, body)
        expected = hashlib.sha256(
            canonical_json({"seq": 7, "prev": "ab" * 32, "event": json.loads(body)})
        ).hexdigest()
        assert record == AuditRecord(seq=7, prev="ab" * 32, digest=expected, body=body)

    def test_chain_numbers_and_links_records(self) -> None:
        """chain() numbers records after after_seq and links each to the digest before it."""
        first = chain(_bodies(2), after_seq=0, prev=GENESIS)
        more = chain(_bodies(3), after_seq=2, prev=first[-1].digest)
        records = first + more
        assert [r.seq for r in records] == [1, 2, 3, 4, 5]
        assert records[0].prev == GENESIS
        assert all(b.prev == a.digest for a, b in pairwise(records))
        assert verify(records).ok

    def test_digest_depends_on_seq_and_prev(self) -> None:
        """The same body sealed at another place or after another record gets another digest."""
        body = canonical_json({"n": 1})
        digests = {
            seal(1, GENESIS, body).digest,
            seal(2, GENESIS, body).digest,
            seal(1, "f" * 64, body).digest,
        }
        assert len(digests) == 3


class TestVerify:
    def test_intact_chain_verifies(self) -> None:
        """An untouched chain is ok; the report counts the records and gives the head digest."""
        records = _records()
        report = verify(records)
        assert report == AuditReport(ok=True, records=8, head=records[-1].digest)

    def test_empty_chain_verifies(self) -> None:
        """No records is a valid chain whose head is GENESIS."""
        assert verify([]) == AuditReport(ok=True, records=0, head=GENESIS)

    @pytest.mark.parametrize("seq", [1, 4, 8])
    def test_edited_body_is_found(self, seq: int) -> None:
        """An edited event body is named by its own sequence number."""
        records = _records()
        records[seq - 1] = records[seq - 1]._replace(body=canonical_json({"n": 999}))
        report = verify(records)
        assert (report.ok, report.first_bad) == (False, seq)
        assert "edited" in report.reason
        assert report.head == (records[seq - 2].digest if seq > 1 else GENESIS)

    def test_edited_digest_or_prev_is_found(self) -> None:
        """A changed digest or prev field is named by the record that carries it."""
        records = _records()
        bad_digest = [*records[:2], records[2]._replace(digest="0" * 64), *records[3:]]
        bad_prev = [*records[:5], records[5]._replace(prev=records[3].digest), *records[6:]]
        assert verify(bad_digest).first_bad == 3
        assert verify(bad_prev).first_bad == 6

    def test_resealed_record_is_found_at_the_next_record(self) -> None:
        """An edited record sealed again breaks the link of the record after it."""
        records = _records()
        forged = seal(4, records[3].prev, canonical_json({"n": 4, "text": "forged"}))
        report = verify([*records[:3], forged, *records[4:]])
        assert report.first_bad == 5
        assert "prev" in report.reason

    def test_resealed_last_record_changes_only_the_head(self) -> None:
        """Resealing the last record leaves a valid chain with another head (checkpoints see it)."""
        records = _records()
        forged = seal(8, records[7].prev, canonical_json({"n": 8, "text": "forged"}))
        report = verify([*records[:7], forged])
        assert report.ok
        assert report.head != verify(records).head

    @pytest.mark.parametrize("seq", [1, 3, 7])
    def test_reordered_records_are_found(self, seq: int) -> None:
        """Two neighbouring records swapped are named by the first place out of order."""
        records = _records()
        records[seq - 1], records[seq] = records[seq], records[seq - 1]
        report = verify(records)
        assert report.first_bad == seq
        assert "reordered" in report.reason

    def test_reordered_and_renumbered_records_are_found(self) -> None:
        """Records swapped and renumbered to look in order break the chain at the first of them."""
        records = _records()
        third, fourth = records[2], records[3]
        records[2] = fourth._replace(seq=3)
        records[3] = third._replace(seq=4)
        assert verify(records).first_bad == 3

    @pytest.mark.parametrize("seq", [1, 5, 7])
    def test_deleted_record_is_found(self, seq: int) -> None:
        """A deleted record is named by its missing sequence number."""
        records = _records()
        del records[seq - 1]
        report = verify(records)
        assert report.first_bad == seq
        assert "missing" in report.reason

    def test_deleted_and_renumbered_record_is_found(self) -> None:
        """A deletion hidden by renumbering the later records breaks the link at the gap."""
        records = _records()
        renumbered = [*records[:4], *(r._replace(seq=r.seq - 1) for r in records[5:])]
        assert verify(renumbered).first_bad == 5

    def test_truncated_tail_changes_only_the_head(self) -> None:
        """Cutting the last records leaves a valid but shorter chain: the head shows it."""
        records = _records()
        report = verify(records[:6])
        assert report.ok
        assert report.records == 6
        assert report.head != verify(records).head

    def test_inserted_record_is_found(self) -> None:
        """A record inserted under an existing sequence number is found at that number."""
        records = _records()
        forged = seal(4, records[2].digest, canonical_json({"n": 0, "text": "inserted"}))
        report = verify([*records[:3], forged, *records[3:]])
        assert report.first_bad == 4

    def test_inserted_and_renumbered_record_is_found(self) -> None:
        """An inserted record with the later ones renumbered breaks the link after it."""
        records = _records()
        forged = seal(4, records[2].digest, canonical_json({"n": 0, "text": "inserted"}))
        later = [r._replace(seq=r.seq + 1) for r in records[3:]]
        report = verify([*records[:3], forged, *later])
        assert report.first_bad == 5
        assert "prev" in report.reason

    def test_inserted_unsealed_record_is_found(self) -> None:
        """A record inserted without a valid link is named by its own sequence number."""
        records = _records()
        stray = AuditRecord(seq=4, prev=GENESIS, digest="0" * 64, body=b"{}")
        later = [r._replace(seq=r.seq + 1) for r in records[3:]]
        assert verify([*records[:3], stray, *later]).first_bad == 4

    @pytest.mark.parametrize("seq", [1, 3, 8])
    def test_duplicated_record_is_found(self, seq: int) -> None:
        """A record stored twice is named by its sequence number."""
        records = _records()
        records.insert(seq, records[seq - 1])
        report = verify(records)
        assert report.first_bad == seq
        assert "duplicated" in report.reason


class TestAuditReport:
    def test_raise_for_error_raises_with_the_sequence_number(self) -> None:
        """A broken report raises AuditIntegrityError carrying the first bad seq and the reason."""
        records = _records()
        del records[2]
        report = verify(records)
        with pytest.raises(AuditIntegrityError) as caught:
            report.raise_for_error()
        assert caught.value.seq == 3
        assert caught.value.reason == report.reason
        assert isinstance(caught.value, SlrtError)

    def test_raise_for_error_is_silent_when_ok(self) -> None:
        """An ok report raises nothing."""
        verify(_records()).raise_for_error()


class TestJsonl:
    def test_round_trip_through_a_stream_verifies(self) -> None:
        """Exported records read back equal, and the read chain verifies."""
        records = _demo_records()
        out = io.StringIO()
        assert export_jsonl(records, out) == len(records)
        back = list(read_jsonl(out.getvalue().splitlines(keepends=True)))
        # An export carries the chain, not the store's columns (case_id, version).
        assert back == [r._replace(case_id=None, version=None) for r in records]
        assert verify(back) == verify(records)
        assert verify(back).ok

    def test_round_trip_through_a_file(self) -> None:
        """export_jsonl writes a file that read_jsonl reads back, skipping blank lines."""
        directory = Path(tempfile.mkdtemp(prefix="slrt-audit-"))
        try:
            records = _demo_records()
            path = directory / "audit.jsonl"
            assert export_jsonl(records, path) == len(records)
            text = path.read_text(encoding="utf-8")
            assert len(text.splitlines()) == len(records)
            with path.open(encoding="utf-8") as fh:
                assert list(read_jsonl([*fh, "\n", "   \n"])) == [
                    r._replace(case_id=None, version=None) for r in records
                ]
        finally:
            shutil.rmtree(directory)

    def test_non_ascii_text_round_trips(self) -> None:
        """Events with non-ASCII text keep their exact canonical bytes through JSONL."""
        bodies = [
            canonical_json({"note": "Kebutuhan caf\u00e9 \u2013 Rp 1.000 \u2713"}),
            canonical_json({"n": 2}),
        ]
        records = chain(bodies, after_seq=0, prev=GENESIS)
        out = io.StringIO()
        export_jsonl(records, out)
        assert list(read_jsonl(io.StringIO(out.getvalue()))) == records

    def test_edited_export_is_found(self) -> None:
        """A value edited in an exported line is found at that record's sequence number."""
        records = _demo_records()
        out = io.StringIO()
        export_jsonl(records, out)
        lines = out.getvalue().splitlines(keepends=True)
        data = json.loads(lines[9])
        data["event"]["actor_id"] = "someone-else"
        lines[9] = json.dumps(data) + "\n"
        report = verify(read_jsonl(lines))
        assert report.first_bad == 10


@contextlib.contextmanager
def _tampered_store() -> Iterator[tuple[Path, int]]:
    """A closed SQLite store holding the demo's audit trail: (path, number of records)."""
    directory = Path(tempfile.mkdtemp(prefix="slrt-tamper-"))
    try:
        path = directory / "slrt.db"
        store = SqliteStore(path)
        try:
            result = run_demo(store)
        finally:
            store.close()
        yield path, result.events
    finally:
        shutil.rmtree(directory)


def _execute(path: Path, *statements: tuple[str, tuple[object, ...]]) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        for sql, params in statements:
            conn.execute(sql, params)


def _verify_file(path: Path) -> AuditReport:
    store = SqliteStore(path)
    try:
        return verify(store.audit_records())
    finally:
        store.close()


class TestSqliteTampering:
    def test_untouched_file_verifies(self) -> None:
        """The demo's SQLite file verifies with every record."""
        with _tampered_store() as (path, count):
            report = _verify_file(path)
            assert report.ok
            assert report.records == count

    def test_updated_body_is_found(self) -> None:
        """UPDATE events SET body=... is named by that row's seq."""
        with _tampered_store() as (path, _):
            with contextlib.closing(sqlite3.connect(path)) as conn:
                (body,) = conn.execute("SELECT body FROM events WHERE seq = 7").fetchone()
            event = json.loads(body)
            event["reason"] = "edited afterwards"
            _execute(path, ("UPDATE events SET body = ? WHERE seq = 7", (canonical_json(event),)))
            report = _verify_file(path)
            assert report.first_bad == 7
            with pytest.raises(AuditIntegrityError) as caught:
                report.raise_for_error()
            assert caught.value.seq == 7

    def test_deleted_row_is_found(self) -> None:
        """DELETE of an event row is named by the deleted seq."""
        with _tampered_store() as (path, _):
            _execute(path, ("DELETE FROM events WHERE seq = ?", (12,)))
            assert _verify_file(path).first_bad == 12

    def test_swapped_seqs_are_found(self) -> None:
        """Swapping the seq of two rows is named by the lower seq."""
        with _tampered_store() as (path, _):
            _execute(
                path,
                ("UPDATE events SET seq = -1 WHERE seq = ?", (5,)),
                ("UPDATE events SET seq = 5 WHERE seq = ?", (6,)),
                ("UPDATE events SET seq = 6 WHERE seq = ?", (-1,)),
            )
            assert _verify_file(path).first_bad == 5

    def test_inserted_row_is_found(self) -> None:
        """A copied row inserted mid-table, with the later seqs moved up, is named by its seq."""
        with _tampered_store() as (path, count):
            with contextlib.closing(sqlite3.connect(path)) as conn:
                row = conn.execute(
                    "SELECT case_id, type, body, prev, digest FROM events WHERE seq = 3"
                ).fetchone()
            statements = [
                (f"UPDATE events SET seq = {s + 1} WHERE seq = ?", (s,))
                for s in range(count, 19, -1)
            ]
            statements.append(
                (
                    (
                        "INSERT INTO events (seq, case_id, version, type, body, prev, digest) "
                        "VALUES (20, ?, 999, ?, ?, ?, ?)"
                    ),
                    tuple(row),
                )
            )
            _execute(path, *statements)
            assert _verify_file(path).first_bad == 20


class TestColumnsOutsideTheChain:
    BODY = b'{"actor_id":"a","at":"t","case_id":"c-1","payload":{"case_id":"c-2"},"version":2}'

    def test_columns_agree_reads_the_event_not_the_payload(self):
        """The first case_id is the event's (a payload's own case_id does not count)."""
        from slrt_core.audit import columns_agree

        assert columns_agree(self.BODY, "c-1", 2)
        assert not columns_agree(self.BODY, "c-2", 2)
        assert not columns_agree(self.BODY, "c-1", 3)
        assert not columns_agree(self.BODY, "c", 2)  # a prefix of the id is not the id
        assert not columns_agree(b'{"version":2}', "c-1", 2)

    def test_verify_names_a_row_whose_columns_disagree(self):
        """A record whose case_id or version column is not its body's fails verify."""
        first = seal(1, GENESIS, self.BODY)
        good = first._replace(case_id="c-1", version=2)
        assert verify([good]).ok
        for bad in (good._replace(case_id="c-2"), good._replace(version=1)):
            report = verify([bad])
            assert (report.ok, report.first_bad) == (False, 1)
            assert "column" in report.reason

    def test_ids_the_quick_test_cannot_spell_are_still_checked_exactly(self):
        """An id with a quote is checked by the exact (slower) test."""
        body = b'{"actor_id":"a","at":"t","case_id":"c\\"1","payload":{},"version":1}'
        record = seal(1, GENESIS, body)._replace(case_id='c"1', version=1)
        assert verify([record]).ok
        assert not verify([record._replace(case_id='c"2')]).ok
