"""Concurrent writers on one database: 8 threads, and 4 processes, on SQLite and PostgreSQL.

Every worker registers a case of its own, then issues ``record_need`` commands, each
with its own idempotency key, alternately on one case every worker shares (the hot
case) and on its own case. The first command on the hot case is built on the version
every worker read before a common start signal, so exactly one worker wins it and the
others must see :class:`~slrt_core.ConcurrencyError`. A worker that gets a conflict
reloads the case and repeats the command with the same key until it is accepted; any
other error fails the test.

Afterwards every accepted command is in the store exactly once (no lost update, no
duplicate), the event count equals the accepted commands, every idempotency key is
recorded, and the audit chain verifies. A last test runs four outbox relays at once,
each with its own store on the database: every message goes out exactly once.

Run as a script (``python test_concurrency.py SPEC NAME HOT_ID ROUNDS``), this file is
the worker process of the process test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import pytest

import slrt_core
from slrt_core import ConcurrencyError, Need, Notification, Sector, Slrt
from slrt_core.access import Role
from slrt_core.adapters import RecordingNotifier, SqliteStore
from slrt_core.audit import verify
from slrt_core.case import CaseRegistered, Event, apply, replay
from slrt_core.case._model import Priority
from slrt_core.identity import RegionCode
from slrt_core.outbox import OutboxRelay
from slrt_core.ports import Commit, Store
from slrt_core.testing import FrozenClock, sample_directory, sample_household, sample_staff
from slrt_core.vocabulary import Channel, ComplaintKind

if TYPE_CHECKING:
    from tests.integration.conftest import Backend

THREADS = 8
PROCESSES = 4
ROUNDS = 6  # commands per worker on the hot case, and as many on its own case
MAX_ATTEMPTS = 500


@attrs.frozen
class Tally:
    """What one worker did: its own case, the keys accepted and the conflicts seen, per case."""

    own_case: str
    accepted: dict[str, list[str]]
    conflicts: dict[str, int]


def _slrt(store: Store) -> Slrt:
    # Random UUID ids and the system clock, as several app servers would use.
    return Slrt(store=store, directory=sample_directory())


def _register(slrt: Slrt, name: str) -> str:
    case = slrt.register(
        sample_staff().facilitator,
        sample_household(),
        channel=Channel.HOME_VISIT,
        kind=ComplaintKind.GRIEVANCE,
        needs=[Need(sector=Sector.HEALTH, description=f"registered by {name}")],
        idempotency_key=f"register-{name}",
    )
    return case.case_id


def _work(slrt: Slrt, name: str, hot_id: str, hot_version: int, own_id: str, rounds: int) -> Tally:
    """Issue the worker's commands, retrying each after a conflict until it is accepted."""
    facilitator = sample_staff().facilitator
    accepted: dict[str, list[str]] = {hot_id: [], own_id: []}
    conflicts = {hot_id: 0, own_id: 0}
    for k in range(rounds):
        for case_id in (hot_id, own_id):
            key = f"{name}-{'hot' if case_id == hot_id else 'own'}-{k}"
            # The first hot command is built on the version read before the start signal.
            version: int | None = hot_version if (case_id == hot_id and k == 0) else None
            for _ in range(MAX_ATTEMPTS):
                try:
                    slrt.record_need(
                        facilitator,
                        case_id,
                        Need(sector=Sector.EDUCATION, description=key),
                        idempotency_key=key,
                        expected_version=version,
                    )
                except ConcurrencyError:
                    conflicts[case_id] += 1
                    version = slrt.store.load(case_id).version
                else:
                    accepted[case_id].append(key)
                    break
            else:  # pragma: no cover - a failure message, not a path the tests take
                msg = f"{key} was refused {MAX_ATTEMPTS} times"
                raise AssertionError(msg)
    return Tally(own_case=own_id, accepted=accepted, conflicts=conflicts)


def _check(store: Store, hot_id: str, tallies: list[Tally], rounds: int) -> None:
    """Every accepted command is stored once; events, keys and the audit chain agree."""
    workers = len(tallies)
    hot = store.load(hot_id)
    hot_keys = [n.description for n in hot.needs[1:]]
    assert Counter(hot_keys) == Counter(k for t in tallies for k in t.accepted[hot_id])
    assert len(hot_keys) == workers * rounds
    for tally in tallies:
        own = store.load(tally.own_case)
        assert [n.description for n in own.needs[1:]] == tally.accepted[tally.own_case]
        assert own.version == 1 + rounds
        # Each worker's hot commands landed in the order it issued them.
        mine = [k for k in hot_keys if k in set(tally.accepted[hot_id])]
        assert mine == tally.accepted[hot_id]
    case_ids = [hot_id, *(t.own_case for t in tallies)]
    for case_id in case_ids:
        assert replay(store.events(case_id)) == store.load(case_id)
    accepted_commands = sum(len(keys) for t in tallies for keys in t.accepted.values())
    registrations = 1 + workers
    report = verify(store.audit_records())
    assert report.ok, report.reason
    assert report.records == registrations + accepted_commands
    assert sum(store.load(c).version for c in case_ids) == report.records
    assert len(store.find_cases(within=RegionCode.INDONESIA)) == registrations
    for tally in tallies:
        for keys in tally.accepted.values():
            assert all(store.idempotency(key) is not None for key in keys)
    # The first hot round had one winner; everyone else saw a ConcurrencyError. Writers
    # of different cases never conflict, however busy the database.
    assert sum(t.conflicts[hot_id] for t in tallies) >= workers - 1
    assert [t.conflicts[t.own_case] for t in tallies] == [0] * workers


@pytest.mark.slow
def test_eight_threads_lose_no_update(backend: Backend) -> None:
    """Eight threads on one store: conflicts raise ConcurrencyError, retries land, none is lost."""
    store = backend.open()
    try:
        slrt = _slrt(store)
        hot_id = _register(slrt, "setup")
        own = [_register(slrt, f"t{i}") for i in range(THREADS)]
        hot_version = store.load(hot_id).version
        barrier = threading.Barrier(THREADS, timeout=60)
        tallies: list[Tally | None] = [None] * THREADS
        errors: list[BaseException] = []

        def run(i: int) -> None:
            try:
                barrier.wait()
                tallies[i] = _work(slrt, f"t{i}", hot_id, hot_version, own[i], ROUNDS)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
                errors.append(exc)
                barrier.abort()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a worker thread hung"
        if errors:
            raise errors[0]
        done = [t for t in tallies if t is not None]
        assert len(done) == THREADS
        _check(store, hot_id, done, ROUNDS)
    finally:
        store.close()  # type: ignore[attr-defined]


class _SlowNotifier(RecordingNotifier):
    """Records what it is sent, taking a little time per message as a real channel does."""

    def send(self, notification: Notification, /) -> None:
        time.sleep(0.002)
        super().send(notification)


def _registration(case_id: str, notes: int) -> Commit:
    at = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    event = Event(
        case_id=case_id,
        version=1,
        at=at,
        actor_id="facilitator-1",
        role=Role.FACILITATOR,
        payload=CaseRegistered(
            household=sample_household(),
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.GRIEVANCE,
            needs=(Need(sector=Sector.HEALTH, description="No health insurance", need_id="n1"),),
            emergency=False,
            priority=Priority.NORMAL,
        ),
    )
    notifications = tuple(
        Notification(
            message_id=f"{case_id}-m{k}",
            topic="test",
            recipient="role:back_office@33.74",
            case_id=case_id,
            subject={"en": "s", "id": "s"},
            body={"en": "b", "id": "b"},
            created_at=at,
        )
        for k in range(notes)
    )
    return Commit(
        case=apply(None, event), expected_version=0, events=(event,), notifications=notifications
    )


@pytest.mark.slow
def test_four_relay_workers_deliver_each_message_once(backend: Backend) -> None:
    """Four relays, each with its own store, drain one outbox: every message goes out once."""
    cases, notes = 50, 4
    stores = [backend.open() for _ in range(THREADS // 2)]
    try:
        for i in range(cases):
            stores[0].commit(_registration(f"case-{i}", notes))
        clock = FrozenClock(datetime(2026, 1, 6, tzinfo=UTC))
        notifiers = [_SlowNotifier() for _ in stores]
        relays = [
            OutboxRelay(store, notifier, clock, batch=5)
            for store, notifier in zip(stores, notifiers, strict=True)
        ]
        barrier = threading.Barrier(len(relays), timeout=60)
        errors: list[BaseException] = []

        def drain(relay: OutboxRelay) -> None:
            try:
                barrier.wait()
                relay.drain()
            except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
                errors.append(exc)

        threads = [threading.Thread(target=drain, args=(r,)) for r in relays]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a relay hung"
        if errors:
            raise errors[0]
        sent = Counter(n.message_id for notifier in notifiers for n in notifier.sent)
        assert len(sent) == cases * notes
        assert set(sent.values()) == {1}
        assert sum(1 for notifier in notifiers if notifier.sent) >= 2, "one relay did all"
        assert stores[1].claim_due(clock.advance(hours=1).now(), limit=10, lease_seconds=60) == []
    finally:
        for store in stores:
            store.close()  # type: ignore[attr-defined]


def _spawn(spec: str, name: str, hot_id: str) -> subprocess.Popen[str]:
    src = Path(slrt_core.__file__).resolve().parents[1]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), env.get("PYTHONPATH", "")) if p)
    return subprocess.Popen(
        [sys.executable, __file__, spec, name, hot_id, str(ROUNDS)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.slow
def test_four_processes_lose_no_update(backend: Backend) -> None:
    """Four app processes on one database: conflicts raise ConcurrencyError, nothing is lost."""
    spec = backend.spec
    store = backend.open()
    children: list[subprocess.Popen[str]] = []
    try:
        hot_id = _register(_slrt(store), "setup")
        children = [_spawn(spec, f"p{i}", hot_id) for i in range(PROCESSES)]
        # Each child opens its store, registers its case and reads the hot version first.
        for child in children:
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line.strip() == "ready", f"a worker failed to start: {line}{child.stderr}"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        tallies = []
        for child in children:
            out, err = child.communicate(timeout=120)
            assert child.returncode == 0, err
            data = json.loads(out)
            tallies.append(Tally(data["own_case"], data["accepted"], data["conflicts"]))
        _check(store, hot_id, tallies, ROUNDS)
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
        store.close()  # type: ignore[attr-defined]


def _child_main(spec: str, name: str, hot_id: str, rounds: int) -> None:
    """The worker process: ready, wait for go, work, print the tally as JSON."""
    if spec.startswith("postgresql://"):
        from slrt_core.adapters.postgres import PostgresStore

        store: Store = PostgresStore(spec)
    else:
        store = SqliteStore(spec)
    try:
        slrt = _slrt(store)
        own_id = _register(slrt, name)
        hot_version = store.load(hot_id).version
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        if sys.stdin.readline().strip() != "go":
            sys.exit(2)
        tally = _work(slrt, name, hot_id, hot_version, own_id, rounds)
        sys.stdout.write(json.dumps(attrs.asdict(tally)) + "\n")
    finally:
        store.close()  # type: ignore[attr-defined]


if __name__ == "__main__":
    _child_main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
