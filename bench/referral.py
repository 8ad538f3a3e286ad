"""Referral routing, the SLA sweep and outbox delivery, beside hand-written baselines.

- ``referral.route``: needs routed per second with :func:`slrt_core.referral.route`
  (default policy, indexed directory) against a directory of 5,000 services spread over
  Central Java (province 33: its regencies, districts and villages, every tier), beside
  a straightforward linear scan that filters all 5,000 services per need and sorts the
  survivors by the same key. Both give the same ranking (checked on a sample).
- ``referral.sweep``: the vectorised SLA sweep (:func:`slrt_core.referral.overdue`)
  over 1,000,000 open referrals (target under one second), beside a plain Python loop
  over the same rows (a holiday set and day-by-day stepping), timed on a sample and given
  in referrals per second. ``referral.sweep.seconds`` is the time of the 1M sweep.
- ``referral.relay``: messages per second the :class:`~slrt_core.outbox.OutboxRelay`
  delivers from a :class:`~slrt_core.adapters.MemoryStore` through
  :class:`~slrt_core.adapters.WebhookNotifier` to a webhook on 127.0.0.1 served by a
  separate process, beside raw ``urllib`` POSTs of the same signed bodies.

Peak memory of routing and of the sweep is measured in untimed runs (tracemalloc), and
the process's peak RSS at the end.

Run: ``python bench/referral.py [--quick] [--json]``.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import subprocess
import sys
import urllib.request
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from _common import Options, compare, finish, parse_args, peak_alloc, report

from slrt_core import (
    Case,
    CaseState,
    Channel,
    ComplaintKind,
    Household,
    Need,
    Person,
    Priority,
    RegionCode,
    RegionLevel,
    Relationship,
    Sector,
    Sex,
    Tier,
)
from slrt_core.adapters import MemoryStore, WebhookNotifier
from slrt_core.calendar import WorkingCalendar
from slrt_core.case import Event
from slrt_core.case._events import CaseRegistered
from slrt_core.notify import Notification
from slrt_core.outbox import OutboxRelay
from slrt_core.ports import Commit
from slrt_core.referral import (
    DEFAULT_LADDER,
    TIER_ORDER,
    Capacity,
    Directory,
    Provider,
    ReferralTable,
    Routing,
    Service,
    overdue,
    program_key,
    route,
)
from slrt_core.testing import FrozenClock

PROVINCE = RegionCode("33")
SERVICES = 5_000
# Village, district (regency/city), province, national, NGO: about 3,500 village services
# (a Puskesos desk in 4 of 10 villages), 1,000 regency services (some 28 per regency: Dinas
# Sosial, Dukcapil, Dinkes, Disdik, BPJS branch ...), 60 provincial and 20 national
# services, 420 NGOs serving a district each.
TIER_WEIGHTS = [70, 20, 1.2, 0.4, 8.4]
PROGRAMS = ["PKH", "BPNT", "PBI-JK", "PIP", "RTLH", "KIS-DAERAH", None, None, None]
SIZES = {"needs": (1_000, 10_000), "sweep": (200_000, 1_000_000), "relay": (300, 2_000)}
BASELINE_SWEEP_SAMPLE = (10_000, 50_000)
SECRET = b"bench-secret"


def _size(options: Options, name: str) -> int:
    quick, full = SIZES[name]
    return quick if options.quick else full


# --------------------------------------------------------------------------- routing


def build_directory(rng: random.Random) -> tuple[Directory, list[RegionCode]]:
    """5,000 services over the regencies, districts and villages of province 33."""
    regencies = PROVINCE.codes_at(RegionLevel.REGENCY)
    districts = PROVINCE.codes_at(RegionLevel.DISTRICT)
    villages = PROVINCE.codes_at(RegionLevel.VILLAGE)
    providers = [
        Provider(provider_id=f"p{i}", name=f"Provider {i}", tier=tier, region=PROVINCE)
        for i, tier in enumerate(Tier)
    ]
    services = []
    sectors = list(Sector)
    for i in range(SERVICES):
        tier = rng.choices(list(Tier), weights=TIER_WEIGHTS)[0]
        area = {
            Tier.VILLAGE: lambda: rng.choice(villages),
            Tier.DISTRICT: lambda: rng.choice(regencies),
            Tier.PROVINCE: lambda: PROVINCE,
            Tier.NATIONAL: lambda: RegionCode.INDONESIA,
            Tier.NGO: lambda: rng.choice(districts),
        }[tier]()
        available = rng.choice([None, 0, rng.randint(1, 50)])
        services.append(
            Service(
                service_id=f"s{i:05d}",
                provider_id=f"p{list(Tier).index(tier)}",
                name=f"Service {i}",
                sectors=set(rng.sample(sectors, rng.choice([1, 1, 2]))),
                tier=tier,
                area=(area,),
                program=rng.choice(PROGRAMS),
                capacity=Capacity(
                    available=available,
                    maximum=None if available is None else available + rng.randint(0, 50),
                    waitlist=rng.randint(0, 5) if available == 0 else 0,
                ),
                active=rng.random() > 0.05,
            )
        )
    return Directory(providers, services), villages


def build_cases(rng: random.Random, villages: list[RegionCode], n: int) -> list[Case]:
    at = datetime(2026, 8, 3, 2, 0, tzinfo=UTC)
    head = Person(
        member_id="m1", relationship=Relationship.HEAD, birth_date=date(1980, 1, 1), sex=Sex.MALE
    )
    cases = []
    for i in range(n):
        received = set(rng.sample(PROGRAMS[:6], rng.randint(0, 2)))
        cases.append(
            Case(
                case_id=f"case-{i}",
                version=5,
                state=CaseState.REVIEWED,
                household=Household(
                    region=rng.choice(villages), members=(head,), programs_received=received
                ),
                channel=Channel.HOME_VISIT,
                kind=ComplaintKind.GRIEVANCE,
                emergency=False,
                priority=Priority.NORMAL,
                needs=(Need(sector=rng.choice(list(Sector)), need_id="n1"),),
                opened_at=at,
                updated_at=at,
            )
        )
    return cases


def route_all(directory: Directory, cases: list[Case]) -> list[list[str]]:
    ranked = []
    for case in cases:
        result = route(case, "n1", directory=directory)
        assert isinstance(result, Routing)
        ranked.append([c.service_id for c in result.candidates])
    return ranked


def linear_scan(directory: Directory, cases: list[Case]) -> list[list[str]]:
    """The straightforward way: test every service against every need, then sort."""
    services = list(directory.services())
    ranked = []
    for case in cases:
        need = case.needs[0]
        village = case.region
        receives = {program_key(p) for p in case.household.programs_received}
        keyed = []
        for s in services:
            if not s.active or need.sector not in s.sectors:
                continue
            covering = [a for a in s.area if a.contains(village)]
            if not covering:
                continue
            if s.program is not None and program_key(s.program) in receives:
                continue
            cap = s.capacity
            if cap.available is None:
                capacity, load = 1, 0.5
            elif cap.available <= 0:
                capacity, load = 2, 1.0 + cap.waitlist
            elif cap.maximum:
                capacity, load = 0, 1 - min(cap.available, cap.maximum) / cap.maximum
            else:
                capacity, load = 0, 0.5
            depth = max(a.level for a in covering)
            keyed.append(((TIER_ORDER[s.tier], -depth, capacity, load), s.service_id))
        keyed.sort()
        ranked.append([sid for _, sid in keyed])
    return ranked


def bench_routing(options: Options, repeat: int) -> None:
    rng = random.Random(2026)
    directory, villages = build_directory(rng)
    cases = build_cases(rng, villages, _size(options, "needs"))
    sample = cases[:200]
    assert route_all(directory, sample) == linear_scan(directory, sample), "rankings differ"
    ours, base = compare(
        (lambda: None, lambda _: route_all(directory, cases)),
        (lambda: None, lambda _: linear_scan(directory, cases)),
        repeat,
    )
    n = len(cases)
    report(options, "referral.route", n / ours, "needs/s", n / base)
    memory = peak_alloc(lambda: None, lambda _: route_all(directory, cases))
    report(options, "referral.route.peak_alloc", memory, "MiB", None)


# --------------------------------------------------------------------------- sweep


def sweep_table(n: int, seed: int = 7) -> tuple[ReferralTable, datetime]:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2026-06-01T00:00", "us")
    minutes = rng.integers(0, 200 * 24 * 60, size=n)
    table = ReferralTable(
        referral_id=np.array([f"r{i}" for i in range(n)], dtype=object),
        due_at=start + minutes.astype("timedelta64[m]"),
        level=rng.integers(0, 4, size=n).astype(np.int16),
    )
    now = datetime(2026, 10, 15, 2, 0, tzinfo=UTC)
    return table, now


def python_sweep(
    rows: list[tuple[datetime, int]], now: datetime, holidays: set[date]
) -> dict[int, int]:
    """The straightforward way: one row at a time, stepping day by day."""
    wib = timedelta(hours=7)
    offsets = [r.after_days for r in DEFAULT_LADDER.rungs]
    found = {}
    for i, (due, level) in enumerate(rows):
        if due > now:
            continue
        target = level
        day = (due + wib - timedelta(microseconds=1)).date()
        while target < len(offsets):
            k = offsets[target]
            if k == 0:
                fire = due
            else:
                d, left = day, k
                while left:
                    d += timedelta(days=1)
                    if d.weekday() < 5 and d not in holidays:
                        left -= 1
                fire = datetime(d.year, d.month, d.day, tzinfo=UTC) + timedelta(days=1) - wib
            if fire > now:
                break
            target += 1
        if target > level:
            found[i] = target
    return found


def bench_sweep(options: Options, repeat: int) -> None:
    calendar = WorkingCalendar()
    n = _size(options, "sweep")
    table, now = sweep_table(n)
    sample = BASELINE_SWEEP_SAMPLE[0] if options.quick else BASELINE_SWEEP_SAMPLE[1]
    rows = [
        (d.item().replace(tzinfo=UTC), int(level))
        for d, level in zip(table.due_at[:sample], table.level[:sample], strict=True)
    ]
    holidays = {h.day for y in calendar.official_years for h in calendar.holidays(y)}
    small = ReferralTable(
        referral_id=table.referral_id[:sample],
        due_at=table.due_at[:sample],
        level=table.level[:sample],
    )
    found = overdue(small, now, calendar=calendar)
    expected = python_sweep(rows, now, holidays)
    assert dict(zip(found.index.tolist(), found.level.tolist(), strict=True)) == expected
    ours, base = compare(
        (lambda: None, lambda _: overdue(table, now, calendar=calendar)),
        (lambda: None, lambda _: python_sweep(rows, now, holidays)),
        repeat,
    )
    report(options, "referral.sweep", n / ours, "referrals/s", sample / base)
    report(options, "referral.sweep.seconds", ours, "s", None, target=f"< 1 s for {n:,} referrals")
    memory = peak_alloc(lambda: None, lambda _: overdue(table, now, calendar=calendar))
    report(options, "referral.sweep.peak_alloc", memory, "MiB", None)


# --------------------------------------------------------------------------- relay

SERVER = r"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def outbox(n: int) -> MemoryStore:
    store = MemoryStore()
    at = datetime(2026, 8, 3, 2, 0, tzinfo=UTC)
    head = Person(
        member_id="m1", relationship=Relationship.HEAD, birth_date=date(1980, 1, 1), sex=Sex.MALE
    )
    household = Household(region=RegionCode("33.74.01.1001"), members=(head,))
    from slrt_core.access import Role
    from slrt_core.case._events import apply

    for i in range(n):
        event = Event(
            case_id=f"case-{i}",
            version=1,
            at=at,
            actor_id="bo-1",
            role=Role.BACK_OFFICE,
            payload=CaseRegistered(
                household=household,
                channel=Channel.SECRETARIAT_DESK,
                kind=ComplaintKind.GRIEVANCE,
                needs=(Need(sector=Sector.FOOD, need_id="n1"),),
                emergency=True,
                priority=Priority.HIGH,
            ),
        )
        note = Notification(
            message_id=f"case-{i}:1:case_registered_emergency:role:back_office@33.74",
            topic="case_registered_emergency",
            recipient="role:back_office@33.74",
            case_id=f"case-{i}",
            subject={"en": f"Emergency case case-{i}", "id": f"Kasus darurat case-{i}"},
            body={"en": "Give direct service first.", "id": "Berikan layanan langsung."},
            created_at=at,
        )
        store.commit(
            Commit(
                case=apply(None, event),
                expected_version=0,
                events=(event,),
                notifications=(note,),
            )
        )
    return store


def raw_posts(url: str, bodies: list[bytes]) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for body in bodies:
        signature = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "X-SLRT-Signature": signature},
        )
        with opener.open(request, timeout=10) as response:
            response.read()


def bench_relay(options: Options, repeat: int) -> None:
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}/hook"
        n = _size(options, "relay")
        notifier = WebhookNotifier(url, secret=SECRET, use_env_proxy=False)
        clock = FrozenClock(datetime(2026, 8, 3, 3, 0, tzinfo=UTC))

        def setup_relay() -> OutboxRelay:
            return OutboxRelay(outbox(n), notifier, clock)

        def run_relay(relay: OutboxRelay) -> None:
            delivered = relay.drain().delivered
            assert delivered == n, delivered

        store = outbox(n)
        bodies = [
            notifier.body(m.notification)
            for m in store.claim_due(clock.now(), limit=n, lease_seconds=1)
        ]
        ours, base = compare(
            (setup_relay, run_relay), (lambda: bodies, lambda b: raw_posts(url, b)), repeat
        )
        report(options, "referral.relay", n / ours, "messages/s", n / base)
    finally:
        server.terminate()
        server.wait()


def main(argv: list[str] | None = None) -> None:
    options = parse_args(__doc__ or "", argv)
    repeat = options.repeat or (2 if options.quick else 3)
    bench_routing(options, repeat)
    bench_sweep(options, repeat)
    bench_relay(options, repeat)
    finish(options, "referral")


if __name__ == "__main__":
    main()


__all__: list[Any] = []
