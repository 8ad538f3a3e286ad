"""Personal data is sealed by default on a file store (issue 12, "sealed by default")."""

from __future__ import annotations

import base64
import contextlib
import os
import sqlite3
from pathlib import Path

import attrs
import pytest

from slrt_core.adapters import SqliteStore
from slrt_core.adapters.basics import PlainCodec
from slrt_core.case import Need
from slrt_core.crypto import SealingCodec
from slrt_core.errors import StorageError
from slrt_core.identity import KkNumber, Nik, RegionCode
from slrt_core.keys import EnvironmentKey, KeyFile, SecretFile, sealing_codec
from slrt_core.referral import ReferralStatus
from slrt_core.testing import sample_household, sample_slrt, sample_staff, walk_case
from slrt_core.testing._fixtures import PROVIDER_ID, SERVICE_ID
from slrt_core.vocabulary import Channel, ComplaintKind, Sector

NIK = "3374011403820001"
KK = "3374011203150007"
NAME = "Sutrisno Wibowo"
PHONE = "081234567890"
ADDRESS = "Jalan Pandanaran 17"


def full_flow(path: Path) -> None:
    """A registration with personal data, then every step of a full route."""
    store = SqliteStore(path)
    try:
        slrt = sample_slrt(store)
        staff = sample_staff()
        household = sample_household()
        head = attrs.evolve(household.members[0], nik=Nik(NIK), name=NAME)
        household = attrs.evolve(household, members=(head, *household.members[1:]), kk=KkNumber(KK))
        case = slrt.register(
            staff.facilitator,
            household,
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.GRIEVANCE,
            needs=[Need(sector=Sector.HEALTH, description=f"Lives at {ADDRESS}")],
        )
        cid = case.case_id
        slrt.assess(staff.facilitator, cid, findings=f"Phone {PHONE}; {ADDRESS}.")
        slrt.submit(staff.facilitator, cid)
        # Notes name the family: they stay sealed in the case, never in a notification.
        slrt.return_for_correction(staff.supervisor, cid, note=f"Ask {NAME} ({NIK}) for KK {KK}")
        slrt.assess(staff.facilitator, cid, findings="KK seen.")
        slrt.submit(staff.facilitator, cid)
        slrt.approve(staff.supervisor, cid)
        slrt.review(staff.front_office, cid)
        head_id = household.members[0].member_id
        slrt.record_consent(
            staff.facilitator,
            cid,
            subject=head_id,
            grantor=head_id,
            purposes=["referral"],
            recipients=[PROVIDER_ID],
            evidence="Signed SLRT consent form",
        )
        rid = slrt.refer(staff.back_office, cid, "n1", service_id=SERVICE_ID).referral_id
        for status, note in (
            (ReferralStatus.RECEIVED, f"Called {NAME} on {PHONE}"),
            (ReferralStatus.ACCEPTED, f"Visit at {ADDRESS}"),
        ):
            slrt.update_referral(staff.provider, rid, status=status, note=note)
        list(walk_case(slrt, staff, route="full"))
    finally:
        store.close()


def outbox_topics(path: Path) -> set[str]:
    """The topics of the outbox rows of the database at *path* (read in clear SQL)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT json_extract(body, '$.topic') FROM outbox").fetchall()
    return {r[0] for r in rows}


def test_default_file_store_keeps_no_personal_data_in_clear(tmp_path: Path) -> None:
    """Grepping the database, its WAL and the key store finds no NIK, KK, name, phone, address."""
    path = tmp_path / "slrt.sqlite"
    full_flow(path)
    # The outbox rows are in the files grepped: the notified steps of the noted flow.
    assert {"case_returned", "referral_status_changed", "referral_requested"} <= (
        outbox_topics(path)
    )
    files = sorted(p for p in tmp_path.iterdir() if p.is_file())
    names = {p.name for p in files}
    assert {"slrt.sqlite", "slrt.sqlite.key", "slrt.sqlite.keys"} <= names
    for file in files:
        data = file.read_bytes()
        for secret in (NIK, KK, NAME, PHONE, ADDRESS):
            assert secret.encode() not in data, (file.name, secret)
    assert oct((tmp_path / "slrt.sqlite.key").stat().st_mode & 0o777) == "0o600"
    again = SqliteStore(path)
    try:
        assert isinstance(again.codec, SealingCodec)
        (case,) = [c for c in again.find_cases(within=RegionCode.INDONESIA) if c.household.kk]
        assert case.household.members[0].nik == Nik(NIK)  # readable with the key
    finally:
        again.close()


def test_plaintext_is_an_explicit_opt_out(tmp_path: Path) -> None:
    """codec=PlainCodec() stores in clear and creates no key; ':memory:' is plain too."""
    store = SqliteStore(tmp_path / "plain.sqlite", codec=PlainCodec())
    store.close()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(("key", "keys"))) == []
    memory = SqliteStore(":memory:")
    assert isinstance(memory.codec, PlainCodec)
    memory.close()


def test_a_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    """A master key file with group or other permissions is refused, bilingually."""
    key = tmp_path / "slrt.sqlite.key"
    KeyFile(key).master_key()
    key.chmod(0o644)
    with pytest.raises(StorageError, match="chmod 600") as excinfo:
        SqliteStore(tmp_path / "slrt.sqlite")
    assert "pengguna lain" in excinfo.value.message("id")


def test_production_providers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment and a mounted secret supply the key; a bad one is refused."""
    key = os.urandom(32)
    monkeypatch.setenv("SLRT_MASTER_KEY", base64.b64encode(key).decode())
    assert EnvironmentKey().master_key() == key
    monkeypatch.setenv("SLRT_MASTER_KEY", "not a key")
    with pytest.raises(StorageError, match="not 32 bytes"):
        EnvironmentKey().master_key()
    monkeypatch.delenv("SLRT_MASTER_KEY")
    with pytest.raises(StorageError, match="is not set"):
        EnvironmentKey().master_key()
    secret = tmp_path / "secret"
    secret.write_bytes(base64.b64encode(key) + b"\n")
    secret.chmod(0o400)
    assert SecretFile(secret).master_key() == key
    with pytest.raises(StorageError, match="Cannot read"):
        SecretFile(tmp_path / "missing").master_key()
    codec = sealing_codec(tmp_path / "prod.sqlite", keys=SecretFile(secret))
    store = SqliteStore(tmp_path / "prod.sqlite", codec=codec)
    store.close()
    assert not (tmp_path / "prod.sqlite.key").exists()


def test_key_file_cannot_be_created(tmp_path: Path) -> None:
    """A key file in a folder that does not exist is a StorageError."""
    with pytest.raises(StorageError, match="Cannot create"):
        KeyFile(tmp_path / "no" / "such" / "k").master_key()


def test_two_processes_creating_the_key_agree(tmp_path: Path, monkeypatch) -> None:
    """When another process links its key first, this one uses theirs, never a partial."""
    path = tmp_path / "slrt.sqlite.key"
    theirs = os.urandom(32)
    real_link = os.link

    def racing_link(src: object, dst: object) -> None:
        Path(str(dst)).write_bytes(theirs)
        Path(str(dst)).chmod(0o600)
        real_link(src, dst)  # raises FileExistsError, as the loser's link does

    monkeypatch.setattr(os, "link", racing_link)
    assert KeyFile(path).master_key() == theirs
    assert [p.name for p in tmp_path.iterdir()] == ["slrt.sqlite.key"]  # no temporary left
