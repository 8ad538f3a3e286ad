"""The tamper-evident audit trail: every event, hash-chained.

Record *n* stores ``seq`` (n), ``prev`` (the digest of record n-1, or 64 zeros) and
``digest = sha256(canonical JSON of {"event": <event>, "prev": prev, "seq": seq})``.
:func:`verify` recomputes the chain and names the first bad sequence number, so an
edited, reordered, deleted or inserted record is found. A chain alone cannot see its
own truncation or a full rewrite; signed checkpoints kept outside the store close that
gap (docs/explanation/audit.md).

The columns a store keeps beside the body for its reads (``case_id`` and ``version``,
by which it finds a case's events and orders them) are outside the digest, but not
outside the check: the body holds both, a store hands its columns to :func:`verify` in
the record (:attr:`AuditRecord.case_id`, :attr:`AuditRecord.version`), and
:func:`verify` names a row whose columns disagree with its body
(:func:`columns_agree`); reads check the decoded events against the case asked for
(:func:`check_case_events`).

Examples:
    >>> r1 = seal(1, GENESIS, b'{"a":1}')
    >>> r2 = seal(2, r1.digest, b'{"a":2}')
    >>> verify([r1, r2]).ok
    True
    >>> forged = AuditRecord(seq=2, prev=r1.digest, digest=r2.digest, body=b'{"a":3}')
    >>> verify([r1, forged]).first_bad
    2
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, NamedTuple

import attrs

from slrt_core.case._events import Event
from slrt_core.errors import AuditIntegrityError, CorruptRecordError
from slrt_core.serialization import event_from_json

__all__ = [
    "GENESIS",
    "AuditRecord",
    "AuditReport",
    "chain",
    "check_case_events",
    "columns_agree",
    "export_jsonl",
    "read_jsonl",
    "seal",
    "verify",
]

#: The ``prev`` of the first record.
GENESIS = "0" * 64


class AuditRecord(NamedTuple):
    """One link of the chain: an event's canonical JSON with its place and digest.

    A named tuple rather than an attrs class: verification reads millions of records,
    and a tuple is built from a database row at a third of the cost.

    ``case_id`` and ``version`` are the store's columns for this row, which
    :func:`verify` checks against the body; ``None`` where there are no such columns
    (an export, a list of records sealed by hand).
    """

    seq: int
    prev: str
    digest: str
    body: bytes
    case_id: str | None = None
    version: int | None = None

    def event(self) -> Event:
        """The event this record holds."""
        return event_from_json(self.body)


def _digest(seq: int, prev: str, body: bytes) -> str:
    # Equal to sha256(canonical_json({"event": ..., "prev": prev, "seq": seq})) because
    # *body* is already canonical and the keys are written in sorted order.
    return hashlib.sha256(
        b'{"event":%s,"prev":"%s","seq":%d}' % (body, prev.encode(), seq)
    ).hexdigest()


def columns_agree(body: bytes, case_id: str, version: int) -> bool:
    """Whether a stored row's ``case_id`` and ``version`` columns are the body's own.

    The body is canonical JSON with sorted keys: ``"actor_id"`` and ``"at"`` (plain
    strings) come before ``"case_id"``, so the first ``"case_id":`` is the event's; and
    ``"version"`` is the last key, so the body ends with it. Two byte comparisons, no
    JSON parsing: verification stays at its speed.

    Examples:
        >>> body = b'{"actor_id":"a","at":"t","case_id":"c-1","payload":{},"version":2}'
        >>> columns_agree(body, "c-1", 2), columns_agree(body, "c-2", 2)
        (True, False)
        >>> columns_agree(body, "c-1", 1)
        False
    """
    at = body.find(b'"case_id":')
    wanted = b'"case_id":%s,' % json.dumps(case_id, ensure_ascii=False).encode()
    return at >= 0 and body.startswith(wanted, at) and body.endswith(b',"version":%d}' % version)


def check_case_events(case_id: str, events: list[Event], *, after: int = 0) -> list[Event]:
    """*events* read for *case_id*, checked to be its own, numbered ``after + 1`` on in order.

    A store finds and orders a case's events by columns outside the chain; this checks
    the decoded events, so a swapped ``case_id`` or ``version`` never returns another
    case's event or a reordered history, and a missing row shows as a gap.

    Args:
        case_id: the case asked for.
        events: its events as read, in the store's order.
        after: the version the events follow (``0`` for the whole history; the cached
            version when a store reads only what came since).

    Raises:
        CorruptRecordError: an event belongs to another case or is out of place; it
            names the row read as that version.
    """
    for expected, event in enumerate(events, start=after + 1):
        if event.case_id != case_id or event.version != expected:
            reason = (
                f"its body belongs to case {event.case_id!r} version {event.version}, "
                "not to this row: a column outside the audit chain was edited, so the "
                "record is damaged"
            )
            reason_id = (
                f"isinya milik kasus {event.case_id!r} versi {event.version}, bukan baris "
                "ini: sebuah kolom di luar rantai audit telah diubah, jadi catatannya rusak"
            )
            raise CorruptRecordError(case_id, expected, reason, reason_id)
    return events


def seal(seq: int, prev: str, body: bytes) -> AuditRecord:
    """The record for *body* at *seq*, chained to the digest *prev*."""
    return AuditRecord(seq=seq, prev=prev, digest=_digest(seq, prev, body), body=body)


@attrs.frozen
class AuditReport:
    """The result of :func:`verify`.

    Attributes:
        ok: the whole chain verifies.
        records: how many records were read.
        head: the digest of the last good record (the chain head when ``ok``).
        first_bad: the first bad sequence number, or ``None``.
        reason: what is wrong at ``first_bad``.
    """

    ok: bool
    records: int
    head: str
    first_bad: int | None = None
    reason: str = ""

    def raise_for_error(self) -> None:
        """Raise :class:`~slrt_core.AuditIntegrityError` when the chain is broken."""
        if self.first_bad is not None:
            raise AuditIntegrityError(self.first_bad, self.reason)


def verify(records: Iterable[AuditRecord]) -> AuditReport:
    """Check the chain of *records*, read in storage order from sequence 1."""
    prev = GENESIS
    expected = 1
    sha256 = hashlib.sha256
    # Unpacked in the loop header: the hot path of verification, kept free of lookups.
    for seq, record_prev, digest, body, case_id, version in records:
        if seq != expected:
            what = "missing or reordered" if seq > expected else "duplicated or reordered"
            return AuditReport(
                ok=False,
                records=expected,
                head=prev,
                first_bad=min(expected, seq),
                reason=f"expected record {expected}, found {seq} ({what})",
            )
        if record_prev != prev:
            return AuditReport(
                ok=False,
                records=expected,
                head=prev,
                first_bad=seq,
                reason="prev does not match the digest of the record before (inserted or deleted)",
            )
        # The same bytes as _digest(); inlined because this line runs once per record.
        if (
            sha256(b'{"event":%s,"prev":"%s","seq":%d}' % (body, prev.encode(), seq)).hexdigest()
            != digest
        ):
            return AuditReport(
                ok=False,
                records=expected,
                head=prev,
                first_bad=seq,
                reason="content does not match its digest (edited)",
            )
        # columns_agree(), inlined with the quick spelling of an id (no quote, backslash
        # or control character: every id the library makes; f-strings are the fastest
        # way to build the bytes); columns_agree() decides the rest, and only runs when
        # the quick test fails.
        if (
            case_id is not None
            and version is not None
            and not (
                body.startswith(f'"case_id":"{case_id}",'.encode(), body.find(b'"case_id":'))
                and body.endswith(f',"version":{version}}}'.encode())
            )
            and not columns_agree(body, case_id, version)
        ):
            return AuditReport(
                ok=False,
                records=expected,
                head=prev,
                first_bad=seq,
                reason="its case_id or version column does not match the record (edited "
                "outside the chain)",
            )
        prev = digest
        expected += 1
    return AuditReport(ok=True, records=expected - 1, head=prev)


def _lines(records: Iterable[AuditRecord]) -> Iterator[str]:
    for r in records:
        yield (
            f'{{"digest":"{r.digest}","event":{r.body.decode()},"prev":"{r.prev}","seq":{r.seq}}}\n'
        )


def export_jsonl(records: Iterable[AuditRecord], out: Path | IO[str]) -> int:
    """Write *records* as JSON lines to a path or text stream; returns how many."""
    count = 0
    if isinstance(out, Path):
        with out.open("w", encoding="utf-8") as fh:
            return export_jsonl(records, fh)
    for line in _lines(records):
        out.write(line)
        count += 1
    return count


def read_jsonl(lines: Iterable[str]) -> Iterator[AuditRecord]:
    """Records from lines written by :func:`export_jsonl`."""
    for line in lines:
        if not line.strip():
            continue
        data = json.loads(line)
        body = json.dumps(
            data["event"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
        yield AuditRecord(seq=data["seq"], prev=data["prev"], digest=data["digest"], body=body)


def chain(bodies: Iterable[bytes], *, after_seq: int, prev: str) -> list[AuditRecord]:
    """Seal *bodies* as the records after *after_seq*, whose digest is *prev*."""
    records = []
    for seq, body in enumerate(bodies, start=after_seq + 1):
        record = seal(seq, prev, body)
        records.append(record)
        prev = record.digest
    return records
