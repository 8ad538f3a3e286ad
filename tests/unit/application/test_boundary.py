"""Regression tests of the pipeline's trust boundary (idempotency, erasure, outsiders).

Each test failed before the pipeline: a reused key with another request returned the
first case silently; erasure checked the role only, from the mutable ``cases`` row;
and outsiders could tell a missing case from an existing one, and where it was.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from slrt_core.access import Actor, Role
from slrt_core.adapters import MemoryStore, SequentialIds, SqliteStore
from slrt_core.case import CaseErased, Need
from slrt_core.crypto import MemoryKeyStore, SealingCodec, StaticKeyring, SubjectVault
from slrt_core.errors import (
    AccessDenied,
    CaseNotFoundError,
    CaseNotVisibleError,
    CorruptRecordError,
    IdempotencyKeyReusedError,
    InvalidInputError,
    SlrtError,
    StorageError,
)
from slrt_core.household import Household, Person, Relationship
from slrt_core.identity import RegionCode, Sex
from slrt_core.ports import Store
from slrt_core.service import Slrt
from slrt_core.testing import FrozenClock
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind, Sector

VILLAGE = RegionCode("33.74.01.1001")
CITY = RegionCode("33.74")
FACILITATOR = Actor(actor_id="fac-1", role=Role.FACILITATOR, jurisdiction=CITY)
SUPERVISOR = Actor(actor_id="sup-1", role=Role.SUPERVISOR, jurisdiction=CITY)
MANAGER = Actor(actor_id="mgr-33", role=Role.MANAGER, jurisdiction=RegionCode("33"))
PAPUA_MANAGER = Actor(actor_id="mgr-91", role=Role.MANAGER, jurisdiction=RegionCode("91"))
PAPUA_FACILITATOR = Actor(
    actor_id="fac-91", role=Role.FACILITATOR, jurisdiction=RegionCode("91.71")
)


def _household(name: str, born: date) -> Household:
    head = Person(
        member_id="m1",
        relationship=Relationship.HEAD,
        birth_date=born,
        sex=Sex.FEMALE,
        name=name,
    )
    return Household(region=VILLAGE, members=(head,))


class World:
    def __init__(self, store: Store, vault: SubjectVault) -> None:
        self.store = store
        self.vault = vault
        self.slrt = Slrt(store=store, clock=FrozenClock(), ids=SequentialIds())

    def register(self, key: str | None = None, *, sector: Sector = Sector.HEALTH) -> str:
        return self.slrt.register(
            FACILITATOR,
            _household("Siti", date(1980, 1, 1)),
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.GRIEVANCE,
            needs=[Need(sector=sector, description="No health insurance")],
            idempotency_key=key,
        ).case_id

    def closed(self) -> str:
        case_id = self.register()
        self.slrt.close(SUPERVISOR, case_id, reason=ClosingReason.DECLINED)
        return case_id

    def written(self) -> tuple[object, ...]:
        """Everything a refused command must leave as it was."""
        return (
            tuple(r.digest for r in self.store.audit_records()),
            tuple(c.version for c in self.store.find_cases(within=RegionCode.INDONESIA)),
            tuple(self.vault.key_ids()) if hasattr(self.vault, "key_ids") else (),
        )


@pytest.fixture(params=["memory", "sqlite"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    vault = SubjectVault(StaticKeyring({1: b"m" * 32}), MemoryKeyStore())
    codec = SealingCodec(vault)
    if request.param == "memory":
        yield World(MemoryStore(codec=codec), vault)
        return
    store = SqliteStore(tmp_path / "slrt.sqlite", codec=codec)
    try:
        yield World(store, vault)
    finally:
        store.close()


class TestIdempotencyFingerprint:
    def test_same_key_same_request_returns_the_first_result(self, world: World) -> None:
        """A retry of the same registration returns the same case and writes nothing."""
        first = world.register("k-1")
        before = world.written()
        assert world.register("k-1") == first
        assert world.written() == before

    def test_same_key_another_request_is_refused(self, world: World) -> None:
        """Another family under a used key is refused (422-like), not silently lost."""
        world.register("k-1")
        before = world.written()
        with pytest.raises(IdempotencyKeyReusedError) as caught:
            world.slrt.register(
                FACILITATOR,
                _household("Dewi", date(1991, 6, 2)),
                channel=Channel.HOME_VISIT,
                kind=ComplaintKind.GRIEVANCE,
                needs=[Need(sector=Sector.FOOD, description="No food")],
                idempotency_key="k-1",
            )
        assert world.written() == before
        assert isinstance(caught.value, InvalidInputError)
        assert caught.value.message("id") != str(caught.value)
        assert "case-" not in str(caught.value) + caught.value.message("id")

    def test_same_key_other_arguments_of_a_command(self, world: World) -> None:
        """The fingerprint covers every argument: other findings under a key are refused."""
        case_id = world.register()
        world.slrt.assess(FACILITATOR, case_id, findings="Poor", idempotency_key="a-1")
        with pytest.raises(IdempotencyKeyReusedError):
            world.slrt.assess(FACILITATOR, case_id, findings="Rich", idempotency_key="a-1")
        again = world.slrt.assess(FACILITATOR, case_id, findings="Poor", idempotency_key="a-1")
        assert again.version == 2


class TestErasureAuthorization:
    def test_a_manager_of_another_region_cannot_erase(self, world: World) -> None:
        """Erase checks the jurisdiction, not only the role; nothing is written or destroyed."""
        case_id = world.closed()
        before = world.written()
        with pytest.raises(AccessDenied):
            world.slrt.erase(PAPUA_MANAGER, case_id, request_ref="PDP-1")
        assert world.written() == before
        assert world.store.load(case_id).case_id == case_id  # still readable: key kept

    def test_an_edited_cases_row_grants_nothing(self, tmp_path: Path) -> None:
        """Marking the cases row erased by hand does not let an outsider destroy the key."""
        vault = SubjectVault(StaticKeyring({1: b"m" * 32}), MemoryKeyStore())
        path = tmp_path / "slrt.sqlite"
        store = SqliteStore(path, codec=SealingCodec(vault))
        try:
            world = World(store, vault)
            case_id = world.register()  # open, not closed
            with contextlib.closing(sqlite3.connect(path)) as conn:
                conn.execute("UPDATE cases SET state = 'erased' WHERE case_id = ?", (case_id,))
                conn.commit()
            with pytest.raises(AccessDenied):
                world.slrt.erase(PAPUA_MANAGER, case_id, request_ref="PDP-1")
            with pytest.raises(SlrtError, match="Close the case first"):
                world.slrt.erase(MANAGER, case_id, request_ref="PDP-1")
            events = store.events(case_id)  # the key survives: the events still open
            assert not any(isinstance(e.payload, CaseErased) for e in events)
        finally:
            store.close()

    def test_the_region_manager_still_erases(self, world: World) -> None:
        """The manager of the case's region erases it, as before."""
        case_id = world.closed()
        world.slrt.erase(MANAGER, case_id, request_ref="PDP-2")
        with pytest.raises(CaseNotFoundError, match="erased"):
            world.store.load(case_id)


class TestOutsiders:
    def test_missing_and_existing_cases_look_the_same(self, world: World) -> None:
        """An outsider gets the same error type and words for a missing and a real case."""
        case_id = world.register()
        missing = "case-999999"
        answers = []
        for target in (case_id, missing):
            with pytest.raises(CaseNotVisibleError) as caught:
                world.slrt.assess(PAPUA_FACILITATOR, target, findings="x")
            err = caught.value
            answers.append(
                (
                    type(err),
                    str(err).replace(target, "ID"),
                    err.message("id").replace(target, "ID"),
                )
            )
        assert answers[0] == answers[1]
        with pytest.raises(CaseNotVisibleError) as read:
            world.slrt.get_case(PAPUA_FACILITATOR, case_id)
        assert str(read.value).replace(case_id, "ID") == answers[0][1]

    def test_denials_do_not_quote_the_village(self, world: World) -> None:
        """No answer to an outsider names the case's village or district."""
        case_id = world.register()
        for call in (
            lambda: world.slrt.assess(PAPUA_FACILITATOR, case_id, findings="x"),
            lambda: world.slrt.get_case(PAPUA_FACILITATOR, case_id),
            lambda: world.slrt.history(PAPUA_FACILITATOR, case_id),
        ):
            with pytest.raises(AccessDenied) as caught:
                call()
            text = str(caught.value) + caught.value.message("id")
            assert "33.74" not in text

    def test_another_regions_key_does_not_reveal_its_case(self, world: World) -> None:
        """Reusing another region's idempotency key returns neither its case nor its id."""
        case_id = world.register("visit-1")
        with pytest.raises(SlrtError) as caught:
            world.slrt.register(
                PAPUA_FACILITATOR,
                Household(
                    region=RegionCode("91.71.01.1001"),
                    members=(
                        Person(
                            member_id="m1",
                            relationship=Relationship.HEAD,
                            birth_date=date(1980, 1, 1),
                            sex=Sex.FEMALE,
                        ),
                    ),
                ),
                channel=Channel.HOME_VISIT,
                kind=ComplaintKind.GRIEVANCE,
                needs=[Need(sector=Sector.HEALTH, description="No health insurance")],
                idempotency_key="visit-1",
            )
        assert case_id not in str(caught.value) + caught.value.message("id")


class TestFingerprintMigration:
    def test_a_version_1_database_keeps_its_keys(self, tmp_path: Path) -> None:
        """Upgrading adds the fingerprint column; old records match any retry, as before."""
        from slrt_core.adapters.sqlite import MIGRATIONS

        path = tmp_path / "old.sqlite"
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.executescript(MIGRATIONS[0])
            conn.execute(
                "INSERT INTO idempotency (key, command, case_id, version, result_id)"
                " VALUES ('k', 'register', 'case-1', 1, 'case-1')"
            )
            conn.execute("PRAGMA user_version = 1")
            conn.commit()
        store = SqliteStore(path)
        try:
            assert store.migrations_applied == len(MIGRATIONS) - 1
            record = store.idempotency("k")
            assert record is not None
            assert record.fingerprint == ""
        finally:
            store.close()


class TestErasureOfDamagedData:
    def test_a_corrupt_record_is_not_taken_for_an_erasure(self, tmp_path: Path) -> None:
        """A damaged event stops the erasure with CorruptRecordError; the key stays."""
        vault = SubjectVault(StaticKeyring({1: b"m" * 32}), MemoryKeyStore())
        path = tmp_path / "slrt.sqlite"
        store = SqliteStore(path, codec=SealingCodec(vault))
        try:
            world = World(store, vault)
            case_id = world.closed()
            with contextlib.closing(sqlite3.connect(path)) as conn:
                conn.execute(
                    "UPDATE events SET body = ? WHERE case_id = ? AND version = 2", (b"{", case_id)
                )
                conn.commit()
            with pytest.raises(CorruptRecordError):
                world.slrt.erase(MANAGER, case_id, request_ref="PDP-1")
            assert vault.keys.get(case_id) is not None
        finally:
            store.close()

    def test_a_key_that_does_not_open_an_open_case(self, world: World) -> None:
        """Events that do not open on a case not erased: the error stands, nothing shredded."""
        if not isinstance(world.store, SqliteStore):
            pytest.skip("MemoryStore keeps its events decoded: no key is needed to read them")
        case_id = world.register()
        world.vault.keys.replace(case_id, b"\x00\x01" + b"x" * 60)
        world.vault.forget()
        world.store._cache.clear()
        with pytest.raises(StorageError, match="does not unwrap"):
            world.slrt.erase(MANAGER, case_id, request_ref="PDP-1")
        assert world.vault.keys.get(case_id) is not None


class TestFingerprintOfARoutedReferral:
    def test_a_policy_is_part_of_the_request(self, tmp_path: Path) -> None:
        """A referral retried with its routing policy replays; the policy is fingerprinted."""
        from slrt_core.application import fingerprint
        from slrt_core.application.commands import Refer
        from slrt_core.referral import NearestTierFirst

        one = Refer(actor=FACILITATOR, case_id="c", need_id="n1", policy=NearestTierFirst())
        two = Refer(actor=FACILITATOR, case_id="c", need_id="n1", policy=NearestTierFirst())
        other = Refer(actor=FACILITATOR, case_id="c", need_id="n1")
        assert fingerprint(one) == fingerprint(two) != fingerprint(other)


class TestMoreBoundaries:
    def test_an_outsider_repeating_a_registration_learns_nothing(self, world: World) -> None:
        """The very same registration under the key, from an outsider: refused, no case id."""
        case_id = world.register("visit-9")
        with pytest.raises(IdempotencyKeyReusedError) as caught:
            world.slrt.register(
                PAPUA_FACILITATOR,
                _household("Siti", date(1980, 1, 1)),
                channel=Channel.HOME_VISIT,
                kind=ComplaintKind.GRIEVANCE,
                needs=[Need(sector=Sector.HEALTH, description="No health insurance")],
                idempotency_key="visit-9",
            )
        assert case_id not in str(caught.value) + caught.value.message("id")

    def test_a_command_on_an_erased_case(self, world: World) -> None:
        """A command on an erased case says it was erased (its region is gone with it)."""
        case_id = world.closed()
        world.slrt.erase(MANAGER, case_id, request_ref="PDP-3")
        with pytest.raises(CaseNotFoundError, match="erased"):
            world.slrt.assess(FACILITATOR, case_id, findings="x")

    def test_erasing_a_missing_case(self, world: World) -> None:
        """Erasing a case that does not exist gives the outsider's answer."""
        with pytest.raises(CaseNotVisibleError):
            world.slrt.erase(MANAGER, "case-404", request_ref="PDP-4")

    def test_finishing_an_erasure_whose_key_came_back(self, world: World) -> None:
        """A recorded erasure whose key was restored intact: erasing again destroys it."""
        if not isinstance(world.store, SqliteStore):
            pytest.skip("MemoryStore seals lazily and forgets an erased case's events")
        case_id = world.closed()
        saved = world.vault.keys.get(case_id)
        assert saved is not None
        world.slrt.erase(MANAGER, case_id, request_ref="PDP-5")
        world.vault.keys.add(case_id, saved)
        before = world.written()
        with pytest.raises(AccessDenied):
            world.slrt.erase(PAPUA_MANAGER, case_id, request_ref="PDP-5")
        world.slrt.erase(MANAGER, case_id, request_ref="PDP-5")
        assert world.vault.keys.get(case_id) is None
        assert world.written()[0] == before[0]  # no second erasure event
