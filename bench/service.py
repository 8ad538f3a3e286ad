"""Commands per second of full case flows through the service, beside hand-written baselines.

One flow is 14 commands, the closed loop of the SLRT flow: register, assess, submit,
approve, review, record consent, refer, referral received, accepted, in progress and completed,
confirm receipt, reassess, close. Ids are sequential and the clock steps one second per
read, so neither costs more than it must.

- ``service.memory``: :class:`~slrt_core.Slrt` on :class:`~slrt_core.adapters.MemoryStore`
  (``with_audit_sealed`` also reads the audit trail once, which seals the chain)
  beside a plain-dict transition table doing the same steps (per command: one state
  table lookup and one tuple appended to a list).
- ``service.sqlite_normal`` and ``service.sqlite_full``: ``Slrt`` on
  :class:`~slrt_core.adapters.SqliteStore` with a file (WAL, ``synchronous`` NORMAL or
  FULL) beside raw :mod:`sqlite3` writing the same rows in the same schema, one
  ``BEGIN IMMEDIATE``/``COMMIT`` per command: the event row (the same JSON body, prev
  and a SHA-256 digest computed in the loop), the case row (INSERT, then UPDATE), the
  referral index row and the outbox rows where the command writes them. Both sides store
  events in clear (``codec=PlainCodec()``), so the rows are byte for byte the same (an
  untimed run checks it, idempotency table included).
- ``service.sqlite_*.sealed``: the same flows on the default file store, which seals
  personal data at rest (AES-GCM per case, a key store beside the file): the price of
  the default, beside the raw baseline in clear (no target).

- ``service.eventsourcing_*``: the peer a user would otherwise pick: the same 14-command
  flow on the `eventsourcing <https://eventsourcing.readthedocs.io>`_ library, one
  ``Application`` with one aggregate per case (each command loads it from the
  repository, calls one ``@event`` method and saves it), on its POPO (in-memory)
  persistence and on its SQLite persistence (a file, WAL, ``synchronous`` NORMAL or
  FULL), interleaved run by run with ours.

Notifications stay in the outbox (no notifier): delivery is the relay's work, not the
command's.

Every figure is the MEDIAN of several timed runs with the garbage collector on (a real
service pays for its garbage), contestants interleaved run by run so a burst of load
from other processes hits all of them.

Run: ``python bench/service.py [--quick] [--json] [--dir DIR] [--only memory|normal|full]``.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import itertools
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import Options, finish, parse_args, peak_alloc, report

from slrt_core import (
    Actor,
    Channel,
    ClosingReason,
    ComplaintKind,
    Household,
    Need,
    Person,
    ReferralStatus,
    RegionCode,
    RegistryStatus,
    Relationship,
    Role,
    Schooling,
    Sector,
    Sex,
    Slrt,
)
from slrt_core.adapters import MemoryStore, SequentialIds, SqliteStore
from slrt_core.adapters._outbox import outbox_body
from slrt_core.adapters.basics import PlainCodec
from slrt_core.adapters.sqlite import MIGRATIONS
from slrt_core.audit import GENESIS
from slrt_core.demo import demo_directory
from slrt_core.ports import Commit
from slrt_core.serialization import converter, event_to_json

COMMANDS_PER_FLOW = 14
DISTRICT = RegionCode("33.74")
KECAMATAN = RegionCode("33.74.01")
VILLAGE = RegionCode("33.74.01.1001")
CASE_1 = "case-000001"
REFERRAL_1 = "referral-000001"

# Flows per timed run, --quick and full.
SIZES = {
    "memory": (100, 400),
    "normal": (150, 1_000),
    "full": (60, 300),
}


class StepClock:
    """A clock that moves one second forward each time it is read."""

    def __init__(self) -> None:
        self._now = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
        self._step = timedelta(seconds=1)

    def now(self) -> datetime:
        self._now += self._step
        return self._now


ACTORS = {
    "facilitator": Actor(
        actor_id="fasilitator-siti", role=Role.FACILITATOR, jurisdiction=KECAMATAN
    ),
    "supervisor": Actor(actor_id="supervisor-budi", role=Role.SUPERVISOR, jurisdiction=DISTRICT),
    "front": Actor(actor_id="fo-rina", role=Role.FRONT_OFFICE, jurisdiction=DISTRICT),
    "back": Actor(actor_id="bo-agus", role=Role.BACK_OFFICE, jurisdiction=DISTRICT),
    "bpjs": Actor(
        actor_id="bpjs-staff",
        role=Role.PROVIDER_STAFF,
        jurisdiction=DISTRICT,
        provider_id="bpjs-semarang",
    ),
}

HOUSEHOLD = Household(
    region=VILLAGE,
    members=(
        Person(
            member_id="m1",
            relationship=Relationship.HEAD,
            birth_date=date(1982, 3, 14),
            sex=Sex.MALE,
            working=True,
            monthly_income=1_200_000,
        ),
        Person(
            member_id="m2",
            relationship=Relationship.SPOUSE,
            birth_date=date(1986, 7, 2),
            sex=Sex.FEMALE,
            working=False,
            monthly_income=0,
        ),
        Person(
            member_id="m3",
            relationship=Relationship.CHILD,
            birth_date=date(2016, 1, 20),
            sex=Sex.FEMALE,
            schooling=Schooling.SD,
            monthly_income=0,
        ),
    ),
    registry=RegistryStatus(in_registry=True, decile=2),
)
NEEDS = [Need(sector=Sector.HEALTH, description="No health insurance for the family")]


def make_slrt(store: Any) -> Slrt:
    return Slrt(store=store, clock=StepClock(), ids=SequentialIds(), directory=demo_directory())


def flow(slrt: Slrt) -> None:
    """One case from registration to closure: 14 commands."""
    a = ACTORS
    cid = slrt.register(
        a["facilitator"],
        HOUSEHOLD,
        channel=Channel.HOME_VISIT,
        kind=ComplaintKind.GRIEVANCE,
        needs=NEEDS,
    ).case_id
    slrt.assess(
        a["facilitator"], cid, findings="Head works as a day labourer; family in DTKS decile 2."
    )
    slrt.submit(a["facilitator"], cid)
    slrt.approve(a["supervisor"], cid)
    slrt.review(a["front"], cid)
    slrt.record_consent(
        a["facilitator"],
        cid,
        subject="m1",
        grantor="m1",
        purposes=["referral"],
        recipients=["*"],
        evidence="Signed SLRT consent form",
    )
    rid = slrt.refer(a["back"], cid, "n1", service_id="pbi-jk-bpjs").referral_id
    for status in (
        ReferralStatus.RECEIVED,
        ReferralStatus.ACCEPTED,
        ReferralStatus.IN_PROGRESS,
        ReferralStatus.COMPLETED,
    ):
        slrt.update_referral(a["bpjs"], rid, status=status)
    slrt.confirm_receipt(a["facilitator"], rid)
    slrt.reassess(a["facilitator"], cid, findings="Family covered by PBI-JK; needs met.")
    slrt.close(a["supervisor"], cid, reason=ClosingReason.INDEPENDENT)


def run_flows(slrt: Slrt, flows: int) -> None:
    for _ in range(flows):
        flow(slrt)


# ---------------------------------------------------------------- in-memory baseline

# (entity, command) steps of one flow; "case" or "referral" names the entity.
BASELINE_STEPS = (
    ("case", "register"),
    ("case", "assess"),
    ("case", "submit"),
    ("case", "approve"),
    ("case", "review"),
    ("case", "record_consent"),
    ("case", "refer"),
    ("referral", "to_received"),
    ("referral", "to_accepted"),
    ("referral", "to_in_progress"),
    ("referral", "to_completed"),
    ("referral", "confirm_receipt"),
    ("case", "reassess"),
    ("case", "close"),
)
assert len(BASELINE_STEPS) == COMMANDS_PER_FLOW

# (state, command) -> next state; referral commands also pass through the table.
TABLE = {
    ("new", "register"): "registered",
    ("registered", "assess"): "assessed",
    ("assessed", "submit"): "submitted",
    ("submitted", "approve"): "approved",
    ("approved", "review"): "reviewed",
    ("reviewed", "record_consent"): "reviewed",
    ("reviewed", "refer"): "in_service",
    ("requested", "to_received"): "received",
    ("received", "to_accepted"): "accepted",
    ("accepted", "to_in_progress"): "in_progress",
    ("in_progress", "to_completed"): "completed",
    ("completed", "confirm_receipt"): "completed",
    ("in_service", "reassess"): "reassessed",
    ("reassessed", "close"): "closed",
}


class DictFlows:
    """The baseline: a plain-dict transition table and a list of event tuples."""

    def __init__(self) -> None:
        self.states: dict[str, str] = {}
        self.log: list[tuple[str, int, str, str, datetime]] = []
        self.clock = StepClock()
        self.ids = itertools.count(1)

    def command(self, entity: str, command: str) -> None:
        state = TABLE[self.states.get(entity, "new"), command]
        self.states[entity] = state
        self.log.append((entity, len(self.log) + 1, command, state, self.clock.now()))

    def run(self, flows: int) -> None:
        for _ in range(flows):
            n = next(self.ids)
            case_id, referral_id = f"case-{n:06d}", f"referral-{n:06d}"
            for entity, command in BASELINE_STEPS:
                if command == "refer":
                    self.states[referral_id] = "requested"
                self.command(case_id if entity == "case" else referral_id, command)


# ---------------------------------------------------------------- SQLite baseline


class RecordingStore:
    """A MemoryStore that keeps every Commit, to derive the rows the raw baseline writes."""

    def __init__(self) -> None:
        self.inner = MemoryStore()
        self.commits: list[Commit] = []

    def commit(self, commit: Commit, /) -> None:
        self.commits.append(commit)
        self.inner.commit(commit)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


# Per command: event rows (type, version, body), case row (version, state, region),
# referral rows (referral_id, provider_id, status, due_at), outbox rows (message_id, body, due_at).
Template = tuple[
    list[tuple[str, int, bytes]],
    tuple[int, str, str],
    list[tuple[str, str, str, str | None]],
    list[tuple[str, str, str]],
]


def flow_templates() -> list[Template]:
    """The rows each command of one flow writes, taken from a real run (case-000001)."""
    store = RecordingStore()
    flow(make_slrt(store))
    assert len(store.commits) == COMMANDS_PER_FLOW
    templates: list[Template] = []
    for c in store.commits:
        case = c.case
        touched = {getattr(e.payload, "referral_id", None) for e in c.events} - {None}
        templates.append(
            (
                [(e.type, e.version, event_to_json(e)) for e in c.events],
                (case.version, case.state.value, case.region.code),
                [
                    (
                        r.referral_id,
                        r.provider_id,
                        r.status.value,
                        converter.unstructure(r.due_at) if r.due_at else None,
                    )
                    for r in case.referrals
                    if r.referral_id in touched
                ],
                [
                    (
                        n.message_id,
                        outbox_body(n),
                        converter.unstructure(n.created_at),
                    )
                    for n in c.notifications
                ],
            )
        )
    return templates


def raw_commands(templates: list[Template], flows: int) -> list[tuple[Any, ...]]:
    """The templates for *flows* cases, with the case and referral ids of each."""
    out = []
    for n in range(1, flows + 1):
        cid, rid = f"case-{n:06d}", f"referral-{n:06d}"

        def sub(text: str, cid: str = cid, rid: str = rid) -> str:
            return text.replace(CASE_1, cid).replace(REFERRAL_1, rid)

        def subb(body: bytes, cid: str = cid, rid: str = rid) -> bytes:
            return body.replace(CASE_1.encode(), cid.encode()).replace(
                REFERRAL_1.encode(), rid.encode()
            )

        for events, case_row, referral_rows, outbox_rows in templates:
            out.append(
                (
                    cid,
                    [(t, v, subb(b)) for t, v, b in events],
                    case_row,
                    [(sub(r), p, s, d) for r, p, s, d in referral_rows],
                    [(sub(m), sub(b), d) for m, b, d in outbox_rows],
                )
            )
    return out


def raw_connect(path: Path, synchronous: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
    conn.execute("BEGIN IMMEDIATE")
    for statement in MIGRATIONS[0].split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("COMMIT")
    return conn


def one_row_run(conn: sqlite3.Connection, commits: int) -> None:
    """Calibration: the bare commit rate, one 300-byte row per transaction."""
    body = b"x" * 300
    for _ in range(commits):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO bare (body) VALUES (?)", (body,))
        conn.execute("COMMIT")


def raw_run(conn: sqlite3.Connection, commands: list[tuple[Any, ...]]) -> None:
    """One transaction per command, writing the rows the store writes."""
    execute = conn.execute
    sha256 = hashlib.sha256
    seq = 0
    prev = GENESIS
    for cid, events, (version, state, region), referral_rows, outbox_rows in commands:
        execute("BEGIN IMMEDIATE")
        for etype, eversion, body in events:
            seq += 1
            digest = sha256(
                b'{"event":%s,"prev":"%s","seq":%d}' % (body, prev.encode(), seq)
            ).hexdigest()
            execute(
                "INSERT INTO events (seq, case_id, version, type, body, prev, digest)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (seq, cid, eversion, etype, body, prev, digest),
            )
            prev = digest
        if version == 1:
            execute(
                "INSERT INTO cases (case_id, version, state, region) VALUES (?, ?, ?, ?)",
                (cid, version, state, region),
            )
        else:
            execute(
                "UPDATE cases SET version = ?, state = ? WHERE case_id = ?", (version, state, cid)
            )
        for rid, provider, status, due in referral_rows:
            execute(
                "INSERT OR REPLACE INTO referrals (referral_id, case_id, provider_id, status,"
                " due_at) VALUES (?, ?, ?, ?, ?)",
                (rid, cid, provider, status, due),
            )
        for message_id, body, due in outbox_rows:
            execute(
                "INSERT OR IGNORE INTO outbox (message_id, body, due_at) VALUES (?, ?, ?)",
                (message_id, body, due),
            )
        execute("COMMIT")


# ---------------------------------------------------------------- the eventsourcing peer


@functools.cache
def _peer_classes() -> tuple[type[Any], type[Any]]:
    """The peer's aggregate and application (built on first use: an optional import)."""
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event

    class PeerCase(Aggregate):  # type: ignore[misc]
        """One case: its state, and its one referral's status."""

        @event("Registered")
        def __init__(self, region: str, household: dict[str, Any], needs: list[str]) -> None:
            self.region = region
            self.household = household
            self.needs = needs
            self.state = "registered"
            self.referral = ""
            self.consents: list[dict[str, Any]] = []
            self.findings = ""

        def _move(self, allowed: str, to: str) -> None:
            if self.state != allowed:
                msg = f"{to} not allowed in {self.state}"
                raise ValueError(msg)
            self.state = to

        @event("Assessed")
        def assess(self, findings: str) -> None:
            self._move("registered", "assessed")
            self.findings = findings

        @event("Submitted")
        def submit(self) -> None:
            self._move("assessed", "submitted")

        @event("Approved")
        def approve(self) -> None:
            self._move("submitted", "approved")

        @event("Reviewed")
        def review(self) -> None:
            self._move("approved", "reviewed")

        @event("ConsentRecorded")
        def record_consent(self, consent: dict[str, Any]) -> None:
            self.consents.append(consent)

        @event("Referred")
        def refer(self, referral_id: str, service_id: str) -> None:
            self._move("reviewed", "in_service")
            self.referral = f"{referral_id}:{service_id}:requested"

        @event("ReferralStatusChanged")
        def update_referral(self, status: str) -> None:
            self.referral = self.referral.rsplit(":", 1)[0] + ":" + status

        @event("ReceiptConfirmed")
        def confirm_receipt(self) -> None:
            if not self.referral.endswith(":completed"):
                msg = "only a completed referral is confirmed"
                raise ValueError(msg)

        @event("Reassessed")
        def reassess(self, findings: str) -> None:
            self._move("in_service", "reassessed")
            self.findings = findings

        @event("Closed")
        def close(self, reason: str) -> None:
            self._move("reassessed", "closed")
            self.closing_reason = reason

    class PeerSlrt(Application):  # type: ignore[misc]
        """The application: each command loads the aggregate, changes it and saves it."""

        def register(self, region: str, household: dict[str, Any], needs: list[str]) -> Any:
            case = PeerCase(region, household, needs)
            self.save(case)
            return case.id

        def command(self, case_id: Any, name: str, *args: Any) -> None:
            case = self.repository.get(case_id)
            getattr(case, name)(*args)
            self.save(case)

    return PeerCase, PeerSlrt


PEER_HOUSEHOLD = converter.unstructure(HOUSEHOLD)


def peer_flow(app: Any) -> None:
    """The same 14 commands on the peer."""
    cid = app.register(VILLAGE.code, PEER_HOUSEHOLD, ["health: no health insurance"])
    command = app.command
    command(cid, "assess", "Head works as a day labourer; family in DTKS decile 2.")
    command(cid, "submit")
    command(cid, "approve")
    command(cid, "review")
    command(
        cid,
        "record_consent",
        {"subject": "m1", "purposes": ["referral"], "evidence": "Signed SLRT consent form"},
    )
    command(cid, "refer", str(uuid.uuid4()), "pbi-jk-bpjs")
    for status in ("received", "accepted", "in_progress", "completed"):
        command(cid, "update_referral", status)
    command(cid, "confirm_receipt")
    command(cid, "reassess", "Family covered by PBI-JK; needs met.")
    command(cid, "close", "independent")


def peer_app(env: dict[str, str], synchronous: str | None = None) -> Any:
    """A fresh peer application; with *synchronous*, its SQLite connections use it."""
    _, peer = _peer_classes()
    app = peer(env=env)
    if synchronous is not None:
        # The peer has no synchronous setting: wrap its pool's connection factory
        # (private names of eventsourcing 9.5, the only way in).
        from eventsourcing.sqlite import SQLiteConnectionPool

        pool = app.recorder.datastore.pool
        assert isinstance(pool, SQLiteConnectionPool)
        create = pool._create_connection  # noqa: SLF001

        def create_with_pragma() -> Any:
            connection = create()
            connection._sqlite_conn.execute(  # noqa: SLF001
                f"PRAGMA synchronous = {synchronous.upper()}"
            )
            return connection

        pool._create_connection = create_with_pragma  # type: ignore[method-assign]  # noqa: SLF001
    return app


# ---------------------------------------------------------------- timing: medians, GC on


def timed_gc_on(setup: Callable[[], Any], run: Callable[[Any], object]) -> float:
    """Seconds taken by ``run(setup())`` with the garbage collector on; *setup* untimed."""
    state = setup()
    gc.collect()
    start = time.perf_counter()
    run(state)
    return time.perf_counter() - start


def medians(
    contestants: dict[str, tuple[Callable[[], Any], Callable[[Any], object]]], repeat: int
) -> dict[str, float]:
    """The median seconds of each ``(setup, run)`` contestant, interleaved run by run."""
    times: dict[str, list[float]] = {name: [] for name in contestants}
    for _ in range(repeat):
        for name, (setup, run) in contestants.items():
            times[name].append(timed_gc_on(setup, run))
    return {name: statistics.median(t) for name, t in times.items()}


# ---------------------------------------------------------------- measurements


class Files:
    """Fresh database files in one directory, removed when the next one is made."""

    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)
        self.count = itertools.count()
        self.open: list[tuple[Path, Callable[[], None]]] = []

    def new(self, stem: str, close: Callable[[Path], Callable[[], None]]) -> Path:
        self.cleanup()
        path = self.directory / f"{stem}-{next(self.count)}.sqlite"
        self.open.append((path, close(path)))
        return path

    def cleanup(self) -> None:
        for path, close in self.open:
            close()
            for suffix in ("", "-wal", "-shm", ".key", ".keys", ".keys-wal", ".keys-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        self.open.clear()


def bench_memory(options: Options, repeat: int) -> None:
    flows = SIZES["memory"][0 if options.quick else 1]
    commands = flows * COMMANDS_PER_FLOW

    def ours_setup() -> Slrt:
        return make_slrt(MemoryStore())

    def peer_setup() -> Any:
        return peer_app({"PERSISTENCE_MODULE": "eventsourcing.popo"})

    # MemoryStore seals its audit chain when the trail is first read: this figure pays
    # for it, so it is the rate of a run whose audit trail is then verified or exported.
    def flows_then_audit(slrt: Slrt) -> None:
        run_flows(slrt, flows)
        list(slrt.store.audit_records())

    # Short runs, many of them: the median is robust to the runs other processes disturb.
    took = medians(
        {
            "ours": (ours_setup, lambda s: run_flows(s, flows)),
            "sealed": (ours_setup, flows_then_audit),
            "dict": (DictFlows, lambda b: b.run(flows)),
            "peer": (peer_setup, lambda app: [peer_flow(app) for _ in range(flows)]),
        },
        repeat * 4,
    )
    ours, peer = commands / took["ours"], commands / took["peer"]
    report(
        options,
        "service.memory.throughput",
        ours,
        "commands/s",
        commands / took["dict"],
        target=">= 20000 commands/s",
    )
    report(
        options,
        "service.memory.with_audit_sealed",
        commands / took["sealed"],
        "commands/s",
        commands / took["dict"],
    )
    report(
        options,
        "service.memory.vs_eventsourcing_popo",
        ours,
        "commands/s",
        peer,
        target=">= 5 x eventsourcing (POPO)",
    )
    report(
        options,
        "service.memory.peak_alloc",
        peak_alloc(ours_setup, lambda s: run_flows(s, flows)),
        "MiB",
        peak_alloc(DictFlows, lambda b: b.run(flows)),
    )


def bench_sqlite(options: Options, repeat: int, files: Files, synchronous: str) -> None:
    flows = SIZES[synchronous][0 if options.quick else 1]
    commands = flows * COMMANDS_PER_FLOW
    templates = flow_templates()
    rows = raw_commands(templates, flows)
    state: dict[str, Any] = {}

    def close_store(_path: Path) -> Callable[[], None]:
        return lambda: state.pop("store").close()

    def close_conn(_path: Path) -> Callable[[], None]:
        return lambda: state.pop("conn").close()

    def close_peer(_path: Path) -> Callable[[], None]:
        return lambda: state.pop("peer").close()

    def ours_setup() -> Slrt:
        path = files.new(f"slrt-{synchronous}", close_store)
        state["store"] = SqliteStore(
            path,
            synchronous=synchronous,  # type: ignore[arg-type]
            codec=PlainCodec(),
        )
        return make_slrt(state["store"])

    def sealed_setup() -> Slrt:
        path = files.new(f"sealed-{synchronous}", close_store)
        state["store"] = SqliteStore(path, synchronous=synchronous)  # type: ignore[arg-type]
        return make_slrt(state["store"])

    def base_setup() -> sqlite3.Connection:
        path = files.new(f"raw-{synchronous}", close_conn)
        state["conn"] = raw_connect(path, synchronous)
        return state["conn"]

    def peer_setup() -> Any:
        path = files.new(f"peer-{synchronous}", close_peer)
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": os.fspath(path)}
        state["peer"] = peer_app(env, synchronous)
        return state["peer"]

    took = medians(
        {
            "ours": (ours_setup, lambda s: run_flows(s, flows)),
            "raw": (base_setup, lambda c: raw_run(c, rows)),
            "sealed": (sealed_setup, lambda s: run_flows(s, flows)),
            "peer": (peer_setup, lambda app: [peer_flow(app) for _ in range(flows)]),
        },
        repeat,
    )
    files.cleanup()
    _check_same_rows(state, files, ours_setup, base_setup, rows)
    name = f"service.sqlite_{synchronous}"
    target = "0.6" if synchronous == "normal" else "0.7"
    ours = commands / took["ours"]
    report(
        options,
        f"{name}.throughput",
        ours,
        "commands/s",
        commands / took["raw"],
        target=f">= {target} x raw sqlite3",
    )
    report(
        options,
        f"{name}.vs_eventsourcing",
        ours,
        "commands/s",
        commands / took["peer"],
        target=">= 2 x eventsourcing (SQLite)",
    )
    report(
        options,
        f"{name}.sealed",
        commands / took["sealed"],
        "commands/s",
        commands / took["raw"],
    )

    def bare_setup() -> sqlite3.Connection:
        path = files.new(f"bare-{synchronous}", close_conn)
        state["conn"] = raw_connect(path, synchronous)
        state["conn"].execute("CREATE TABLE bare (id INTEGER PRIMARY KEY, body BLOB)")
        return state["conn"]

    bare = medians({"bare": (bare_setup, lambda c: one_row_run(c, commands))}, repeat)["bare"]
    report(options, f"{name}.raw_one_row", commands / bare, "commits/s", None)
    report(
        options,
        f"{name}.peak_alloc",
        peak_alloc(ours_setup, lambda s: run_flows(s, flows)),
        "MiB",
        peak_alloc(base_setup, lambda c: raw_run(c, rows)),
    )
    files.cleanup()


def _check_same_rows(
    state: dict[str, Any],
    files: Files,
    ours_setup: Callable[[], Slrt],
    base_setup: Callable[[], sqlite3.Connection],
    rows: list[tuple[Any, ...]],
) -> None:
    """Run one flow each way (untimed) and check both wrote the same rows."""
    slrt = ours_setup()
    flow(slrt)
    ours_path = files.open[-1][0]
    ours = _dump(ours_path)
    conn = base_setup()
    raw_run(conn, rows[:COMMANDS_PER_FLOW])
    base = _dump(files.open[-1][0])
    assert ours == base, f"the baseline writes other rows than the store:\n{ours}\n{base}"
    files.cleanup()
    assert not state


def _dump(path: Path) -> dict[str, list[Any]]:
    with sqlite3.connect(path) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("events", "cases", "referrals", "outbox", "idempotency")
        }


def main() -> None:
    options = parse_args(__doc__.splitlines()[0], parts=("memory", "normal", "full"))
    repeat = options.repeat or (3 if options.quick else 5)
    if options.wants("memory"):
        bench_memory(options, repeat)
    with tempfile.TemporaryDirectory(dir=options.dir, prefix="slrt-bench-") as directory:
        files = Files(directory)
        try:
            for synchronous in ("normal", "full"):
                if options.wants(synchronous):
                    bench_sqlite(options, repeat, files, synchronous)
        finally:
            files.cleanup()
    finish(options, "service")


if __name__ == "__main__":
    main()
