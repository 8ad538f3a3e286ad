"""Case KPIs, referral SLA analytics and exports on a district-sized SQLite store.

The store is built once per run (``--full``: 200,000 cases; ``--quick``: 3,000), in Kota
Semarang, registered over 90 days from Monday 5 January 2026 (the last 30 days are the
period reported on): each case is assessed, submitted, approved and reviewed a few
hours to days apart, one in five stays at an early stage, the rest get one or two
referrals (health to PBI-JK at BPJS, food to Sembako at Dinsos); a provider answers in
zero to four working days, sometimes after the deadline (a missed hop), some referrals
stay open and some are escalated once; two in three referred cases are re-assessed
and closed. Cases are written as one commit each, with the plain codec.

Figures, each beside its baseline measured in the same run:

- ``kpis.report``: ``Slrt.kpis`` for the period (every case registered before its end is
  read, in pages of 1,000 stored rows) beside a hand-written SQL version that computes
  the same figures: counts with ``GROUP BY``, stage stays and referral times from
  ``json_each``/``LEAD`` over the stored rows with the same working-day arithmetic in
  numpy, breaches with ``GROUP BY`` on the provider, the service and the regency. The
  two must agree (the script checks the main figures). Target: within 2x the baseline.
- ``kpis.report_peak``: the peak allocation of the KPI computation, beside the
  baseline's. Target: under 64 MiB at 200,000 cases (it holds the period's samples,
  not the rows).
- ``kpis.export_csv`` and ``kpis.export_parquet``: ``Slrt.export_cases`` of every case
  (rows per second) beside a raw ``SELECT`` of the same columns written by
  ``csv.writer`` (and, for Parquet, handed to pyarrow a page at a time). Target: at
  least half the baseline's rate.
- ``kpis.export_peak``: the peak allocation of the CSV export (pages of 1,000) beside
  the raw cursor's. Target: bounded by the page (flat in the store's size).
- ``kpis.export_referrals_csv``: ``Slrt.export_referrals`` (rows per second), no baseline.

Run: ``python bench/kpis.py [--quick] [--json] [--repeat N] [--dir DIR] [--only
kpis|export|memory]``.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from _common import Options, compare, finish, parse_args, peak_alloc, report

from slrt_core import Actor, Channel, ComplaintKind, Need, RegionCode, Role, Sector, Slrt
from slrt_core.adapters.basics import PlainCodec
from slrt_core.adapters.sqlite import SqliteStore
from slrt_core.calendar import WorkingCalendar
from slrt_core.case import (
    CaseApproved,
    CaseAssessed,
    CaseClosed,
    CaseReassessed,
    CaseRegistered,
    CaseReviewed,
    CaseSubmitted,
    Event,
    ReferralEscalated,
    ReferralRequested,
    ReferralStatusChanged,
    apply,
)
from slrt_core.case._model import Priority
from slrt_core.kpis import KpiPeriod, KpiReport
from slrt_core.ports import Commit
from slrt_core.referral import Directory, Provider, ReferralReason, ReferralStatus, Service
from slrt_core.testing import FrozenClock, sample_household
from slrt_core.vocabulary import ClosingReason, Tier

PARTS = ("kpis", "export", "memory")
T0 = datetime(2026, 1, 5, 1, tzinfo=UTC)  # Monday 08:00 WIB
DAYS = 90
PERIOD = KpiPeriod(start=date(2026, 3, 6), end=date(2026, 4, 4))
AS_OF = datetime(2026, 4, 5, 1, tzinfo=UTC)
SEMARANG = RegionCode("33.74")
VILLAGES = tuple(RegionCode(f"33.74.{d:02d}.{1000 + v}") for d in range(1, 17) for v in range(1, 9))
MANAGER = Actor(actor_id="dinsos-1", role=Role.MANAGER, jurisdiction=SEMARANG)
CALENDAR = WorkingCalendar()
CHANNELS = tuple(Channel)
KINDS = tuple(ComplaintKind)
SERVICES = {Sector.HEALTH: ("pbi-jk", "bpjs-jateng"), Sector.FOOD: ("sembako", "dinsos-smg")}


def directory() -> Directory:
    return Directory(
        [
            Provider(
                provider_id="bpjs-jateng",
                name="BPJS Kesehatan Jawa Tengah",
                tier=Tier.NATIONAL,
                region=RegionCode("33"),
            ),
            Provider(
                provider_id="dinsos-smg",
                name="Dinas Sosial Kota Semarang",
                tier=Tier.DISTRICT,
                region=SEMARANG,
            ),
        ],
        [
            Service(
                service_id="pbi-jk",
                provider_id="bpjs-jateng",
                name="PBI-JK",
                sectors={Sector.HEALTH},
                tier=Tier.NATIONAL,
                area=(RegionCode("33"),),
                program="PBI-JK",
            ),
            Service(
                service_id="sembako",
                provider_id="dinsos-smg",
                name="Sembako",
                sectors={Sector.FOOD},
                tier=Tier.DISTRICT,
                area=(SEMARANG,),
                program="Sembako",
            ),
        ],
    )


def _case_commit(n: int) -> Commit:
    """Case *n* whole, from its registration to wherever its number takes it."""
    case_id = f"case-{n:07d}"
    rng = np.random.default_rng(n)
    at = T0 + timedelta(seconds=int(n * DAYS * 86_400 / max(SIZE[0], 1)))
    sectors = (Sector.HEALTH, Sector.FOOD)[: 1 + n % 2]
    needs = tuple(
        Need(sector=s, description="need", need_id=f"n{i + 1}") for i, s in enumerate(sectors)
    )
    events: list[tuple[Any, Role, datetime]] = [
        (
            CaseRegistered(
                household=sample_household(VILLAGES[n % len(VILLAGES)]),
                channel=CHANNELS[n % 3],
                kind=KINDS[n % 3],
                needs=needs,
                emergency=n % 17 == 0,
                priority=Priority.NORMAL,
            ),
            Role.FACILITATOR,
            at,
        )
    ]

    def later(hours: float) -> datetime:
        nonlocal at
        at += timedelta(hours=hours)
        return at

    stage = n % 5
    if stage >= 1:
        events.append((CaseAssessed(findings="poor"), Role.FACILITATOR, later(rng.uniform(2, 72))))
        events.append((CaseSubmitted(), Role.FACILITATOR, later(rng.uniform(0, 24))))
    if stage >= 2:
        events.append((CaseApproved(), Role.SUPERVISOR, later(rng.uniform(1, 96))))
        events.append((CaseReviewed(), Role.FRONT_OFFICE, later(rng.uniform(1, 48))))
        ended = True
        for i, sector in enumerate(sectors):
            service_id, provider_id = SERVICES[sector]
            rid = f"ref-{n:07d}-{i}"
            sent = later(0.5)
            due = CALENDAR.deadline(sent, 2)
            events.append(
                (
                    ReferralRequested(
                        referral_id=rid,
                        need_id=f"n{i + 1}",
                        service_id=service_id,
                        provider_id=provider_id,
                        due_at=due,
                    ),
                    Role.BACK_OFFICE,
                    sent,
                )
            )
            if (n + i) % 11 == 0:  # never answered: escalated once, still open
                events.append(
                    (
                        ReferralEscalated(referral_id=rid, level=1, step="reminder", due_at=due),
                        Role.SYSTEM,
                        due + timedelta(hours=1),
                    )
                )
                ended = False
                continue
            answered = later(rng.uniform(1, 120))
            accepted_due = CALENDAR.deadline(answered, 5)
            events.append(
                (
                    ReferralStatusChanged(
                        referral_id=rid, status=ReferralStatus.RECEIVED, due_at=accepted_due
                    ),
                    Role.PROVIDER_STAFF,
                    answered,
                )
            )
            if (n + i) % 7 == 0:
                events.append(
                    (
                        ReferralStatusChanged(
                            referral_id=rid,
                            status=ReferralStatus.REJECTED,
                            reason=ReferralReason.CAPACITY,
                        ),
                        Role.PROVIDER_STAFF,
                        later(2),
                    )
                )
                continue
            accepted = later(rng.uniform(1, 48))
            complete_due = CALENDAR.deadline(accepted, 14)
            events.append(
                (
                    ReferralStatusChanged(
                        referral_id=rid, status=ReferralStatus.ACCEPTED, due_at=complete_due
                    ),
                    Role.PROVIDER_STAFF,
                    accepted,
                )
            )
            events.append(
                (
                    ReferralStatusChanged(referral_id=rid, status=ReferralStatus.COMPLETED),
                    Role.PROVIDER_STAFF,
                    later(rng.uniform(24, 400)),
                )
            )
        if ended and n % 3 != 0:
            events.append((CaseReassessed(findings="better"), Role.FACILITATOR, later(24)))
            reason = (ClosingReason.INDEPENDENT, ClosingReason.NEEDS_MET)[n % 2]
            events.append((CaseClosed(reason=reason), Role.SUPERVISOR, later(rng.uniform(2, 72))))
    case = None
    written = []
    for version, (payload, role, when) in enumerate(events, start=1):
        event = Event(
            case_id=case_id,
            version=version,
            at=when,
            actor_id=f"worker-{n % 40}",
            role=role,
            payload=payload,
        )
        case = apply(case, event)
        written.append(event)
    assert case is not None
    return Commit(case=case, expected_version=0, events=tuple(written))


SIZE = [0]


def build(path: Path, cases: int) -> float:
    SIZE[0] = cases
    start = time.perf_counter()
    store = SqliteStore(path, codec=PlainCodec(), synchronous="normal")
    for n in range(cases):
        store.commit(_case_commit(n))
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - start


def service(path: Path) -> tuple[Slrt, SqliteStore]:
    store = SqliteStore(path, codec=PlainCodec(), migrate=False)
    return Slrt(store=store, clock=FrozenClock(AS_OF), directory=directory()), store


# --------------------------------------------------------------------------- baseline


def _naive(at: datetime) -> str:
    return at.astimezone(UTC).replace(tzinfo=None).isoformat()


def _percentiles(starts: list[str], ends: list[str]) -> tuple[int, float, float]:
    if not starts:
        return 0, float("nan"), float("nan")
    a = np.array(starts, dtype="datetime64[us]")
    b = np.array(ends, dtype="datetime64[us]")
    days = CALENDAR.working_seconds_array(a, b) / 86_400
    median, p90 = np.percentile(days, [50, 90])
    return len(days), round(float(median), 3), round(float(p90), 3)


# Stored times are UTC ISO texts ending in +00:00: without it they sort and parse as numpy does.
BASELINE_SQL = {
    "intake": """
        SELECT channel, kind, emergency, count(*) FROM case_summaries
        WHERE regency = :regency AND registered_at >= :start AND registered_at < :end
        GROUP BY channel, kind, emergency
    """,
    "sectors": """
        SELECT s.value, count(*) FROM case_summaries c, json_each(c.body, '$[19]') s
        WHERE c.regency = :regency AND c.registered_at >= :start AND c.registered_at < :end
        GROUP BY s.value
    """,
    "stays": """
        WITH entries AS (
            SELECT h.value ->> 0 AS state, replace(h.value ->> 1, '+00:00', '') AS at,
                LEAD(replace(h.value ->> 1, '+00:00', '')) OVER (
                    PARTITION BY c.case_id ORDER BY h.key) AS left_at
            FROM case_summaries c, json_each(c.body, '$[21]') h
            WHERE c.regency = :regency AND c.registered_at < :end
        )
        SELECT state, at, left_at FROM entries
        WHERE left_at IS NOT NULL AND left_at >= :s AND left_at < :e
    """,
    "closed": """
        SELECT c.body ->> '$[20]', replace(c.registered_at, '+00:00', ''),
            replace(h.value ->> 1, '+00:00', '')
        FROM case_summaries c, json_each(c.body, '$[21]') h
        WHERE c.regency = :regency AND c.state = 'closed' AND h.value ->> 0 = 'closed'
            AND h.value ->> 1 >= :start AND h.value ->> 1 < :end
    """,
    "referrals": """
        SELECT provider_id, service_id, regency, status,
            json_array_length(body, '$[18]') > 0 OR (is_open = 1 AND deadline <= :now),
            replace(requested_at, '+00:00', ''), replace(body ->> '$[14]', '+00:00', ''),
            json_array_length(body, '$[19]')
        FROM referral_summaries
        WHERE regency = :regency AND requested_at >= :start AND requested_at < :end
    """,
}


def baseline(conn: sqlite3.Connection) -> dict[str, Any]:
    """The main figures of the KPI report, by hand: SQL, then numpy for the working days."""
    start, end = PERIOD.bounds(SEMARANG)
    params = {
        "regency": "33.74",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "s": _naive(start),
        "e": _naive(end),
        "now": AS_OF.isoformat(),
    }
    out: dict[str, Any] = {}
    intake = conn.execute(BASELINE_SQL["intake"], params).fetchall()
    out["cases_registered"] = sum(r[3] for r in intake)
    channels: Counter[str] = Counter()
    for channel, _, _, count in intake:
        channels[channel] += count
    out["by_channel"] = dict(channels)
    out["by_sector"] = dict(conn.execute(BASELINE_SQL["sectors"], params).fetchall())
    stays: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for state, at, left in conn.execute(BASELINE_SQL["stays"], params):
        stays[state][0].append(at)
        stays[state][1].append(left)
    out["stages"] = {state: _percentiles(*pair) for state, pair in stays.items()}
    closed = conn.execute(BASELINE_SQL["closed"], params).fetchall()
    out["cases_closed"] = len(closed)
    out["time_to_close"] = _percentiles([r[1] for r in closed], [r[2] for r in closed])
    providers: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    ack: tuple[list[str], list[str]] = ([], [])
    breached = 0
    for provider, _service, _regency, _status, late, sent, answered, _steps in conn.execute(
        BASELINE_SQL["referrals"], params
    ):
        providers[provider][0] += 1
        providers[provider][1] += late
        breached += late
        if answered is not None:
            ack[0].append(sent)
            ack[1].append(answered)
    out["referrals_breached"] = breached
    out["breach_by_provider"] = {k: tuple(v) for k, v in providers.items()}
    out["time_to_acknowledge"] = _percentiles(*ack)
    return out


def ours_figures(r: KpiReport) -> dict[str, Any]:
    """The same figures from our report, to check that the two agree."""
    return {
        "cases_registered": r.cases_registered,
        "by_channel": {c.key: c.count for c in r.by_channel},
        "by_sector": {c.key: c.count for c in r.by_sector},
        "stages": {
            s.stage.value: (
                s.durations.count,
                s.durations.median_working_days,
                s.durations.p90_working_days,
            )
            for s in r.stages
            if s.durations.count
        },
        "cases_closed": r.cases_closed,
        "time_to_close": (
            r.time_to_close.count,
            r.time_to_close.median_working_days,
            r.time_to_close.p90_working_days,
        ),
        "referrals_breached": r.referrals_breached,
        "breach_by_provider": {b.key: (b.referrals, b.breached) for b in r.breach_by_provider},
        "time_to_acknowledge": (
            r.time_to_acknowledge.count,
            r.time_to_acknowledge.median_working_days,
            r.time_to_acknowledge.p90_working_days,
        ),
    }


# --------------------------------------------------------------------------- parts


def kpis(options: Options, path: Path, repeat: int) -> None:
    slrt, store = service(path)
    conn = sqlite3.connect(path)
    ours = ours_figures(slrt.kpis(MANAGER, period=PERIOD))
    theirs = baseline(conn)
    assert ours == theirs, {k: (ours[k], theirs[k]) for k in ours if ours[k] != theirs[k]}
    o, b = compare(
        (lambda: None, lambda _: slrt.kpis(MANAGER, period=PERIOD)),
        (lambda: None, lambda _: baseline(conn)),
        repeat,
    )
    report(options, "kpis.report", o, "s", b, target="<= 2x baseline")
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT c.body FROM case_summaries c WHERE c.regency = ?"
        " AND c.registered_at < ? ORDER BY c.registered_at, c.case_id LIMIT 1000",
        ("33.74", AS_OF.isoformat()),
    ).fetchall()
    assert any("case_summaries_registered" in str(row) for row in plan), plan
    conn.close()
    store.close()


def _raw_csv(conn: sqlite3.Connection, out: Any) -> int:
    writer = csv.writer(out, lineterminator="\n")
    cursor = conn.execute(
        "SELECT case_id, region, regency, state, channel, kind, emergency, priority,"
        " registered_at, updated_at, open_sectors, referral_statuses, deadline"
        " FROM case_summaries WHERE regency = ? ORDER BY registered_at, case_id",
        ("33.74",),
    )
    writer.writerow([d[0] for d in cursor.description])
    rows = 0
    while page := cursor.fetchmany(1_000):
        writer.writerows(page)
        rows += len(page)
    return rows


def _raw_parquet(conn: sqlite3.Connection, out: Any) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    cursor = conn.execute(
        "SELECT case_id, region, regency, state, channel, kind, emergency, priority,"
        " registered_at, updated_at, open_sectors, referral_statuses, deadline"
        " FROM case_summaries WHERE regency = ? ORDER BY registered_at, case_id",
        ("33.74",),
    )
    names = [d[0] for d in cursor.description]
    writer = None
    rows = 0
    while page := cursor.fetchmany(1_000):
        table = pa.table({n: [r[i] for r in page] for i, n in enumerate(names)})
        if writer is None:
            writer = pq.ParquetWriter(out, table.schema)
        writer.write_table(table)
        rows += len(page)
    if writer is not None:
        writer.close()
    return rows


def export(options: Options, path: Path, repeat: int, tmp: Path, cases: int) -> None:
    slrt, store = service(path)
    conn = sqlite3.connect(path)
    target = tmp / "cases.csv"

    def ours(_: object) -> None:
        assert slrt.export_cases(MANAGER, target).rows == cases

    def raw(_: object) -> None:
        with (tmp / "raw.csv").open("w", newline="", encoding="utf-8") as out:
            assert _raw_csv(conn, out) == cases

    o, b = compare((lambda: None, ours), (lambda: None, raw), repeat)
    report(options, "kpis.export_csv", cases / o, "rows/s", cases / b, target=">= 1/2 of raw")

    def ours_parquet(_: object) -> None:
        assert slrt.export_cases(MANAGER, tmp / "cases.parquet").rows == cases

    def raw_parquet(_: object) -> None:
        with (tmp / "raw.parquet").open("wb") as out:
            assert _raw_parquet(conn, out) == cases

    o, b = compare((lambda: None, ours_parquet), (lambda: None, raw_parquet), repeat)
    report(options, "kpis.export_parquet", cases / o, "rows/s", cases / b, target=">= 1/2 of raw")
    referrals = conn.execute("SELECT count(*) FROM referral_summaries").fetchone()[0]
    start = time.perf_counter()
    slrt.export_referrals(MANAGER, tmp / "referrals.csv")
    took = time.perf_counter() - start
    report(options, "kpis.export_referrals_csv", referrals / took, "rows/s", None)
    conn.close()
    store.close()


def memory(options: Options, path: Path) -> None:
    slrt, store = service(path)
    conn = sqlite3.connect(path)
    ours = peak_alloc(lambda: None, lambda _: slrt.kpis(MANAGER, period=PERIOD))
    base = peak_alloc(lambda: None, lambda _: baseline(conn))
    report(options, "kpis.report_peak", ours, "MiB", base, target="< 64 MiB")

    # Both write to the null device: the peak is what the export holds, not its output.
    def ours_export(_: object) -> None:
        with Path(os.devnull).open("wb") as sink:
            slrt.export_cases(MANAGER, sink, format="csv")

    def raw_export(_: object) -> None:
        with Path(os.devnull).open("w", newline="", encoding="utf-8") as sink:
            _raw_csv(conn, sink)

    ours = peak_alloc(lambda: None, ours_export)
    base = peak_alloc(lambda: None, raw_export)
    report(options, "kpis.export_peak", ours, "MiB", base, target="bounded by the page")
    conn.close()
    store.close()


def main() -> None:
    options = parse_args(__doc__ or "", parts=PARTS)
    cases = 3_000 if options.quick else 200_000
    repeat = options.repeat or (3 if options.quick else 5)
    with tempfile.TemporaryDirectory(dir=options.dir) as tmp:
        path = Path(tmp) / "district.sqlite"
        seconds = build(path, cases)
        with sqlite3.connect(path) as conn:
            referrals = conn.execute("SELECT count(*) FROM referral_summaries").fetchone()[0]
        report(options, f"kpis.build_{cases}_cases_{referrals}_referrals", seconds, "s", None)
        if options.wants("kpis"):
            kpis(options, path, repeat)
        if options.wants("export"):
            export(options, path, repeat, Path(tmp), cases)
        if options.wants("memory"):
            memory(options, path)
    finish(options, "kpis")


if __name__ == "__main__":
    main()
