"""What the SIGKILL tests of every store share: the child runner and the checks after it.

A child process runs commands and appends ``case_id version`` to an acknowledgement
file after each one returns (flushed and fsynced). :func:`run_and_kill` starts it, lets
it work, and kills it with SIGKILL; :func:`assert_nothing_lost` then checks on the
reopened store that every acknowledged command is there and nothing is half-written,
and returns the message ids the committed events must notify.

The erasure tests share :data:`ERASE_CHILD`, :func:`run_erasures` and
:func:`assert_no_half_erasure`: whatever the moment of the kill, no case is left half
erased once the store is reopened and a service built on it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import slrt_core
from slrt_core.audit import verify
from slrt_core.case import CaseState, apply, replay
from slrt_core.errors import CaseErasedError
from slrt_core.identity import RegionCode
from slrt_core.notify import notifications_for
from slrt_core.ports import Store
from slrt_core.testing import sample_slrt


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


# --------------------------------------------------------------------------- erasure

#: The child of the erasure tests: erases the cases listed in a file, one after another,
#: acknowledging each erasure once ``erase`` returned. With ``die-in-destroy`` it kills
#: itself with SIGKILL inside the first key destruction (after the erasure's commit).
ERASE_CHILD = """
import os, signal, sys, time
from slrt_core import Actor, Role
from slrt_core.testing import sample_slrt
from slrt_core.testing._fixtures import PROVINCE

kind, spec, keys, todo, acks, mode = sys.argv[1:7]
if kind == "sqlite":
    from slrt_core.adapters import SqliteStore
    store = SqliteStore(spec)
else:
    from slrt_core.adapters.postgres import PostgresStore
    from slrt_core.keys import sealing_codec
    store = PostgresStore(spec, codec=sealing_codec(keys))
if mode == "die-in-destroy":
    vault = store.codec.vault
    vault.destroy = lambda key_id: os.kill(os.getpid(), signal.SIGKILL)
slrt = sample_slrt(store)
manager = Actor(actor_id="manager-1", role=Role.MANAGER, jurisdiction=PROVINCE)
with open(acks, "a", encoding="utf-8") as out:
    for case_id in open(todo, encoding="utf-8").read().split():
        slrt.erase(manager, case_id, request_ref="PDP-" + case_id)
        out.write(f"{case_id} 0\\n")
        out.flush()
        os.fsync(out.fileno())
time.sleep(60)  # wait for the kill (never outlive a test that failed to kill us)
"""


def run_erasures(args: list[str], acks: Path, log: Path, seconds: float) -> int:
    """Run :data:`ERASE_CHILD` with *args* until SIGKILL; its exit code.

    With mode ``die-in-destroy`` (the last argument) the child kills itself; otherwise
    it is killed *seconds* after its first acknowledged erasure.
    """
    if args[-1] != "die-in-destroy":
        return run_and_kill(ERASE_CHILD, args, acks, log, seconds)
    src = Path(slrt_core.__file__).resolve().parents[1]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), env.get("PYTHONPATH", "")) if p)
    with log.open("w", encoding="utf-8") as errors:
        done = subprocess.run(
            [sys.executable, "-c", ERASE_CHILD, *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            timeout=60,
            check=False,
        )
    return done.returncode


def assert_no_half_erasure(
    store: Store,
    case_ids: list[str],
    acked: set[str],
    outbox_cases: Callable[[Store], list[str]],
) -> set[str]:
    """Check a store reopened after a kill mid-erasure; the erasures it found pending.

    Before recovery, every case that answers ``CaseErasedError`` while its key survives
    is listed as pending, and every case not marked erased keeps its key. Then a
    service is built on the store (which finishes pending erasures), and after it no
    case is half erased: erased means key gone, no outbox row and nothing pending;
    not erased means key kept, and the case loads and replays. Every acknowledged
    erasure was whole already, and the audit chain verifies.
    """
    keys = store.codec.vault.keys  # type: ignore[attr-defined]
    pending = set(store.pending_erasures())  # type: ignore[attr-defined]
    assert not pending & acked, "an acknowledged erasure was left unfinished"
    for case_id in case_ids:
        if _erased(store, case_id):
            assert keys.get(case_id) is None or case_id in pending, case_id
        else:
            assert keys.get(case_id) is not None, case_id
            assert case_id not in pending, case_id

    sample_slrt(store)  # what a restarted service does first
    assert store.pending_erasures() == []  # type: ignore[attr-defined]
    in_outbox = set(outbox_cases(store))
    for case_id in case_ids:
        if _erased(store, case_id):
            assert keys.get(case_id) is None, case_id
            assert case_id not in in_outbox, case_id
        else:
            assert keys.get(case_id) is not None, case_id
            assert case_id not in acked, case_id
            assert replay(store.events(case_id)) == store.load(case_id)
    report = verify(store.audit_records())
    assert report.ok, report.reason
    return pending


def _erased(store: Store, case_id: str) -> bool:
    try:
        store.load(case_id)
    except CaseErasedError:
        return True
    return False
