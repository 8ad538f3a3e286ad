"""What the SIGKILL tests of every store share: the child runner and the checks after it.

A child process runs commands and appends ``case_id version`` to an acknowledgement
file after each one returns (flushed and fsynced). :func:`run_and_kill` starts it, lets
it work, and kills it with SIGKILL; :func:`assert_nothing_lost` then checks on the
reopened store that every acknowledged command is there and nothing is half-written,
and returns the message ids the committed events must notify.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import slrt_core
from slrt_core.audit import verify
from slrt_core.case import CaseState, apply, replay
from slrt_core.identity import RegionCode
from slrt_core.notify import notifications_for
from slrt_core.ports import Store


def lines(path: Path) -> list[str]:
    """The complete lines of a file (a torn last line does not count)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return text.split("\n")[:-1]


def acknowledged(path: Path) -> list[tuple[str, int]]:
    """The acknowledged ``(case_id, version)`` pairs, in order."""
    return [(case_id, int(version)) for case_id, version in (line.split() for line in lines(path))]


def run_and_kill(child_code: str, args: list[str], acks: Path, log: Path, seconds: float) -> int:
    """Start the child, let it work *seconds* after its first ack, SIGKILL it; its exit code."""
    src = Path(slrt_core.__file__).resolve().parents[1]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), env.get("PYTHONPATH", "")) if p)
    with (
        log.open("w", encoding="utf-8") as errors,
        subprocess.Popen(
            [sys.executable, "-c", child_code, *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        ) as child,
    ):
        try:
            deadline = time.monotonic() + 30
            while not acknowledged(acks):
                assert child.poll() is None, f"the child stopped early: {log.read_text()}"
                assert time.monotonic() < deadline, "the child acknowledged nothing in 30 s"
                time.sleep(0.02)
            time.sleep(seconds)
            assert child.poll() is None, f"the child stopped before the kill: {log.read_text()}"
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        return child.returncode


def assert_nothing_lost(store: Store, acks: list[tuple[str, int]]) -> set[str]:
    """Check the reopened *store* against the acknowledgements; the ids it must notify.

    The audit chain verifies; every acknowledged command is there and at most the one in
    flight is extra; every case replays from its events; the referral and state indexes
    agree with the events.
    """
    assert len(acks) >= 20, "the child was killed before doing real work"
    report = verify(store.audit_records())
    assert report.ok, report.reason

    cases = store.find_cases(within=RegionCode.INDONESIA)
    by_id = {c.case_id: c for c in cases}
    for case_id, version in dict(acks).items():
        assert by_id[case_id].version >= version, case_id
    assert report.records == sum(c.version for c in cases)
    assert report.records - len(acks) in (0, 1)

    for case in cases:
        events = store.events(case.case_id)
        assert [e.version for e in events] == list(range(1, case.version + 1))
        assert replay(events) == case
        for referral in case.referrals:
            assert store.case_id_of_referral(referral.referral_id) == case.case_id
    for state in CaseState:
        indexed = [c.case_id for c in store.find_cases(within=RegionCode.INDONESIA, state=state)]
        assert indexed == [c.case_id for c in cases if c.state is state]

    expected: set[str] = set()
    for case in cases:
        folded = None
        for event in store.events(case.case_id):
            folded = apply(folded, event)
            expected |= {n.message_id for n in notifications_for(folded, event)}
    assert expected, "the child committed no notification"
    return expected


KILLED = -signal.SIGKILL
