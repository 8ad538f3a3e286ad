"""SIGKILL mid-write leaves a SQLite store that opens, verifies and has every committed command.

A child process runs commands in a loop and, after each command returns, appends the
case id and new version to an acknowledgement file (flushed and fsynced). The test kills
it with SIGKILL while it runs, opens the store again and checks that every acknowledged
command is there, the audit chain verifies, every case replays, the indexes agree with
the events, and the outbox delivers each pending message exactly once.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest
from tests.integration.crash_checks import KILLED, acknowledged, assert_nothing_lost, run_and_kill

from slrt_core.adapters import RecordingNotifier, SqliteStore
from slrt_core.adapters.sqlite import SCHEMA_VERSION
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


@pytest.mark.parametrize("synchronous", ["full", "normal"])
def test_sigkill_mid_write_loses_no_acknowledged_command(tmp_path: Path, synchronous: str) -> None:
    """After SIGKILL the store opens, verifies, keeps every acknowledged command, delivers once."""
    db, acks = tmp_path / "slrt.db", tmp_path / "acks.txt"
    args = [str(db), str(acks), synchronous]
    returncode = run_and_kill(CHILD, args, acks, tmp_path / "child.log", RUN_SECONDS)
    assert returncode == KILLED

    store = SqliteStore(db)
    try:
        assert store.migrations_applied == 0
        assert store.schema_version() == SCHEMA_VERSION
        expected = assert_nothing_lost(store, acknowledged(acks))

        # The outbox delivers every pending message exactly once after the restart.
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
