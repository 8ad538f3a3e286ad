"""The read side on a district-sized SQLite store: worklist pages, counts, flat commands,
the SLA sweep, the rebuild of the read models and the memory of a listing.

The store is built once per run (``--full``: 200,000 cases; ``--quick``: 3,000): a
case in six is registered, one in six submitted (the supervisor's worklist), the rest
in service with eight open referrals each (about 1.07 M open referrals at full size),
whose deadlines spread over 100 days. Cases are written as one commit each (all their
events at once), with the plain codec (sealing is measured in bench/security.py).

Figures, each beside its baseline measured in the same run:

- ``read.page_fresh``: the supervisor's page of 50 (``Slrt.cases``, state ``submitted``
  in Kota Semarang, registered order) timed in a fresh process, beside a hand-written
  SQL query of the same 50 rows on an equally indexed plain table, in a fresh process
  too. Target: within 2x the baseline and under 20 ms.
- ``read.count``: the filtered count of the same selection (warm, with a page of one)
  beside ``count(*)`` on the plain table. Target: within 2x. ``read.page_warm``: the
  page of 50 again in the warm process, beside the same hand-written query.
- ``read.command``: ``Slrt.assign`` on the built store beside the same command on an
  empty store (one case). Target: within 1.2x (flat scaling).
- ``read.sweep_none`` and ``read.sweep_due``: ``Slrt.sweep`` with no deadline passed,
  and when 1% of the open referrals are due, beside the index query that lists the due
  referrals. Targets: under 0.2 s; under 10 s at full size (10,700 due).
- ``read.rebuild``: ``rebuild_projections`` of the whole store (seconds, and its peak
  allocation in MiB) beside streaming the event log once without folding.
- ``read.page_memory``: peak allocation of one page of 50 beside fetching the same rows
  with raw SQL: bounded by the page, not the store.

Run: ``python bench/read_side.py [--quick] [--cases N] [--json] [--dir DIR] [--only page|
count|command|sweep|rebuild|memory]``. ``--cases N`` builds a store of N cases instead
(a medium size between ``--quick`` and the full 200,000, whose build takes about 25
minutes).
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import Options, compare, finish, parse_args, peak_alloc, report

from slrt_core import Actor, Channel, ComplaintKind, Need, RegionCode, Role, Sector
from slrt_core.adapters.basics import PlainCodec
from slrt_core.adapters.sqlite import SqliteStore
from slrt_core.case import (
    CaseApproved,
    CaseAssessed,
    CaseRegistered,
    CaseReviewed,
    CaseState,
    CaseSubmitted,
    Event,
    ReferralRequested,
    apply,
)
from slrt_core.case._model import Priority
from slrt_core.ports import Commit
from slrt_core.projections import CaseFilter
from slrt_core.testing import FrozenClock, sample_household, sample_slrt, sample_staff

PARTS = ("page", "count", "command", "sweep", "rebuild", "memory")
T0 = datetime(2026, 1, 5, 8, tzinfo=UTC)
VILLAGES = tuple(
    RegionCode(f"33.74.{d:02d}.{1000 + v}") for d in range(1, 17) for v in range(1, 9)
) + tuple(RegionCode(f"33.73.{d:02d}.{1000 + v}") for d in range(1, 5) for v in range(1, 9))
REFERRALS_PER_CASE = 8
SUPERVISOR = Actor(actor_id="supervisor-1", role=Role.SUPERVISOR, jurisdiction=RegionCode("33.74"))

# The child process of the fresh-process figures: open, then time the first page.
CHILD = """
import sys, time, sqlite3
mode, db = sys.argv[1], sys.argv[2]
if mode == "ours":
    from slrt_core import Actor, RegionCode, Role, Slrt
    from slrt_core.adapters.basics import PlainCodec
    from slrt_core.adapters.sqlite import SqliteStore
    from slrt_core.projections import CaseFilter, CaseState
    store = SqliteStore(db, codec=PlainCodec(), migrate=False)
    slrt = Slrt(store=store)
    boss = Actor(actor_id="supervisor-1", role=Role.SUPERVISOR, jurisdiction=RegionCode("33.74"))
    where = CaseFilter(states=frozenset({CaseState.SUBMITTED}))
    start = time.perf_counter()
    page = slrt.cases(boss, where=where, limit=50)
    took = time.perf_counter() - start
    assert len(page.items) == 50, len(page.items)
else:
    conn = sqlite3.connect(db)
    start = time.perf_counter()
    rows = conn.execute(
        "SELECT case_id, state, region, registered_at, payload FROM baseline_cases"
        " WHERE state = ? AND regency = ? ORDER BY registered_at, case_id LIMIT 50",
        ("submitted", "33.74"),
    ).fetchall()
    took = time.perf_counter() - start
    assert len(rows) == 50, len(rows)
print(took)
"""


def _event(case_id: str, version: int, at: datetime, payload: Any, role: Role) -> Event:
    return Event(
        case_id=case_id, version=version, at=at, actor_id="bench", role=role, payload=payload
    )


def _case_commit(n: int) -> Commit:
    """The commit that writes case *n* whole: registered, submitted or in service."""
    case_id = f"case-{n:07d}"
    at = T0 + timedelta(seconds=n)
    stage = n % 6
    needs = tuple(
        Need(sector=Sector.HEALTH, description="need", need_id=f"n{k + 1}")
        for k in range(REFERRALS_PER_CASE)
    )
    payloads: list[tuple[Any, Role]] = [
        (
            CaseRegistered(
                household=sample_household(VILLAGES[n % len(VILLAGES)]),
                channel=Channel.HOME_VISIT,
                kind=ComplaintKind.GRIEVANCE,
                needs=needs,
                emergency=False,
                priority=Priority.NORMAL,
            ),
            Role.FACILITATOR,
        )
    ]
    if stage >= 1:
        payloads += [(CaseAssessed(findings="poor"), Role.FACILITATOR)]
        payloads += [(CaseSubmitted(), Role.FACILITATOR)]
    if stage >= 2:
        payloads += [(CaseApproved(), Role.SUPERVISOR), (CaseReviewed(), Role.FRONT_OFFICE)]
        for k in range(REFERRALS_PER_CASE):
            spread = (n * REFERRALS_PER_CASE + k) * 7919 % 100_000  # 0..99,999
            due = T0 + timedelta(days=1 + spread / 1000)  # over 100 days
            payloads.append(
                (
                    ReferralRequested(
                        referral_id=f"ref-{n:07d}-{k}",
                        need_id=f"n{k + 1}",
                        service_id="pbi-jk",
                        provider_id="bpjs-jateng",
                        due_at=due,
                    ),
                    Role.BACK_OFFICE,
                )
            )
    case = None
    events = []
    for version, (payload, role) in enumerate(payloads, start=1):
        event = _event(case_id, version, at, payload, role)
        case = apply(case, event)
        events.append(event)
    assert case is not None
    return Commit(case=case, expected_version=0, events=tuple(events))


def build(path: Path, cases: int) -> float:
    """Write the store and the plain baseline table; the seconds it took."""
    start = time.perf_counter()
    store = SqliteStore(path, codec=PlainCodec(), synchronous="normal")
    for n in range(cases):
        store.commit(_case_commit(n))
    store.close()
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TABLE baseline_cases AS SELECT case_id, state, regency, region,
                registered_at, body AS payload FROM case_summaries;
            CREATE INDEX baseline_state ON baseline_cases (state, regency, registered_at, case_id);
            """
        )
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # start from a settled file
    return time.perf_counter() - start


def _child(mode: str, path: Path) -> float:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(path)], check=True, capture_output=True, text=True
    )
    return float(out.stdout.strip())


def page_fresh(options: Options, path: Path, repeat: int) -> None:
    ours, base = [], []
    for _ in range(repeat):
        ours.append(_child("ours", path))
        base.append(_child("baseline", path))
    ours.sort()
    base.sort()
    o, b = ours[len(ours) // 2], base[len(base) // 2]
    report(options, "read.page_fresh", o * 1000, "ms", b * 1000, target="<= 2x, < 20 ms")


def count(options: Options, path: Path, repeat: int) -> None:
    store = SqliteStore(path, codec=PlainCodec(), migrate=False)
    slrt = sample_slrt(store)
    where = CaseFilter(states=frozenset({CaseState.SUBMITTED}))
    conn = sqlite3.connect(path)
    sql = "SELECT count(*) FROM baseline_cases WHERE state = ? AND regency = ?"
    ours, base = compare(
        (lambda: None, lambda _: slrt.cases(SUPERVISOR, where=where, limit=1, count=True)),
        (lambda: None, lambda _: conn.execute(sql, ("submitted", "33.74")).fetchone()),
        repeat,
    )
    report(options, "read.count", ours * 1000, "ms", base * 1000, target="<= 2x")
    page_sql = (
        "SELECT case_id, state, region, registered_at, payload FROM baseline_cases"
        " WHERE state = ? AND regency = ? ORDER BY registered_at, case_id LIMIT 50"
    )
    ours, base = compare(
        (lambda: None, lambda _: slrt.cases(SUPERVISOR, where=where, limit=50)),
        (lambda: None, lambda _: conn.execute(page_sql, ("submitted", "33.74")).fetchall()),
        repeat,
    )
    report(options, "read.page_warm", ours * 1000, "ms", base * 1000)
    conn.close()
    store.close()


def command(options: Options, path: Path, repeat: int, tmp: Path) -> None:
    """Assign and unassign a worker on the big store and on an empty one: 50 commands a run."""
    big = SqliteStore(path, codec=PlainCodec(), migrate=False, synchronous="normal")
    small = SqliteStore(tmp / "empty.sqlite", codec=PlainCodec(), synchronous="normal")
    small.commit(_case_commit(1))
    staff = sample_staff()
    rounds = iter(range(1_000_000))

    def assigner(store: SqliteStore, case_id: str) -> Any:
        slrt = sample_slrt(store, clock=FrozenClock(T0 + timedelta(days=1)))

        def run(_: object) -> None:
            r = next(rounds)
            for i in range(25):
                worker = Actor(
                    actor_id=f"w-{r}-{i}",
                    role=Role.FACILITATOR,
                    jurisdiction=RegionCode("33"),
                )
                slrt.assign(staff.supervisor, case_id, worker)
                slrt.unassign(staff.supervisor, case_id, worker.actor_id)

        return run

    ours, base = compare(
        (lambda: None, assigner(big, "case-0000001")),
        (lambda: None, assigner(small, "case-0000001")),
        repeat,
    )
    report(options, "read.command", 50 / ours, "commands/s", 50 / base, target=">= 1/1.2 of empty")
    big.close()
    small.close()


def sweep(options: Options, path: Path) -> None:
    store = SqliteStore(path, codec=PlainCodec(), migrate=False, synchronous="normal")
    conn = sqlite3.connect(path)
    index_sql = (
        "SELECT referral_id, case_id FROM referral_summaries"
        " WHERE is_open = 1 AND deadline <= ? ORDER BY deadline, referral_id"
    )
    open_ = conn.execute("SELECT count(*) FROM referral_summaries WHERE is_open = 1").fetchone()[0]
    none_at = T0 + timedelta(hours=12)
    slrt = sample_slrt(store, clock=FrozenClock(none_at))
    ours, base = compare(
        (lambda: None, lambda _: slrt.sweep(none_at)),
        (lambda: None, lambda _: conn.execute(index_sql, (none_at.isoformat(),)).fetchall()),
        5,
    )
    report(options, f"read.sweep_none_of_{open_}", ours, "s", base, target="< 0.2 s")
    due_at = T0 + timedelta(days=2)  # 1% of the 100-day spread
    start = time.perf_counter()
    listed = conn.execute(index_sql, (due_at.isoformat(),)).fetchall()
    base = time.perf_counter() - start
    slrt = sample_slrt(store, clock=FrozenClock(due_at))
    start = time.perf_counter()
    result = slrt.sweep(due_at)
    ours = time.perf_counter() - start
    report(
        options,
        f"read.sweep_due_{result.checked}_of_{open_}",
        ours,
        "s",
        base,
        target="< 10 s at 10,000 due",
    )
    assert result.checked == len(listed), (result.checked, len(listed))
    conn.close()
    store.close()


def rebuild(options: Options, path: Path) -> None:
    def ours(_: object) -> None:
        store = SqliteStore(path, codec=PlainCodec(), migrate=False)
        store.rebuild_projections(batch=500)
        store.close()

    def baseline(_: object) -> None:
        conn = sqlite3.connect(path)
        for _row in conn.execute("SELECT case_id, version, body FROM events ORDER BY seq"):
            pass
        conn.close()

    o, b = compare((lambda: None, ours), (lambda: None, baseline), 1)
    report(options, "read.rebuild", o, "s", b)
    memory = peak_alloc(lambda: None, ours)
    report(options, "read.rebuild_peak", memory, "MiB", None, target="bounded by the batch")


def page_memory(options: Options, path: Path) -> None:
    store = SqliteStore(path, codec=PlainCodec(), migrate=False)
    slrt = sample_slrt(store)
    where = CaseFilter(states=frozenset({CaseState.SUBMITTED}))
    conn = sqlite3.connect(path)
    sql = (
        "SELECT case_id, state, region, registered_at, payload FROM baseline_cases"
        " WHERE state = ? AND regency = ? ORDER BY registered_at, case_id LIMIT 50"
    )
    ours = peak_alloc(lambda: None, lambda _: slrt.cases(SUPERVISOR, where=where, limit=50))
    base = peak_alloc(lambda: None, lambda _: conn.execute(sql, ("submitted", "33.74")).fetchall())
    report(options, "read.page_memory", ours, "MiB", base, target="bounded by the page")
    conn.close()
    store.close()


def _extra(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cases", type=int, default=None, help="cases in the store (overrides the size)"
    )


def main() -> None:
    options = parse_args(__doc__ or "", parts=PARTS, extra=_extra)
    cases = getattr(options, "cases", None) or (3_000 if options.quick else 200_000)
    repeat = options.repeat or (5 if options.quick else 7)
    with tempfile.TemporaryDirectory(dir=options.dir) as tmp:
        path = Path(tmp) / "district.sqlite"
        seconds = build(path, cases)
        events = sqlite3.connect(path).execute("SELECT count(*) FROM events").fetchone()[0]
        report(options, f"read.build_{cases}_cases_{events}_events", seconds, "s", None)
        if options.wants("page"):
            page_fresh(options, path, repeat)
        if options.wants("count"):
            count(options, path, repeat)
        if options.wants("memory"):
            page_memory(options, path)
        if options.wants("command"):
            command(options, path, repeat, Path(tmp))
        if options.wants("rebuild"):
            rebuild(options, path)
        if options.wants("sweep"):  # last: it escalates the due referrals
            sweep(options, path)
    finish(options, "read")


if __name__ == "__main__":
    main()
