"""Intake de-duplication through the pipeline: refusal, override, flags, distinct, merge."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.postgres_fixture import fresh_schema, postgres_server

from slrt_core import Actor, Channel, ComplaintKind, Need, RegionCode, Role, Sector, Slrt
from slrt_core.adapters import MemoryStore, SqliteStore
from slrt_core.application import commands as cmd
from slrt_core.audit import verify
from slrt_core.case import CaseState, DuplicateStatus
from slrt_core.crypto import MemoryKeyStore, SealingCodec, StaticKeyring, SubjectVault
from slrt_core.dedup import BlindIndexer, synthetic_household, villages
from slrt_core.errors import (
    AccessDenied,
    DuplicateCaseError,
    InvalidInputError,
    StorageError,
    TransitionNotAllowed,
)
from slrt_core.household import Household, Person, Relationship
from slrt_core.identity import KkNumber, Nik, Sex
from slrt_core.ports import Store
from slrt_core.testing import FrozenClock, sample_slrt, sample_staff
from slrt_core.vocabulary import ClosingReason

MIROTO = RegionCode("33.74.01.1001")
SALATIGA = RegionCode("33.73.01.1001")
PEPPERS = BlindIndexer({1: b"p" * 32})
FAR = FrozenClock().now().replace(year=2036)
STAFF = sample_staff()

__all__ = ["postgres_server"]  # the fixture, imported for pytest


def family(
    region: RegionCode = MIROTO,
    *,
    nik: bool = False,
    kk: str | None = None,
    head: str = "Siti Aminah",
    spouse: str = "Slamet Riyadi",
) -> Household:
    """Siti (born 1 May 1980, NIK optional) with her husband, in *region*."""
    members = (
        Person(
            member_id="m1",
            relationship=Relationship.HEAD,
            sex=Sex.FEMALE,
            birth_date=date(1980, 5, 1),
            name=head,
            nik=Nik("3374014105800001") if nik else None,
        ),
        Person(
            member_id="m2",
            relationship=Relationship.SPOUSE,
            sex=Sex.MALE,
            birth_date=date(1978, 9, 12),
            name=spouse,
        ),
    )
    return Household(region=region, members=members, kk=None if kk is None else KkNumber(kk))


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Each store, with personal data sealed at rest (the check sees tokens only)."""
    codec = SealingCodec(SubjectVault(StaticKeyring({1: b"m" * 32}), MemoryKeyStore()))
    made: Store
    if request.param == "memory":
        made = MemoryStore(codec=codec)
    elif request.param == "sqlite":
        made = SqliteStore(tmp_path / "slrt.sqlite", codec=codec)
    else:
        from slrt_core.adapters.postgres import PostgresStore

        server = request.getfixturevalue("postgres_server")
        made = PostgresStore(fresh_schema(server), min_size=0, max_size=2, codec=codec)
    yield made
    made.close()  # type: ignore[attr-defined]


def service(store: Store) -> Slrt:
    slrt = sample_slrt(store)
    slrt.dedup = PEPPERS
    return slrt


def register(slrt: Slrt, household: Household, *, by: Actor = STAFF.facilitator, **extra: object):  # type: ignore[no-untyped-def]
    channel = extra.pop("channel", Channel.HOME_VISIT)
    return slrt.register(
        by,
        household,
        channel=channel,  # type: ignore[arg-type]
        kind=ComplaintKind.GRIEVANCE,
        needs=[Need(sector=Sector.HEALTH, description="No health insurance", member_id="m1")],
        **extra,  # type: ignore[arg-type]
    )


def written(store: Store) -> tuple[object, ...]:
    """Everything a refused command must leave as it was, the candidate index included."""
    outbox = store.claim_due(FAR, limit=10_000, lease_seconds=0)
    cases = store.find_cases(within=RegionCode.INDONESIA)
    keys = set().union(*(PEPPERS.household(c.household).keys for c in cases))
    filed = store.dedup_candidates(keys, limit=10_000)  # type: ignore[attr-defined]
    flagged = (store.dedup_flagged(), sorted(filed))  # type: ignore[attr-defined]
    return (len(list(store.audit_records())), [m.notification.message_id for m in outbox],
            flagged, [(c.case_id, c.version) for c in cases])  # fmt: skip


class TestExactMatch:
    def test_same_household_through_two_channels_is_one_case(self, store: Store) -> None:
        """The Puskesos registering a household a facilitator registered gets its case id."""
        slrt = service(store)
        first = register(slrt, family(nik=True))
        before = written(store)
        with pytest.raises(DuplicateCaseError) as caught:
            register(slrt, family(nik=True, head="St. Aminah"), by=STAFF.puskesos,
                     channel=Channel.PUSKESOS_DESK)  # fmt: skip
        err = caught.value
        assert err.case_ids == (first.case_id,)
        assert not err.elsewhere
        assert err.fields == ("nik",)
        assert first.case_id in str(err)
        assert "record_need" in str(err)
        assert "record_need" in err.message("id")
        assert written(store) == before  # nothing: no event, no outbox row, no flag
        need = Need(sector=Sector.EDUCATION, description="School fees")
        case = slrt.record_need(STAFF.puskesos, first.case_id, need, channel="puskesos_desk")
        assert [c.case_id for c in store.find_cases(within=RegionCode.INDONESIA)] == [case.case_id]
        assert [n.description for n in case.needs] == ["No health insurance", "School fees"]
        assert store.events(case.case_id)[-1].payload.channel is Channel.PUSKESOS_DESK

    def test_a_shared_kk_number_refuses_too(self, store: Store) -> None:
        """The KK number alone is enough: another spelling of every name changes nothing."""
        slrt = service(store)
        first = register(slrt, family(kk="3374010101750001"))
        with pytest.raises(DuplicateCaseError) as caught:
            register(slrt, family(kk="3374010101750001", head="Aminah", spouse="Riyadi"))
        assert caught.value.case_ids == (first.case_id,)
        assert caught.value.fields == ("kk",)

    def test_a_case_outside_the_jurisdiction_is_not_named(self, store: Store) -> None:
        """A household with an open case elsewhere: refused, the case's id is not said."""
        slrt = service(store)
        register(slrt, family(SALATIGA, nik=True))
        semarang = Actor(
            actor_id="fac-smg", role=Role.FACILITATOR, jurisdiction=RegionCode("33.74")
        )
        with pytest.raises(DuplicateCaseError) as caught:
            register(slrt, family(nik=True), by=semarang)
        assert caught.value.case_ids == ()
        assert caught.value.elsewhere
        assert "case-" not in str(caught.value)
        assert "outside your jurisdiction" in str(caught.value)
        assert "di luar wilayah kerja" in caught.value.message("id")

    def test_a_closed_case_does_not_refuse(self, store: Store) -> None:
        """Only open cases count: once closed, the household registers again."""
        slrt = service(store)
        first = register(slrt, family(nik=True))
        slrt.close(STAFF.supervisor, first.case_id, reason=ClosingReason.NEEDS_MET)
        again = register(slrt, family(nik=True))
        assert again.duplicates == ()

    def test_an_override_registers_with_the_reason_recorded(self, store: Store) -> None:
        """duplicate_override registers, and the flag records the reason and who gave it."""
        slrt = service(store)
        first = register(slrt, family(kk="3374010101750001"))
        reason = "Anak yang sudah berkeluarga; KK lama belum dipecah"
        case = register(slrt, family(kk="3374010101750001", head="Dewi", spouse="Agus"),
                        duplicate_override=reason)  # fmt: skip
        events = store.events(case.case_id)
        assert [e.type for e in events] == ["case_registered", "duplicate_suspected"]
        flag = events[1]
        assert flag.reason == reason
        assert flag.actor_id == STAFF.facilitator.actor_id
        assert flag.payload.overridden
        assert [m.case_id for m in flag.payload.matches] == [first.case_id]
        assert case.open_duplicates[0].agreed[0] == "kk"
        assert store.dedup_flagged() == [case.case_id]  # type: ignore[attr-defined]
        assert verify(store.audit_records()).records == 3
        told = [m.notification for m in store.claim_due(FAR, limit=100, lease_seconds=0)]
        assert [(n.topic, n.recipient) for n in told] == [
            ("duplicate_suspected", "role:supervisor@33.74")
        ]

    def test_an_empty_override_is_refused(self, store: Store) -> None:
        slrt = service(store)
        register(slrt, family(nik=True))
        with pytest.raises(InvalidInputError, match="duplicate_override"):
            register(slrt, family(nik=True), duplicate_override="  ")

    def test_a_retried_registration_is_not_its_own_duplicate(self, store: Store) -> None:
        """The same idempotency key returns the first case instead of a refusal."""
        slrt = service(store)
        first = register(slrt, family(nik=True), idempotency_key="intake-1")
        again = register(slrt, family(nik=True), idempotency_key="intake-1")
        assert again.case_id == first.case_id
        assert again.version == first.version


class TestSuspects:
    def test_a_likely_match_registers_with_an_explained_flag(self, store: Store) -> None:
        """No NIK or KK: similar names, the same birth dates and village flag, not block."""
        slrt = service(store)
        first = register(slrt, family())
        second = register(slrt, family(head="Hj. Siti Aminah, S.Pd.", spouse="Slamet"),
                          by=STAFF.puskesos, channel=Channel.PUSKESOS_DESK)  # fmt: skip
        (flag,) = second.duplicates
        assert flag.case_id == first.case_id
        assert flag.decision == "likely"
        assert flag.status is DuplicateStatus.OPEN
        assert flag.score >= 14
        assert {"name", "birth_date", "village"} <= set(flag.agreed)
        assert flag.members[0] == ("m1", "m1")
        assert flag.explain("en").startswith(f"Case {first.case_id}: likely duplicate, score")
        assert "tanggal lahir" in flag.explain("id")
        page = slrt.worklist(STAFF.supervisor, "duplicate_suspects", count=True)
        assert [s.case_id for s in page.items] == [second.case_id]
        assert page.total == 1

    def test_the_worklist_is_the_supervisors(self, store: Store) -> None:
        slrt = service(store)
        register(slrt, family())
        register(slrt, family())
        with pytest.raises(AccessDenied):
            slrt.duplicate_suspects(STAFF.facilitator)
        elsewhere = Actor(actor_id="sup-2", role=Role.SUPERVISOR, jurisdiction=RegionCode("33.73"))
        assert slrt.duplicate_suspects(elsewhere).items == ()

    def test_mark_distinct_is_audited_and_clears_the_flag(self, store: Store) -> None:
        slrt = service(store)
        first = register(slrt, family())
        second = register(slrt, family())
        before = written(store)
        with pytest.raises(AccessDenied):
            slrt.mark_distinct(STAFF.facilitator, second.case_id, first.case_id, note="x")
        with pytest.raises(InvalidInputError, match="no open duplicate-suspect flag"):
            slrt.mark_distinct(STAFF.supervisor, first.case_id, second.case_id, note="x")
        assert written(store) == before
        note = "Dua keluarga: nama sama, rumah berbeda (kunjungan 3 Des)"
        case = slrt.mark_distinct(STAFF.supervisor, second.case_id, first.case_id, note=note)
        assert case.duplicates[0].status is DuplicateStatus.DISTINCT
        assert case.open_duplicates == ()
        last = store.events(case.case_id)[-1]
        assert (last.type, last.actor_id, last.reason) == (
            "duplicate_marked_distinct", STAFF.supervisor.actor_id, note)  # fmt: skip
        assert slrt.duplicate_suspects(STAFF.supervisor).items == ()
        assert store.load(first.case_id).state is CaseState.REGISTERED

    def test_merge_keeps_both_histories_and_carries_the_needs(self, store: Store) -> None:
        """The duplicate closes pointing at the case kept, which gets its open needs."""
        slrt = service(store)
        kept = register(slrt, family())
        dup = slrt.register(
            STAFF.puskesos,
            family(head="Siti Aminah", spouse="Slamet R."),
            channel=Channel.PUSKESOS_DESK,
            kind=ComplaintKind.QUESTION,
            needs=[
                Need(sector=Sector.EDUCATION, description="School fees", member_id="m2"),
                Need(sector=Sector.FOOD, description="Food parcel"),
            ],
        )
        slrt.resolve_locally(STAFF.puskesos, dup.case_id, "n2", how="Village food bank")
        dup_history = store.events(dup.case_id)
        with pytest.raises(AccessDenied):
            slrt.merge_duplicate(STAFF.facilitator, dup.case_id, into=kept.case_id, note="x")
        note = "Satu rumah tangga: didaftarkan dua kali"
        merged = slrt.merge_duplicate(STAFF.supervisor, dup.case_id, into=kept.case_id, note=note)
        assert merged.merged_from == (dup.case_id,)
        assert [(n.need_id, n.description, n.member_id) for n in merged.needs] == [
            ("n1", "No health insurance", "m1"),
            ("n2", "School fees", "m2"),  # m2 matched m2; the food parcel was resolved
        ]
        absorbed = store.events(kept.case_id)[-1]
        assert absorbed.type == "duplicate_merged"
        assert absorbed.reason == note
        assert absorbed.payload.carried == (("n2", "n1"),)
        closed = store.load(dup.case_id)
        assert closed.state is CaseState.CLOSED
        assert closed.closing_reason is ClosingReason.DUPLICATE
        assert closed.merged_into == kept.case_id
        assert closed.duplicates[0].status is DuplicateStatus.MERGED
        assert store.events(dup.case_id)[: len(dup_history)] == dup_history
        assert store.events(dup.case_id)[-1].type == "case_merged_into"
        assert verify(store.audit_records()).ok
        assert slrt.duplicate_suspects(STAFF.supervisor).items == ()
        # Only the case kept is found by the next intake of the household.
        third = register(slrt, family())
        assert [d.case_id for d in third.duplicates] == [kept.case_id]
        # Again: done already, nothing more is written.
        count = len(list(store.audit_records()))
        slrt.merge_duplicate(STAFF.supervisor, dup.case_id, into=kept.case_id, note=note)
        assert len(list(store.audit_records())) == count

    def test_an_interrupted_merge_is_finished_by_running_it_again(self, store: Store) -> None:
        """Needs carried over, the duplicate still open: the merge closes it, once."""
        slrt = service(store)
        kept = register(slrt, family())
        dup = register(slrt, family())
        slrt.pipeline.run(
            cmd.MergeDuplicate(
                actor=STAFF.supervisor,
                case_id=kept.case_id,
                from_case_id=dup.case_id,
                needs=[Need(sector=Sector.HEALTH, description="No health insurance")],
                origins=["n1"],
                note="first half",
            )
        )
        merged = slrt.merge_duplicate(STAFF.supervisor, dup.case_id, into=kept.case_id, note="end")
        assert len(merged.needs) == 2
        assert store.load(dup.case_id).merged_into == kept.case_id

    def test_a_merge_the_duplicate_cannot_close_writes_nothing(self, store: Store) -> None:
        slrt = service(store)
        kept = register(slrt, family())
        dup = register(slrt, family())
        other = register(slrt, family(SALATIGA, head="Budi", spouse="Wati"))
        before = written(store)
        with pytest.raises(InvalidInputError, match="No open duplicate-suspect flag"):
            slrt.merge_duplicate(STAFF.supervisor, other.case_id, into=kept.case_id, note="x")
        slrt.close(STAFF.supervisor, kept.case_id, reason=ClosingReason.DECLINED)
        before = written(store)
        with pytest.raises(TransitionNotAllowed):
            slrt.merge_duplicate(STAFF.supervisor, dup.case_id, into=kept.case_id, note="x")
        assert written(store) == before

    def test_a_transfer_files_the_household_under_its_new_village(self, store: Store) -> None:
        slrt = service(store)
        first = register(slrt, family())
        slrt.transfer(STAFF.supervisor, first.case_id, to_region=SALATIGA)
        moved = register(slrt, family(SALATIGA))
        assert [d.case_id for d in moved.duplicates] == [first.case_id]
        assert "village" in moved.duplicates[0].agreed


class TestIndexUpkeep:
    def test_rebuild_files_the_cases_stored_before_dedup(self, store: Store) -> None:
        plain = sample_slrt(store)
        old = register(plain, family(nik=True))
        closed = register(plain, family(SALATIGA, head="Budi", spouse="Wati"))
        plain.close(STAFF.supervisor, closed.case_id, reason=ClosingReason.NEEDS_MET)
        slrt = service(store)
        register(slrt, family(nik=True))  # not refused: nothing filed yet
        assert slrt.rebuild_duplicate_index(batch=1) == 2
        with pytest.raises(DuplicateCaseError) as caught:
            register(slrt, family(nik=True))
        assert old.case_id in caught.value.case_ids

    def test_the_index_holds_no_personal_data_in_clear(self, tmp_path: Path) -> None:
        """Sealed store, keyed index: no name, birth date, NIK or KK number in the file."""
        codec = SealingCodec(SubjectVault(StaticKeyring({1: b"m" * 32}), MemoryKeyStore()))
        path = tmp_path / "sealed.sqlite"
        store = SqliteStore(path, codec=codec)
        try:
            slrt = service(store)
            register(slrt, family(nik=True, kk="3374010101750001"))
            register(slrt, family(nik=True), duplicate_override="another household")
        finally:
            store.close()
        raw = b"".join(p.read_bytes() for p in tmp_path.glob("sealed.sqlite*"))
        assert b"dedup_keys" in raw  # the index is in the file...
        # ...as tokens: the village code is in clear as the case's region, as before.
        for clear in (b"Aminah", b"aminah", b"Slamet", b"3374014105800001",
                      b"3374010101750001", b"1980-05-01"):  # fmt: skip
            assert clear not in raw, clear

    def test_without_peppers_the_queries_say_how_to_turn_it_on(self, store: Store) -> None:
        slrt = sample_slrt(store)
        with pytest.raises(StorageError, match="dedup=BlindIndexer"):
            slrt.duplicate_suspects(STAFF.supervisor)

    def test_a_store_without_an_index_is_refused(self) -> None:
        class Bare:
            """Only what Slrt reads at start-up."""

            def pending_erasures(self) -> list[str]:
                return []

        slrt = Slrt(store=Bare(), dedup=PEPPERS)  # type: ignore[arg-type]
        with pytest.raises(StorageError, match="CandidateIndex"):
            _ = slrt.pipeline


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(1, 8), numbered=st.booleans())
def test_a_second_registration_is_refused_or_flagged(seed: int, count: int, numbered: bool) -> None:
    """Any household registered twice: refused (NIK/KK known) or flagged naming the first.

    A refusal writes nothing; a flag never blocks.
    """
    rng = random.Random(seed)
    places = villages(4)
    homes = [synthetic_household(rng, rng.choice(places)) for _ in range(count)]
    if numbered:  # the last household's KK number is known
        homes[-1] = attrs.evolve(homes[-1], kk=KkNumber(f"3374010101{seed % 90 + 10:02d}0001"))
    store = MemoryStore()
    slrt = service(store)
    staff = Actor(actor_id="fo-1", role=Role.FRONT_OFFICE, jurisdiction=RegionCode.INDONESIA)
    ids = [register(slrt, h, by=staff).case_id for h in homes]
    before = written(store)
    if numbered:
        with pytest.raises(DuplicateCaseError) as caught:
            register(slrt, homes[-1], by=staff)
        assert caught.value.case_ids == (ids[-1],)
        assert written(store) == before
    else:
        again = register(slrt, homes[-1], by=staff)
        assert ids[-1] in {d.case_id for d in again.duplicates}
