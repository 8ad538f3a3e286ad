"""SIGKILL during erasure never leaves a case half erased, on SQLite and on PostgreSQL.

Half erased means answering ``CaseErasedError`` while the case's key survives, or the
key destroyed while the case is not marked erased. Each trial starts a child that
erases closed cases one after another (sealed stores: the SQLite default, PostgreSQL
with a key store beside it) and kills it with SIGKILL at a random moment; the first
trial's child kills itself inside the key destruction, right after an erasure's commit,
so the window between the steps is always exercised. After each kill the store is
reopened and checked (:func:`~tests.integration.crash_checks.assert_no_half_erasure`):
pending erasures are known, a service built on the store finishes them, and then no
case is half erased and no outbox row of an erased case is left.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.integration.conftest import Backend
from tests.integration.crash_checks import (
    KILLED,
    acknowledged,
    assert_no_half_erasure,
    run_erasures,
)

from slrt_core.adapters import SqliteStore
from slrt_core.keys import sealing_codec
from slrt_core.ports import Store
from slrt_core.testing import sample_slrt, sample_staff, walk_case

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX"),
]

TRIALS = 20
#: Cases each child is given: more than it erases before the kill.
PER_TRIAL = 30
#: The kill comes this long (at most) after the child's first acknowledged erasure:
#: within its batch (an erasure takes a few milliseconds).
WINDOW = 0.06


def _open(backend: Backend, keys: Path, **options: Any) -> Store:
    if backend.kind == "sqlite":
        return SqliteStore(backend.spec, **options)  # sealed by default, key beside it
    from slrt_core.adapters.postgres import PostgresStore

    return PostgresStore(backend.spec, codec=sealing_codec(keys), **options)


def _outbox_cases(kind: str) -> Callable[[Store], list[str]]:
    case_of = "json_extract(body, '$.case_id')" if kind == "sqlite" else "body::jsonb->>'case_id'"

    def cases(store: Store) -> list[str]:
        rows = store._read(  # type: ignore[attr-defined]
            lambda c: c.execute(f"SELECT {case_of} FROM outbox").fetchall()
        )
        return [str(r[0]) for r in rows]

    return cases


def _closed_cases(backend: Backend, keys: Path, count: int) -> list[str]:
    """*count* closed cases (each with a notification in the outbox), written quickly."""
    fast = {"synchronous": "normal"} if backend.kind == "sqlite" else {"synchronous_commit": "off"}
    store = _open(backend, keys, **fast)
    try:
        slrt = sample_slrt(store)
        staff = sample_staff()
        return [list(walk_case(slrt, staff, route="local"))[-1].case_id for _ in range(count)]
    finally:
        store.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "backend_kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_sigkill_during_erasure_leaves_no_half_erased_case(
    backend_kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Over 20 kills mid-erasure: 0 half-erased cases, every pending erasure finished."""
    backend = _backend(backend_kind, request, tmp_path)
    keys = tmp_path / "keys" / "slrt"
    keys.parent.mkdir()
    cases = _closed_cases(backend, keys, TRIALS * PER_TRIAL)
    outbox_cases = _outbox_cases(backend.kind)
    rng = random.Random(12)
    acked: set[str] = set()
    found_pending: set[str] = set()
    todo = list(cases)
    for trial in range(TRIALS):
        assert todo, "every case was erased before the last trial"
        batch, acks = tmp_path / f"todo-{trial}.txt", tmp_path / f"acks-{trial}.txt"
        batch.write_text("\n".join(todo[:PER_TRIAL]), encoding="utf-8")
        mode = "die-in-destroy" if trial == 0 else "run"
        args = [backend.kind, backend.spec, str(keys), str(batch), str(acks), mode]
        log = tmp_path / f"child-{trial}.log"
        assert run_erasures(args, acks, log, rng.uniform(0, WINDOW)) == KILLED, log.read_text()
        acked |= {case_id for case_id, _ in acknowledged(acks)}

        store = _open(backend, keys)
        try:
            found_pending |= assert_no_half_erasure(store, cases, acked, outbox_cases)
        finally:
            store.close()  # type: ignore[attr-defined]
        todo = [c for c in todo if c not in acked and c not in found_pending]
    # The first trial died inside a key destruction: its erasure was found pending.
    assert found_pending
    assert len(acked) >= TRIALS - 1  # each killed child had acknowledged an erasure


def _backend(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if kind == "sqlite":
        return Backend("sqlite", str(tmp_path / "slrt.sqlite"))
    from tests.postgres_fixture import fresh_schema

    return Backend("postgres", fresh_schema(request.getfixturevalue("postgres_server")))
