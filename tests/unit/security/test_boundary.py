"""Bad input at the service boundary: refused with a library error, and nothing written.

Regression tests of issue 12 (items 2, 4, 5 and 6): NaN and bool numbers, villages that do
not exist or were re-coded by a split, NIK birth dates, free-text limits and hygiene.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import attrs
import pytest

from slrt_core.adapters import MemoryStore, SqliteStore
from slrt_core.case import Need
from slrt_core.errors import InvalidInputError
from slrt_core.household import Household
from slrt_core.identity import RegionCode
from slrt_core.ports import Store
from slrt_core.testing import FrozenClock, sample_household, sample_slrt, sample_staff
from slrt_core.vocabulary import Channel, ComplaintKind, Sector

NEEDS = [Need(sector=Sector.HEALTH, description="No health insurance")]


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest) -> Any:
    store: Any = MemoryStore() if request.param == "memory" else SqliteStore(":memory:")
    yield store
    store.close()


def written(store: Store) -> tuple[Any, ...]:
    """Everything a refused command must leave alone: audit, cases, outbox."""
    due = store.claim_due(datetime(2100, 1, 1, tzinfo=UTC), limit=10_000, lease_seconds=0)
    return (
        tuple(store.audit_records()),
        tuple(store.find_cases(within=RegionCode.INDONESIA)),
        tuple(m.notification.message_id for m in due),
    )


def register(store: Store, household: Household, **kw: Any) -> Any:
    slrt = sample_slrt(store, **kw)
    return slrt.register(
        sample_staff(RegionCode.INDONESIA).facilitator,
        household,
        channel=Channel.HOME_VISIT,
        kind=ComplaintKind.GRIEVANCE,
        needs=NEEDS,
    )


def refused(store: Store, run: Any, match: str) -> InvalidInputError:
    before = written(store)
    with pytest.raises(InvalidInputError, match=match) as excinfo:
        run()
    assert written(store) == before
    err = excinfo.value
    assert err.message("id") != err.message("en")
    return err


def with_head(**changes: Any) -> Household:
    household = sample_household()
    head = attrs.evolve(household.members[0], **changes)
    return attrs.evolve(household, members=(head, *household.members[1:]))


class TestNumbers:
    @pytest.mark.parametrize("income", [float("nan"), float("inf"), True])
    def test_register_refuses_a_non_number_income(self, store, income):
        """NaN, infinity or a bool as income never reaches the store (issue 12, item 2)."""
        with pytest.raises(InvalidInputError, match="whole number"):
            with_head(monthly_income=income)
        assert written(store) == ((), (), ())


class TestRegions:
    def test_unknown_village_is_refused(self, store):
        """A village of the right shape but not in the Kemendagri list opens no case."""
        household = attrs.evolve(sample_household(), region=RegionCode("35.03.01.2999"))
        err = refused(store, lambda: register(store, household), "35.03.01.2999")
        assert "not in the Kemendagri 2025 list" in str(err)

    def test_pre_split_village_is_refused_after_the_split(self, store):
        """A new case under a pre-split Papua code is refused, naming the successor."""
        household = attrs.evolve(sample_household(), region=RegionCode("91.01.01.2001"))
        after = FrozenClock(datetime(2023, 1, 2, 3, tzinfo=UTC))
        err = refused(store, lambda: register(store, household, clock=after), "93.01")
        assert "93.01" in err.message("id")

    def test_pre_split_village_is_accepted_before_the_split(self, store):
        """Before the split took effect the old code was the right one."""
        household = attrs.evolve(sample_household(), region=RegionCode("91.01.01.2001"))
        before = FrozenClock(datetime(2022, 7, 1, 3, tzinfo=UTC))
        assert register(store, household, clock=before).household.region == household.region


class TestText:
    def test_huge_findings_are_refused(self, store):
        """1 MB of findings is refused, and nothing is written."""
        case = register(store, sample_household())
        slrt = sample_slrt(store)
        actor = sample_staff(RegionCode.INDONESIA).facilitator
        refused(
            store, lambda: slrt.assess(actor, case.case_id, findings="x" * 1_000_000), "at most"
        )

    @pytest.mark.parametrize(
        ("text", "words"),
        [("abc\ud800def", "surrogate"), ("a\x00b", "control"), ("a\x1bb", "control")],
    )
    def test_bad_characters_in_a_note_are_refused(self, store, text, words):
        """A lone surrogate, NUL or escape in a note is a clear refusal on every store."""
        case = register(store, sample_household())
        slrt = sample_slrt(store)
        actor = sample_staff(RegionCode.INDONESIA).facilitator
        refused(store, lambda: slrt.assess(actor, case.case_id, findings=text), words)

    def test_findings_are_stored_in_nfc(self, store):
        """Decomposed findings are stored composed; line breaks are kept."""
        case = register(store, sample_household())
        slrt = sample_slrt(store)
        actor = sample_staff(RegionCode.INDONESIA).facilitator
        slrt.assess(actor, case.case_id, findings="Sri\u0301 works.\nDecile 2.")
        event = store.events(case.case_id)[-1]
        assert event.payload.findings == "Srí works.\nDecile 2."

    def test_long_name_is_refused_at_registration(self, store):
        """A 100,000-character name opens no case."""
        refused(store, lambda: register(store, with_head(name="a" * 100_000)), "at most 200")

    def test_birth_date_must_match_the_nik(self):
        """A NIK whose birth date is not the member's is refused, as a sex mismatch is."""
        from slrt_core.identity import Nik

        with pytest.raises(InvalidInputError, match="birth_date"):
            with_head(nik=Nik("3374011403820001"), birth_date=date(1982, 3, 15))


class TestSequentialIdsOnAReopenedFile:
    def test_ids_resume_after_a_restart(self, tmp_path):
        """A restarted program continues the sequence instead of a misleading conflict."""
        from slrt_core.testing import walk_case

        path = tmp_path / "slrt.db"
        first = SqliteStore(path)
        staff = sample_staff()
        steps = list(walk_case(sample_slrt(first), staff, route="full"))
        first.close()
        again = SqliteStore(path)
        try:
            slrt = sample_slrt(again)
            second = list(walk_case(slrt, staff, route="full"))
            assert steps[0].case_id == "case-000001"
            assert second[0].case_id == "case-000002"
            referrals = {
                r.referral_id
                for c in again.find_cases(within=RegionCode.INDONESIA)
                for r in c.referrals
            }
            assert len(referrals) == 2 * len(
                {r.referral_id for r in again.load("case-000001").referrals}
            )
        finally:
            again.close()

    def test_an_erased_case_keeps_its_id(self):
        """The id of a case the listing leaves out (erased) is not handed out again."""
        from slrt_core.adapters.basics import SequentialIds

        class Listing:
            def find_cases(self, *, within, state=None):
                return []

            def load(self, case_id):
                if case_id == "case-000001":
                    from slrt_core.errors import CaseErasedError

                    raise CaseErasedError(case_id)
                from slrt_core.errors import CaseNotFoundError

                raise CaseNotFoundError(case_id)

            def case_id_of_referral(self, referral_id):
                from slrt_core.errors import ReferralNotFoundError

                raise ReferralNotFoundError(referral_id)

        ids = SequentialIds(store=Listing())  # type: ignore[arg-type]
        assert ids.new_id("case") == "case-000002"
        assert ids.new_id("referral") == "referral-000001"
        assert ids.new_id("consent") == "consent-000001"


class TestLocalTime:
    """Issue 12, item 14: civil dates are the region's (WIB, WITA, WIT), not UTC's."""

    EVENING = datetime(2022, 7, 24, 16, 0, tzinfo=UTC)  # 25 July 01:00 WIT, 23:00 WIB

    def test_papua_staff_lose_a_split_regency_at_local_midnight(self):
        """At 16:00 UTC on 24 July 2022 it is 25 July in Papua: the split is in force."""
        from slrt_core.access import Actor, Command, Role, RolePolicy
        from slrt_core.errors import AccessDenied

        village = RegionCode("91.01.01.2001")
        old = Actor(actor_id="bo-papua", role=Role.BACK_OFFICE, jurisdiction=RegionCode("91"))
        new = Actor(actor_id="bo-selatan", role=Role.BACK_OFFICE, jurisdiction=RegionCode("93"))
        policy = RolePolicy(clock=FrozenClock(self.EVENING))
        policy.authorize(new, Command.REFER, region=village)
        with pytest.raises(AccessDenied):
            policy.authorize(old, Command.REFER, region=village)
        earlier = RolePolicy(clock=FrozenClock(datetime(2022, 7, 24, 14, 0, tzinfo=UTC)))
        earlier.authorize(old, Command.REFER, region=village)  # 23:00 WIT, still 24 July

    def test_a_new_case_uses_the_local_date_of_its_village(self, store):
        """A pre-split village code is refused once it is 25 July in Papua, not in UTC."""
        household = attrs.evolve(sample_household(), region=RegionCode("91.01.01.2001"))
        late = FrozenClock(self.EVENING)
        refused(store, lambda: register(store, household, clock=late), "93.01")
        before = FrozenClock(datetime(2022, 7, 24, 14, 0, tzinfo=UTC))
        assert register(store, household, clock=before).household.region == household.region

    def test_zones_and_deadline_text(self):
        """Zones by province; deadlines are shown in the staff's local time."""
        from slrt_core.calendar import local_time_text, zone_of

        assert [str(zone_of(c)) for c in ("33.74", "64.71", "94", "", None)] == [
            "WIB",
            "WITA",
            "WIT",
            "WIB",
            "WIB",
        ]
        due = datetime(2026, 8, 19, 17, 0, tzinfo=UTC)
        assert local_time_text(RegionCode("73.71"), due) == "2026-08-20 01:00 WITA"

    def test_escalation_notice_shows_the_deadline_in_local_time(self):
        """The overdue notice names the deadline in WIB for a Semarang case, not UTC."""
        store = MemoryStore()
        clock = FrozenClock()
        slrt = sample_slrt(store, clock=clock)
        staff = sample_staff()
        case = slrt.register(
            staff.facilitator,
            sample_household(),
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.GRIEVANCE,
            needs=NEEDS,
        )
        slrt.record_lawful_basis(
            staff.back_office,
            case.case_id,
            kind="public_service_duty",
            legal_reference="UU 27/2022 Pasal 20",
            purposes=["referral"],
        )
        slrt.assess(staff.facilitator, case.case_id, findings="Decile 2.")
        slrt.submit(staff.facilitator, case.case_id)
        slrt.approve(staff.supervisor, case.case_id)
        slrt.review(staff.front_office, case.case_id)
        slrt.refer(staff.back_office, case.case_id, "n1", service_id="pbi-jk")
        clock.advance(days=30)
        slrt.sweep()
        texts = [
            m.notification.text("en")
            for m in store.claim_due(clock.now(), limit=1_000, lease_seconds=0)
            if m.notification.topic.startswith("referral_")
        ]
        assert any("WIB" in t for t in texts), texts
        assert not any(" UTC" in t for t in texts)


class TestSmallCorners:
    def test_text_policy_refuses_what_is_not_text(self):
        """A number given as text is a problem of its own, in both languages."""
        from slrt_core.freetext import TextPolicy

        (problem,) = TextPolicy().problems(5, "name")
        assert "must be text" in problem.message
        assert "harus berupa teks" in problem.message_id

    def test_floats_must_be_finite(self):
        """structure() refuses NaN and bools where a float is meant, and reads the rest."""
        from slrt_core.serialization import structure

        assert structure(1.5, float) == 1.5
        for bad in (float("nan"), float("inf"), True):
            with pytest.raises(InvalidInputError, match="not a finite number"):
                structure(bad, float)

    def test_an_in_memory_key_store_has_no_log_to_purge(self):
        """purge() on an in-memory key store does nothing."""
        from slrt_core.crypto import SqliteKeyStore

        keys = SqliteKeyStore(":memory:")
        keys.add("a", b"1")
        assert keys.destroy("a") is True
        keys.purge()
        keys.close()

    def test_sequential_ids_scan_every_kind_and_bind_once(self):
        """Resuming reads cases, referrals, consents and bases of the factory's prefix only."""
        from slrt_core.adapters.basics import SequentialIds
        from slrt_core.errors import StorageError

        store = MemoryStore()
        slrt = sample_slrt(store, id_prefix="a-")
        staff = sample_staff()
        case = register(store, sample_household())
        slrt.record_lawful_basis(
            staff.back_office,
            case.case_id,
            kind="public_service_duty",
            legal_reference="UU 27/2022 Pasal 20",
            purposes=["referral"],
        )
        ids = SequentialIds("a-").bind(store)
        assert ids.bind(MemoryStore()) is ids  # the first store stays
        assert ids.new_id("basis") == "a-basis-000002"
        assert ids.new_id("case") == "a-case-000001"  # the case above has no prefix

        class Damaged(MemoryStore):
            def load(self, case_id: str) -> Any:
                raise StorageError("damaged")

        with pytest.raises(StorageError, match="damaged"):  # said, not looped over
            SequentialIds(store=Damaged()).new_id("case")
