"""The read side through the service: summaries, filters, pages, worklists and lookups.

The stores' agreement on every selection is the contract suite's
(``slrt_core.testing.contracts``); here is what the service adds on top: jurisdiction
and provider ownership, the filter's translation (region splits, programs, tiers,
overdue), cursors, worklists and NIK lookups.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slrt_core.access import Actor
from slrt_core.adapters.memory import MemoryStore
from slrt_core.adapters.sqlite import SCHEMA_VERSION, SqliteStore
from slrt_core.application.queries import (
    decode_cursor,
    encode_cursor,
    region_scope,
)
from slrt_core.application.worklists import Worklist
from slrt_core.case import CaseState
from slrt_core.errors import AccessDenied, InvalidInputError, StorageError
from slrt_core.identity import Nik, RegionCode, region_covers
from slrt_core.privacy import MemoryAccessLog
from slrt_core.projections import (
    CaseFilter,
    CaseOrder,
    CaseSelection,
    ReferralFilter,
    ReferralOrder,
    summarize,
)
from slrt_core.referral import ReferralStatus
from slrt_core.testing import (
    FrozenClock,
    sample_slrt,
    sample_staff,
    walk_case,
)
from slrt_core.testing._fixtures import PROVIDER_ID, VILLAGES
from slrt_core.testing.strategies import cases
from slrt_core.vocabulary import Sector

CITY = RegionCode("33.74")
FAR = datetime(2100, 1, 1, tzinfo=UTC)


def _world(store: MemoryStore | SqliteStore | None = None):  # type: ignore[no-untyped-def]
    """Sixteen cases: every route in every sample village, ten minutes apart."""
    store = store if store is not None else MemoryStore()
    clock = FrozenClock(datetime(2026, 1, 5, 8, tzinfo=UTC))
    slrt = sample_slrt(store, clock=clock)
    staff = sample_staff()
    for route in ("full", "returned", "emergency", "local"):
        for village in VILLAGES:
            for step_no, _ in enumerate(walk_case(slrt, staff, route=route, region=village)):  # type: ignore[arg-type]
                clock.advance(minutes=10)
                if route == "full" and step_no == 6:  # leave it with its referral open
                    break
    return slrt, staff, clock


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    return _world()


class TestCases:
    def test_pages_cover_the_jurisdiction_once_with_counts(self, world) -> None:  # type: ignore[no-untyped-def]
        """Pages of three, each from the cursor of the last, list every case of the city."""
        slrt, staff, _ = world
        city = attrs.evolve(staff.supervisor, jurisdiction=CITY)
        seen, cursor = [], None
        while True:
            page = slrt.cases(city, page=cursor, limit=3, count=True)
            seen += page.items
            assert page.total == 12
            if page.next is None:
                break
            cursor = page.next
        assert len(seen) == 12
        assert len({s.case_id for s in seen}) == 12
        assert all(CITY.contains(s.region) for s in seen)
        assert [s.registered_at for s in seen] == sorted(s.registered_at for s in seen)

    def test_filters_reach_the_store(self, world) -> None:  # type: ignore[no-untyped-def]
        """Emergency, state, sector, program, provider and overdue filters select cases."""
        slrt, staff, clock = world
        boss = staff.supervisor
        emergency = slrt.cases(boss, where=CaseFilter(emergency=True), count=True)
        assert emergency.total == 4
        assert all(s.emergency for s in emergency.items)
        in_service = slrt.cases(boss, where=CaseFilter(states=frozenset({CaseState.IN_SERVICE})))
        assert len(in_service.items) == 4
        assert all(s.open_referrals == 1 for s in in_service.items)
        health = slrt.cases(boss, where=CaseFilter(sectors=frozenset({Sector.HEALTH})))
        assert {s.case_id for s in health.items} >= {s.case_id for s in in_service.items}
        assert all(Sector.HEALTH in s.open_sectors for s in health.items)
        program = slrt.cases(boss, where=CaseFilter(program="PBI-JK"), count=True)
        provider = slrt.cases(boss, where=CaseFilter(provider=PROVIDER_ID), count=True)
        assert program.total == provider.total == 8  # the "full" and "returned" routes refer
        assert slrt.cases(boss, where=CaseFilter(program="PKH"), count=True).total == 0
        assert slrt.cases(boss, where=CaseFilter(overdue=True)).items == ()
        clock.advance(days=60)
        late = slrt.cases(boss, where=CaseFilter(overdue=True), order=CaseOrder.DEADLINE)
        assert {s.case_id for s in late.items} == {s.case_id for s in in_service.items}
        assert slrt.cases(boss, where=CaseFilter(overdue=False), count=True).total == 12
        assert slrt.cases(boss, count=True).total == 16

    def test_a_region_outside_the_jurisdiction_is_refused(self, world) -> None:  # type: ignore[no-untyped-def]
        """Staff of Salatiga may not list Semarang; provider staff may not list cases."""
        slrt, staff, _ = world
        salatiga = attrs.evolve(staff.facilitator, jurisdiction=RegionCode("33.73"))
        assert {s.region.code[:5] for s in slrt.cases(salatiga).items} == {"33.73"}
        with pytest.raises(AccessDenied):
            slrt.cases(salatiga, where=CaseFilter(region=CITY))
        with pytest.raises(AccessDenied):
            slrt.cases(staff.provider)

    def test_bad_arguments_are_refused(self, world) -> None:  # type: ignore[no-untyped-def]
        """A bad order, limit, cursor or filter says what to pass instead."""
        slrt, staff, _ = world
        boss = staff.supervisor
        with pytest.raises(InvalidInputError, match="CaseOrder"):
            slrt.cases(boss, order="alphabetical")
        for limit in (0, 1001, True, "5"):
            with pytest.raises(InvalidInputError, match="page holds"):
                slrt.cases(boss, limit=limit)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="cursor"):
            slrt.cases(boss, page="not a cursor")
        other_order = slrt.cases(boss, limit=1).next
        assert other_order is not None
        with pytest.raises(InvalidInputError, match="cursor"):
            slrt.cases(boss, page=other_order, order=CaseOrder.DEADLINE)
        with pytest.raises(InvalidInputError, match="CaseFilter"):
            slrt.cases(boss, where=ReferralFilter())  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="RegionCode"):
            slrt.cases(boss, where=CaseFilter(region="33.74"))  # type: ignore[arg-type]

    def test_reads_are_logged(self) -> None:
        """A listing is one access-log record with the region it covered."""
        log = MemoryAccessLog()
        slrt = sample_slrt(MemoryStore())
        slrt.access_log = log
        slrt.cases(sample_staff().supervisor)
        assert [(r.action, r.target) for r in log] == [("cases", "region:33")]


class TestReferrals:
    def test_provider_staff_see_their_own_provider_only(self, world) -> None:  # type: ignore[no-untyped-def]
        """Provider staff get their provider's referrals wherever the case is, no other's."""
        slrt, staff, _ = world
        mine = slrt.referrals(staff.provider, count=True)
        assert mine.total == 8
        assert all(r.provider_id == PROVIDER_ID for r in mine.items)
        far = attrs.evolve(staff.provider, jurisdiction=RegionCode("11"))
        assert slrt.referrals(far, count=True).total == 8
        with pytest.raises(AccessDenied):
            slrt.referrals(staff.provider, where=ReferralFilter(provider="another"))
        assert (
            slrt.referrals(staff.back_office, where=ReferralFilter(provider="another")).items == ()
        )

    def test_filters_and_orders(self, world) -> None:  # type: ignore[no-untyped-def]
        """Status, tier, program, service and overdue filters; pages by deadline."""
        slrt, staff, clock = world
        bo = staff.back_office
        open_ = slrt.referrals(
            bo,
            where=ReferralFilter(statuses=frozenset({ReferralStatus.REQUESTED})),
            order=ReferralOrder.DEADLINE,
        )
        assert len(open_.items) == 4
        dues = [r.due_at for r in open_.items]
        assert None not in dues
        assert dues == sorted(dues)  # type: ignore[type-var]
        assert slrt.referrals(bo, where=ReferralFilter(tier="national"), count=True).total == 8
        assert slrt.referrals(bo, where=ReferralFilter(tier="village"), count=True).total == 0
        both = ReferralFilter(program="PBI-JK", service="pbi-jk")
        assert slrt.referrals(bo, where=both, count=True).total == 8
        wrong = ReferralFilter(program="PKH", service="pbi-jk")
        assert slrt.referrals(bo, where=wrong, count=True).total == 0
        alone = ReferralFilter(service="pbi-jk")
        assert slrt.referrals(bo, where=alone, count=True).total == 8
        city = slrt.referrals(bo, where=ReferralFilter(region=CITY), count=True)
        assert city.total == 6
        clock.advance(days=60)
        overdue = slrt.referrals(bo, where=ReferralFilter(overdue=True), count=True)
        assert overdue.total == 4
        assert slrt.referrals(bo, where=ReferralFilter(overdue=False), count=True).total == 4
        page = slrt.referrals(bo, limit=5)
        assert page.next is not None
        rest = slrt.referrals(bo, page=page.next, limit=50)
        assert len(page.items) + len(rest.items) == 8
        assert rest.next is None


class TestWorklists:
    def test_every_role_gets_its_worklist(self) -> None:
        """Each worklist lists what its role acts on next."""
        slrt = sample_slrt(MemoryStore())
        staff = sample_staff()
        walks = {n: walk_case(slrt, staff, route="full") for n in range(7)}
        # Walk case n through n+1 steps: registered, assessed, submitted, approved,
        # reviewed, reviewed with a consent, in service.
        for n, walk in walks.items():
            for _ in range(n + 1):
                next(walk)

        def states(actor: Actor, name: str) -> list[str]:
            return [s.state.value for s in slrt.worklist(actor, name).items]  # type: ignore[union-attr]

        assert states(staff.supervisor, "awaiting_approval") == ["submitted"]
        assert states(staff.front_office, "to_review") == ["approved"]
        assert states(staff.back_office, "to_refer") == ["reviewed", "reviewed"]
        mine = states(staff.facilitator, "my_cases")
        assert len(mine) == 7
        assert states(staff.back_office, Worklist.MY_CASES) == []
        received = slrt.worklist(staff.provider, "received", count=True)
        assert received.total == 1
        assert slrt.worklist(staff.provider, "overdue").items == ()
        assert slrt.worklist(staff.back_office, "overdue").items == ()
        with pytest.raises(InvalidInputError, match="Worklist"):
            slrt.worklist(staff.back_office, "everything")


class TestLookup:
    def test_lookup_by_nik_returns_summaries_in_reach(self) -> None:
        """The NIK and the KK number find the summary; other regions find nothing."""
        from tests.unit.security.test_service_privacy import (
            BACK,
            KK,
            NIK_HEAD,
            World,
        )

        from slrt_core.crypto import MemoryKeyStore, SealingCodec, StaticKeyring, SubjectVault

        vault = SubjectVault(StaticKeyring({1: b"m" * 32}), MemoryKeyStore())
        world = World(MemoryStore(codec=SealingCodec(vault)), vault)
        case_id = world.register()
        expected = summarize(world.store.load(case_id))[0]
        assert world.slrt.lookup(BACK, NIK_HEAD) == [expected]
        assert world.slrt.lookup(BACK, KK) == [expected]
        assert world.slrt.lookup(BACK, Nik("3374010101900009")) == []
        elsewhere = attrs.evolve(BACK, jurisdiction=RegionCode("32"))
        assert world.slrt.lookup(elsewhere, NIK_HEAD) == []
        assert [r.action for r in world.reads] == ["lookup", "lookup"]
        with pytest.raises(InvalidInputError, match="Nik"):
            world.slrt.lookup(BACK, "3374010105800001")  # type: ignore[arg-type]
        with pytest.raises(StorageError, match="NIK index"):
            sample_slrt(MemoryStore()).lookup(BACK, NIK_HEAD)


class TestRegionScope:
    @pytest.mark.parametrize(
        ("within", "village", "day"),
        [
            ("91", "91.01.01.2001", date(2022, 7, 24)),
            ("91", "91.01.01.2001", date(2022, 7, 25)),
            ("93", "91.01.01.2001", date(2022, 7, 25)),
            ("93", "91.01.01.2001", date(2022, 7, 24)),
            ("93.01", "91.01.01.2001", date(2023, 1, 1)),
            ("33.74", "33.74.01.1001", date(2023, 1, 1)),
            ("33.74", "33.73.01.1001", date(2023, 1, 1)),
            ("", "91.01.01.2001", date(2023, 1, 1)),
        ],
    )
    def test_scope_agrees_with_region_covers(self, within: str, village: str, day: date) -> None:
        """A village is in the scope exactly when region_covers says so, splits included."""
        regions, excluded = region_scope(RegionCode(within), day)
        place = RegionCode(village)
        found = (not regions or any(r.contains(place) for r in regions)) and not any(
            r.contains(place) for r in excluded
        )
        assert found is region_covers(RegionCode(within), place, day)


class TestCursor:
    @given(
        st.sampled_from(list(CaseOrder)),
        st.tuples(st.integers(0, 2), st.datetimes(timezones=st.just(UTC)), st.text()),
    )
    def test_round_trip(self, order: CaseOrder, key: tuple[int, datetime, str]) -> None:
        """Every key comes back from its cursor, for its own order only."""
        assert decode_cursor(encode_cursor(order.value, key), order.value) == key
        with pytest.raises(InvalidInputError):
            decode_cursor(encode_cursor(order.value, key), "other")

    def test_damaged(self) -> None:
        """Text that is no cursor is refused."""
        for bad in ("", "e30", "W10", "!!!"):
            with pytest.raises(InvalidInputError, match="cursor"):
                decode_cursor(bad, "registered")


class TestSummaries:
    @settings(max_examples=40, deadline=None)
    @given(cases())
    def test_summary_is_the_case_in_codes(self, case) -> None:  # type: ignore[no-untyped-def]
        """A summary repeats the case's codes and counts, and carries no personal data."""
        summary, referrals = summarize(case)
        assert (summary.case_id, summary.state, summary.region) == (
            case.case_id,
            case.state,
            case.region,
        )
        assert summary.referrals == len(referrals) == len(case.referrals)
        assert summary.open_referrals == len(case.open_referrals)
        assert set(summary.open_sectors) == {n.sector for n in case.needs if n.is_open}
        open_due = [r.due_at for r in case.open_referrals if r.due_at is not None]
        assert summary.next_due_at == (min(open_due) if open_due else None)
        text = repr((summary, referrals))
        for member in case.household.members:
            if member.name:
                assert member.name not in text
            if member.nik is not None:
                assert member.nik.reveal() not in text

    def test_erased_cases_have_no_summary(self) -> None:
        """Erasing a case removes its summaries from the store."""
        from tests.unit.security.test_service_privacy import MANAGER, World

        from slrt_core.crypto import MemoryKeyStore, SealingCodec, StaticKeyring, SubjectVault

        vault = SubjectVault(StaticKeyring({1: b"m" * 32}), MemoryKeyStore())
        world = World(MemoryStore(codec=SealingCodec(vault)), vault)
        closed, other = world.closed(), world.register()
        world.slrt.erase(MANAGER, closed, request_ref="PDP-1")
        found = world.store.case_summaries(CaseSelection(), order=CaseOrder.REGISTERED)
        assert [s.case_id for s in found] == [other]
        assert world.store.rebuild_projections() == 1


class TestMigration:
    def test_a_store_from_before_the_read_models_is_filled_on_upgrade(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        """Opening a schema-3 SQLite file adds the summaries and rebuilds them from events."""
        import contextlib
        import sqlite3

        from slrt_core.adapters.basics import PlainCodec

        path = tmp_path / "old.sqlite"
        store = SqliteStore(path, codec=PlainCodec())
        _world(store)
        before = store.case_summaries(CaseSelection(), order=CaseOrder.REGISTERED, limit=100)
        store.close()
        with contextlib.closing(sqlite3.connect(path)) as conn:
            # Every table of the migrations after 3 goes: the read models, the
            # duplicate-candidate index (5) and whatever comes after.
            tables = [
                "case_summaries",
                "case_assignees",
                "referral_summaries",
                "dedup_cases",
                "dedup_keys",
            ]
            for table in tables:
                conn.execute(f"DROP TABLE {table}")
            conn.execute("PRAGMA user_version = 3")
            conn.commit()
        again = SqliteStore(path, codec=PlainCodec())
        try:
            assert again.migrations_applied == SCHEMA_VERSION - 3
            after = again.case_summaries(CaseSelection(), order=CaseOrder.REGISTERED, limit=100)
            assert after == before
            assert len(after) == 16
        finally:
            again.close()

    def test_summaries_in_the_older_stored_form_are_rebuilt_on_upgrade(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        """A schema-5 file (summaries without stage times) gets them back in the new form."""
        import contextlib
        import sqlite3

        from slrt_core.adapters.basics import PlainCodec

        path = tmp_path / "five.sqlite"
        store = SqliteStore(path, codec=PlainCodec())
        _world(store)
        before = store.case_summaries(CaseSelection(), order=CaseOrder.REGISTERED, limit=100)
        store.close()
        with contextlib.closing(sqlite3.connect(path)) as conn:
            # The stored form before migration 6: the first 19 values of a case row.
            conn.execute(
                "UPDATE case_summaries SET body = json_remove(body, '$[21]', '$[20]', '$[19]')"
            )
            conn.execute("DROP INDEX case_summaries_updated")
            conn.execute("PRAGMA user_version = 5")
            conn.commit()
        again = SqliteStore(path, codec=PlainCodec())
        try:
            assert again.migrations_applied == 1
            after = again.case_summaries(CaseSelection(), order=CaseOrder.REGISTERED, limit=100)
            assert after == before
            assert all(s.state_history for s in after)
        finally:
            again.close()


class TestAssignment:
    def test_assign_notifies_and_lists_the_case_then_unassign_removes_it(self) -> None:
        """An assigned worker is told, sees the case on my_cases; unassigned, no longer."""
        store = MemoryStore()
        slrt = sample_slrt(store)
        staff = sample_staff()
        case_id = next(walk_case(slrt, staff, route="full")).case_id
        worker = attrs.evolve(staff.puskesos, jurisdiction=RegionCode("33.74.01"))
        case = slrt.assign(staff.supervisor, case_id, worker, note="nearest operator")
        assert worker.actor_id in case.assignees
        mine = slrt.worklist(worker, "my_cases")
        assert [s.case_id for s in mine.items] == [case_id]
        events = store.events(case_id)
        assert events[-1].payload.type == "worker_assigned"
        assert events[-1].reason == "nearest operator"
        pending = store.claim_due(FAR, limit=100, lease_seconds=60)
        told = [m.notification for m in pending if m.notification.topic == "worker_assigned"]
        assert [n.recipient for n in told] == [f"actor:{worker.actor_id}"]
        assert "ditugaskan" in told[0].subject["id"]
        case = slrt.unassign(staff.back_office, case_id, worker.actor_id)
        assert worker.actor_id not in case.assignees
        assert slrt.worklist(worker, "my_cases").items == ()

    def test_refusals_write_nothing(self) -> None:
        """Wrong roles, regions and repeats are refused and leave the case as it was."""
        store = MemoryStore()
        slrt = sample_slrt(store)
        staff = sample_staff()
        case_id = next(walk_case(slrt, staff, route="full")).case_id
        version = store.load(case_id).version
        elsewhere = attrs.evolve(staff.facilitator, jurisdiction=RegionCode("33.73"))
        with pytest.raises(InvalidInputError, match="outside"):
            slrt.assign(staff.supervisor, case_id, elsewhere)
        with pytest.raises(InvalidInputError, match="cannot be assigned"):
            slrt.assign(staff.supervisor, case_id, staff.auditor)
        with pytest.raises(InvalidInputError, match="already assigned"):
            slrt.assign(staff.supervisor, case_id, staff.facilitator)
        with pytest.raises(InvalidInputError, match="Actor"):
            slrt.assign(staff.supervisor, case_id, "fac-2")  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="not assigned"):
            slrt.unassign(staff.supervisor, case_id, "nobody")
        with pytest.raises(AccessDenied):
            slrt.assign(staff.facilitator, case_id, staff.puskesos)
        assert store.load(case_id).version == version


class TestFilterShapes:
    def test_codes_as_text_are_read_as_members(self, world) -> None:  # type: ignore[no-untyped-def]
        """A filter may name states and sectors as text; the store gets members."""
        slrt, staff, _ = world
        as_text = CaseFilter(states=frozenset({"in_service"}), sectors=frozenset({"health"}))  # type: ignore[arg-type]
        as_members = CaseFilter(
            states=frozenset({CaseState.IN_SERVICE}), sectors=frozenset({Sector.HEALTH})
        )
        assert slrt.cases(staff.supervisor, where=as_text) == slrt.cases(
            staff.supervisor, where=as_members
        )
        statuses = ReferralFilter(statuses=frozenset({"requested"}))  # type: ignore[arg-type]
        assert slrt.referrals(staff.back_office, where=statuses, count=True).total == 4
        high = CaseFilter(priority="high")  # type: ignore[arg-type]
        assert slrt.cases(staff.supervisor, where=high).items == ()

    def test_every_bad_field_is_listed(self, world) -> None:  # type: ignore[no-untyped-def]
        """Unknown codes and naive times are refused together."""
        slrt, staff, _ = world
        bad = CaseFilter(
            states=frozenset({"lost"}),  # type: ignore[arg-type]
            priority="urgent",  # type: ignore[arg-type]
            registered_from=datetime(2026, 1, 1),  # noqa: DTZ001 - the naive time refused
        )
        with pytest.raises(InvalidInputError) as caught:
            slrt.cases(staff.supervisor, where=bad)
        paths = sorted(p.path for p in caught.value.problems)
        assert paths == ["where.priority", "where.registered_from", "where.states"]


class TestTransfer:
    SEMARANG = RegionCode("33.74")
    SALATIGA_VILLAGE = RegionCode("33.73.01.1001")

    def _in_service(self, store: MemoryStore | SqliteStore):  # type: ignore[no-untyped-def]
        slrt = sample_slrt(store)
        staff = sample_staff()
        walk = walk_case(slrt, staff, route="full")
        steps = [next(walk) for _ in range(7)]  # up to the referral
        return slrt, staff, steps[-1].case_id

    @pytest.mark.parametrize("kind", ["memory", "sqlite"])
    def test_the_new_region_gains_the_case_and_the_old_loses_it(self, kind, tmp_path) -> None:  # type: ignore[no-untyped-def]
        """After a transfer, staff of the new city see the case; the old city's do not."""
        from slrt_core.adapters.basics import PlainCodec
        from slrt_core.errors import CaseNotVisibleError

        store = (
            MemoryStore()
            if kind == "memory"
            else SqliteStore(tmp_path / "s.db", codec=PlainCodec())
        )
        slrt, staff, case_id = self._in_service(store)
        old = attrs.evolve(staff.back_office, jurisdiction=self.SEMARANG)
        new = attrs.evolve(staff.supervisor, jurisdiction=RegionCode("33.73"))
        with pytest.raises(CaseNotVisibleError):
            slrt.get_case(new, case_id)
        case = slrt.transfer(old, case_id, to_region=self.SALATIGA_VILLAGE, open_referrals="keep")
        assert case.region == self.SALATIGA_VILLAGE
        assert case.assignees == frozenset()
        assert case.open_referrals  # kept: the service serves the province
        assert slrt.get_case(new, case_id) == case
        with pytest.raises(CaseNotVisibleError):
            slrt.get_case(old, case_id)
        assert [c.case_id for c in slrt.list_cases(new)] == [case_id]
        assert slrt.list_cases(old) == []
        assert [s.case_id for s in slrt.cases(new).items] == [case_id]
        assert slrt.cases(old).items == ()
        moved = slrt.referrals(new, count=True)
        assert moved.total == 1
        assert moved.items[0].region == self.SALATIGA_VILLAGE
        told = [
            m.notification.recipient
            for m in store.claim_due(FAR, limit=1000, lease_seconds=60)
            if m.notification.topic == "case_transferred"
        ]
        assert told == ["role:back_office@33.73"]
        if kind == "sqlite":
            store.close()

    def test_open_referrals_are_handled_explicitly(self) -> None:
        """Without a choice the transfer is refused; cancel ends them; keep is re-checked."""
        store = MemoryStore()
        slrt, staff, case_id = self._in_service(store)
        version = store.load(case_id).version
        with pytest.raises(InvalidInputError, match="open referrals"):
            slrt.transfer(staff.back_office, case_id, to_region=self.SALATIGA_VILLAGE)
        bandung = RegionCode("32.73.01.1001")
        with pytest.raises(InvalidInputError, match="does not serve"):
            slrt.transfer(staff.supervisor, case_id, to_region=bandung, open_referrals="keep")
        assert store.load(case_id).version == version
        case = slrt.transfer(
            staff.supervisor, case_id, to_region=self.SALATIGA_VILLAGE, open_referrals="cancel"
        )
        assert case.open_referrals == ()
        assert case.referrals[0].status is ReferralStatus.CANCELLED
        assert case.referrals[0].reason.value == "out_of_area"  # type: ignore[union-attr]

    def test_a_kept_referral_needs_its_consent_in_force(self) -> None:
        """A referral whose consent was withdrawn cannot be kept across the transfer."""
        store = MemoryStore()
        slrt, staff, case_id = self._in_service(store)
        case = store.load(case_id)
        record = case.referrals[0].consent_id
        assert record is not None
        slrt.withdraw_consent(staff.back_office, case_id, record)
        with pytest.raises(InvalidInputError, match="consent"):
            slrt.transfer(
                staff.supervisor, case_id, to_region=self.SALATIGA_VILLAGE, open_referrals="keep"
            )

    def test_bad_targets_are_refused(self) -> None:
        """The target must be another village; the choice one of cancel or keep."""
        slrt = sample_slrt(MemoryStore())
        staff = sample_staff()
        case_id = next(walk_case(slrt, staff)).case_id
        for wrong in (RegionCode("33.73"), None):
            with pytest.raises(InvalidInputError, match="village"):
                slrt.transfer(staff.supervisor, case_id, to_region=wrong)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="already"):
            slrt.transfer(staff.supervisor, case_id, to_region=VILLAGES[0])
        with pytest.raises(InvalidInputError, match="'cancel' or 'keep'"):
            slrt.transfer(
                staff.supervisor, case_id, to_region=self.SALATIGA_VILLAGE, open_referrals="drop"
            )
        with pytest.raises(AccessDenied):
            slrt.transfer(staff.facilitator, case_id, to_region=self.SALATIGA_VILLAGE)
        case = slrt.transfer(staff.supervisor, case_id, to_region=self.SALATIGA_VILLAGE)
        assert case.region == self.SALATIGA_VILLAGE
