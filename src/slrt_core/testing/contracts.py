"""The contract suite every :class:`~slrt_core.ports.Store` adapter must pass.

Subclass :class:`StoreContract` in a pytest module and give it a factory; pytest then
runs every contract test against your adapter. The tests use only the
:class:`~slrt_core.ports.Store` protocol (plus ``close()`` when the store has one), so a
third-party adapter is held to exactly what the library's own adapters promise:
atomic commits of events, audit records, outbox rows and idempotency records; optimistic
concurrency with :class:`~slrt_core.ConcurrencyError` and nothing written on refusal; a
hash chain that verifies; an outbox with leases, retries and dead letters; safety across
threads.

Examples:
    A test module for an adapter (``tests/contract/test_my_store.py``)::

        from slrt_core.ports import Store
        from slrt_core.testing import StoreContract

        class TestMyStore(StoreContract):
            def make_store(self) -> Store:
                return MyStore(...)  # a new, empty store each call

            def reopen(self, store: Store) -> Store:  # optional: proves durability
                store.close()
                return MyStore(...)  # the same database again

    Two more hooks are optional too: ``damage`` (damaged records are skipped and reported
    by listings) and ``make_sealed_store`` (an interrupted erasure stays pending until
    it is finished).

.. versionadded:: 0.1.0
"""

# A test suite asserts, and its expected numbers are the point of each test.
# ruff: noqa: S101, PLR2004

from __future__ import annotations

import abc
import contextlib
import random
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slrt_core.access import Actor, Role
from slrt_core.adapters.memory import MemoryStore
from slrt_core.audit import GENESIS, AuditRecord, verify
from slrt_core.case._events import (
    CaseAssessed,
    CaseClosed,
    CaseRegistered,
    DomainEvent,
    Event,
    NeedRecorded,
    ReferralEscalated,
    ReferralRequested,
    ReferralStatusChanged,
    apply,
    replay,
)
from slrt_core.case._model import Case, CaseState, Need, Priority
from slrt_core.crypto import MemoryKeyStore, SealingCodec, StaticKeyring, SubjectVault
from slrt_core.dedup import BlindIndexer, MemoryCandidateIndex, synthetic_household, villages
from slrt_core.demo import run_demo
from slrt_core.errors import (
    CaseErasedError,
    CaseNotFoundError,
    ConcurrencyError,
    CorruptRecordError,
    ReferralNotFoundError,
)
from slrt_core.household import Household, Person, Relationship
from slrt_core.identity import KkNumber, Nik, RegionCode, Sex
from slrt_core.notify import Notification, notifications_for
from slrt_core.ports import (
    CandidateIndex,
    CaseList,
    Commit,
    DedupEntry,
    ErasableStore,
    EventCodec,
    IdempotencyRecord,
    OutboxMessage,
    ProjectionRebuild,
    Store,
    SummaryRows,
)
from slrt_core.privacy import NikIndex, NikTokenizer
from slrt_core.projections import (
    CaseOrder,
    CaseSelection,
    CaseSummary,
    ReferralOrder,
    ReferralSelection,
    ReferralSummary,
    case_key,
    case_matches,
    case_of_row,
    case_row,
    referral_key,
    referral_matches,
    referral_row,
    summarize,
)
from slrt_core.referral._model import ReferralReason, ReferralStatus
from slrt_core.testing._doubles import FrozenClock
from slrt_core.testing._fixtures import (
    PROVINCE,
    ROUTES,
    VILLAGES,
    Route,
    sample_household,
    sample_slrt,
    sample_staff,
    walk_case,
)
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind, Sector

#: More summaries than any contract test writes.
_ALL = 10_000

__all__ = ["StoreContract"]

#: When the hand-built commits happen.
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
#: Later than every message any contract test writes.
FAR = T0 + timedelta(days=3650)

_MIROTO, _BRUMBUNGAN, _BANDARHARJO, _BLOTONGAN = VILLAGES


# --------------------------------------------------------------------------- commits


def _note(case_id: str, message_id: str, *, at: datetime = T0) -> Notification:
    return Notification(
        message_id=message_id,
        topic="contract_test",
        recipient="role:back_office@33.74",
        case_id=case_id,
        subject={"en": f"Test {message_id}", "id": f"Uji {message_id}"},
        body={"en": "A contract-test message.", "id": "Pesan uji kontrak."},
        created_at=at,
    )


def _idempotency(key: str | None, case: Case) -> IdempotencyRecord | None:
    if key is None:
        return None
    return IdempotencyRecord(
        key=key,
        command="contract_test",
        case_id=case.case_id,
        version=case.version,
        result_id=case.case_id,
    )


def _register(
    case_id: str,
    *,
    region: RegionCode = _MIROTO,
    emergency: bool = False,
    notes: Iterable[Notification] = (),
    key: str | None = None,
) -> Commit:
    """The commit that registers *case_id* in *region*."""
    event = Event(
        case_id=case_id,
        version=1,
        at=T0,
        actor_id="facilitator-1",
        role=Role.FACILITATOR,
        payload=CaseRegistered(
            household=sample_household(region),
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.GRIEVANCE,
            needs=(Need(sector=Sector.HEALTH, description="No health insurance", need_id="n1"),),
            emergency=emergency,
            priority=Priority.NORMAL,
        ),
    )
    case = apply(None, event)
    return Commit(
        case=case,
        expected_version=0,
        events=(event,),
        notifications=tuple(notes),
        idempotency=_idempotency(key, case),
    )


def _then(
    case: Case,
    *payloads: DomainEvent,
    notes: Iterable[Notification] = (),
    key: str | None = None,
) -> Commit:
    """The commit that appends *payloads* to *case* (read at its current version)."""
    events = []
    new = case
    for payload in payloads:
        event = Event(
            case_id=case.case_id,
            version=new.version + 1,
            at=new.updated_at + timedelta(minutes=5),
            actor_id="facilitator-1",
            role=Role.FACILITATOR,
            payload=payload,
        )
        new = apply(new, event)
        events.append(event)
    return Commit(
        case=new,
        expected_version=case.version,
        events=tuple(events),
        notifications=tuple(notes),
        idempotency=_idempotency(key, new),
    )


def _need(case: Case, description: str) -> NeedRecorded:
    need_id = f"n{len(case.needs) + 1}"
    return NeedRecorded(
        need=Need(sector=Sector.EDUCATION, description=description, need_id=need_id)
    )


def _assessed() -> CaseAssessed:
    return CaseAssessed(findings="Assessed at home.")


#: The peppers of the candidate-index tests.
_DEDUP = BlindIndexer({1: b"d" * 32})


def _dedup_household(
    name: str, born: date, *, nik: str | None = None, kk: str | None = None
) -> Household:
    """A one-person household in Miroto with a name (and a NIK or KK number)."""
    head = Person(
        member_id="m1",
        relationship=Relationship.HEAD,
        sex=Sex.FEMALE,
        birth_date=born,
        name=name,
        nik=None if nik is None else Nik(nik),
    )
    return Household(region=_MIROTO, members=(head,), kk=None if kk is None else KkNumber(kk))


def _entry(household: Household, *, suspects: int = 0) -> DedupEntry:
    return DedupEntry(
        tokens=_DEDUP.household(household), suspects=suspects, region=household.region.code
    )


def _with_entry(commit: Commit, household: Household, *, suspects: int = 0) -> Commit:
    """*commit* filing *household*'s tokens as the case's candidate entry."""
    return attrs.evolve(commit, dedup=_entry(household, suspects=suspects))


# --------------------------------------------------------------------------- helpers


def _close(store: Store) -> None:
    close = getattr(store, "close", None)
    if callable(close):
        close()


class _KeysThatDie(MemoryKeyStore):
    """A key store whose process dies (``SystemExit``) in a destruction while ``dying``."""

    dying = False

    def destroy(self, key_id: str, /) -> bool:
        if self.dying:
            raise SystemExit(137)
        return super().destroy(key_id)


class _Stores:
    """The stores one test opened, closed when the test ends."""

    def __init__(self, contract: StoreContract) -> None:
        self._contract = contract
        self._open: list[Store] = []

    def open(self) -> Store:
        store = self._contract.make_store()
        self._open.append(store)
        return store

    def reopen(self, store: Store) -> Store:
        return self.replace(store, self._contract.reopen(store))

    def adopt(self, store: Store) -> Store:
        self._open.append(store)
        return store

    def replace(self, store: Store, fresh: Store) -> Store:
        self._open = [fresh if s is store else s for s in self._open]
        return fresh

    def close_all(self) -> None:
        while self._open:
            _close(self._open.pop())


def _state(store: Store, *case_ids: str) -> tuple[object, ...]:
    """What a refused commit must leave unchanged: the audit trail and the cases."""
    cases: list[object] = []
    for case_id in case_ids:
        try:
            cases.append((store.load(case_id), store.events(case_id)))
        except CaseNotFoundError:
            cases.append(None)
    return (list(store.audit_records()), cases)


def _pending(store: Store, now: datetime = FAR) -> list[str]:
    """Message ids claimable at *now*, in claim order (this leases them)."""
    return [m.notification.message_id for m in store.claim_due(now, limit=10_000, lease_seconds=60)]


def _ids(messages: Iterable[OutboxMessage]) -> list[str]:
    return [m.notification.message_id for m in messages]


def _run_threads(
    count: int, work: Callable[[int], None], barrier: threading.Barrier | None = None
) -> None:
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            work(i)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread below
            errors.append(exc)
            if barrier is not None:
                barrier.abort()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a worker thread hung"
    if errors:
        raise errors[0]


def _expected_message_ids(store: Store, case_ids: Iterable[str]) -> set[str]:
    """The notifications the service derives from the stored events."""
    expected = set()
    for case_id in case_ids:
        case: Case | None = None
        for event in store.events(case_id):
            case = apply(case, event)
            expected |= {n.message_id for n in notifications_for(case, event)}
    return expected


@attrs.frozen
class _Plan:
    """Case walks (route, village) and a schedule of (walk index, refuse a stale write)."""

    walks: tuple[tuple[Route, RegionCode], ...]
    schedule: tuple[tuple[int, bool], ...]


@st.composite
def _plans(draw: st.DrawFn) -> _Plan:
    walks = draw(
        st.lists(
            st.tuples(st.sampled_from(ROUTES), st.sampled_from(VILLAGES)), min_size=1, max_size=4
        )
    )
    schedule = draw(
        st.lists(
            st.tuples(st.integers(0, len(walks) - 1), st.sampled_from((False, False, False, True))),
            max_size=40,
        )
    )
    return _Plan(walks=tuple(walks), schedule=tuple(schedule))


def _walk_plan(store: Store, plan: _Plan) -> list[str]:
    """Run *plan*'s walks interleaved by its schedule, ten minutes apart; the case ids."""
    clock = FrozenClock(T0)
    slrt = sample_slrt(store, clock=clock)
    staff = sample_staff()
    walks = [walk_case(slrt, staff, route=r, region=v) for r, v in plan.walks]
    case_ids: dict[int, str] = {}
    for index, _ in (*((i, False) for i in range(len(walks))), *plan.schedule):
        step = next(walks[index], None)
        if step is not None:
            case_ids[index] = step.case_id
        clock.advance(minutes=10)
    return sorted(set(case_ids.values()))


def _all_cases(store: Store, order: CaseOrder = CaseOrder.REGISTERED) -> list[CaseSummary]:
    return store.case_summaries(CaseSelection(), order=order, limit=_ALL)


def _all_referrals(
    store: Store, order: ReferralOrder = ReferralOrder.REQUESTED
) -> list[ReferralSummary]:
    return store.referral_summaries(ReferralSelection(), order=order, limit=_ALL)


def _case_selections(summaries: list[CaseSummary]) -> list[CaseSelection]:
    """Selections touching every condition, with values the summaries hold and do not."""
    times = sorted({s.registered_at for s in summaries} | {s.updated_at for s in summaries})
    deadlines = sorted({s.next_due_at for s in summaries if s.next_due_at is not None})
    middle = times[len(times) // 2] if times else T0
    due = deadlines[len(deadlines) // 2] if deadlines else T0 + timedelta(days=5)
    semarang, district = RegionCode("33.74"), RegionCode("33.74.01")
    return [
        CaseSelection(),
        CaseSelection(regions=(semarang,)),
        CaseSelection(regions=(district, RegionCode("33.73"))),
        CaseSelection(regions=(RegionCode("33"),), excluded=(district,)),
        CaseSelection(regions=(_MIROTO,)),
        CaseSelection(regions=(RegionCode("34"),)),
        CaseSelection(case_ids=frozenset({s.case_id for s in summaries[::3]})),
        CaseSelection(case_ids=frozenset()),
        CaseSelection(states=frozenset({CaseState.CLOSED, CaseState.SUBMITTED})),
        CaseSelection(states=frozenset({CaseState.REGISTERED}), regions=(semarang,)),
        CaseSelection(assignee="facilitator-1"),
        CaseSelection(assignee="back-office-1", regions=(district,)),
        CaseSelection(assignee="nobody"),
        CaseSelection(channels=frozenset({Channel.HOME_VISIT})),
        CaseSelection(kinds=frozenset({ComplaintKind.GRIEVANCE, ComplaintKind.QUESTION})),
        CaseSelection(emergency=True),
        CaseSelection(emergency=False),
        CaseSelection(priority=Priority.HIGH),
        CaseSelection(priority=Priority.NORMAL),
        CaseSelection(sectors=frozenset({Sector.HEALTH})),
        CaseSelection(sectors=frozenset({Sector.FOOD, Sector.EDUCATION})),
        CaseSelection(services=frozenset({"pbi-jk"})),
        CaseSelection(services=frozenset()),
        CaseSelection(provider="bpjs-jateng"),
        CaseSelection(provider="bpjs-jateng", services=frozenset({"none"})),
        CaseSelection(referral_statuses=frozenset({ReferralStatus.COMPLETED})),
        CaseSelection(
            referral_statuses=frozenset({ReferralStatus.REQUESTED, ReferralStatus.ACCEPTED})
        ),
        CaseSelection(due_before=due),
        CaseSelection(due_after=due),
        CaseSelection(due_before=FAR),
        CaseSelection(registered_from=middle),
        CaseSelection(registered_before=middle),
        CaseSelection(updated_from=middle, updated_before=FAR),
        CaseSelection(updated_before=middle, states=frozenset(CaseState)),
    ]


def _referral_selections(summaries: list[ReferralSummary]) -> list[ReferralSelection]:
    times = sorted({r.requested_at for r in summaries})
    deadlines = sorted({r.due_at for r in summaries if r.due_at is not None})
    middle = times[len(times) // 2] if times else T0
    due = deadlines[len(deadlines) // 2] if deadlines else T0 + timedelta(days=5)
    first = summaries[0].case_id if summaries else "case-none"
    return [
        ReferralSelection(),
        ReferralSelection(regions=(RegionCode("33.74"),)),
        ReferralSelection(regions=(RegionCode("33"),), excluded=(RegionCode("33.74.02"),)),
        ReferralSelection(case_id=first),
        ReferralSelection(statuses=frozenset({ReferralStatus.REQUESTED, ReferralStatus.RECEIVED})),
        ReferralSelection(statuses=frozenset({ReferralStatus.COMPLETED})),
        ReferralSelection(provider="bpjs-jateng"),
        ReferralSelection(provider="elsewhere"),
        ReferralSelection(services=frozenset({"pbi-jk"})),
        ReferralSelection(services=frozenset()),
        ReferralSelection(sectors=frozenset({Sector.HEALTH})),
        ReferralSelection(sectors=frozenset({Sector.HOUSING})),
        ReferralSelection(escalated=True),
        ReferralSelection(escalated=False),
        ReferralSelection(due_before=due),
        ReferralSelection(due_after=due),
        ReferralSelection(requested_from=middle),
        ReferralSelection(requested_before=middle),
    ]


# --------------------------------------------------------------------------- the suite


class StoreContract(abc.ABC):
    """The behaviour every :class:`~slrt_core.ports.Store` adapter must show.

    Subclass it as a pytest test class (``class TestMyStore(StoreContract)``) and
    implement :meth:`make_store`. Override :meth:`reopen` when the store keeps data
    outside the process (a file, a server), so the tests also prove durability. Every
    store the tests open is closed with its ``close()`` method, if it has one.

    The suite is quick (a few seconds per adapter) and uses the Hypothesis profile
    loaded by the host's test configuration.

    .. versionadded:: 0.1.0
    """

    @abc.abstractmethod
    def make_store(self) -> Store:
        """A new, empty store; called once or more per test."""

    def reopen(self, store: Store) -> Store:
        """The store to use after a restart: by default *store* itself.

        A file or database adapter closes *store* and opens a new one on the same data.
        The suite closes only the store this returns.
        """
        return store

    def damage(self, store: Store, case_id: str, version: int) -> Store:  # noqa: ARG002
        """Damage the stored event *version* of *case_id* so it no longer decodes.

        Optional: the tests of damaged records skip without it. A database adapter
        overwrites the event's body behind the store's back (``{`` is not JSON) and
        returns the reopened store (:meth:`reopen`), so no cached copy hides the damage.
        Returns the store to read from next.
        """
        pytest.skip("this adapter gives the contract no way to damage a stored record")

    def make_sealed_store(self, codec: EventCodec) -> Store:  # noqa: ARG002
        """A new, empty store that seals with *codec* (and so can erase).

        Optional: the erasure tests skip without it.
        """
        pytest.skip("this adapter gives the contract no sealed store")

    @contextlib.contextmanager
    def _stores(self) -> Iterator[_Stores]:
        stores = _Stores(self)
        try:
            yield stores
        finally:
            stores.close_all()

    # ------------------------------------------------------------------ cases

    def test_commit_then_load_round_trips(self) -> None:
        """A committed new case loads back equal, with its one event."""
        with self._stores() as stores:
            store = stores.open()
            commit = _register("case-1")
            store.commit(commit)
            store = stores.reopen(store)
            assert store.load("case-1") == commit.case
            assert store.events("case-1") == list(commit.events)

    def test_events_in_order_and_replay_equals_load(self) -> None:
        """events() lists every committed event oldest first, and replaying them gives load()."""
        with self._stores() as stores:
            store = stores.open()
            first = _register("case-1")
            store.commit(first)
            second = _then(first.case, _need(first.case, "School fees"))
            store.commit(second)
            third = _then(second.case, _assessed())
            store.commit(third)
            store = stores.reopen(store)
            events = store.events("case-1")
            assert events == [*first.events, *second.events, *third.events]
            assert [e.version for e in events] == [1, 2, 3]
            assert replay(events) == store.load("case-1") == third.case

    def test_commit_with_several_events_is_written_whole(self) -> None:
        """A commit of several events stores them all and moves the version by their number."""
        with self._stores() as stores:
            store = stores.open()
            first = _register("case-1")
            store.commit(first)
            uniform = NeedRecorded(
                need=Need(sector=Sector.EDUCATION, description="Uniform", need_id="n2")
            )
            books = NeedRecorded(
                need=Need(sector=Sector.EDUCATION, description="Books", need_id="n3")
            )
            commit = _then(first.case, uniform, books, _assessed())
            store.commit(commit)
            store = stores.reopen(store)
            assert store.load("case-1").version == 4
            assert store.events("case-1")[1:] == list(commit.events)
            assert [r.seq for r in store.audit_records()] == [1, 2, 3, 4]

    def test_stale_expected_version_is_refused_and_nothing_written(self) -> None:
        """A commit built on an old version raises ConcurrencyError and changes nothing."""
        with self._stores() as stores:
            store = stores.open()
            first = _register("case-1", notes=[_note("case-1", "m-1")])
            store.commit(first)
            second = _then(first.case, _need(first.case, "School fees"))
            store.commit(second)
            before = _state(store, "case-1")
            stale = _then(
                first.case, _assessed(), notes=[_note("case-1", "m-stale")], key="k-stale"
            )
            with pytest.raises(ConcurrencyError) as caught:
                store.commit(stale)
            assert caught.value.case_id == "case-1"
            assert caught.value.expected == 1
            assert caught.value.actual in (2, None)
            ahead = attrs.evolve(_then(second.case, _assessed()), expected_version=5)
            with pytest.raises(ConcurrencyError):
                store.commit(ahead)
            assert _state(store, "case-1") == before
            assert store.idempotency("k-stale") is None
            store = stores.reopen(store)
            assert _state(store, "case-1") == before
            assert store.load("case-1").version == 2
            assert _pending(store) == ["m-1"]

    def test_commit_to_an_unknown_case_with_a_version_is_refused(self) -> None:
        """A non-zero expected_version for a case that does not exist raises ConcurrencyError."""
        with self._stores() as stores:
            store = stores.open()
            ghost = _register("case-ghost").case
            with pytest.raises(ConcurrencyError):
                store.commit(_then(ghost, _assessed()))
            with pytest.raises(CaseNotFoundError):
                store.load("case-ghost")
            assert list(store.audit_records()) == []

    def test_new_case_with_an_existing_id_is_refused(self) -> None:
        """Registering a second case under a used id raises ConcurrencyError and changes nothing."""
        with self._stores() as stores:
            store = stores.open()
            store.commit(_register("case-1", notes=[_note("case-1", "m-1")]))
            before = _state(store, "case-1")
            duplicate = _register(
                "case-1", region=_BLOTONGAN, notes=[_note("case-1", "m-dup")], key="k-dup"
            )
            with pytest.raises(ConcurrencyError):
                store.commit(duplicate)
            store = stores.reopen(store)
            assert _state(store, "case-1") == before
            assert store.load("case-1").region == _MIROTO
            assert store.idempotency("k-dup") is None
            assert _pending(store) == ["m-1"]

    def test_idempotency_record_is_stored(self) -> None:
        """The idempotency record of a commit is returned for its key; an unused key gives None."""
        with self._stores() as stores:
            store = stores.open()
            commit = _register("case-1", key="visit-1")
            store.commit(commit)
            store = stores.reopen(store)
            assert store.idempotency("visit-1") == commit.idempotency
            assert store.idempotency("visit-2") is None

    def test_reused_idempotency_key_is_refused_and_nothing_written(self) -> None:
        """A second commit with a used idempotency key raises ConcurrencyError, writes nothing."""
        with self._stores() as stores:
            store = stores.open()
            first = _register("case-1", key="visit-1", notes=[_note("case-1", "m-1")])
            store.commit(first)
            before = _state(store, "case-1", "case-2")
            same_case = _then(
                first.case, _assessed(), key="visit-1", notes=[_note("case-1", "m-x")]
            )
            with pytest.raises(ConcurrencyError):
                store.commit(same_case)
            other_case = _register("case-2", key="visit-1", notes=[_note("case-2", "m-y")])
            with pytest.raises(ConcurrencyError):
                store.commit(other_case)
            store = stores.reopen(store)
            assert _state(store, "case-1", "case-2") == before
            assert store.idempotency("visit-1") == first.idempotency
            assert _pending(store) == ["m-1"]

    # ------------------------------------------------------------------ batches

    def test_commit_many_writes_a_batch_in_order(self) -> None:
        """A batch is written whole: chained versions, audit in batch order, every row."""
        with self._stores() as stores:
            store = stores.open()
            one = _register("case-1", emergency=True, key="k-1", notes=[_note("case-1", "m-1")])
            two = _register("case-2", region=_BLOTONGAN, notes=[_note("case-2", "m-2")])
            refer = _then(
                one.case,
                ReferralRequested(
                    referral_id="ref-1",
                    need_id="n1",
                    service_id="pbi-jk",
                    provider_id="bpjs",
                    due_at=T0 + timedelta(days=2),
                ),
                notes=[_note("case-1", "m-3")],
            )
            escalate = _then(
                refer.case,
                ReferralEscalated(
                    referral_id="ref-1", level=1, step="reminder", due_at=T0 + timedelta(days=2)
                ),
                key="k-2",
            )
            batch = [one, two, refer, escalate]
            assert store.commit_many(batch) == [None, None, None, None]
            store = stores.reopen(store)
            assert store.load("case-1") == escalate.case
            assert store.load("case-2") == two.case
            assert store.events("case-1") == [*one.events, *refer.events, *escalate.events]
            records = list(store.audit_records())
            assert verify(records).ok
            assert [(r.case_id, r.version) for r in records] == [
                (e.case_id, e.version) for c in batch for e in c.events
            ]
            assert store.idempotency("k-1") == one.idempotency
            assert store.idempotency("k-2") == escalate.idempotency
            assert _pending(store) == ["m-1", "m-2", "m-3"]
            assert store.case_id_of_referral("ref-1") == "case-1"
            assert store.open_referrals(due_before=T0 + timedelta(days=2)) == [("ref-1", "case-1")]
            summaries = [summarize(escalate.case), summarize(two.case)]
            assert _all_cases(store) == sorted(
                (c for c, _ in summaries), key=lambda c: case_key(c, CaseOrder.REGISTERED)
            )
            assert _all_referrals(store) == list(summaries[0][1])

    def test_commit_many_leaves_out_refused_commits_and_writes_the_others(self) -> None:
        """A stale commit, a used key or id is refused, nothing of it kept; the others written.

        A case's later commits in the batch are refused after one of its commits was:
        they may have been built on it.
        """
        with self._stores() as stores:
            store = stores.open()
            first = _register("case-1", notes=[_note("case-1", "m-1")])
            store.commit(first)
            second = _then(first.case, _need(first.case, "School fees"))
            store.commit(second)
            fresh = _register("case-2", key="k-2", notes=[_note("case-2", "m-2")])
            good = _then(second.case, _assessed(), notes=[_note("case-1", "m-good")])
            after_good = _then(good.case, _need(good.case, "Uniform"))
            stale = _then(first.case, _assessed(), notes=[_note("case-1", "m-stale")], key="k-s")
            reused = _register("case-3", key="k-2", notes=[_note("case-3", "m-reused")])
            twice = _register("case-2", region=_BLOTONGAN, notes=[_note("case-2", "m-twice")])
            # Built on the stored version, but after a refused commit of its case.
            late = _then(after_good.case, _need(after_good.case, "Books"), key="k-late")
            results = store.commit_many([fresh, good, after_good, stale, reused, twice, late])
            assert [r is None for r in results] == [True, True, True, False, False, False, False]
            refused = [r for r in results if r is not None]
            assert all(isinstance(r, ConcurrencyError) for r in refused)
            assert [r.case_id for r in refused] == ["case-1", "case-3", "case-2", "case-1"]
            store = stores.reopen(store)
            assert store.load("case-1") == after_good.case
            assert store.load("case-2") == fresh.case
            with pytest.raises(CaseNotFoundError):
                store.load("case-3")
            assert store.idempotency("k-s") is None
            assert store.idempotency("k-late") is None
            assert store.idempotency("k-2") == fresh.idempotency
            records = list(store.audit_records())
            assert verify(records).ok
            assert [(r.case_id, r.version) for r in records] == [
                ("case-1", 1),
                ("case-1", 2),
                ("case-2", 1),
                ("case-1", 3),
                ("case-1", 4),
            ]
            assert _pending(store) == ["m-1", "m-2", "m-good"]
            assert _all_cases(store) == sorted(
                (summarize(after_good.case)[0], summarize(fresh.case)[0]),
                key=lambda c: case_key(c, CaseOrder.REGISTERED),
            )

    def test_commit_many_of_nothing_writes_nothing(self) -> None:
        """An empty batch answers an empty list and leaves the store as it was."""
        with self._stores() as stores:
            store = stores.open()
            assert store.commit_many([]) == []
            assert list(store.audit_records()) == []

    def test_escalating_one_referral_keeps_the_summaries_of_the_others(self) -> None:
        """A commit on one referral of a case leaves its other referrals' summaries right."""
        with self._stores() as stores:
            store = stores.open()
            first = _register("case-1", emergency=True)
            requested = [
                ReferralRequested(
                    referral_id=f"ref-{k}",
                    need_id="n1",
                    service_id="pbi-jk",
                    provider_id=f"provider-{k}",
                    due_at=T0 + timedelta(days=k),
                )
                for k in (1, 2, 3)
            ]
            refer = _then(first.case, *requested)
            escalate = _then(
                refer.case,
                ReferralEscalated(
                    referral_id="ref-2", level=1, step="reminder", due_at=T0 + timedelta(days=2)
                ),
            )
            cancel = _then(
                escalate.case,
                ReferralStatusChanged(
                    referral_id="ref-3",
                    status=ReferralStatus.CANCELLED,
                    reason=ReferralReason.EXPIRED,
                ),
            )
            assert store.commit_many([first, refer]) == [None, None]
            assert store.commit_many([escalate, cancel]) == [None, None]
            store = stores.reopen(store)
            case, referrals = summarize(cancel.case)
            assert _all_cases(store) == [case]
            assert _all_referrals(store) == sorted(
                referrals, key=lambda r: referral_key(r, ReferralOrder.REQUESTED)
            )

    def test_case_id_of_referral(self) -> None:
        """Each referral id leads back to the case that holds it."""
        with self._stores() as stores:
            store = stores.open()
            first = _register("case-1", emergency=True)
            store.commit(first)
            store.commit(_register("case-2"))
            refer = _then(
                first.case,
                ReferralRequested(
                    referral_id="ref-1", need_id="n1", service_id="pbi-jk", provider_id="bpjs"
                ),
            )
            store.commit(refer)
            second_need = _then(refer.case, _need(refer.case, "Birth certificate"))
            store.commit(second_need)
            store.commit(
                _then(
                    second_need.case,
                    ReferralRequested(
                        referral_id="ref-2", need_id="n2", service_id="akta", provider_id="dukcapil"
                    ),
                )
            )
            store = stores.reopen(store)
            assert store.case_id_of_referral("ref-1") == "case-1"
            assert store.case_id_of_referral("ref-2") == "case-1"
            referral = store.load("case-1").referral("ref-2")
            assert referral is not None
            assert referral.provider_id == "dukcapil"
            with pytest.raises(ReferralNotFoundError):
                store.case_id_of_referral("case-2")

    def test_unknown_ids_raise_not_found(self) -> None:
        """Unknown ids raise CaseNotFoundError (load, events) or ReferralNotFoundError."""
        with self._stores() as stores:
            store = stores.open()
            store.commit(_register("case-1"))
            with pytest.raises(CaseNotFoundError) as missing_case:
                store.load("case-404")
            assert missing_case.value.case_id == "case-404"
            with pytest.raises(CaseNotFoundError):
                store.events("case-404")
            with pytest.raises(ReferralNotFoundError) as missing_referral:
                store.case_id_of_referral("ref-404")
            assert missing_referral.value.referral_id == "ref-404"

    # ------------------------------------------------------------------ queries

    def test_find_cases_by_region(self) -> None:
        """A region finds the cases of the villages it contains, ordered by case id."""
        with self._stores() as stores:
            store = stores.open()
            commits = {
                "case-b": _register("case-b", region=_MIROTO),  # 33.74.01
                "case-a": _register("case-a", region=_BRUMBUNGAN),  # 33.74.01
                "case-d": _register("case-d", region=_BANDARHARJO),  # 33.74.02
                "case-c": _register("case-c", region=_BLOTONGAN),  # 33.73.01
            }
            for commit in commits.values():
                store.commit(commit)
            store = stores.reopen(store)

            def found(code: str) -> list[str]:
                return [c.case_id for c in store.find_cases(within=RegionCode(code))]

            assert found("33.74.01") == ["case-a", "case-b"]
            assert found("33.74.02") == ["case-d"]
            assert found("33.74") == ["case-a", "case-b", "case-d"]
            assert found("33.73") == ["case-c"]
            assert found("33") == ["case-a", "case-b", "case-c", "case-d"]
            assert found("32") == []
            assert found("33.74.01.1001") == ["case-b"]
            everything = store.find_cases(within=RegionCode.INDONESIA)
            assert everything == [commits[k].case for k in ("case-a", "case-b", "case-c", "case-d")]

    def test_find_cases_by_state(self) -> None:
        """A state filter finds the cases whose latest state it is, inside the region."""
        with self._stores() as stores:
            store = stores.open()
            for case_id, region in (
                ("case-a", _MIROTO),
                ("case-b", _MIROTO),
                ("case-c", _BLOTONGAN),
                ("case-d", _BANDARHARJO),
            ):
                store.commit(_register(case_id, region=region))
            store.commit(_then(store.load("case-b"), _assessed()))
            store.commit(_then(store.load("case-d"), CaseClosed(reason=ClosingReason.DUPLICATE)))
            store = stores.reopen(store)

            def found(state: CaseState, within: RegionCode = RegionCode.INDONESIA) -> list[str]:
                return [c.case_id for c in store.find_cases(within=within, state=state)]

            assert found(CaseState.REGISTERED) == ["case-a", "case-c"]
            assert found(CaseState.ASSESSED) == ["case-b"]
            assert found(CaseState.CLOSED) == ["case-d"]
            assert found(CaseState.IN_SERVICE) == []
            assert found(CaseState.REGISTERED, RegionCode("33.74")) == ["case-a"]
            store.commit(_then(store.load("case-a"), _assessed()))
            assert found(CaseState.REGISTERED) == ["case-c"]
            assert found(CaseState.ASSESSED) == ["case-a", "case-b"]

    # ------------------------------------------------------------------ audit

    def test_audit_records_are_sequenced_chained_and_verify(self) -> None:
        """Audit records run 1..n in commit order, each chained to the one before, and verify."""
        with self._stores() as stores:
            store = stores.open()
            x1, y1 = _register("case-x"), _register("case-y", region=_BLOTONGAN)
            x2 = _then(x1.case, _need(x1.case, "Uniform"))
            y2 = _then(y1.case, _assessed())
            x3 = _then(x2.case, _need(x2.case, "Books"), _assessed())
            for commit in (x1, y1, x2, y2, x3):
                store.commit(commit)
            expected = [e for c in (x1, y1, x2, y2, x3) for e in c.events]
            store = stores.reopen(store)
            records = list(store.audit_records())
            assert [r.seq for r in records] == [1, 2, 3, 4, 5, 6]
            assert [r.event() for r in records] == expected
            assert records[0].prev == GENESIS
            assert all(later.prev == earlier.digest for earlier, later in pairwise(records))
            report = verify(records)
            assert report.ok, report.reason
            assert report.records == 6
            assert report.head == records[-1].digest

    def test_audit_records_from_a_start(self) -> None:
        """audit_records(start=k) returns the records from sequence k on."""
        with self._stores() as stores:
            store = stores.open()
            assert list(store.audit_records()) == []
            first = _register("case-1")
            store.commit(first)
            store.commit(_then(first.case, _need(first.case, "Uniform"), _assessed()))
            store.commit(_register("case-2"))
            store = stores.reopen(store)
            records: list[AuditRecord] = list(store.audit_records())
            assert len(records) == 4
            for start in range(1, 6):
                assert list(store.audit_records(start=start)) == records[start - 1 :]

    # ------------------------------------------------------------------ outbox

    def test_claim_due_returns_due_messages_in_commit_order(self) -> None:
        """claim_due returns the due messages in commit order, up to the limit; later ones wait."""
        with self._stores() as stores:
            store = stores.open()
            m1 = _note("case-1", "m-1", at=T0 + timedelta(seconds=2))
            m2 = _note("case-1", "m-2", at=T0 + timedelta(seconds=5))
            m3 = _note("case-2", "m-3", at=T0 + timedelta(seconds=1))
            m4 = _note("case-2", "m-4", at=T0 + timedelta(hours=1))
            store.commit(_register("case-1", notes=[m1, m2]))
            store.commit(_register("case-2", notes=[m3, m4]))
            store = stores.reopen(store)
            now = T0 + timedelta(seconds=10)
            claimed = store.claim_due(now, limit=2, lease_seconds=60)
            assert claimed == [OutboxMessage(notification=m1), OutboxMessage(notification=m2)]
            assert _ids(store.claim_due(now, limit=10, lease_seconds=60)) == ["m-3"]
            assert _ids(store.claim_due(T0 + timedelta(hours=2), limit=10, lease_seconds=60)) == [
                "m-1",
                "m-2",
                "m-3",
                "m-4",
            ]

    def test_leased_message_is_not_claimed_again_before_its_lease_ends(self) -> None:
        """A claimed message is hidden from other claims until its lease ends, then returns."""
        with self._stores() as stores:
            store = stores.open()
            store.commit(_register("case-1", notes=[_note("case-1", "m-1")]))
            now = T0 + timedelta(minutes=1)
            assert _ids(store.claim_due(now, limit=10, lease_seconds=60)) == ["m-1"]
            store = stores.reopen(store)
            assert store.claim_due(now + timedelta(seconds=59), limit=10, lease_seconds=60) == []
            again = store.claim_due(now + timedelta(seconds=61), limit=10, lease_seconds=60)
            assert _ids(again) == ["m-1"]

    def test_record_delivery_removes_the_message(self) -> None:
        """A delivered message is never claimed again and is no dead letter."""
        with self._stores() as stores:
            store = stores.open()
            store.commit(
                _register("case-1", notes=[_note("case-1", "m-1"), _note("case-1", "m-2")])
            )
            now = T0 + timedelta(minutes=1)
            assert _ids(store.claim_due(now, limit=10, lease_seconds=30)) == ["m-1", "m-2"]
            store.record_delivery("m-1")
            store = stores.reopen(store)
            assert _pending(store) == ["m-2"]
            assert store.dead_letters() == []

    def test_record_failure_with_retry_at_reschedules(self) -> None:
        """A failed message waits until retry_at, then comes back with its attempts counted."""
        with self._stores() as stores:
            store = stores.open()
            note = _note("case-1", "m-1")
            store.commit(_register("case-1", notes=[note]))
            now = T0 + timedelta(minutes=1)
            retry_at = now + timedelta(minutes=5)
            assert _ids(store.claim_due(now, limit=10, lease_seconds=600)) == ["m-1"]
            store.record_failure("m-1", error="SMTP timeout", retry_at=retry_at)
            store = stores.reopen(store)
            assert (
                store.claim_due(retry_at - timedelta(seconds=1), limit=10, lease_seconds=60) == []
            )
            back = store.claim_due(retry_at, limit=10, lease_seconds=60)
            assert back == [OutboxMessage(notification=note, attempts=1, last_error="SMTP timeout")]
            store.record_failure(
                "m-1", error="SMTP refused", retry_at=retry_at + timedelta(minutes=10)
            )
            later = store.claim_due(FAR, limit=10, lease_seconds=60)
            assert [(m.attempts, m.last_error) for m in later] == [(2, "SMTP refused")]
            assert store.dead_letters() == []

    def test_record_failure_without_retry_dead_letters(self) -> None:
        """A failure with retry_at None dead-letters the message: listed, never claimed again."""
        with self._stores() as stores:
            store = stores.open()
            note = _note("case-1", "m-1")
            store.commit(_register("case-1", notes=[note, _note("case-1", "m-2")]))
            assert _ids(store.claim_due(T0, limit=1, lease_seconds=60)) == ["m-1"]
            store.record_failure("m-1", error="no such recipient", retry_at=None)
            store = stores.reopen(store)
            assert store.dead_letters() == [
                OutboxMessage(
                    notification=note, attempts=1, last_error="no such recipient", dead=True
                )
            ]
            assert _pending(store) == ["m-2"]

    # ------------------------------------------------------------------ damaged records

    def test_a_damaged_case_is_skipped_and_reported_by_every_listing(self) -> None:
        """One undecodable event: reads of that case name it; listings skip and report it."""
        with self._stores() as stores:
            store = stores.open()
            clock = FrozenClock(T0)
            slrt = sample_slrt(store, clock=clock)
            staff = sample_staff()
            whole = [list(walk_case(slrt, staff, route="local"))[-1].case_id for _ in range(2)]
            walk = walk_case(slrt, staff, route="full")
            damaged = next(s for s in walk if s.command == "refer").case_id
            store = stores.replace(store, self.damage(store, damaged, 2))
            nik = Nik("3374014508900001")
            slrt = sample_slrt(store, clock=clock)  # ids resume past the damaged case
            slrt.nik_index = NikIndex(NikTokenizer({1: b"k" * 32}))
            for case_id in (*whole, damaged):
                slrt.nik_index.index.add(case_id, slrt.nik_index.tokens.tokens(nik))

            with pytest.raises(CorruptRecordError) as caught:
                slrt.get_case(staff.supervisor, damaged)
            assert (caught.value.case_id, caught.value.version) == (damaged, 2)
            with pytest.raises(CorruptRecordError):
                slrt.history(staff.supervisor, damaged)

            found = store.find_cases(within=RegionCode.INDONESIA)
            assert [c.case_id for c in found] == whole
            assert isinstance(found, CaseList)
            assert [(e.case_id, e.version) for e in found.skipped] == [(damaged, 2)]
            listed = slrt.list_cases(staff.supervisor)
            assert [c.case_id for c in listed] == whole
            assert listed.skipped_ids == (damaged,)
            by_nik = slrt.find_by_nik(staff.supervisor, nik)
            assert ([c.case_id for c in by_nik], by_nik.skipped_ids) == (whole, (damaged,))
            report = slrt.referral_report(staff.supervisor, now=FAR)
            assert (report.cases, dict(report.skipped)) == (2, {damaged: 2})
            assert report.to_dict()["skipped"] == {damaged: 2}
            assert f"skipped,{damaged},2" in report.to_csv()
            swept = slrt.sweep(FAR)
            assert (swept.skipped, swept.escalated) == ((damaged,), 0)
            new = slrt.register(
                staff.facilitator,
                sample_household(),
                channel=Channel.HOME_VISIT,
                kind=ComplaintKind.QUESTION,
                needs=[Need(sector=Sector.HEALTH, description="Insurance?")],
            )
            assert new.case_id not in (*whole, damaged)

    # ------------------------------------------------------------------ erasure

    def test_an_interrupted_erasure_is_pending_until_finished(self) -> None:
        """Killed after the erasure's commit: pending; a service built on it finishes it."""
        keys = _KeysThatDie()
        vault = SubjectVault(StaticKeyring({1: b"m" * 32}), keys)
        with self._stores() as stores:
            store = stores.adopt(self.make_sealed_store(SealingCodec(vault)))
            slrt = sample_slrt(store)
            staff = sample_staff()
            erased = list(walk_case(slrt, staff, route="local"))[-1].case_id
            kept = list(walk_case(slrt, staff, route="local"))[-1].case_id
            list(store.audit_records())  # a store that seals lazily has made the keys now
            assert isinstance(store, ErasableStore)
            assert vault.keys.get(erased) is not None
            manager = Actor(actor_id="manager-1", role=Role.MANAGER, jurisdiction=PROVINCE)
            keys.dying = True
            with pytest.raises(SystemExit):
                slrt.erase(manager, erased, request_ref="PDP-1")
            keys.dying = False
            assert store.pending_erasures() == [erased]
            with pytest.raises(CaseErasedError):
                store.load(erased)
            assert vault.keys.get(erased) is not None

            sample_slrt(store)  # a restarted service finishes it
            assert store.pending_erasures() == []
            assert vault.keys.get(erased) is None
            assert {
                m.notification.case_id for m in store.claim_due(FAR, limit=100, lease_seconds=1)
            } == {kept}
            assert [c.case_id for c in store.find_cases(within=RegionCode.INDONESIA)] == [kept]
            assert verify(store.audit_records()).ok

    # ------------------------------------------------------------------ whole flows

    def test_demo_scenario_runs_and_every_case_replays(self) -> None:
        """The demo runs on the store: its cases replay, its audit verifies, no message waits."""
        with self._stores() as stores:
            store = stores.open()
            result = run_demo(store)
            assert result.audit.ok, result.audit.reason
            store = stores.reopen(store)
            for case in result.cases:
                assert store.load(case.case_id) == case
                assert replay(store.events(case.case_id)) == case
            report = verify(store.audit_records())
            assert report.ok
            assert report.records == sum(c.version for c in result.cases) == result.events
            assert _pending(store) == []

    # Each example opens a store (a fresh schema, migrations): I/O, not a unit to time.
    @settings(
        suppress_health_check=[HealthCheck.differing_executors, HealthCheck.too_slow],
        deadline=None,
    )
    @given(plan=_plans())
    def test_random_flows_replay_and_verify(self, plan: _Plan) -> None:
        """Interleaved service flows with refused stale writes replay exactly and verify."""
        with self._stores() as stores:
            store = stores.open()
            reference = MemoryStore()
            clocks = (FrozenClock(T0), FrozenClock(T0))
            slrt = sample_slrt(store, clock=clocks[0])
            twin = sample_slrt(reference, clock=clocks[1])
            staff = sample_staff()
            walks = [walk_case(slrt, staff, route=r, region=v) for r, v in plan.walks]
            twins = [walk_case(twin, staff, route=r, region=v) for r, v in plan.walks]
            case_ids: dict[int, str] = {}
            for n, (index, refuse) in enumerate(plan.schedule):
                if refuse and index in case_ids:
                    self._refuse_stale_write(store, case_ids[index], n)
                    continue
                step = next(walks[index], None)
                assert step == next(twins[index], None)
                if step is not None:
                    case_ids[index] = step.case_id
                    assert store.load(step.case_id).version == step.version
                for clock in clocks:
                    clock.advance(minutes=7)

            store = stores.reopen(store)
            for case_id in case_ids.values():
                events = store.events(case_id)
                assert events == reference.events(case_id)
                assert replay(events) == store.load(case_id) == reference.load(case_id)
            records = list(store.audit_records())
            assert records == list(reference.audit_records())
            report = verify(records)
            assert report.ok, report.reason
            assert report.records == sum(store.load(c).version for c in case_ids.values())
            found = store.find_cases(within=RegionCode.INDONESIA)
            assert [c.case_id for c in found] == sorted(case_ids.values())
            pending = store.claim_due(FAR, limit=10_000, lease_seconds=60)
            assert pending == reference.claim_due(FAR, limit=10_000, lease_seconds=60)
            assert set(_ids(pending)) == _expected_message_ids(store, case_ids.values())

    @staticmethod
    def _refuse_stale_write(store: Store, case_id: str, n: int) -> None:
        """A writer that read the version before the current one is refused; nothing changes."""
        before = _state(store, case_id)
        case = store.load(case_id)
        event = Event(
            case_id=case_id,
            version=case.version,
            at=case.updated_at,
            actor_id="stale-writer",
            role=Role.FACILITATOR,
            payload=NeedRecorded(
                need=Need(sector=Sector.OTHER, description="lost update", need_id="n99")
            ),
        )
        key = f"stale-{n}"
        stale = Commit(
            case=case,
            expected_version=case.version - 1,
            events=(event,),
            notifications=(_note(case_id, key),),
            idempotency=IdempotencyRecord(
                key=key,
                command="contract_test",
                case_id=case_id,
                version=case.version,
                result_id=case_id,
            ),
        )
        with pytest.raises(ConcurrencyError):
            store.commit(stale)
        assert _state(store, case_id) == before
        assert store.idempotency(key) is None

    # ------------------------------------------------------------------ threads

    def test_threads_on_different_cases_all_commit(self) -> None:
        """Eight threads each committing to their own case all succeed; the audit verifies."""
        per_thread = 5
        with self._stores() as stores:
            store = stores.open()

            def work(i: int) -> None:
                commit = _register(f"case-t{i}", notes=[_note(f"case-t{i}", f"m-t{i}")])
                store.commit(commit)
                for k in range(per_thread):
                    commit = _then(commit.case, _need(commit.case, f"t{i}-{k}"))
                    store.commit(commit)

            _run_threads(8, work)
            store = stores.reopen(store)
            for i in range(8):
                case = store.load(f"case-t{i}")
                assert case.version == 1 + per_thread
                assert [n.description for n in case.needs[1:]] == [
                    f"t{i}-{k}" for k in range(per_thread)
                ]
                assert replay(store.events(case.case_id)) == case
            report = verify(store.audit_records())
            assert report.ok, report.reason
            assert report.records == 8 * (1 + per_thread)
            assert sorted(_pending(store)) == sorted(f"m-t{i}" for i in range(8))

    def test_threads_on_one_case_conflict_without_lost_updates(self) -> None:
        """Eight threads writing one case version: one wins a round, seven get ConcurrencyError."""
        threads, rounds = 8, 4
        with self._stores() as stores:
            store = stores.open()
            store.commit(_register("case-1"))
            barrier = threading.Barrier(threads, timeout=30)
            outcomes: list[tuple[int, int, bool]] = []
            lock = threading.Lock()

            def work(i: int) -> None:
                for r in range(rounds):
                    barrier.wait()
                    case = store.load("case-1")
                    barrier.wait()
                    try:
                        store.commit(_then(case, _need(case, f"t{i}-r{r}")))
                    except ConcurrencyError:
                        won = False
                    else:
                        won = True
                    with lock:
                        outcomes.append((r, i, won))

            _run_threads(threads, work, barrier)
            winners = sorted((r, i) for r, i, won in outcomes if won)
            assert [r for r, _ in winners] == list(range(rounds))
            assert len(outcomes) == threads * rounds
            store = stores.reopen(store)
            case = store.load("case-1")
            assert case.version == 1 + rounds
            assert [n.description for n in case.needs[1:]] == [f"t{i}-r{r}" for r, i in winners]
            assert len(store.events("case-1")) == 1 + rounds
            report = verify(store.audit_records())
            assert report.ok, report.reason
            assert report.records == 1 + rounds

    def test_open_referrals_by_deadline(self) -> None:
        """open_referrals lists open referrals earliest deadline first, and filters by due."""
        due = [T0 + timedelta(days=d) for d in (3, 1, 2)]
        with self._stores() as stores:
            store = stores.open()
            assert store.open_referrals() == []
            case_commits = {}
            for i, at in enumerate(due, start=1):
                first = _register(f"case-{i}", emergency=True)
                store.commit(first)
                refer = _then(
                    first.case,
                    ReferralRequested(
                        referral_id=f"ref-{i}",
                        need_id="n1",
                        service_id="pbi-jk",
                        provider_id="bpjs",
                        due_at=at,
                    ),
                )
                store.commit(refer)
                case_commits[i] = refer.case
            late = _register("case-4", emergency=True)
            store.commit(late)
            store.commit(
                _then(
                    late.case,
                    ReferralRequested(
                        referral_id="ref-4", need_id="n1", service_id="pbi-jk", provider_id="bpjs"
                    ),
                )
            )
            # An escalation keeps a referral open; an ended one leaves the list.
            store.commit(
                _then(
                    case_commits[2],
                    ReferralEscalated(referral_id="ref-2", level=1, step="reminder", due_at=due[1]),
                )
            )
            store.commit(
                _then(
                    case_commits[3],
                    ReferralStatusChanged(
                        referral_id="ref-3",
                        status=ReferralStatus.CANCELLED,
                        reason=ReferralReason.EXPIRED,
                    ),
                )
            )
            store = stores.reopen(store)
            assert store.open_referrals() == [
                ("ref-2", "case-2"),
                ("ref-1", "case-1"),
                ("ref-4", "case-4"),
            ]
            assert store.open_referrals(due_before=due[1]) == [("ref-2", "case-2")]
            assert store.open_referrals(due_before=due[0]) == [
                ("ref-2", "case-2"),
                ("ref-1", "case-1"),
            ]
            assert store.open_referrals(due_before=T0) == []

    # ------------------------------------------------------------------ read models

    @settings(
        suppress_health_check=[HealthCheck.differing_executors, HealthCheck.too_slow],
        deadline=None,
        max_examples=15,
    )
    @given(plan=_plans())
    def test_summaries_follow_commits_and_rebuild_gives_the_same(self, plan: _Plan) -> None:
        """Summaries are those of the stored cases, and a rebuild from the log equals them."""
        with self._stores() as stores:
            store = stores.open()
            case_ids = _walk_plan(store, plan)
            store = stores.reopen(store)
            expected = [summarize(store.load(c)) for c in case_ids]
            cases = sorted(
                (s for s, _ in expected), key=lambda s: case_key(s, CaseOrder.REGISTERED)
            )
            referrals = sorted(
                (r for _, rs in expected for r in rs),
                key=lambda r: referral_key(r, ReferralOrder.REQUESTED),
            )
            assert _all_cases(store) == cases
            assert _all_referrals(store) == referrals
            if isinstance(store, ProjectionRebuild):
                assert store.rebuild_projections(batch=2) == len(case_ids)
                assert _all_cases(store) == cases
                assert _all_referrals(store) == referrals

    def test_selections_mean_what_the_matchers_say(self) -> None:
        """Every selection returns (and counts) exactly the summaries its matcher accepts."""
        plan = _Plan(
            walks=tuple((r, v) for r in ROUTES for v in VILLAGES),
            schedule=tuple((i % 16, False) for i in range(16 * 9)),
        )
        with self._stores() as stores:
            store = stores.open()
            _walk_plan(store, plan)
            every_case = _all_cases(store)
            every_referral = _all_referrals(store)
            assert len(every_case) == 16
            assert every_referral
            for sel in _case_selections(every_case):
                want = [s for s in every_case if case_matches(s, sel)]
                assert store.case_summaries(sel, order=CaseOrder.REGISTERED, limit=_ALL) == want, (
                    sel
                )
                assert store.count_cases(sel) == len(want), sel
            for rsel in _referral_selections(every_referral):
                rwant = [r for r in every_referral if referral_matches(r, rsel)]
                got = store.referral_summaries(rsel, order=ReferralOrder.REQUESTED, limit=_ALL)
                assert got == rwant, rsel
                assert store.count_referrals(rsel) == len(rwant), rsel

    def test_summary_rows_are_the_stored_form_of_the_same_pages(self) -> None:
        """A store with SummaryRows returns each page as the case_row lists of its summaries."""
        plan = _Plan(
            walks=tuple((r, v) for r in ROUTES for v in VILLAGES[:2]),
            schedule=tuple((i % 8, False) for i in range(8 * 8)),
        )
        with self._stores() as stores:
            store = stores.open()
            if not isinstance(store, SummaryRows):
                pytest.skip("this adapter has no SummaryRows: bulk readers page summaries")
            _walk_plan(store, plan)
            every_case = _all_cases(store)
            for sel in _case_selections(every_case):
                for order in CaseOrder:
                    want = store.case_summaries(sel, order=order, limit=3)
                    rows = store.case_summary_rows(sel, order=order, limit=3)
                    assert list(rows) == [case_row(s) for s in want], (sel, order)
                    assert [case_of_row(r) for r in rows] == want
                    if want:
                        after = case_key(want[-1], order)
                        rest = store.case_summaries(sel, order=order, after=after, limit=_ALL)
                        more = store.case_summary_rows(sel, order=order, after=after, limit=_ALL)
                        assert list(more) == [case_row(s) for s in rest], (sel, order)
            every_referral = _all_referrals(store)
            for rsel in _referral_selections(every_referral):
                for rorder in ReferralOrder:
                    rwant = store.referral_summaries(rsel, order=rorder, limit=_ALL)
                    rrows = store.referral_summary_rows(rsel, order=rorder, limit=_ALL)
                    assert list(rrows) == [referral_row(r) for r in rwant], (rsel, rorder)

    def test_keyset_pages_walk_every_order_once(self) -> None:
        """Pages of two, each after the last key shown, list everything once, in order."""
        plan = _Plan(
            walks=tuple((r, v) for r in ROUTES for v in VILLAGES[:2]),
            schedule=tuple((i % 8, False) for i in range(8 * 8)),
        )
        with self._stores() as stores:
            store = stores.open()
            _walk_plan(store, plan)
            for order in CaseOrder:
                whole = _all_cases(store, order)
                assert whole == sorted(whole, key=lambda s, o=order: case_key(s, o))  # type: ignore[misc]
                paged: list[CaseSummary] = []
                after = None
                while page := store.case_summaries(
                    CaseSelection(), order=order, after=after, limit=2
                ):
                    paged += page
                    after = case_key(page[-1], order)
                assert paged == whole, order
            for rorder in ReferralOrder:
                rwhole = _all_referrals(store, rorder)
                assert rwhole == sorted(rwhole, key=lambda r, o=rorder: referral_key(r, o))  # type: ignore[misc]
                rpaged: list[ReferralSummary] = []
                rafter = None
                while rpage := store.referral_summaries(
                    ReferralSelection(), order=rorder, after=rafter, limit=1
                ):
                    rpaged += rpage
                    rafter = referral_key(rpage[-1], rorder)
                assert rpaged == rwhole, rorder

    def test_a_refused_commit_leaves_the_summaries(self) -> None:
        """A stale commit is refused and the case's summary stays as it was."""
        with self._stores() as stores:
            store = stores.open()
            first = _register("case-1")
            store.commit(first)
            before = _all_cases(store)
            stale = _then(first.case, _need(first.case, "lost"))
            store.commit(stale)
            after = _all_cases(store)
            with pytest.raises(ConcurrencyError):
                store.commit(stale)
            assert _all_cases(store) == after != before
            assert after[0].version == 2

    # ------------------------------------------------------------------ candidate index

    def _index(self, store: Store) -> CandidateIndex:
        if not isinstance(store, CandidateIndex):
            pytest.skip("this adapter keeps no duplicate-candidate index (CandidateIndex)")
        return store

    def test_candidate_entry_commits_with_the_case_and_is_found(self) -> None:
        """An entry committed with a case is found by its keys; its tokens come back."""
        with self._stores() as stores:
            store = stores.open()
            index = self._index(store)
            ani = _dedup_household("Siti Aminah", date(1980, 5, 1), nik="3374014105800001")
            budi = _dedup_household("Budi Santoso", date(1975, 2, 3), kk="3374010101750001")
            store.commit(_with_entry(_register("case-1"), ani))
            store.commit(_with_entry(_register("case-2"), budi, suspects=1))
            store = stores.reopen(store)
            index = self._index(store)
            probe = _DEDUP.household(ani)
            assert index.dedup_candidates(probe.keys) == ["case-1"]
            assert index.dedup_candidates(_DEDUP.household(budi).exact) == ["case-2"]
            assert index.dedup_candidates(["v1:nothing"]) == []
            assert index.dedup_candidates([]) == []
            assert index.dedup_tokens(["case-1", "case-9"]) == {"case-1": probe.without_blocks()}
            assert index.dedup_tokens([]) == {}
            assert index.dedup_flagged() == ["case-2"]
            assert index.dedup_flagged(within=RegionCode("33.74")) == ["case-2"]
            assert index.dedup_flagged(within=RegionCode("32")) == []

    def test_candidates_rank_nik_and_kk_first_then_shared_keys(self) -> None:
        """A case sharing a NIK or KK token ranks first; then the most shared keys; *limit*."""
        with self._stores() as stores:
            store = stores.open()
            index = self._index(store)
            born = date(1980, 5, 1)
            # case-a: the same name, birth date and village; case-b: another name, the NIK.
            same = _dedup_household("Siti Aminah", born)
            nik = _dedup_household("Dewi", date(1980, 5, 1), nik="3374014105800001")
            nik = attrs.evolve(nik, region=RegionCode("33.74.02.1001"))
            store.commit(_with_entry(_register("case-a"), same))
            store.commit(_with_entry(_register("case-b"), nik))
            intake = _DEDUP.household(_dedup_household("Siti Aminah", born, nik="3374014105800001"))
            assert index.dedup_candidates(intake.keys) == ["case-b", "case-a"]
            assert index.dedup_candidates(intake.keys, limit=1) == ["case-b"]

    def test_closing_erasing_or_a_refused_commit_leave_no_stale_entry(self) -> None:
        """An entry without tokens removes the case; a refused commit files nothing."""
        with self._stores() as stores:
            store = stores.open()
            index = self._index(store)
            home = _dedup_household("Siti Aminah", date(1980, 5, 1))
            keys = _DEDUP.household(home).keys
            first = _with_entry(_register("case-1"), home)
            store.commit(first)
            with pytest.raises(ConcurrencyError):
                store.commit(_with_entry(_register("case-1"), home, suspects=3))
            assert index.dedup_flagged() == []
            assert index.dedup_candidates(keys) == ["case-1"]
            closed = _then(first.case, CaseClosed(reason=ClosingReason.DUPLICATE))
            store.commit(attrs.evolve(closed, dedup=DedupEntry(tokens=None)))
            assert index.dedup_candidates(keys) == []
            assert index.dedup_tokens(["case-1"]) == {}
            # Filed again outside a commit (a rebuild), then removed the same way.
            index.dedup_file("case-1", _entry(home, suspects=1))
            assert index.dedup_candidates(keys) == ["case-1"]
            assert index.dedup_flagged() == ["case-1"]
            index.dedup_file("case-1", DedupEntry(tokens=None))
            assert index.dedup_candidates(keys) == index.dedup_flagged() == []

    def test_an_erased_case_leaves_no_token(self) -> None:
        """The commit that erases a case removes its entry, whatever the commit says."""
        vault = SubjectVault(StaticKeyring({1: b"m" * 32}), MemoryKeyStore())
        with self._stores() as stores:
            store = stores.adopt(self.make_sealed_store(SealingCodec(vault)))
            index = self._index(store)
            slrt = sample_slrt(store)
            slrt.dedup = _DEDUP
            staff = sample_staff()
            home = _dedup_household("Siti Aminah", date(1980, 5, 1), nik="3374014105800001")
            case = slrt.register(
                staff.facilitator,
                home,
                channel=Channel.HOME_VISIT,
                kind=ComplaintKind.QUESTION,
                needs=[Need(sector=Sector.HEALTH, description="Insurance?")],
            )
            keys = _DEDUP.household(home).keys
            assert index.dedup_candidates(keys) == [case.case_id]
            closed = slrt.close(staff.supervisor, case.case_id, reason=ClosingReason.DECLINED)
            index.dedup_file(case.case_id, _entry(home))  # as if filed again by a rebuild
            manager = Actor(actor_id="manager-1", role=Role.MANAGER, jurisdiction=PROVINCE)
            slrt.erase(manager, closed.case_id, request_ref="PDP-7")
            assert index.dedup_candidates(keys) == []
            assert index.dedup_tokens([case.case_id]) == {}

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.differing_executors, HealthCheck.too_slow],
    )
    @given(seed=st.integers(0, 2**32 - 1), count=st.integers(1, 12))
    def test_candidates_agree_with_the_memory_index(self, seed: int, count: int) -> None:
        """For any filed households, the store finds what MemoryCandidateIndex finds."""
        rng = random.Random(seed)  # noqa: S311 - test data, not secrets
        places = villages(3)
        homes = [synthetic_household(rng, rng.choice(places)) for _ in range(count)]
        reference = MemoryCandidateIndex()
        with self._stores() as stores:
            store = stores.open()
            index = self._index(store)
            for i, home in enumerate(homes):
                case_id = f"case-{i:02d}"
                store.commit(_with_entry(_register(case_id), home))
                reference.add(case_id, _DEDUP.household(home))
            for home in homes[: min(count, 4)]:
                probe = _DEDUP.household(home)
                assert index.dedup_candidates(probe.keys, limit=5) == list(
                    reference.candidates(probe, limit=5)
                )
