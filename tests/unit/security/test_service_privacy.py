"""The service's privacy commands and queries: erasure, subject access, purposes and the
access log, NIK lookups, consent withdrawal, and jurisdiction across region splits.

Runs on the in-memory and the SQLite store, both sealing personal data with per-case keys.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from tests.postgres_fixture import fresh_schema, postgres_server

from slrt_core.access import AccessPurpose, Actor, Role
from slrt_core.adapters.basics import SequentialIds
from slrt_core.adapters.memory import MemoryStore
from slrt_core.adapters.sqlite import SqliteStore
from slrt_core.audit import verify
from slrt_core.case import CaseErased, CaseState, Need
from slrt_core.crypto import MemoryKeyStore, SealingCodec, StaticKeyring, SubjectVault
from slrt_core.errors import (
    AccessDenied,
    CaseErasedError,
    CaseNotFoundError,
    ConsentError,
    InvalidInputError,
    StorageError,
    TransitionNotAllowed,
)
from slrt_core.household import Household, Person, Relationship
from slrt_core.identity import KkNumber, Nik, RegionCode, Sex
from slrt_core.ports import Store
from slrt_core.privacy import MemoryAccessLog, NikIndex, NikTokenizer
from slrt_core.referral import (
    Directory,
    LawfulBasisKind,
    Provider,
    Purpose,
    Service,
)
from slrt_core.service import Slrt
from slrt_core.testing._doubles import FrozenClock
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind, Sector, Tier

CITY = RegionCode("33.74")
MIROTO = RegionCode("33.74.01.1001")
NIK_HEAD = Nik("3374010105800001")
NIK_CHILD = Nik("3374014901150002")
KK = KkNumber("3374011203150007")
FACILITATOR = Actor(actor_id="fac-siti", role=Role.FACILITATOR, jurisdiction=CITY)
BACK = Actor(actor_id="bo-agus", role=Role.BACK_OFFICE, jurisdiction=CITY)
SUPERVISOR = Actor(actor_id="sup-budi", role=Role.SUPERVISOR, jurisdiction=CITY)
MANAGER = Actor(actor_id="mgr-dewi", role=Role.MANAGER, jurisdiction=RegionCode("33"))
AUDITOR = Actor(actor_id="aud-joko", role=Role.AUDITOR, jurisdiction=RegionCode.INDONESIA)
OUTSIDE_MANAGER = Actor(actor_id="mgr-x", role=Role.MANAGER, jurisdiction=RegionCode("32"))


def household(region: RegionCode = MIROTO) -> Household:
    head = Person(
        member_id="m1",
        relationship=Relationship.HEAD,
        birth_date=date(1980, 5, 1),
        sex=Sex.MALE,
        nik=NIK_HEAD,
        name="Budi Santoso",
    )
    child = Person(
        member_id="m2",
        relationship=Relationship.CHILD,
        birth_date=date(2015, 1, 9),
        sex=Sex.FEMALE,
        nik=NIK_CHILD,
        name="Sari",
    )
    return Household(region=region, members=(head, child), kk=KK)


def directory() -> Directory:
    return Directory(
        [Provider(provider_id="dinsos", name="Dinas Sosial", tier=Tier.DISTRICT, region=CITY)],
        [
            Service(
                service_id="pbi-desk",
                provider_id="dinsos",
                name="PBI-JK desk",
                sectors={Sector.HEALTH},
                tier=Tier.DISTRICT,
                area=(RegionCode.INDONESIA,),
            )
        ],
    )


class World:
    def __init__(self, store: Store, vault: SubjectVault) -> None:
        self.store = store
        self.vault = vault
        self.clock = FrozenClock()
        self.reads = MemoryAccessLog()
        self.slrt = Slrt(
            store=store,
            clock=self.clock,
            ids=SequentialIds(),
            directory=directory(),
            access_log=self.reads,
            nik_index=NikIndex(NikTokenizer({1: b"p" * 32})),
        )

    def register(self, region: RegionCode = MIROTO, actor: Actor = FACILITATOR) -> str:
        case = self.slrt.register(
            actor,
            household(region),
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.GRIEVANCE,
            needs=[
                Need(sector=Sector.HEALTH, description="Budi has no insurance"),
                Need(sector=Sector.HEALTH, description="Sari needs a check", member_id="m2"),
            ],
        )
        return case.case_id

    def closed(self) -> str:
        case_id = self.register()
        self.slrt.assess(FACILITATOR, case_id, findings=f"NIK {NIK_HEAD.reveal()} checked")
        self.slrt.close(SUPERVISOR, case_id, reason=ClosingReason.DECLINED, note="Sari refused")
        return case_id

    def in_service_ready(self) -> str:
        """A reviewed case with the child's consent to referrals."""
        case_id = self.register()
        s = self.slrt
        s.assess(FACILITATOR, case_id, findings="Poor")
        s.submit(FACILITATOR, case_id)
        s.approve(SUPERVISOR, case_id)
        s.review(
            Actor(actor_id="fo", role=Role.FRONT_OFFICE, jurisdiction=CITY),
            case_id,
        )
        return case_id

    def raw_bytes(self) -> bytes:
        return b"".join(r.body for r in self.store.audit_records())


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    vault = SubjectVault(StaticKeyring({1: b"m" * 32}), MemoryKeyStore())
    codec = SealingCodec(vault)
    if request.param == "memory":
        yield World(MemoryStore(codec=codec), vault)
        return
    store: Store
    if request.param == "postgres":
        from slrt_core.adapters.postgres import PostgresStore

        server = request.getfixturevalue("postgres_server")
        store = PostgresStore(fresh_schema(server), min_size=0, max_size=2, codec=codec)
    else:
        store = SqliteStore(tmp_path / "slrt.sqlite", codec=codec)
    try:
        yield World(store, vault)
    finally:
        store.close()  # type: ignore[attr-defined]


__all__ = ["postgres_server"]  # the fixture, imported for pytest


class TestAtRest:
    def test_personal_data_never_in_clear_in_the_trail(self, world: World):
        """Names, NIKs, KK numbers and free text are absent from every stored body."""
        world.closed()
        raw = world.raw_bytes()
        for secret in (b"Budi", b"Sari", NIK_HEAD.reveal().encode(), KK.reveal().encode()):
            assert secret not in raw
        assert b"case_registered" in raw  # the envelope stays readable

    def test_sqlite_file_holds_no_personal_data(self, tmp_path: Path):
        """The SQLite file itself (events, index, outbox) holds no name or NIK in clear."""
        vault = SubjectVault(StaticKeyring({1: b"m" * 32}), MemoryKeyStore())
        path = tmp_path / "f.sqlite"
        store = SqliteStore(path, codec=SealingCodec(vault))
        w = World(store, vault)
        w.closed()
        store.close()
        conn = sqlite3.connect(path)
        dump = "\n".join(conn.iterdump())
        conn.close()
        assert "Budi" not in dump
        assert NIK_HEAD.reveal() not in dump

    def test_cases_load_back_decrypted(self, world: World):
        """A reopened case is whole: the codec opens what it sealed."""
        case_id = world.closed()
        world.vault.forget()
        if not isinstance(world.store, MemoryStore):
            world.store._cache.clear()  # type: ignore[attr-defined]
        case = world.store.load(case_id)
        assert case.household == household()
        assert world.store.events(case_id)[1].payload.findings.startswith("NIK")


class TestErasure:
    def test_erasure_shreds_and_the_chain_still_verifies(self, world: World):
        """After erasure the case cannot be read, its event is in the trail, the chain holds."""
        case_id = world.closed()
        other = world.register()
        before = verify(world.store.audit_records())
        world.slrt.erase(MANAGER, case_id, request_ref="PDP-2026-0042")
        report = verify(world.store.audit_records())
        assert report.ok
        assert report.records == before.records + 1
        last = json.loads(list(world.store.audit_records())[-1].body)
        assert last["payload"] == {"type": "case_erased", "request_ref": "PDP-2026-0042"}
        with pytest.raises(CaseErasedError):
            world.store.load(case_id)
        with pytest.raises(CaseErasedError):
            world.store.events(case_id)
        with pytest.raises(CaseNotFoundError, match="erased"):
            world.slrt.get_case(MANAGER, case_id)
        assert [c.case_id for c in world.slrt.list_cases(MANAGER)] == [other]
        assert world.slrt.find_by_nik(MANAGER, NIK_HEAD) == [world.store.load(other)]
        assert world.vault.keys.get(case_id) is None

    def test_erasure_is_refused_before_closure_and_to_others(self, world: World):
        """Only a manager of the region erases, and only a closed case; nothing changes."""
        case_id = world.register()
        records = list(world.store.audit_records())
        with pytest.raises(TransitionNotAllowed, match="Close the case first"):
            world.slrt.erase(MANAGER, case_id, request_ref="PDP-1")
        with pytest.raises(AccessDenied):
            world.slrt.erase(BACK, case_id, request_ref="PDP-1")
        closed = world.closed()
        records = list(world.store.audit_records())
        with pytest.raises(AccessDenied):
            world.slrt.erase(OUTSIDE_MANAGER, closed, request_ref="PDP-1")
        with pytest.raises(InvalidInputError):
            world.slrt.erase(MANAGER, closed, request_ref=" ")
        assert list(world.store.audit_records()) == records
        assert world.vault.keys.get(closed) is not None

    def test_erasing_again_finishes_a_half_done_erasure(self, world: World):
        """A retry after the event but before the key destruction destroys the key."""
        case_id = world.closed()
        world.slrt.erase(MANAGER, case_id, request_ref="PDP-7")
        # Simulate a key that survived (restored from a backup) and a retry.
        world.vault.keys.add(case_id, b"\x00\x01" + b"x" * 60)
        world.slrt.erase(MANAGER, case_id, request_ref="PDP-7")
        assert world.vault.keys.get(case_id) is None
        with pytest.raises(AccessDenied):
            world.slrt.erase(BACK, case_id, request_ref="PDP-7")

    def test_a_store_in_clear_cannot_erase(self):
        """Without a sealing codec, erasure is refused before anything is written."""
        store = MemoryStore()
        slrt = Slrt(store=store, clock=FrozenClock(), ids=SequentialIds())
        case = slrt.register(
            FACILITATOR,
            household(),
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.QUESTION,
            needs=[Need(sector=Sector.OTHER, description="Info")],
        )
        slrt.close(SUPERVISOR, case.case_id, reason=ClosingReason.NEEDS_MET)
        with pytest.raises(StorageError, match="keeps personal data in clear") as excinfo:
            slrt.erase(MANAGER, case.case_id, request_ref="PDP-1")
        assert excinfo.value.message("id") != str(excinfo.value)
        assert store.load(case.case_id).state is CaseState.CLOSED
        with pytest.raises(StorageError, match="stored in clear"):
            store.erase(case.case_id)

    def test_erasure_without_a_nik_index(self):
        """A service without a NIK index erases too."""
        vault = SubjectVault(StaticKeyring({1: b"m" * 32}), MemoryKeyStore())
        store = MemoryStore(codec=SealingCodec(vault))
        slrt = Slrt(store=store, clock=FrozenClock(), ids=SequentialIds())
        case = slrt.register(
            FACILITATOR,
            household(),
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.QUESTION,
            needs=[Need(sector=Sector.OTHER, description="Info")],
        )
        slrt.close(SUPERVISOR, case.case_id, reason=ClosingReason.NEEDS_MET)
        slrt.erase(MANAGER, case.case_id, request_ref="PDP-9")
        assert vault.keys.get(case.case_id) is None

    def test_erasure_event_type(self):
        """The erasure event is registered and carries only the request reference."""
        assert CaseErased(request_ref="x").type == "case_erased"


class TestSubjectAccess:
    def test_whole_household_export(self, world: World):
        """Without a member: the whole file and every event in full, NIK in clear."""
        case_id = world.closed()
        data = world.slrt.subject_access(BACK, case_id)
        text = json.dumps(data)
        assert NIK_HEAD.reveal() in text
        assert "Budi Santoso" in text
        assert data["subject"] is None
        assert len(data["events"]) == 3
        assert data["events"][0]["payload"]["type"] == "case_registered"
        assert len(world.reads) == 1
        entry = next(iter(world.reads))
        assert entry.purpose is AccessPurpose.SUBJECT_ACCESS
        assert entry.target == case_id

    def test_member_export_holds_only_their_data(self, world: World):
        """With a member: their record and needs, no other member, events without payloads."""
        case_id = world.closed()
        data = world.slrt.subject_access(BACK, case_id, member_id="m2")
        text = json.dumps(data)
        assert NIK_CHILD.reveal() in text
        assert NIK_HEAD.reveal() not in text
        assert "Budi Santoso" not in text
        assert "************0001 checked" in text
        assert [m["member_id"] for m in data["case"]["household"]["members"]] == ["m2"]
        assert {e["type"] for e in data["events"]} == {
            "case_registered",
            "case_assessed",
            "case_closed",
        }
        with pytest.raises(InvalidInputError, match="no member"):
            world.slrt.subject_access(BACK, case_id, member_id="m9")

    def test_member_export_keeps_their_consents_readable(self, world: World):
        """The subject's own consent records come back unmasked (member ids, evidence)."""
        case_id = world.register()
        world.slrt.record_consent(
            FACILITATOR,
            case_id,
            subject="m2",
            grantor="m1",
            guardian="m1",
            purposes=[Purpose.REFERRAL],
            recipients=["*"],
            evidence="Form 12",
        )
        data = world.slrt.subject_access(BACK, case_id, member_id="m2")
        [consent] = data["case"]["consents"]
        assert (consent["grantor"], consent["evidence"]) == ("m1", "Form 12")

    def test_refused_to_other_roles(self, world: World):
        """A facilitator does not serve subject requests; the refusal is logged."""
        case_id = world.register()
        with pytest.raises(AccessDenied):
            world.slrt.subject_access(FACILITATOR, case_id)
        assert len(world.reads) == 0


class TestPurposes:
    def test_reads_are_logged_with_their_purpose(self, world: World):
        """get_case, history, list_cases, route record who read what for which purpose."""
        case_id = world.register()
        world.slrt.get_case(FACILITATOR, case_id)
        world.slrt.history(SUPERVISOR, case_id, purpose=AccessPurpose.SUPERVISION)
        world.slrt.list_cases(MANAGER, purpose=AccessPurpose.MONITORING)
        world.slrt.route(FACILITATOR, case_id, "n1")
        assert [(r.actor_id, r.action, r.target, r.purpose) for r in world.reads] == [
            ("fac-siti", "read_case", case_id, AccessPurpose.CASE_WORK),
            ("sup-budi", "history", case_id, AccessPurpose.SUPERVISION),
            ("mgr-dewi", "list_cases", "region:33", AccessPurpose.MONITORING),
            ("fac-siti", "route", case_id, AccessPurpose.CASE_WORK),
        ]
        assert all(r.at == world.clock.now() for r in world.reads)

    def test_a_purpose_outside_the_role_is_denied_and_logged(self, world: World, caplog):
        """An auditor may read for audit only; the denial is logged without personal data."""
        case_id = world.register()
        with (
            caplog.at_level(logging.WARNING, logger="slrt_core.access"),
            pytest.raises(AccessDenied, match="case_work") as excinfo,
        ):
            world.slrt.get_case(AUDITOR, case_id, purpose=AccessPurpose.CASE_WORK)
        assert excinfo.value.message("id") != str(excinfo.value)
        logged = " ".join(caplog.messages)
        assert "aud-joko" in logged
        assert "Budi" not in logged
        assert NIK_HEAD.reveal() not in logged
        assert world.slrt.get_case(AUDITOR, case_id).case_id == case_id
        assert [r.purpose for r in world.reads] == [AccessPurpose.AUDIT]
        with pytest.raises(InvalidInputError, match="not a purpose"):
            world.slrt.get_case(AUDITOR, case_id, purpose="gossip")  # type: ignore[arg-type]

    def test_referral_reads_and_exports_carry_a_purpose(self, world: World):
        """get_referral, export_fhir and referral_report log their reads."""
        case_id = world.in_service_ready()
        world.slrt.record_lawful_basis(
            BACK,
            case_id,
            kind=LawfulBasisKind.PUBLIC_SERVICE_DUTY,
            legal_reference="UU 27/2022 Pasal 20",
            purposes=[Purpose.REFERRAL],
        )
        referral = world.slrt.refer(BACK, case_id, "n1", service_id="pbi-desk")
        world.slrt.export_fhir(BACK, referral.referral_id, purpose=AccessPurpose.REFERRAL)
        world.slrt.referral_report(MANAGER, purpose=AccessPurpose.MONITORING)
        assert [(r.action, r.purpose) for r in world.reads] == [
            ("read_referral", AccessPurpose.REFERRAL),
            ("list_cases", AccessPurpose.MONITORING),
        ]


class TestNikLookup:
    def test_find_by_nik_and_kk(self, world: World):
        """Both the NIK of any member and the KK number find the case."""
        case_id = world.register()
        case = world.store.load(case_id)
        assert world.slrt.find_by_nik(BACK, NIK_CHILD) == [case]
        assert world.slrt.find_by_nik(BACK, KK) == [case]  # type: ignore[arg-type]
        assert world.slrt.find_by_nik(BACK, Nik("3374010101900009")) == []
        assert [r.action for r in world.reads] == ["find_by_nik", "find_by_nik"]

    def test_cases_outside_reach_are_left_out(self, world: World):
        """A facilitator of another city finds nothing; the skip is a logged denial."""
        world.register()
        elsewhere = Actor(actor_id="fac-x", role=Role.FACILITATOR, jurisdiction=RegionCode("32"))
        assert world.slrt.find_by_nik(elsewhere, NIK_HEAD) == []

    def test_tokens_of_a_failed_commit_are_skipped(self, world: World):
        """A token pointing at a case that was never committed is ignored."""
        assert world.slrt.nik_index is not None
        world.slrt.nik_index.add("case-ghost", household())
        assert world.slrt.find_by_nik(BACK, NIK_HEAD) == []

    def test_without_an_index(self):
        """find_by_nik needs an index."""
        slrt = Slrt(store=MemoryStore())
        with pytest.raises(StorageError, match="no NIK index"):
            slrt.find_by_nik(BACK, NIK_HEAD)

    def test_pepper_rotation_keeps_lookups_working(self, world: World):
        """After adding a pepper version and re-tokenising, lookups still find the case."""
        case_id = world.register()
        index = world.slrt.nik_index
        assert index is not None
        rotated = NikIndex(NikTokenizer({1: b"p" * 32, 2: b"q" * 32}), index.index)
        assert rotated.retokenize([world.store.load(case_id)]) == 3  # two NIKs and a KK
        only_new = NikIndex(NikTokenizer({2: b"q" * 32}), index.index)
        assert only_new.find(NIK_HEAD) == [case_id]


class TestConsentWithdrawal:
    def test_withdrawal_stops_referrals_even_under_an_older_basis(self, world: World):
        """Once the child's consent is withdrawn, no older record covers her referrals."""
        s = world.slrt
        case_id = world.in_service_ready()
        s.record_lawful_basis(
            BACK,
            case_id,
            kind=LawfulBasisKind.PUBLIC_SERVICE_DUTY,
            legal_reference="UU 27/2022 Pasal 20",
            purposes=[Purpose.REFERRAL],
        )
        case = s.record_consent(
            FACILITATOR,
            case_id,
            subject="m2",
            grantor="m1",
            guardian="m1",
            purposes=[Purpose.REFERRAL],
            recipients=["*"],
            evidence="Form 12",
        )
        consent_id = case.consents[0].consent_id
        world.clock.advance(hours=1)
        s.withdraw_consent(FACILITATOR, case_id, consent_id, note="Parent objects")
        world.clock.advance(hours=1)
        with pytest.raises(ConsentError):
            s.refer(BACK, case_id, "n2", service_id="pbi-desk")
        # The head's need is not affected: the basis still covers him.
        assert s.refer(BACK, case_id, "n1", service_id="pbi-desk").status.value == "requested"
        # A vital-interest basis recorded now covers the child again.
        s.record_lawful_basis(
            BACK,
            case_id,
            kind=LawfulBasisKind.VITAL_INTEREST,
            legal_reference="UU 27/2022 Pasal 20(2)(d)",
            purposes=[Purpose.REFERRAL],
        )
        assert s.refer(BACK, case_id, "n2", service_id="pbi-desk").consent_id


class TestRegionSplits:
    def test_new_province_staff_cover_old_coded_cases_from_the_split(self, tmp_path: Path):
        """A case recorded under 91.01 (Merauke before 2022) moves to Papua Selatan's staff."""
        vault = SubjectVault(StaticKeyring({1: b"m" * 32}), MemoryKeyStore())
        w = World(MemoryStore(codec=SealingCodec(vault)), vault)
        w.clock.set(datetime(2022, 7, 1, tzinfo=UTC))
        village = RegionCode("91.01.01.2001")
        papua = Actor(actor_id="bo-papua", role=Role.BACK_OFFICE, jurisdiction=RegionCode("91"))
        selatan = Actor(actor_id="bo-psel", role=Role.BACK_OFFICE, jurisdiction=RegionCode("93"))
        hh = Household(
            region=village,
            members=(
                Person(
                    member_id="m1",
                    relationship=Relationship.HEAD,
                    birth_date=date(1980, 1, 1),
                    sex=Sex.MALE,
                ),
            ),
        )
        case = w.slrt.register(
            papua,
            hh,
            channel=Channel.SECRETARIAT_DESK,
            kind=ComplaintKind.QUESTION,
            needs=[Need(sector=Sector.OTHER, description="Info")],
        )
        assert [c.case_id for c in w.slrt.list_cases(papua)] == [case.case_id]
        assert w.slrt.list_cases(selatan) == []
        with pytest.raises(AccessDenied):
            w.slrt.get_case(selatan, case.case_id)
        w.clock.set(datetime(2022, 7, 25, 1, tzinfo=UTC))
        assert w.slrt.get_case(selatan, case.case_id).region == village  # history kept
        assert [c.case_id for c in w.slrt.list_cases(selatan)] == [case.case_id]
        assert w.slrt.list_cases(papua) == []
        with pytest.raises(AccessDenied):
            w.slrt.get_case(papua, case.case_id)
        # The old events keep the old code.
        assert w.store.events(case.case_id)[0].payload.household.region == village


class TestConsentShape:
    def test_records_of_the_wrong_shape_list_every_problem(self):
        """Consent and LawfulBasis fields of the wrong type are InvalidInputErrors."""
        from slrt_core.referral import Consent, LawfulBasis

        with pytest.raises(InvalidInputError) as excinfo:
            Consent(
                consent_id=1,  # type: ignore[arg-type]
                subject="m1",
                grantor=None,  # type: ignore[arg-type]
                guardian=5,  # type: ignore[arg-type]
                purposes=["referral"],
                recipients=[7],  # type: ignore[list-item]
                valid_from="today",  # type: ignore[arg-type]
                valid_until="later",  # type: ignore[arg-type]
                evidence="Form",
            )
        assert {p.path for p in excinfo.value.problems} == {
            "consent_id",
            "grantor",
            "guardian",
            "recipients",
            "valid_from",
            "valid_until",
        }
        with pytest.raises(InvalidInputError, match="legal_reference"):
            LawfulBasis(
                basis_id="b",
                kind=LawfulBasisKind.PUBLIC_SERVICE_DUTY,
                legal_reference=None,  # type: ignore[arg-type]
                purposes=["referral"],
                recipients=["*"],
                valid_from=datetime(2026, 1, 1, tzinfo=UTC),
            )
