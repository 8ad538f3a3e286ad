"""Pipeline.run_many: many commands, one transaction, each command's guarantees kept.

The store's side (commit_many) is the contract suite's; here is the pipeline's rule: a
batch ends in the state its commands reach one by one, a refused command writes nothing
and blocks no other, a conflict is that case's alone, and a failed transaction leaves
nothing of the batch.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from slrt_core import Need, Sector
from slrt_core.adapters import sqlite as sqlite_module
from slrt_core.adapters.basics import PlainCodec
from slrt_core.adapters.memory import MemoryStore
from slrt_core.adapters.sqlite import SqliteStore
from slrt_core.application import Outcome
from slrt_core.application import commands as cmd
from slrt_core.application import sweep as sweep_module
from slrt_core.errors import (
    AccessDenied,
    CaseNotVisibleError,
    ConcurrencyError,
    IdempotencyKeyReusedError,
    StorageError,
    TransitionNotAllowed,
)
from slrt_core.identity import RegionCode
from slrt_core.ports import Store
from slrt_core.projections import CaseOrder, CaseSelection
from slrt_core.service import Slrt
from slrt_core.testing import (
    FrozenClock,
    sample_household,
    sample_slrt,
    sample_staff,
    walk_case,
)
from slrt_core.testing._fixtures import VILLAGES
from slrt_core.vocabulary import Channel, ComplaintKind

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)
STAFF = sample_staff()
OUTSIDER = attrs.evolve(STAFF.facilitator, actor_id="fac-far", jurisdiction=RegionCode("35"))


def _register(village: RegionCode = VILLAGES[0], key: str | None = None) -> cmd.RegisterCase:
    return cmd.RegisterCase(
        actor=STAFF.facilitator,
        household=sample_household(village),
        channel=Channel.HOME_VISIT,
        kind=ComplaintKind.GRIEVANCE,
        needs=(Need(sector=Sector.HEALTH, description="No health insurance", need_id="n1"),),
        idempotency_key=key,
    )


def _need(case_id: str, text: str, key: str | None = None) -> cmd.RecordNeed:
    return cmd.RecordNeed(
        actor=STAFF.facilitator,
        case_id=case_id,
        need=Need(sector=Sector.EDUCATION, description=text),
        idempotency_key=key,
    )


StoreFactory = Callable[[], Store]


@pytest.fixture(params=["memory", "sqlite"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    opened: list[Any] = []

    def make() -> Store:
        if request.param == "memory":
            store: Store = MemoryStore()
        else:
            store = SqliteStore(tmp_path / f"s{len(opened)}.db", codec=PlainCodec())
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def _service(store: Store) -> Slrt:
    return sample_slrt(store, clock=FrozenClock(T0))


def _serially(slrt: Slrt, commands: list[Any]) -> list[Outcome | Exception]:
    """What the commands answer when run one at a time."""
    answers: list[Outcome | Exception] = []
    for command in commands:
        try:
            answers.append(slrt.pipeline.run(command))
        except Exception as refusal:  # noqa: BLE001 - compared with the batch's answers
            answers.append(refusal)
    return answers


def _written(store: Store) -> tuple[object, ...]:
    """Everything a batch writes: audit trail, outbox, summaries."""
    pending = store.claim_due(T0 + timedelta(days=3650), limit=10_000, lease_seconds=1)
    summaries = store.case_summaries(CaseSelection(), order=CaseOrder.REGISTERED, limit=10_000)
    return (
        [(r.case_id, r.version, r.digest) for r in store.audit_records()],
        [m.notification.message_id for m in pending],
        summaries,
    )


def _two_cases(slrt: Slrt) -> tuple[str, str]:
    one, two = slrt.pipeline.run_many([_register(), _register(VILLAGES[1])])
    assert isinstance(one, Outcome)
    assert isinstance(two, Outcome)
    return one.result_id, two.result_id


def _mixed(first: str, second: str) -> list[Any]:
    """Commands on two cases, with refusals of every kind in the middle."""
    return [
        cmd.Assess(actor=STAFF.facilitator, case_id=first, findings="Visited."),
        cmd.Approve(actor=STAFF.supervisor, case_id=first),  # not submitted yet
        cmd.Submit(actor=STAFF.facilitator, case_id=first),
        _need(second, "School fees", key="k-1"),
        cmd.Approve(actor=STAFF.facilitator, case_id=first),  # not a supervisor's
        cmd.Assess(actor=OUTSIDER, case_id=second, findings="Not mine."),
        _need(second, "School fees", key="k-1"),  # a retry inside the batch
        _need(second, "Uniform", key="k-1"),  # the key with another request
        cmd.Assess(actor=STAFF.facilitator, case_id=second, findings="Visited."),
        cmd.Approve(actor=STAFF.supervisor, case_id=first),
        cmd.Assess(actor=STAFF.facilitator, case_id=second, findings="x", expected_version=1),
    ]


class TestBatch:
    def test_a_batch_ends_where_its_commands_do_one_by_one(self, make_store: StoreFactory) -> None:
        """Same answers, same audit chain (byte for byte), outbox and summaries as serially."""
        batched, serial = _service(make_store()), _service(make_store())
        ids = _two_cases(batched)
        assert _two_cases(serial) == ids
        commands = _mixed(*ids)
        calls: list[int] = []
        commit_many = batched.store.commit_many

        def counted(commits: Any) -> Any:
            calls.append(len(commits))
            return commit_many(commits)

        batched.store.commit_many = counted  # type: ignore[method-assign]
        answers = batched.pipeline.run_many(commands)
        expected = _serially(serial, commands)
        assert calls == [5]  # one transaction for the five accepted commands
        assert [type(a) for a in answers] == [type(e) for e in expected]
        assert [type(a) for a in answers] == [
            Outcome,
            TransitionNotAllowed,
            Outcome,
            Outcome,
            AccessDenied,
            CaseNotVisibleError,
            Outcome,
            IdempotencyKeyReusedError,
            Outcome,
            Outcome,
            ConcurrencyError,
        ]
        for got, want in zip(answers, expected, strict=True):
            if isinstance(got, Outcome):
                assert isinstance(want, Outcome)
                assert (got.case, got.result_id) == (want.case, want.result_id)
        assert answers[6].case == answers[3].case  # type: ignore[union-attr] # the retry
        assert _written(batched.store) == _written(serial.store)
        assert batched.verify_audit(STAFF.auditor).ok

    def test_a_refused_command_writes_nothing_and_blocks_nothing(
        self, make_store: StoreFactory
    ) -> None:
        """The commands around a refused one are written; the refused one left no trace."""
        slrt = _service(make_store())
        first, second = _two_cases(slrt)
        before = [r.seq for r in slrt.store.audit_records()]
        answers = slrt.pipeline.run_many(
            [
                _need(first, "Uniform"),
                cmd.Approve(actor=STAFF.supervisor, case_id=second, idempotency_key="k-x"),
                _need(second, "Books"),
            ]
        )
        assert isinstance(answers[1], TransitionNotAllowed)
        assert slrt.store.idempotency("k-x") is None
        assert [r.case_id for r in slrt.store.audit_records()][len(before) :] == [first, second]
        assert [n.description for n in slrt.store.load(second).needs][-1] == "Books"

    def test_a_case_moved_by_another_writer_is_that_case_s_conflict(
        self, make_store: StoreFactory
    ) -> None:
        """A case changed between the batch's reads and its commit: its commands conflict."""
        slrt = _service(make_store())
        first, second = _two_cases(slrt)
        store = slrt.store
        commit_many = store.commit_many

        def racing(commits: Any) -> Any:
            if len(commits) > 1:  # the batch: another writer commits first
                slrt.pipeline.run(_need(first, "Written meanwhile"))
            return commit_many(commits)

        store.commit_many = racing  # type: ignore[method-assign]
        answers = slrt.pipeline.run_many(
            [_need(first, "One"), _need(second, "Two"), _need(first, "Three", key="k-3")]
        )
        assert [type(a) for a in answers] == [ConcurrencyError, Outcome, ConcurrencyError]
        assert store.idempotency("k-3") is None
        assert [n.description for n in store.load(first).needs][1:] == ["Written meanwhile"]
        assert [n.description for n in store.load(second).needs][1:] == ["Two"]

    def test_a_batch_refused_as_a_whole_is_split(self, make_store: StoreFactory) -> None:
        """A conflict the store blames on no commit: one commit at a time, each answered."""
        slrt = _service(make_store())
        first, second = _two_cases(slrt)
        store = slrt.store
        commit_many = store.commit_many

        def whole(commits: Any) -> Any:
            if len(commits) > 1:
                slrt.pipeline.run(_need(first, "Written meanwhile"))  # moves one case
                raise ConcurrencyError(first, 0, None)
            return commit_many(commits)

        store.commit_many = whole  # type: ignore[method-assign]
        answers = slrt.pipeline.run_many(
            [_need(first, "One"), _need(second, "Two"), _need(first, "Three")]
        )
        # "Three" would match the stored version, but was built on the refused "One".
        assert [type(a) for a in answers] == [ConcurrencyError, Outcome, ConcurrencyError]
        assert [n.description for n in store.load(first).needs][1:] == ["Written meanwhile"]
        assert [n.description for n in store.load(second).needs][1:] == ["Two"]

    def test_an_erasure_in_a_batch_is_run_alone(self, make_store: StoreFactory) -> None:
        """An erasure (here refused to a supervisor) splits the batch, which goes on."""
        slrt = _service(make_store())
        first, second = _two_cases(slrt)
        calls: list[int] = []
        commit_many = slrt.store.commit_many

        def counted(commits: Any) -> Any:
            calls.append(len(commits))
            return commit_many(commits)

        slrt.store.commit_many = counted  # type: ignore[method-assign]
        answers = slrt.pipeline.run_many(
            [
                _need(first, "Uniform"),
                cmd.Erase(actor=STAFF.supervisor, case_id=second, request_ref="req-1"),
                _need(second, "Books"),
            ]
        )
        assert [type(a) for a in answers] == [Outcome, AccessDenied, Outcome]
        assert calls == [1, 1]
        assert slrt.store.load(second).needs[-1].description == "Books"

    def test_claimed_times_go_with_their_commands(self, make_store: StoreFactory) -> None:
        """Each command's claimed time is kept on its events; the lengths must agree."""
        slrt = _service(make_store())
        first, _ = _two_cases(slrt)
        claimed = T0 - timedelta(hours=3)
        answers = slrt.pipeline.run_many(
            [_need(first, "One"), _need(first, "Two")], claimed_at=[claimed, None]
        )
        assert all(isinstance(a, Outcome) for a in answers)
        assert [e.claimed_at for e in slrt.store.events(first)[-2:]] == [claimed, None]
        with pytest.raises(ValueError, match="claimed"):
            slrt.pipeline.run_many([_need(first, "Three")], claimed_at=[])


class TestCrash:
    def test_a_transaction_that_fails_midway_leaves_nothing_of_the_batch(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A database error in the third commit's rows rolls back the two before it too."""
        store = SqliteStore(tmp_path / "s.db", codec=PlainCodec())
        slrt = _service(store)
        first, second = _two_cases(slrt)
        before = _written(store)
        versions = (store.load(first).version, store.load(second).version)
        real = sqlite_module.write_projection  # type: ignore[attr-defined]
        calls: list[object] = []

        def failing(conn: Any, rows: Any, d: Any) -> None:
            calls.append(rows)
            if len(calls) == 3:
                msg = "disk I/O error"
                raise sqlite3.OperationalError(msg)
            real(conn, rows, d)

        monkeypatch.setattr(sqlite_module, "write_projection", failing)
        batch = [_need(first, "One", key="k-1"), _need(second, "Two"), _need(first, "Three")]
        with pytest.raises(StorageError, match="Nothing was written"):
            slrt.pipeline.run_many(batch)
        assert len(calls) == 3
        monkeypatch.setattr(sqlite_module, "write_projection", real)
        assert _written(store) == before
        assert (store.load(first).version, store.load(second).version) == versions
        assert store.idempotency("k-1") is None
        store.close()
        reopened = SqliteStore(tmp_path / "s.db", codec=PlainCodec())
        assert _written(reopened) == before
        again = _service(reopened).pipeline.run_many(batch)  # the batch can simply be sent again
        assert all(isinstance(a, Outcome) for a in again)
        assert reopened.load(first).version == versions[0] + 2
        reopened.close()


class TestSweepInBatches:
    def test_the_sweep_commits_a_bounded_batch_at_a_time(
        self, make_store: StoreFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Seven due cases in batches of three: three transactions, every case escalated."""
        store = make_store()
        clock = FrozenClock(T0)
        slrt = sample_slrt(store, clock=clock)
        for village in [*VILLAGES, *VILLAGES][:7]:
            for step, _ in enumerate(walk_case(slrt, STAFF, route="full", region=village)):
                if step == 6:  # referred, not yet answered
                    break
        monkeypatch.setattr(sweep_module, "BATCH", 3)
        sizes: list[int] = []
        commit_many = store.commit_many

        def counted(commits: Any) -> Any:
            sizes.append(len(commits))
            return commit_many(commits)

        store.commit_many = counted  # type: ignore[method-assign]
        report = slrt.sweep(T0 + timedelta(days=30))
        assert sizes == [3, 3, 1]
        assert report.checked == 7
        assert report.expired == 7
        assert slrt.verify_audit(STAFF.auditor).ok
