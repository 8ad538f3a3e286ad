"""The bad-input catalogue: every public entry point fed malformed input.

Wrong types, huge and unicode strings, negative and future values, injection-like
strings, broken TOML, CSV and JSON go into the Slrt commands, the identity constructors,
the rules and directory loaders, the rule-case files, the checkpoint reader and the CLI.
Each must either accept the input or raise a :class:`~slrt_core.SlrtError` with a message
in both languages: never another exception, never a crash, and a refused command writes
nothing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slrt_core.access import Actor, Role
from slrt_core.adapters.basics import SequentialIds
from slrt_core.adapters.sqlite import SqliteStore
from slrt_core.case import Need, Priority
from slrt_core.checkpoints import read_checkpoints
from slrt_core.cli import main
from slrt_core.errors import SlrtError
from slrt_core.household import Household, Person, Relationship
from slrt_core.identity import KkNumber, Nik, RegionCode, Sex
from slrt_core.referral import (
    Directory,
    LawfulBasisKind,
    Provider,
    Purpose,
    ReferralStatus,
    Service,
    directory_from_records,
    load_directory,
)
from slrt_core.rules import load_cases, load_variant, read_variant
from slrt_core.serialization import structure
from slrt_core.service import Slrt
from slrt_core.testing._doubles import FrozenClock
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind, Sector, Tier

NASTY_TEXT = [
    "",
    " ",
    "\x00",
    "\u202e\u0000\ufeff",
    "'; DROP TABLE events; --",
    '" OR 1=1 --',
    "../../etc/passwd",
    "${jndi:ldap://x}",
    "<script>alert(1)</script>",
    "Ñoño 🙂 日本 ١٢٣",
    "A" * 100_000,
    "9" * 16,
    "3374014508900001",
    "2999-12-31",
    "-1",
    "NaN",
]
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(NASTY_TEXT),
    st.text(max_size=30),
    st.binary(max_size=20),
    st.lists(st.integers(-5, 5), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.just(datetime(2999, 1, 1, tzinfo=UTC)),
    st.just(datetime(2026, 1, 1)),  # naive  # noqa: DTZ001
    st.just(date(1800, 1, 1)),
    st.just(object()),
)


def check(call: Callable[[], object]) -> object:
    """Run *call*: a result, or a SlrtError with both messages; anything else fails."""
    try:
        return call()
    except SlrtError as err:
        assert str(err)  # noqa: PT017 - success is as welcome as a refusal
        assert err.message("id")  # noqa: PT017
        return err


# --------------------------------------------------------------------------- identity


class TestIdentity:
    @given(value=JUNK)
    def test_constructors_and_parsers(self, value):
        """Nik, KkNumber and RegionCode accept or refuse with InvalidInputError only."""
        for build in (Nik, KkNumber, RegionCode, Nik.parse, KkNumber.parse, RegionCode.parse):
            check(lambda b=build: b(value))

    @given(value=JUNK)
    def test_structure_any_json_into_a_household(self, value):
        """structure() of any value into a Household raises only InvalidInputError."""
        check(lambda: structure(value, Household))
        check(lambda: structure({"region": value, "members": [value]}, Household))

    @given(field=st.sampled_from(["actor_id", "role", "jurisdiction", "provider_id"]), value=JUNK)
    def test_actor(self, field, value):
        """An Actor with a junk field is refused with InvalidInputError."""
        fields: dict[str, Any] = {
            "actor_id": "a",
            "role": Role.FACILITATOR,
            "jurisdiction": RegionCode("33"),
        }
        fields[field] = value
        check(lambda: Actor(**fields))


# --------------------------------------------------------------------------- loaders

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
DIRECTORY_KEYS = ["organizations", "services", "providers", "service_area", "capacity"]
toml_like = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "[program]",
                "[[criterion]]",
                '[variant]\nname = "x"',
                "code = 'PKH'",
                "= broken",
                "[a.b.c",
                'value = "unterminated',
                "valid_from = 2025-13-45",
                "threshold = -1e400",
                'region = "99.99"',
            ]
        ),
        st.text(max_size=40),
    ),
    max_size=8,
).map("\n".join)


class TestLoaders:
    @given(text=toml_like)
    def test_read_variant(self, text):
        """Any TOML-ish text gives a variant or a SlrtError."""
        check(lambda: read_variant(text))

    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.binary(max_size=200) | toml_like.map(str.encode))
    def test_load_variant_and_cases_files(self, tmp_path: Path, data):
        """Files with any bytes (bad UTF-8 included) load or raise a SlrtError."""
        path = tmp_path / "x.toml"
        path.write_bytes(data)
        check(lambda: load_variant(path))
        check(lambda: load_cases(path))

    def test_missing_and_directory_paths(self, tmp_path: Path):
        """A missing file or a folder where a file is expected is a SlrtError."""
        for loader in (load_variant, load_cases, load_directory):
            assert isinstance(check(lambda f=loader: f(tmp_path / "nope")), SlrtError)
        assert isinstance(check(lambda: load_variant(tmp_path)), SlrtError)

    @given(data=json_values)
    def test_directory_from_any_records(self, data):
        """directory_from_records of any JSON value builds or raises a SlrtError."""
        check(lambda: directory_from_records(data))
        check(lambda: directory_from_records(dict.fromkeys(DIRECTORY_KEYS, data)))

    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=json_values, raw=st.binary(max_size=50))
    def test_directory_files(self, tmp_path: Path, data, raw):
        """A JSON file of any value, broken JSON, or broken CSV tables: a SlrtError."""
        good = tmp_path / "d.json"
        good.write_text(json.dumps(data, allow_nan=True))
        check(lambda: load_directory(good))
        bad = tmp_path / "b.json"
        bad.write_bytes(raw)
        check(lambda: load_directory(bad))
        folder = tmp_path / "tables"
        folder.mkdir(exist_ok=True)
        for table in ("organization", "service", "service_area"):
            (folder / f"{table}.csv").write_bytes(raw)
        check(lambda: load_directory(folder))

    @given(lines=st.lists(st.text(max_size=60) | st.sampled_from(NASTY_TEXT), max_size=4))
    def test_checkpoint_lines(self, lines):
        """Checkpoint files of any text: checkpoints or a SlrtError."""
        check(lambda: read_checkpoints(lines))


# --------------------------------------------------------------------------- commands

CITY = RegionCode("33.74")
VILLAGE = RegionCode("33.74.01.1001")
FAC = Actor(actor_id="fac", role=Role.FACILITATOR, jurisdiction=CITY)
SUP = Actor(actor_id="sup", role=Role.SUPERVISOR, jurisdiction=CITY)
FO = Actor(actor_id="fo", role=Role.FRONT_OFFICE, jurisdiction=CITY)
BO = Actor(actor_id="bo", role=Role.BACK_OFFICE, jurisdiction=CITY)
MGR = Actor(actor_id="mgr", role=Role.MANAGER, jurisdiction=CITY)
PROV = Actor(actor_id="p", role=Role.PROVIDER_STAFF, jurisdiction=CITY, provider_id="dinsos")


def household() -> Household:
    head = Person(
        member_id="m1", relationship=Relationship.HEAD, birth_date=date(1980, 5, 1), sex=Sex.MALE
    )
    return Household(region=VILLAGE, members=(head,))


def service_world() -> tuple[Slrt, str, str]:
    """A SQLite-backed service with a case in service and one open referral."""
    slrt = Slrt(
        store=SqliteStore(":memory:"),
        clock=FrozenClock(),
        ids=SequentialIds(),
        directory=Directory(
            [Provider(provider_id="dinsos", name="Dinsos", tier=Tier.DISTRICT, region=CITY)],
            [
                Service(
                    service_id="svc",
                    provider_id="dinsos",
                    name="Desk",
                    sectors={Sector.HEALTH, Sector.FOOD},
                    tier=Tier.DISTRICT,
                    area=(CITY,),
                )
            ],
        ),
    )
    cid = slrt.register(
        FAC,
        household(),
        channel=Channel.HOME_VISIT,
        kind=ComplaintKind.GRIEVANCE,
        needs=[
            Need(sector=Sector.HEALTH, description="Insurance"),
            Need(sector=Sector.FOOD, description="Food"),
        ],
    ).case_id
    slrt.record_lawful_basis(
        BO,
        cid,
        kind=LawfulBasisKind.PUBLIC_SERVICE_DUTY,
        legal_reference="UU 27/2022 Pasal 20",
        purposes=[Purpose.REFERRAL],
    )
    slrt.assess(FAC, cid, findings="Poor")
    slrt.submit(FAC, cid)
    slrt.approve(SUP, cid)
    slrt.review(FO, cid)
    rid = slrt.refer(BO, cid, "n1", service_id="svc").referral_id
    return slrt, cid, rid


def commands(
    slrt: Slrt, cid: str, rid: str
) -> dict[str, tuple[Callable[..., Any], dict[str, Any]]]:
    """Each public command with valid keyword arguments, to spoil one at a time."""
    need = Need(sector=Sector.FOOD, description="Rice")
    common = {"idempotency_key": None, "expected_version": None}
    return {
        "register": (
            slrt.register,
            {
                "actor": FAC,
                "household": household(),
                "channel": Channel.PUSKESOS_DESK,
                "kind": ComplaintKind.QUESTION,
                "needs": [need],
                "emergency": False,
                "priority": Priority.NORMAL,
                "idempotency_key": None,
            },
        ),
        "record_need": (slrt.record_need, {"actor": FAC, "case_id": cid, "need": need, **common}),
        "assess": (slrt.assess, {"actor": FAC, "case_id": cid, "findings": "x", **common}),
        "resolve_locally": (
            slrt.resolve_locally,
            {"actor": FAC, "case_id": cid, "need_id": "n2", "how": "Advice", **common},
        ),
        "deliver_direct_service": (
            slrt.deliver_direct_service,
            {"actor": BO, "case_id": cid, "need_id": "n2", "description": "Parcel", **common},
        ),
        "refer": (
            slrt.refer,
            {
                "actor": BO,
                "case_id": cid,
                "need_id": "n2",
                "service_id": "svc",
                "replaces": None,
                "override_reason": None,
                **common,
            },
        ),
        "update_referral": (
            slrt.update_referral,
            {
                "actor": PROV,
                "referral_id": rid,
                "status": ReferralStatus.RECEIVED,
                "reason": None,
                "note": "",
                **common,
            },
        ),
        "confirm_receipt": (slrt.confirm_receipt, {"actor": FAC, "referral_id": rid, **common}),
        "reassess": (slrt.reassess, {"actor": FAC, "case_id": cid, "findings": "x", **common}),
        "close": (
            slrt.close,
            {"actor": SUP, "case_id": cid, "reason": ClosingReason.NEEDS_MET, "note": "", **common},
        ),
        "record_consent": (
            slrt.record_consent,
            {
                "actor": FAC,
                "case_id": cid,
                "subject": "m1",
                "grantor": "m1",
                "purposes": ["referral"],
                "recipients": ["*"],
                "evidence": "Form",
                "guardian": None,
                "categories": (),
                "valid_from": None,
                "valid_until": None,
                **common,
            },
        ),
        "record_lawful_basis": (
            slrt.record_lawful_basis,
            {
                "actor": BO,
                "case_id": cid,
                "kind": LawfulBasisKind.VITAL_INTEREST,
                "legal_reference": "UU 27/2022",
                "purposes": ["referral"],
                "recipients": ["*"],
                "note": "",
                "valid_from": None,
                "valid_until": None,
                **common,
            },
        ),
        "withdraw_consent": (
            slrt.withdraw_consent,
            {"actor": FAC, "case_id": cid, "record_id": "basis-000001", "note": "", **common},
        ),
        "get_case": (slrt.get_case, {"actor": FAC, "case_id": cid, "purpose": None}),
        "get_referral": (slrt.get_referral, {"actor": FAC, "referral_id": rid, "purpose": None}),
        "history": (slrt.history, {"actor": FAC, "case_id": cid, "purpose": None}),
        "list_cases": (
            slrt.list_cases,
            {"actor": FAC, "region": None, "state": None, "purpose": None},
        ),
        "route": (
            slrt.route,
            {"actor": FAC, "case_id": cid, "need_id": "n2", "override_reason": None},
        ),
        "export_fhir": (slrt.export_fhir, {"actor": BO, "referral_id": rid}),
        "subject_access": (
            slrt.subject_access,
            {"actor": BO, "case_id": cid, "member_id": None},
        ),
        "erase": (slrt.erase, {"actor": MGR, "case_id": cid, "request_ref": "PDP-1"}),
        "sweep": (slrt.sweep, {"now": None}),
    }


NAMES = sorted(commands(*service_world()))


def state(slrt: Slrt) -> tuple[object, ...]:
    store = slrt.store
    return (tuple(store.audit_records()), tuple(store.find_cases(within=RegionCode.INDONESIA)))


class TestCommands:
    @settings(max_examples=300)
    @given(name=st.sampled_from(NAMES), data=st.data())
    def test_junk_in_one_argument(self, name, data):
        """A command with one junk argument succeeds or raises a SlrtError, writing nothing."""
        slrt, cid, rid = service_world()
        fn, kwargs = commands(slrt, cid, rid)[name]
        arg = data.draw(st.sampled_from(sorted(kwargs)), label="argument")
        kwargs[arg] = data.draw(JUNK, label="value")
        before = state(slrt)
        try:
            fn(**kwargs)
        except SlrtError as err:
            assert err.message("id")  # noqa: PT017 - success is as welcome as a refusal
            assert state(slrt) == before, f"{name} refused but wrote"
        else:
            slrt.verify_audit(MGR).raise_for_error()  # accepted input leaves a sound store
        finally:
            slrt.store.close()  # type: ignore[attr-defined]

    @pytest.mark.parametrize("text", NASTY_TEXT)
    def test_injection_like_text_is_data(self, text):
        """Text that looks like SQL or paths is stored and read back as plain text."""
        slrt, cid, _ = service_world()
        case = slrt.record_need(FAC, cid, Need(sector=Sector.FOOD, description=text))
        assert case.needs[-1].description == text
        slrt.store._cache.clear()  # type: ignore[attr-defined]  # read it back from SQLite
        assert slrt.store.load(cid).needs[-1].description == text
        assert slrt.verify_audit(MGR).ok
        slrt.store.close()  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- CLI

CLI_WORDS = [
    "demo",
    "audit",
    "verify",
    "export",
    "checkpoint",
    "keygen",
    "db",
    "upgrade",
    "rules",
    "--json",
    "--db",
    "--language",
    "xx",
    "--key",
    "--out",
    "--checkpoints",
    "--public-key",
    "postgresql://nobody@127.0.0.1:1/none",
]


class TestCli:
    @settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(words=st.lists(st.sampled_from(CLI_WORDS) | st.sampled_from(NASTY_TEXT[:9]), max_size=5))
    def test_any_arguments(self, tmp_path: Path, words, monkeypatch: pytest.MonkeyPatch):
        """Any argument list exits 0, 1 or 2 with a message, never a traceback."""
        monkeypatch.chdir(tmp_path)
        junk = tmp_path / "junk.sqlite"
        junk.write_bytes(b"not a database")
        args = [str(junk) if w == "FILE" else w for w in words]
        if args[:1] == ["demo"]:
            args = ["demo", "--db", str(tmp_path / f"d{abs(hash(tuple(words)))}.sqlite")]
        result = CliRunner().invoke(main, args)
        assert result.exit_code in (0, 1, 2), (args, result.output, result.exception)
        if result.exception is not None:
            assert isinstance(result.exception, SystemExit), (args, result.exception)

    def test_a_file_that_is_not_a_database(self, tmp_path: Path):
        """Commands on a file that is not SQLite fail with a message."""
        junk = tmp_path / "junk.sqlite"
        junk.write_bytes(b"not a database" * 100)
        for args in (["audit", "verify", str(junk)], ["audit", "export", str(junk), "o.jsonl"]):
            result = CliRunner().invoke(main, args)
            assert result.exit_code == 1, result.output
            assert "error:" in result.output


def test_floats_are_not_silently_integers() -> None:
    """A NaN income is refused by structure (a sanity check of the junk strategy)."""
    err = check(lambda: structure({"monthly_income": math.nan}, Person))
    assert isinstance(err, SlrtError)
