"""Commands per second on PostgreSQL over loopback, beside raw psycopg writing the same rows.

Ours is :class:`~slrt_core.Slrt` on :class:`~slrt_core.adapters.postgres.PostgresStore`,
running the ``"full"`` case flow of the public testing kit
(:func:`slrt_core.testing.walk_case`: register, assess, submit, approve, review,
consent, refer, the provider takes the referral to completed, the client confirms,
re-assess, close). The baseline is raw :mod:`psycopg` writing the same rows in the
same schema, one transaction per command: it takes the audit chain lock
(``SELECT ... FOR UPDATE`` on ``audit_head``), inserts the event rows (the same JSON
bodies, chained with SHA-256 in the loop), the case row, the referral index and outbox
rows, moves the chain head and commits, pipelined like the store (BEGIN and the lock in
one round trip, the writes and COMMIT in another). Before timing, one flow is run each
way and the tables are compared row by row.

Figures, each for 1 worker and for 4 worker processes (separate connections and app
processes, as app servers would be, started together after their setup):

- ``postgres.synchronous_commit_<setting>.<n>_workers.throughput``: commands/s, with
  the baseline and the ratio (target: at least 0.5);
- ``postgres.synchronous_commit_<setting>.peak_alloc``: peak Python memory of one
  worker's run (tracemalloc), beside the baseline's;
- ``postgres.process.maxrss``: the benchmark process's peak resident set size.

The server is a throwaway one started from the local binaries
(:class:`~slrt_core.testing.postgres.PostgresServer`) with its defaults, so
``synchronous_commit=on``: every command is flushed to the WAL on disk before it is
acknowledged. ``--synchronous-commit off`` measures the faster setting (see
docs/how-to/use-postgresql.md); ``--dsn`` uses a server of your own.

Run: ``python bench/postgres.py [--quick] [--json] [--synchronous-commit on|off] [--dsn URL]``.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import multiprocessing
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.synchronize import Barrier
from typing import Any
from urllib.parse import quote

import psycopg
from _common import Options, compare, finish, parse_args, peak_alloc, report

from slrt_core import Slrt
from slrt_core.adapters import MemoryStore
from slrt_core.adapters._outbox import outbox_body
from slrt_core.adapters.postgres import PostgresStore
from slrt_core.ports import Commit
from slrt_core.serialization import event_to_json
from slrt_core.testing import sample_slrt, sample_staff, walk_case
from slrt_core.testing.postgres import PostgresServer

WORKERS = 4
# flows per worker and timed run: (quick, full)
SIZES = {"1": (10, 100), "4": (5, 50)}

_schemas = itertools.count(1)


def new_schema(dsn: str, synchronous_commit: str) -> str:
    """A new schema holding the store's tables; returns a URL whose sessions use it."""
    name = f"bench_{next(_schemas)}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        conn.execute(f"CREATE SCHEMA {name}")
    url = dsn + ("&" if "?" in dsn else "?") + "options=" + quote(f"-c search_path={name}")
    PostgresStore(url, synchronous_commit=synchronous_commit, min_size=0).close()
    return url


# ---------------------------------------------------------------- ours and the baseline

CASE_1 = "case-000001"
REFERRAL_1 = "referral-000001"
STAFF = sample_staff()


def flow(slrt: Slrt) -> None:
    """One case from registration to closure."""
    for _ in walk_case(slrt, STAFF, route="full"):
        pass


def run_flows(slrt: Slrt, flows: int) -> None:
    for _ in range(flows):
        flow(slrt)


class RecordingStore:
    """A MemoryStore that keeps every Commit, to derive the rows the baseline writes."""

    def __init__(self) -> None:
        self.inner = MemoryStore()
        self.commits: list[Commit] = []

    def commit(self, commit: Commit, /) -> None:
        self.commits.append(commit)
        self.inner.commit(commit)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def flow_templates() -> list[tuple[Any, ...]]:
    """The rows each command of one flow writes, taken from a real run (case-000001)."""
    store = RecordingStore()
    flow(sample_slrt(store))  # type: ignore[arg-type]
    templates = []
    for c in store.commits:
        case = c.case
        touched = {getattr(e.payload, "referral_id", None) for e in c.events} - {None}
        templates.append(
            (
                [(e.type, e.version, event_to_json(e)) for e in c.events],
                (case.version, case.state.value, case.region.code),
                [
                    (r.referral_id, r.provider_id, r.status.value, r.due_at)
                    for r in case.referrals
                    if r.referral_id in touched
                ],
                [(n.message_id, outbox_body(n), n.created_at) for n in c.notifications],
            )
        )
    return templates


TEMPLATES = flow_templates()
COMMANDS_PER_FLOW = len(TEMPLATES)
# Fork where it is safe and cheap (the parent holds no open pool when workers start);
# spawn elsewhere.
MP_CONTEXT = "fork" if sys.platform == "linux" else "spawn"


def raw_commands(flows: int, prefix: str = "") -> list[tuple[Any, ...]]:
    """The rows of *flows* cases, each with its own case and referral ids."""
    out = []
    for n in range(1, flows + 1):
        cid, rid = f"{prefix}case-{n:06d}", f"{prefix}referral-{n:06d}"

        def sub(text: str, cid: str = cid, rid: str = rid) -> str:
            return text.replace(CASE_1, cid).replace(REFERRAL_1, rid)

        for events, case_row, referral_rows, outbox_rows in TEMPLATES:
            out.append(
                (
                    cid,
                    [(t, v, sub(b.decode()).encode()) for t, v, b in events],
                    case_row,
                    [(sub(r), p, st, d) for r, p, st, d in referral_rows],
                    [(sub(m), sub(b), d) for m, b, d in outbox_rows],
                )
            )
    return out


def ours_setup(url: str, synchronous_commit: str, prefix: str = "") -> tuple[Slrt, PostgresStore]:
    store = PostgresStore(url, synchronous_commit=synchronous_commit)  # type: ignore[arg-type]
    return sample_slrt(store, id_prefix=prefix), store


def base_setup(url: str, synchronous_commit: str) -> psycopg.Connection[Any]:
    conn = psycopg.connect(url, autocommit=True)
    conn.execute("SELECT set_config('synchronous_commit', %s, false)", (synchronous_commit,))
    return conn


def raw_run(conn: psycopg.Connection[Any], commands: list[tuple[Any, ...]]) -> None:
    """One pipelined transaction per command, writing the rows the store writes."""
    sha256 = hashlib.sha256
    for cid, events, (version, state, region), referral_rows, outbox_rows in commands:
        with conn.pipeline():
            conn.execute("BEGIN")
            seq, prev = conn.execute("SELECT seq, digest FROM audit_head FOR UPDATE").fetchone()  # type: ignore[misc]
            rows = []
            for etype, eversion, body in events:
                seq += 1
                digest = sha256(
                    b'{"event":%s,"prev":"%s","seq":%d}' % (body, prev.encode(), seq)
                ).hexdigest()
                rows.append((seq, cid, eversion, etype, body, prev, digest))
                prev = digest
            cur = conn.cursor()
            cur.executemany(
                "INSERT INTO events (seq, case_id, version, type, body, prev, digest)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                rows,
            )
            cur.execute("UPDATE audit_head SET seq = %s, digest = %s", (seq, prev))
            if version == 1:
                cur.execute(
                    "INSERT INTO cases (case_id, version, state, region) VALUES (%s, %s, %s, %s)",
                    (cid, version, state, region),
                )
            else:
                cur.execute(
                    "UPDATE cases SET version = %s, state = %s WHERE case_id = %s",
                    (version, state, cid),
                )
            if referral_rows:
                cur.executemany(
                    "INSERT INTO referrals (referral_id, case_id, provider_id, status, due_at)"
                    " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (referral_id) DO UPDATE SET"
                    " status = EXCLUDED.status, due_at = EXCLUDED.due_at",
                    [(rid, cid, p, s, d) for rid, p, s, d in referral_rows],
                )
            if outbox_rows:
                cur.executemany(
                    "INSERT INTO outbox (message_id, body, due_at) VALUES (%s, %s, %s)"
                    " ON CONFLICT (message_id) DO NOTHING",
                    outbox_rows,
                )
            conn.execute("COMMIT")


def dump(url: str) -> dict[str, list[Any]]:
    with psycopg.connect(url) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("events", "cases", "referrals", "outbox", "audit_head")
        }


def check_same_rows(dsn: str, sync: str, rows: list[tuple[Any, ...]]) -> None:
    """Run one flow each way (untimed) and check both wrote the same rows."""
    ours_url, base_url = new_schema(dsn, sync), new_schema(dsn, sync)
    slrt, store = ours_setup(ours_url, sync)
    try:
        flow(slrt)
    finally:
        store.close()
    with base_setup(base_url, sync) as conn:
        raw_run(conn, rows[:COMMANDS_PER_FLOW])
    ours, base = dump(ours_url), dump(base_url)
    assert ours == base, f"the baseline writes other rows than the store:\n{ours}\n{base}"


# ---------------------------------------------------------------- worker processes


def worker(
    kind: str, url: str, sync: str, flows: int, index: int, start: Barrier, done: Barrier
) -> None:
    """One app process: set up, wait for the others, run its flows, report done."""
    prefix = f"w{index}-"
    if kind == "ours":
        slrt, store = ours_setup(url, sync, prefix)
        try:
            start.wait()
            run_flows(slrt, flows)
            done.wait()
        finally:
            store.close()
    else:
        rows = raw_commands(flows, prefix)
        with base_setup(url, sync) as conn:
            start.wait()
            raw_run(conn, rows)
            done.wait()


def run_workers(kind: str, dsn: str, sync: str, flows: int, workers: int) -> float:
    """Seconds from the common start to the last worker's end, on a fresh schema."""
    url = new_schema(dsn, sync)
    ctx = multiprocessing.get_context(MP_CONTEXT)
    start, done = ctx.Barrier(workers + 1, timeout=300), ctx.Barrier(workers + 1, timeout=600)
    procs = [
        ctx.Process(target=worker, args=(kind, url, sync, flows, i, start, done))
        for i in range(workers)
    ]
    for p in procs:
        p.start()
    try:
        start.wait()
        began = time.perf_counter()
        done.wait()
        elapsed = time.perf_counter() - began
    finally:
        for p in procs:
            p.join(timeout=60)
            if p.is_alive():  # pragma: no cover - only when a worker hangs
                p.kill()
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    return elapsed


# ---------------------------------------------------------------- measurements


def bench_one_worker(options: Options, dsn: str, sync: str, repeat: int) -> None:
    flows = SIZES["1"][0 if options.quick else 1]
    commands = flows * COMMANDS_PER_FLOW
    rows = raw_commands(flows)
    check_same_rows(dsn, sync, rows)
    opened: list[Any] = []

    def ours() -> Slrt:
        slrt, store = ours_setup(new_schema(dsn, sync), sync)
        opened.append(store)
        return slrt

    def base() -> psycopg.Connection[Any]:
        conn = base_setup(new_schema(dsn, sync), sync)
        opened.append(conn)
        return conn

    try:
        best_ours, best_base = compare(
            (ours, lambda s: run_flows(s, flows)), (base, lambda c: raw_run(c, rows)), repeat
        )
        report(
            options,
            f"postgres.synchronous_commit_{sync}.1_worker.throughput",
            commands / best_ours,
            "commands/s",
            commands / best_base,
            target=">= 0.5 x raw psycopg",
        )
        report(
            options,
            f"postgres.synchronous_commit_{sync}.peak_alloc",
            peak_alloc(ours, lambda s: run_flows(s, flows)),
            "MiB",
            peak_alloc(base, lambda c: raw_run(c, rows)),
        )
    finally:
        for thing in opened:
            thing.close()


def bench_workers(options: Options, dsn: str, sync: str, repeat: int) -> None:
    flows = SIZES["4"][0 if options.quick else 1]
    commands = WORKERS * flows * COMMANDS_PER_FLOW
    best_ours = best_base = float("inf")
    for _ in range(max(1, repeat - 1)):
        best_ours = min(best_ours, run_workers("ours", dsn, sync, flows, WORKERS))
        best_base = min(best_base, run_workers("base", dsn, sync, flows, WORKERS))
    report(
        options,
        f"postgres.synchronous_commit_{sync}.{WORKERS}_workers.throughput",
        commands / best_ours,
        "commands/s",
        commands / best_base,
        target=">= 0.5 x raw psycopg",
    )


@contextmanager
def server(dsn: str | None) -> Iterator[str]:
    """The given server, or a throwaway one from the local binaries."""
    if dsn:
        yield dsn
        return
    reason = PostgresServer.unavailable_reason()
    if reason:
        sys.exit(f"Cannot start PostgreSQL here: {reason} Pass --dsn to use a running server.")
    with PostgresServer() as pg:
        yield pg.url()


def main(argv: list[str] | None = None) -> None:
    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--synchronous-commit", choices=["on", "off"], default="on")
    extra.add_argument("--dsn", default=None, help="a PostgreSQL URL (default: start a server)")
    mine, rest = extra.parse_known_args(argv)
    options = parse_args(__doc__.splitlines()[0], rest)
    sync = mine.synchronous_commit
    repeat = options.repeat or (3 if options.quick else 5)
    with server(mine.dsn) as dsn:
        if not options.json:
            with psycopg.connect(dsn) as conn:
                version = conn.execute("SHOW server_version").fetchone()
            print(
                f"# PostgreSQL {version[0] if version else '?'} over loopback, "
                f"synchronous_commit={sync}"
            )
        bench_one_worker(options, dsn, sync, repeat)
        bench_workers(options, dsn, sync, repeat)
    finish(options, "postgres")


if __name__ == "__main__":
    main()
