"""SIGKILL mid-write leaves a SQLite store that opens, verifies and has every committed command.

A child process runs commands in a loop and, after each command returns, appends the
case id and new version to an acknowledgement file (flushed and fsynced). The test kills
it with SIGKILL while it runs, opens the store again and checks that every acknowledged
command is there, the audit chain verifies, every case replays, the indexes agree with
the events, and the outbox delivers each pending message exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

import slrt_core
from slrt_core.adapters import RecordingNotifier, SqliteStore
from slrt_core.adapters.sqlite import SCHEMA_VERSION
from slrt_core.audit import verify
from slrt_core.case import CaseState, apply, replay
from slrt_core.identity import RegionCode
from slrt_core.notify import notifications_for
from slrt_core.testing import sample_slrt

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

CHILD = """
import os, sys, time
from slrt_core.adapters import SqliteStore
from slrt_core.testing import sample_slrt, sample_staff, walk_case
from slrt_core.testing._fixtures import ROUTES, VILLAGES

db, acks, synchronous = sys.argv[1:4]
store = SqliteStore(db, synchronous=synchronous)
slrt = sample_slrt(store)
staff = sample_staff()
deadline = time.monotonic() + 60  # never outlive a test that failed to kill us
with open(acks, "a", encoding="utf-8") as out:
    n = 0
    while time.monotonic() < deadline:
        route, village = ROUTES[n % len(ROUTES)], VILLAGES[n % len(VILLAGES)]
        for step in walk_case(slrt, staff, route=route, region=village):
            out.write(f"{step.case_id} {step.version}\\n")
            out.flush()
            os.fsync(out.fileno())
        n += 1
"""

RUN_SECONDS = 1.0


def _acknowledged(path: Path) -> list[tuple[str, int]]:
    """The complete lines of the acknowledgement file (a torn last line is not an ack)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = text.split("\n")[:-1]
    return [(case_id, int(version)) for case_id, version in (line.split() for line in lines)]


def _run_and_kill(db: Path, acks: Path, log: Path, synchronous: str) -> int:
    """Start the child, let it work for about a second, SIGKILL it; returns its exit code."""
    src = Path(slrt_core.__file__).resolve().parents[1]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), env.get("PYTHONPATH", "")) if p)
    with (
        log.open("w", encoding="utf-8") as errors,
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(db), str(acks), synchronous],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        ) as child,
    ):
        try:
            deadline = time.monotonic() + 30
            while not _acknowledged(acks):
                assert child.poll() is None, f"the child stopped early: {log.read_text()}"
                assert time.monotonic() < deadline, "the child acknowledged nothing in 30 s"
                time.sleep(0.02)
            time.sleep(RUN_SECONDS)
            assert child.poll() is None, f"the child stopped before the kill: {log.read_text()}"
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        return child.returncode


@pytest.mark.parametrize("synchronous", ["full", "normal"])
def test_sigkill_mid_write_loses_no_acknowledged_command(tmp_path: Path, synchronous: str) -> None:
    """After SIGKILL the store opens, verifies, keeps every acknowledged command, delivers once."""
    db, acks = tmp_path / "slrt.db", tmp_path / "acks.txt"
    returncode = _run_and_kill(db, acks, tmp_path / "child.log", synchronous)
    assert returncode == -signal.SIGKILL

    acknowledged = _acknowledged(acks)
    assert len(acknowledged) >= 20, "the child was killed before doing real work"
    latest = dict(acknowledged)

    store = SqliteStore(db)
    try:
        # The store opens with its schema, and the audit chain verifies.
        assert store.migrations_applied == 0
        assert store.schema_version() == SCHEMA_VERSION
        report = verify(store.audit_records())
        assert report.ok, report.reason

        # Nothing acknowledged is lost; at most the one command in flight is extra.
        cases = store.find_cases(within=RegionCode.INDONESIA)
        by_id = {c.case_id: c for c in cases}
        for case_id, version in latest.items():
            assert by_id[case_id].version >= version, case_id
        assert report.records == sum(c.version for c in cases)
        assert report.records - len(acknowledged) in (0, 1)

        # Every case replays from its events, and the indexes agree with the events.
        for case in cases:
            events = store.events(case.case_id)
            assert [e.version for e in events] == list(range(1, case.version + 1))
            assert replay(events) == case
            for referral in case.referrals:
                assert store.case_id_of_referral(referral.referral_id) == case.case_id
        for state in CaseState:
            indexed = [
                c.case_id for c in store.find_cases(within=RegionCode.INDONESIA, state=state)
            ]
            assert indexed == [c.case_id for c in cases if c.state is state]

        # The outbox delivers every pending message exactly once after the restart.
        expected = set()
        for case in cases:
            folded = None
            for event in store.events(case.case_id):
                folded = apply(folded, event)
                expected |= {n.message_id for n in notifications_for(folded, event)}
        assert expected, "the child committed no notification"
        notifier = RecordingNotifier()
        delivered = sample_slrt(store).deliver_notifications(notifier)
        sent = Counter(n.message_id for n in notifier.sent)
        assert set(sent) == expected
        assert max(sent.values()) == 1
        assert delivered.delivered == len(expected)
        assert sample_slrt(store).deliver_notifications(notifier).delivered == 0
    finally:
        store.close()

    again = SqliteStore(db)
    try:
        notifier = RecordingNotifier()
        assert sample_slrt(again).deliver_notifications(notifier).delivered == 0
        assert notifier.sent == []
    finally:
        again.close()
