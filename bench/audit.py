"""Audit-chain verification speed, beside bare hashlib chaining of the same bytes.

The chain is built with :func:`slrt_core.audit.chain` from the real event bodies of a
demo run (:func:`slrt_core.demo.run_demo`), repeated with the case and referral ids
changed in every round, so every body differs and has a realistic size.

- ``audit.memory``: :func:`slrt_core.audit.verify` over a list of records, beside a bare
  loop over ``(seq, body, digest)`` tuples that recomputes each SHA-256 from the digest
  before it and compares it.
- ``audit.sqlite``: ``verify(store.audit_records())`` reading a
  :class:`~slrt_core.adapters.SqliteStore` file, beside a raw :mod:`sqlite3` cursor over
  the same table feeding the same bare loop.

Run: ``python bench/audit.py [--quick] [--json] [--dir DIR] [--only memory|sqlite]``.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import re
import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path

from _common import Options, compare, finish, parse_args, peak_alloc, report

from slrt_core.adapters import MemoryStore, SqliteStore
from slrt_core.audit import GENESIS, AuditRecord, chain, verify
from slrt_core.demo import run_demo

# Records in the chain, --quick and full.
SIZES = (200_000, 1_000_000)
# Records read under tracemalloc (slow) for the peak-memory figures: verification
# streams, so its peak does not grow with the chain.
PEAK_RECORDS = 50_000
IDS = re.compile(rb"(case|referral)-(\d{6})")


def demo_bodies() -> list[tuple[bytes, str, int, str]]:
    """(body, case_id, version, type) of every event of one demo run."""
    store = MemoryStore()
    run_demo(store)
    out = []
    for record in store.audit_records():
        event = record.event()
        out.append((record.body, event.case_id, event.version, event.type))
    return out


def build_chain(size: int) -> tuple[list[AuditRecord], list[tuple[str, int, str]]]:
    """*size* records, and the (case_id, version, type) of each for the events table."""
    templates = demo_bodies()
    per_round = max(int(m.group(2)) for b, *_ in templates for m in IDS.finditer(b))
    bodies: list[bytes] = []
    keys: list[tuple[str, int, str]] = []
    rounds = -(-size // len(templates))
    for n in range(rounds):

        def shift(m: re.Match[bytes], n: int = n) -> bytes:
            return b"%s-%06d" % (m.group(1), n * per_round + int(m.group(2)))

        for body, case_id, version, etype in templates:
            bodies.append(IDS.sub(shift, body))
            keys.append((IDS.sub(shift, case_id.encode()).decode(), version, etype))
    del bodies[size:], keys[size:]
    return chain(bodies, after_seq=0, prev=GENESIS), keys


def bare_verify(rows: Iterable[tuple[int, bytes, str]]) -> int:
    """Recompute every digest from the one before; the count of good records."""
    sha256 = hashlib.sha256
    prev = GENESIS
    count = 0
    for seq, body, digest in rows:
        computed = sha256(b'{"event":%s,"prev":"%s","seq":%d}' % (body, prev.encode(), seq))
        prev = computed.hexdigest()
        if prev != digest:
            break
        count += 1
    return count


def checked(report_: object, size: int) -> None:
    assert getattr(report_, "ok", False), report_
    assert getattr(report_, "records", None) == size, report_


def bench_memory(options: Options, records: list[AuditRecord], repeat: int) -> None:
    size = len(records)
    rows = [(r.seq, r.body, r.digest) for r in records]
    checked(verify(records), size)
    assert bare_verify(rows) == size
    ours, base = compare(
        (lambda: records, verify),
        (lambda: rows, bare_verify),
        repeat,
    )
    report(
        options,
        "audit.memory.verify",
        size / ours,
        "records/s",
        size / base,
        target=">= 300000 records/s",
    )
    report(
        options,
        "audit.memory.peak_alloc",
        peak_alloc(lambda: records[:PEAK_RECORDS], verify),
        "MiB",
        peak_alloc(lambda: rows[:PEAK_RECORDS], bare_verify),
    )


def write_file(path: Path, records: list[AuditRecord], keys: list[tuple[str, int, str]]) -> None:
    """A SqliteStore file holding *records* in its events table (written directly)."""
    SqliteStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO events (seq, case_id, version, type, body, prev, digest)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (r.seq, case_id, version, etype, r.body, r.prev, r.digest)
                for r, (case_id, version, etype) in zip(records, keys, strict=True)
            ),
        )
    conn.close()


def bench_sqlite(
    options: Options,
    records: list[AuditRecord],
    keys: list[tuple[str, int, str]],
    repeat: int,
    directory: Path,
) -> None:
    size = len(records)
    path = directory / "audit.sqlite"
    write_file(path, records, keys)
    store = SqliteStore(path, synchronous="normal")
    conn = sqlite3.connect(path)

    def ours_run(s: SqliteStore) -> None:
        checked(verify(s.audit_records()), size)

    def base_run(c: sqlite3.Connection) -> None:
        assert bare_verify(c.execute("SELECT seq, body, digest FROM events ORDER BY seq")) == size

    def ours_peak(s: SqliteStore) -> None:
        verify(itertools.islice(s.audit_records(), PEAK_RECORDS))

    def base_peak(c: sqlite3.Connection) -> None:
        bare_verify(
            c.execute("SELECT seq, body, digest FROM events ORDER BY seq LIMIT ?", (PEAK_RECORDS,))
        )

    try:
        ours_run(store)  # warm the page cache for both
        base_run(conn)
        ours, base = compare((lambda: store, ours_run), (lambda: conn, base_run), repeat)
        report(
            options,
            "audit.sqlite.verify",
            size / ours,
            "records/s",
            size / base,
            target=">= 300000 records/s",
        )
        report(
            options,
            "audit.sqlite.peak_alloc",
            peak_alloc(lambda: store, ours_peak),
            "MiB",
            peak_alloc(lambda: conn, base_peak),
        )
    finally:
        store.close()
        conn.close()


def main() -> None:
    options = parse_args(__doc__.splitlines()[0], parts=("memory", "sqlite"))
    size = SIZES[0 if options.quick else 1]
    repeat = options.repeat or (3 if options.quick else 5)
    records, keys = build_chain(size)
    gc.freeze()  # a million records: keep them out of the collections between runs
    if options.wants("memory"):
        bench_memory(options, records, repeat)
    if options.wants("sqlite"):
        with tempfile.TemporaryDirectory(dir=options.dir, prefix="slrt-bench-") as directory:
            bench_sqlite(options, records, keys, repeat, Path(directory))
    finish(options, "audit")


if __name__ == "__main__":
    main()
