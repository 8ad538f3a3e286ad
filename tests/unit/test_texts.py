"""The staff texts: one catalogue, both languages, and Indonesian without English in it."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

from slrt_core import (
    Actor,
    Channel,
    ClosingReason,
    Command,
    ComplaintKind,
    Disability,
    FloorType,
    Household,
    Housing,
    Need,
    Nik,
    Person,
    ReferralStatus,
    RegionCode,
    RegistryStatus,
    Relationship,
    Role,
    Schooling,
    Sector,
    Sex,
    Slrt,
    WallType,
    errors,
    formatting,
)
from slrt_core.access import AccessPurpose, RolePolicy, purpose_for
from slrt_core.adapters.basics import SequentialIds
from slrt_core.adapters.memory import MemoryStore
from slrt_core.adapters.notifiers import RecordingNotifier
from slrt_core.cli import main
from slrt_core.demo import demo_directory, sample_family
from slrt_core.labels import LABELLED, LABELS, label, value_label
from slrt_core.referral import DataCategory, Purpose, consent_refusal
from slrt_core.rules import (
    Outcome,
    Period,
    Status,
    decide,
    load_cases,
    load_pack,
    read_variant,
    run_cases,
)
from slrt_core.rules._wording import input_path, input_text, parameter_value
from slrt_core.testing import FrozenClock
from slrt_core.texts import TEXTS, text

#: English words that must not appear in an Indonesian text (lower case). Extend it when
#: a review finds another one; the enum values of every labelled vocabulary are added.
_ENGLISH_WORDS = """
    a an the and or of is are was were be been not no yes for with to from by at on in
    into this that these those it its now still since until after before please your you
    approve approved reject rejected accept accepted request requested receive received
    complete completed cancel cancelled fail failed expire expired withdraw withdrawn
    referral referrals case cases need needs service services provider providers consent
    assessment household member members person persons years year months month days day
    decile male female school health education housing food energy village district
    province national policy nearest tier first least loaded fastest response deadline
    overdue reminder escalated escalation unanswered unknown true false eligible
    verification follow answer due state role allowed only
    missing must should give use list expected got none sex age income amount amounts
    component components elderly working assistance deciles amended labour materials
    targeting without earlier cap index group rulebook sweep note purpose purposes
"""
ENGLISH = frozenset(_ENGLISH_WORDS.split())

#: Enum values that are Indonesian words (or Indonesian abbreviations) as well.
ALSO_INDONESIAN = frozenset(
    {
        "normal",
        "supervisor",  # SLRT's own title for the role (Permensos 15/2018 guidelines)
        "auditor",
        "sd",  # school levels: SD, SMP, SMA are the Indonesian names
        "smp",
        "sma",
        "audit",  # "jejak audit", the Indonesian term
        "data",  # "data pribadi"
    }
)

#: Vocabularies whose values are shown to staff through the catalogue, besides LABELLED.
_SHOWN = (AccessPurpose, Status, Outcome, Period)

ENUM_VALUES = (
    frozenset(str(member.value).lower() for kind in (*LABELLED, *_SHOWN) for member in kind)
    - ALSO_INDONESIAN
)
FORBIDDEN = (ENGLISH | ENUM_VALUES) - ALSO_INDONESIAN

_FIELD = re.compile(r"\{[^{}]*\}")
_WORD = re.compile(r"[a-z]+(?:_[a-z]+)*")
#: A literal the reader types as it is (a TOML key or value, a Python name), in backticks.
_LITERAL = re.compile(r"`[^`]*`")


def english_in(indonesian: str) -> list[str]:
    """The forbidden terms found in an Indonesian text.

    Left out: template fields ``{x}`` and literals in backticks (```true```, ```sex```),
    which are what the reader types, not words of the sentence.
    """
    words = _WORD.findall(_LITERAL.sub(" ", _FIELD.sub(" ", indonesian)).lower())
    return sorted({w for w in words if w in FORBIDDEN})


class TestCatalogue:
    def test_every_key_has_both_languages(self) -> None:
        """Each catalogue entry has a non-empty English and Indonesian text, nothing else."""
        for key, texts in TEXTS.items():
            assert set(texts) == {"en", "id"}, key
            assert texts["en"].strip(), key
            assert texts["id"].strip(), key

    def test_both_languages_use_the_same_fields(self) -> None:
        """A template's fields are the same in both languages."""
        for key, texts in TEXTS.items():
            fields = {lang: sorted(_FIELD.findall(t)) for lang, t in texts.items()}
            assert fields["en"] == fields["id"], key

    def test_no_indonesian_text_holds_english(self) -> None:
        """No Indonesian text contains a listed English word or an enum value."""
        found = {key: hits for key, texts in TEXTS.items() if (hits := english_in(texts["id"]))}
        assert not found, found

    def test_the_list_catches_english(self) -> None:
        """The check finds the strings the issue reported."""
        assert english_in("Peran fasilitator tidak boleh approve") == ["approve"]
        assert english_in("berstatus 'in_service'") == ["in_service"]
        assert english_in("menurut kebijakan 'nearest tier first'") == [
            "first",
            "nearest",
            "tier",
        ]
        assert english_in("Rujukan {referral_id} ditolak") == []
        # A literal the reader types passes only in backticks.
        assert english_in("'uncertain' harus true atau false.") == ["false", "true"]
        assert english_in("`uncertain` harus `true` atau `false`.") == []

    def test_every_labelled_member_has_its_text(self) -> None:
        """Every member of every labelled vocabulary has a label in both languages."""
        for kind in LABELLED:
            for member in kind:
                assert member in LABELS
                assert label(member, "id") == text(f"label.{kind.__name__}.{member.value}")
                assert label(member, "en")
        assert len(LABELS) == sum(len(kind) for kind in LABELLED)
        assert next(iter(LABELS)) is next(iter(LABELLED[0]))

    def test_equal_values_of_two_vocabularies_keep_their_own_labels(self) -> None:
        """ClosingReason.DUPLICATE and ReferralReason.DUPLICATE are equal strings."""
        from slrt_core.referral import ReferralReason
        from slrt_core.vocabulary import ClosingReason

        assert ClosingReason.DUPLICATE == ReferralReason.DUPLICATE
        assert label(ClosingReason.DUPLICATE, "id") == "Kasus ganda"
        assert label(ReferralReason.DUPLICATE, "id") == "Ganda"
        assert "duplicate" not in LABELS

    def test_every_event_type_has_its_name(self) -> None:
        """A history page can name every event a case records, and only those."""
        from slrt_core.case._events import _PAYLOADS

        named = {key.removeprefix("event.") for key in TEXTS if key.startswith("event.")}
        assert named == set(_PAYLOADS)
        assert text("event.case_closed", "id") == "Kasus ditutup"

    def test_none_reads_as_a_dash(self) -> None:
        """label(case.closing_reason) works on an open case, whose reason is None."""
        assert label(None, "id") == label(None, "en") == "-"


class TestValueLabel:
    @pytest.mark.parametrize(
        ("value", "id_", "en"),
        [
            (True, "ya", "yes"),
            (False, "tidak", "no"),
            (None, "belum diketahui", "unknown"),
            (1250000.5, "1.250.000,5", "1,250,000.5"),
            (7, "7", "7"),
            ("PKH", "PKH", "PKH"),
        ],
    )
    def test_values_read_in_the_language(self, value: object, id_: str, en: str) -> None:
        """Booleans, missing values and numbers read as staff write them."""
        assert value_label(value, "id") == id_
        assert value_label(value, "en") == en

    def test_an_enum_without_labels_is_shown_as_is(self) -> None:
        """A member of a vocabulary without labels shows its value."""

        class Other(enum.StrEnum):
            X = "x"

        assert value_label(Other.X, "id") == "x"


class TestFormatting:
    def test_numbers_money_and_dates(self) -> None:
        """Babel's Indonesian: decimal comma, dot for thousands, Indonesian month names."""
        assert formatting.number(0.25, "id") == "0,25"
        assert formatting.number(2.5, "id", digits=2) == "2,50"
        assert formatting.number(3, "en", digits=0) == "3"
        assert formatting.money(900_000, "id") == "Rp900.000"
        assert formatting.money(1_234_567.6, "en") == "Rp1,234,568"
        assert formatting.day(date(2026, 8, 17), "id") == "17 Agustus 2026"
        assert formatting.day(date(2026, 8, 17), "en") == "17 August 2026"

    @pytest.mark.parametrize(
        ("province", "shown"),
        [
            ("33", "17.00 WIB"),
            ("3374011001", "17.00 WIB"),
            ("51", "18.00 WITA"),
            ("91", "19.00 WIT"),
        ],
    )
    def test_local_time_of_the_region(self, province: str, shown: str) -> None:
        """Deadlines read in the region's own zone: WIB, WITA or WIT, never UTC."""
        at = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
        assert formatting.local_time(at, "id", province=province) == f"2 Desember 2026 {shown}"

    def test_quantities(self) -> None:
        """A number with its unit, from the catalogue."""
        assert formatting.quantity(70, "years", "id") == "70 tahun"
        assert formatting.quantity(4, "decile", "id") == "desil 4"
        assert formatting.quantity(1.5, "months", "en") == "1.5 months"
        with pytest.raises(KeyError):
            formatting.quantity(1, "furlongs", "en")


class TestErrorTexts:
    def test_refusals_in_indonesian_hold_no_english(self) -> None:
        """The Indonesian messages of the error classes hold no listed English word."""
        samples = [
            errors.CaseNotFoundError("case-000001"),
            errors.CaseErasedError("case-000001"),
            errors.ReferralNotFoundError("referral-000001"),
            errors.TransitionNotAllowed("case-000001", "in_service", "approve"),
            errors.TransitionNotAllowed(
                "referral-000001", "rejected", "update_referral", kind="referral"
            ),
            errors.ConcurrencyError("case-000001", 3, 4),
            errors.AuditIntegrityError(7, "hash mismatch"),
        ]
        found = {
            type(e).__name__: hits
            for e in samples
            if (hits := english_in(_FIELD.sub(" ", _quoted_ids(e.message("id")))))
        }
        assert not found, found

    def test_a_refused_transition_names_the_state_in_the_language(self) -> None:
        """The state and the command read as labels, not as enum values."""
        error = errors.TransitionNotAllowed("case-000001", "in_service", "approve")
        assert "Dalam layanan" in error.message("id")
        assert "menyetujui kasus" in error.message("id").lower()
        # English names the state and the command in words too, with their codes.
        assert str(error).startswith(
            "Case 'case-000001' is “In service” (in_service): you cannot approve a case "
            "('approve') there."
        )
        odd = errors.TransitionNotAllowed("case-000001", "nowhere", "fly")
        assert "'nowhere'" in odd.message("id")


def _quoted_ids(message: str) -> str:
    """*message* without ids (``'case-000001'``, ``referral-000001``) and hashes: data."""
    return re.sub(r"'?\b[a-z]+-\d+\b'?|[0-9a-f]{8,}", " ", message)


def test_every_shipped_routing_policy_has_an_indonesian_name() -> None:
    """Routing reasons name the policy in Indonesian; a host's own policy keeps its name."""
    from slrt_core.referral import _routing

    names = [_routing.NearestTierFirst().name, _routing.LeastLoaded().name]
    names.append(_routing.FastestResponse(_routing.ResponseStats({})).name)
    for name in names:
        assert f"policy.{name}" in TEXTS
        assert not english_in(_routing._policy_id(name))
    assert _routing._policy_id("preferred providers") == "preferred providers"


# --------------------------------------------------------------------------- real texts
#
# The texts staff actually read, rendered through the public API: refusals of each kind,
# explanations of eligibility, the demo's output and notifications.


def assert_indonesian(texts: dict[str, str]) -> None:
    """No text of *texts* (by where it comes from) holds a listed English word or value."""
    found = {where: hits for where, t in texts.items() if (hits := english_in(_quoted_ids(t)))}
    assert not found, "\n".join(f"{w}: {h} in {texts[w]!r}" for w, h in found.items())


def shown(error: errors.SlrtError) -> str:
    """The Indonesian message of *error*, without the field paths of its problems.

    A path (``members[0].sex``) is where the form shows the problem, not a sentence.
    """
    if isinstance(error, errors.InvalidInputError):
        head = error.message("id").split("\n", 1)[0]
        return "\n".join([head, *(p.message_id for p in error.problems)])
    return error.message("id")


def refusal(call: Callable[[], object]) -> errors.SlrtError:
    """The refusal *call* raises."""
    with pytest.raises(errors.SlrtError) as raised:
        call()
    return raised.value


MIROTO = RegionCode("33.74.01.1001")


@attrs.frozen
class World:
    """A service on the demo's district, with staff and the clock to move."""

    slrt: Slrt
    clock: FrozenClock
    notifier: RecordingNotifier
    staff: dict[str, Actor]

    def case_in_service(self, *, consent: bool = True) -> str:
        """A reviewed case of the demo's family (health and birth certificate needs)."""
        a = self.staff
        case = self.slrt.register(
            a["facilitator"],
            sample_family(),
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.GRIEVANCE,
            needs=[
                Need(sector=Sector.HEALTH, description="No health insurance"),
                Need(sector=Sector.CIVIL_DOCUMENTS, description="No birth certificate"),
                Need(sector=Sector.HOUSING, description="Leaking roof"),
            ],
        )
        cid = case.case_id
        self.slrt.assess(a["facilitator"], cid, findings="Day labourer.")
        self.slrt.submit(a["facilitator"], cid)
        self.slrt.approve(a["supervisor"], cid)
        self.slrt.review(a["front"], cid)
        if consent:
            for member in ("m1", "m3"):
                self.slrt.record_consent(
                    a["facilitator"],
                    cid,
                    subject=member,
                    grantor="m1",
                    guardian="m1" if member == "m3" else None,
                    purposes=[Purpose.REFERRAL],
                    recipients=["*"],
                    evidence="Form F-1",
                )
        return cid


@pytest.fixture
def world() -> World:
    clock = FrozenClock(datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    notifier = RecordingNotifier()
    slrt = Slrt(
        store=MemoryStore(),
        clock=clock,
        ids=SequentialIds(),
        notifier=notifier,
        directory=demo_directory(),
        rulebook=load_pack(),
    )
    district = RegionCode("33.74")

    def actor(actor_id: str, role: Role, where: RegionCode = district, **kw: str) -> Actor:
        return Actor(actor_id=actor_id, role=role, jurisdiction=where, **kw)

    staff = {
        "facilitator": actor("fac", Role.FACILITATOR),
        "supervisor": actor("sup", Role.SUPERVISOR),
        "front": actor("fo", Role.FRONT_OFFICE),
        "back": actor("bo", Role.BACK_OFFICE),
        "auditor": actor("aud", Role.AUDITOR),
        "dinsos": actor("dinsos", Role.PROVIDER_STAFF, provider_id="dinsos-3374"),
        "bpjs": actor("bpjs", Role.PROVIDER_STAFF, provider_id="bpjs-semarang"),
        "elsewhere": actor("fac-2", Role.FACILITATOR, RegionCode("33.74.02")),
    }
    return World(slrt=slrt, clock=clock, notifier=notifier, staff=staff)


class TestRefusalsInIndonesian:
    def test_refused_transitions_say_the_state_and_what_comes_first(self, world: World) -> None:
        """Case and referral transitions refused in words, with the way forward."""
        s, a = world.slrt, world.staff
        fresh = s.register(
            a["facilitator"],
            sample_family(),
            channel=Channel.PUSKESOS_DESK,
            kind=ComplaintKind.QUESTION,
            needs=[Need(sector=Sector.FOOD)],
        ).case_id
        cid = world.case_in_service()
        first = s.refer(a["back"], cid, "n1")
        emergency = s.register(
            a["back"],
            sample_family(),
            channel=Channel.SECRETARIAT_DESK,
            kind=ComplaintKind.GRIEVANCE,
            needs=[Need(sector=Sector.HEALTH)],
            emergency=True,
        ).case_id
        refused = {
            "approve before assessment": refusal(lambda: s.approve(a["supervisor"], fresh)),
            "submit in service": refusal(lambda: s.submit(a["facilitator"], cid)),
            "close with an open referral": refusal(
                lambda: s.close(a["supervisor"], cid, reason=ClosingReason.INDEPENDENT)
            ),
            "skip a referral status": refusal(
                lambda: s.update_referral(
                    a["dinsos"], first.referral_id, status=ReferralStatus.COMPLETED
                )
            ),
            "confirm an open referral": refusal(
                lambda: s.confirm_receipt(a["facilitator"], first.referral_id)
            ),
            "refer an emergency": refusal(lambda: s.refer(a["back"], emergency, "n1")),
        }
        assert all(isinstance(e, errors.TransitionNotAllowed) for e in refused.values())
        assert_indonesian({k: shown(e) for k, e in refused.items()})
        approve = refused["approve before assessment"].message("id")
        assert "“Terdaftar”" in approve
        assert "asesmen" in approve.split(":", 1)[1]  # what must happen first
        skip = refused["skip a referral status"]
        assert "menjadi “Selesai”" in skip.message("id")
        assert "update a referral to “Completed”" in str(skip)
        assert "“Requested” (requested)" in str(skip)

    def test_consent_refusals(self, world: World) -> None:
        """Sending data without consent, and consents that are not valid."""
        s, a = world.slrt, world.staff
        cid = world.case_in_service(consent=False)
        refused = {
            "no consent": refusal(lambda: s.refer(a["back"], cid, "n1")),
            "child without guardian": refusal(
                lambda: s.record_consent(
                    a["facilitator"],
                    cid,
                    subject="m3",
                    grantor="m3",
                    purposes=[Purpose.REFERRAL],
                    recipients=["*"],
                    evidence="Form F-2",
                )
            ),
            "no purpose": refusal(
                lambda: s.record_consent(
                    a["facilitator"],
                    cid,
                    subject="m1",
                    grantor="m1",
                    purposes=[],
                    recipients=[""],
                    evidence="",
                )
            ),
        }
        assert isinstance(refused["no consent"], errors.ConsentError)
        with_categories = consent_refusal(
            subject="m1",
            provider_id="bpjs-semarang",
            categories=[DataCategory.HEALTH, DataCategory.HOUSEHOLD, DataCategory.IDENTITY],
        )
        refused["categories"] = with_categories
        assert_indonesian({k: shown(e) for k, e in refused.items()})
        text_id = with_categories.message("id")
        assert "(kesehatan, rumah tangga, identitas)" in text_id
        assert "untuk tujuan rujukan" in text_id
        assert "(health, household, identity)" in str(with_categories)

    def test_access_refusals(self, world: World) -> None:
        """Wrong role, outside the jurisdiction, another provider's referral, bad actors."""
        s, a = world.slrt, world.staff
        cid = world.case_in_service()
        first = s.refer(a["back"], cid, "n1")
        refused = {
            "wrong role": refusal(lambda: s.approve(a["facilitator"], cid)),
            "no role may": refusal(_no_role),
            "wrong provider": refusal(
                lambda: s.update_referral(
                    a["bpjs"], first.referral_id, status=ReferralStatus.RECEIVED
                )
            ),
            "outside the jurisdiction": refusal(lambda: s.get_case(a["elsewhere"], cid)),
            "wrong purpose": refusal(lambda: purpose_for(a["auditor"], AccessPurpose.CASE_WORK)),
            "unknown purpose": refusal(lambda: purpose_for(a["auditor"], "gossip")),
            "unknown role": refusal(
                lambda: Actor(actor_id="x", role="boss", jurisdiction=MIROTO)  # type: ignore[arg-type]
            ),
            "not an actor": refusal(lambda: s.get_case("fac", cid)),  # type: ignore[arg-type]
            "provider without id": refusal(
                lambda: Actor(actor_id="x", role=Role.PROVIDER_STAFF, jurisdiction=MIROTO)
            ),
        }
        assert_indonesian({k: shown(e) for k, e in refused.items()})
        assert (
            refused["wrong purpose"]
            .message("id")
            .startswith(
                "Peran auditor tidak boleh membaca data pribadi untuk tujuan penanganan kasus"
            )
        )
        assert "`boss`" not in refused["unknown role"].message("id")
        assert "`facilitator` (fasilitator)" in refused["unknown role"].message("id")

    def test_household_problems(self) -> None:
        """Every problem of a household, as the register form shows them."""
        head: dict[str, object] = {
            "relationship": Relationship.HEAD,
            "birth_date": date(1982, 3, 14),
        }
        wrong = [
            Person(member_id="m1", sex=Sex.MALE, pregnant=True, monthly_income=-5, **head),
            Person(
                member_id="m1",
                relationship=Relationship.CHILD,
                birth_date=date(1986, 7, 2),
                sex=Sex.MALE,
                nik=Nik("3374014207860002"),
            ),
            Person(
                member_id="m3",
                relationship="child",  # type: ignore[arg-type]
                birth_date="2016-01-20",  # type: ignore[arg-type]
                sex="f",  # type: ignore[arg-type]
                nik="1",  # type: ignore[arg-type]
            ),
        ]
        problems = [
            refusal(lambda: Household(region=MIROTO, members=tuple(wrong))),
            refusal(lambda: Household(region=MIROTO, members=wrong[0])),  # type: ignore[arg-type]
            refusal(lambda: Household(region=MIROTO, members=(wrong[0], 7))),  # type: ignore[arg-type]
            refusal(lambda: Household(region=MIROTO, members=(wrong[1],), programs_received="PKH")),  # type: ignore[arg-type]
        ]
        assert_indonesian({f"household {i}": shown(e) for i, e in enumerate(problems)})
        assert "jenis kelamin perempuan tetapi anggota tercatat laki-laki" in problems[0].message(
            "id"
        )

    def test_rule_pack_and_case_file_problems(self, tmp_path: Path) -> None:
        """Loading a broken variant, a broken pack folder and a broken case file."""
        texts: dict[str, str] = {}
        with pytest.raises(errors.InvalidInputError) as variant:
            read_variant(_BROKEN_VARIANT, origin="bad.toml")
        with pytest.raises(errors.InvalidInputError) as semantic:
            load_pack().with_variants(read_variant(_UNKNOWN_NAMES, origin="names.toml"))
        cases = tmp_path / "rules_bad.toml"
        cases.write_text(_BROKEN_CASES, encoding="utf-8")
        with pytest.raises(errors.InvalidInputError) as case_file:
            load_cases(cases)
        for name, raised in (("variant", variant), ("names", semantic), ("cases", case_file)):
            for i, problem in enumerate(raised.value.problems):
                texts[f"{name} {i} {problem.path}"] = problem.message_id
            texts[name] = raised.value.message("id").split("\n", 1)[0]
        assert len(texts) > 40  # the broken files hold that many problems
        assert_indonesian(texts)
        assert any("`true` atau `false`" in t for t in texts.values())
        assert any('`"male"` (laki-laki) atau `"female"` (perempuan)' in t for t in texts.values())

    def test_a_failing_rule_case_reads_in_indonesian(self, tmp_path: Path) -> None:
        """``slrt rules test -l id``: what differed, and the explanations."""
        cases = tmp_path / "rules_family.toml"
        cases.write_text(_FAILING_CASE, encoding="utf-8")
        (result,) = run_cases([cases])
        assert not result.passed
        shown = result.render("id").replace(str(tmp_path), " ")
        assert "seharusnya tidak layak, hasilnya layak" in shown
        assert_indonesian({"case": shown})

    def test_input_problems_of_commands(self, world: World) -> None:
        """A need handled already, no service for a need, values outside a vocabulary."""
        s, a = world.slrt, world.staff
        cid = world.case_in_service()
        s.refer(a["back"], cid, "n1")
        s.resolve_locally(a["facilitator"], cid, "n3", how="Village fund.")
        refused = {
            "handled need": refusal(
                lambda: s.resolve_locally(a["facilitator"], cid, "n3", how="Again.")
            ),
            "no service": refusal(
                lambda: (
                    s.record_need(a["facilitator"], cid, Need(sector=Sector.ENERGY))
                    and s.refer(a["back"], cid, "n4")
                )
            ),
            "bad channel": refusal(
                lambda: s.register(
                    a["facilitator"],
                    sample_family(),
                    channel="phone",  # type: ignore[arg-type]
                    kind=ComplaintKind.QUESTION,
                    needs="food",  # type: ignore[arg-type]
                )
            ),
        }
        assert_indonesian({k: shown(e) for k, e in refused.items()})
        assert "(energi)" in refused["no service"].message("id")
        assert "“Diselesaikan di desa”" in refused["handled need"].message("id")


def _no_role() -> None:
    """A command no role may run under a policy without it."""
    RolePolicy(permissions={}).authorize(
        Actor(actor_id="x", role=Role.MANAGER, jurisdiction=MIROTO), Command.ERASE
    )


class TestExplanationsInIndonesian:
    @pytest.mark.parametrize(
        "family",
        [
            sample_family(),
            sample_family(in_registry=False, full_record=False),
            Household(
                region=MIROTO,
                members=(
                    Person(
                        member_id="m1",
                        relationship=Relationship.HEAD,
                        birth_date=date(1950, 1, 1),
                        sex=Sex.FEMALE,
                        disability=Disability.SEVERE,
                        schooling=Schooling.NOT_IN_SCHOOL,
                        monthly_income=300_000,
                        working=False,
                    ),
                    Person(
                        member_id="m2",
                        relationship=Relationship.GRANDCHILD,
                        birth_date=date(2012, 5, 5),
                        sex=Sex.MALE,
                        schooling=Schooling.SMP,
                        disability=Disability.NONE,
                    ),
                ),
                housing=Housing(
                    floor=FloorType.EARTH,
                    wall=WallType.BAMBOO,
                    roof_unfit=True,
                    own_toilet=False,
                    owns_land=True,
                    electricity_va=450,
                    housing_aid_before=False,
                ),
                registry=RegistryStatus(in_registry=True, decile=1),
            ),
        ],
        ids=["demo family", "not in the registry", "elderly grandmother"],
    )
    def test_every_decision_renders_in_indonesian(self, family: Household) -> None:
        """Inputs, values, parameters, units, dates and sources read in Indonesian."""
        decided = decide(family, on=date(2026, 11, 2), rulebook=load_pack())
        assert_indonesian({code: d.render("id") for code, d in decided.items()})
        # English keeps the codes rule writers use.
        assert "members[m1].sex = " in decided["PKH"].render("en")

    def test_values_read_as_labels_numbers_money_and_dates(self) -> None:
        """The words the issue reported, now in Indonesian."""
        decided = decide(sample_family(), on=date(2026, 11, 2), rulebook=load_pack())
        pkh = decided["PKH"].render("id")
        assert "Jenis kelamin m1 = laki-laki" in pkh
        assert "pkh.elderly_min_age = 70 tahun (berlaku sejak 1 Januari 2021" in pkh
        assert "registry.max_decile = desil 4" in pkh
        assert "sumber: Inpres 4/2025 (DTSEN): bantuan untuk desil 1-4 [9]" in pkh
        rtlh = decided["RTLH"].render("id")
        assert "Lengkapi data: Jenis lantai, Pernah menerima bantuan rumah" in rtlh
        assert "Rp20.000.000 per rumah" in rtlh or "Rp20.000.000" not in rtlh
        assert "pkh.elderly_min_age = 70 years (from 2021-01-01" in decided["PKH"].render("en")

    def test_the_service_explains_in_indonesian(self, world: World) -> None:
        """Slrt.explain of a real assessment, for every program decided."""
        cid = world.case_in_service()
        case = world.slrt.get_case(world.staff["back"], cid)
        codes = [d.program for d in case.assessments[-1].decisions]
        assert codes
        assert_indonesian(
            {
                code: world.slrt.explain(world.staff["back"], cid, code).render("id")
                for code in codes
            }
        )

    def test_the_demo_reads_in_indonesian(self) -> None:
        """``slrt demo -l id``: headers, labels, missing inputs and notifications."""
        result = CliRunner().invoke(main, ["demo", "-l", "id"])
        assert result.exit_code == 0, result.output
        body = result.output.split("Berkas sementara")[0]  # the commands to run follow
        assert_indonesian({"demo": body})
        assert "(Jenis lantai, Pernah menerima bantuan rumah" in body

    def test_the_simulation_summary_reads_in_indonesian(self) -> None:
        """``slrt simulate -l id``: metric, policy and state names, the scenario's days."""
        args = ["simulate", "-l", "id", "--days", "3", "--per-week", "10"]
        result = CliRunner().invoke(main, [*args, "--households", "200", "--seeds", "1"])
        assert result.exit_code == 0, result.output
        assert_indonesian({"simulate": result.output})
        assert "Skenario Kota Semarang, 3 hari" in result.output
        assert "tingkat terdekat" in result.output
        english = CliRunner().invoke(
            main, ["simulate", *args[3:], "--households", "200", "--seeds", "1"]
        )
        assert "nearest-tier" in english.output
        assert "Scenario Kota Semarang, 3 days" in english.output

    def test_notifications_and_the_sweeps_expiry_note(self, world: World) -> None:
        """Every notification of a referral left to expire, in Indonesian."""
        s, a = world.slrt, world.staff
        cid = world.case_in_service()
        s.refer(a["back"], cid, "n2")  # Dukcapil, which never answers
        for _ in range(8):
            world.clock.advance(days=10)
            s.sweep()
        sent = world.notifier.sent
        topics = {n.topic for n in sent}
        assert {"referral_expired", "referral_status_changed"} <= topics
        assert_indonesian({f"{n.topic} {i}": n.text("id") for i, n in enumerate(sent)})
        expired = [n for n in sent if n.topic == "referral_status_changed"][-1]
        # Notifications carry codes, never the note (it may hold personal data).
        assert "(alasan: Kedaluwarsa)" in expired.text("id")
        assert "pemeriksaan SLA" not in expired.text("id")


_BROKEN_VARIANT = """[variant]
name = "bad"
region = "99.99"
colour = "blue"

[[override]]
parameter = "pkh.elderly_min_age"
from = 2025-02-10T08:00:00

[[override]]
parameter = "x"
value = 1
from = "2025-02-30"
region = "nowhere"
uncertain = true

[[switch_off]]
program = 5
from = 2025-01-01
region = "33.99"

[parameters.a]
type = "money"
label = { id = "a", en = "a", fr = "a" }
values = [{ value = 1, from = 2025-01-01, source = "x", uncertain = "yes" }, { from = 2025-01-01 }]

[parameters.b]
values = "none"

[parameters.c]
type = "int"
values = [{ value = 1, until = 2025-01-01 }]

[parameters.d]
label = "plain"
values = ["one"]
regional = { "33.74" = 3 }

[parameters.e]
type = 1
values = []

[parameters.f]
x = 1

[parameters.g]
type = "int"
label = { id = "g", en = "g" }
values = [{ value = 1, from = 2025-01-01, source = { en = "x", de = "y" } }]

[criteria.two_tests]
label = { id = "x", en = "x" }
all = ["a"]
any = ["b"]

[criteria.bad_compare]
compare = { input = "age", sum_members = "age", op = "=~" }

[criteria.bad_at_least]
at_least = { k = "two", of = ["a"] }

[criteria.bad_list]
all = "a"

[criteria.bad_name_kind]
not = 3

[criteria.not_a_table]
label = 5

[programs.P]
sectors = "health"
tier = "cosmic"
benefit = { kind = "lottery" }
overlaps = [{ program = "Q", kind = "loves" }]
monotone_in_income = "sometimes"

[programs.Q]
tier = "district"
offered_from = 2025-01-01
benefit = { kind = "fixed", amount = "a", period = "fortnight" }

[programs.R]
tier = "district"
offered_from = 2025-01-01
benefit = { kind = "per_member", period = "hourly", components = [{ criterion = "a", amount = 3 }] }
"""

_UNKNOWN_NAMES = """[variant]
name = "names"
region = "33.74"

[[override]]
parameter = "pkh.elderly_min_agee"
value = 65
from = 2025-07-01
source = "Perwali"

[[override]]
parameter = "registry.max_decile"
value = 60
from = 2025-07-01
source = "Perwali"

[criteria.uses_unknown]
label = { id = "x", en = "x" }
compare = { input = "salary", op = "<", value = 5 }

[criteria.loop_a]
label = { id = "a", en = "a" }
all = ["loop_b"]

[criteria.loop_b]
label = { id = "b", en = "b" }
all = ["loop_a"]
"""

_BROKEN_CASES = """colour = "red"
[[case]]
on = "yesterday"

[[case]]
name = "bad"
on = 2025-03-01
region = "99.99.99.9999"
expect.PKH = "eligible"

[[case]]
name = "worse"
on = 2025-03-01
region = "33.74.01.1001"
household = { in_registry = "yes", decile = 2.5, floor = "marble", receives = "PKH", pets = 2 }
members = [
    { sex = "alien", age = 3 },
    { sex = "male" },
    { sex = "male", age = 3, nik = "123" },
    { age = 30 },
    7,
]
expect.PKH = 5
expect.SEMBAKO = { status = "maybe", criteria = { registry_targeted = "perhaps" } }

[[case]]
name = "no expectations"
on = 2025-03-01
region = "33.74.01.1001"
household = 3
members = [{ sex = "male", age = 30 }]

[[case]]
name = "two heads"
on = 2025-03-01
region = "33.74.01.1001"
members = [{ sex = "male", age = 30 }, { sex = "male", age = 30, relationship = "head" }]
expect.PKH = "eligible"

[[case]]
name = "born later"
on = 2025-03-01
region = "33.74.01.1001"
members = [{ sex = "male", birth_date = 2026-01-01 }]
expect.PKH = "eligible"
"""


class TestWording:
    """How an explanation words inputs and parameter values (slrt_core.rules._wording)."""

    @pytest.mark.parametrize(
        ("path", "value", "id_", "en"),
        [
            ("members[m1].sex", "female", "Jenis kelamin m1 = perempuan", None),
            ("members[m2].schooling", "smp", "Jenjang sekolah m2 = SMP", None),
            ("members[m2].schooling", "madrasah", "Jenjang sekolah m2 = madrasah", None),
            ("floor", "earth", "Jenis lantai = lantai tanah", "floor = earth"),
            ("in_registry", "true", "Terdaftar di DTKS/DTSEN = ya", "in_registry = yes"),
            ("decile", None, "Desil kesejahteraan DTSEN = tidak ada data", "decile = missing"),
            ("electricity_va", "1300", "Daya listrik (VA) = 1.300", None),
            ("count(pkh_elderly)", "2", "Jumlah anggota yang memenuhi = 2", None),
            (
                "sum(monthly_income)",
                "1200000",
                "Jumlah penghasilan per bulan (Rp) = 1.200.000",
                "sum(monthly_income) = 1200000",
            ),
            (
                "per_capita(monthly_income)",
                "412500.5",
                "Penghasilan per bulan (Rp) per kapita = 412.500,5",
                None,
            ),
            ("receives.PKH", "false", "Sudah menerima PKH = tidak", "receives.PKH = no"),
            ("salary", "high", "salary = high", "salary = high"),
        ],
    )
    def test_inputs(self, path: str, value: str | None, id_: str, en: str | None) -> None:
        """Labels and values in Indonesian; English keeps the path and the code."""
        assert input_text(path, value, "id") == id_
        assert input_text(path, value, "en") == (en or f"{path} = {value}")

    @pytest.mark.parametrize(
        ("value", "unit", "id_", "en"),
        [
            ("70", "years", "70 tahun", "70 years"),
            ("4", "decile", "desil 4", "4 decile"),
            ("10", "persons", "10 orang", "10 persons"),
            ("3000000", "IDR/year", "Rp3.000.000 per tahun", "3000000 IDR/year"),
            ("42000", "IDR/person/month", "Rp42.000 per orang per bulan", None),
            ("20000000", "IDR/house", "Rp20.000.000 per rumah", None),
            ("20000000", "IDR/group", "Rp20.000.000 per kelompok", None),
            ("5000", "IDR", "Rp5.000", "5000 IDR"),
            ("450, 900", "VA", "450, 900 VA", "450, 900 VA"),
            ("true", "", "ya", "true"),
            ("sd, smp", "", "sd, smp", "sd, smp"),
            ("1.5", "weeks", "1,5 weeks", "1.5 weeks"),
        ],
    )
    def test_parameter_values(self, value: str, unit: str, id_: str, en: str | None) -> None:
        """Units and rupiah in Indonesian; English keeps the value and the unit code."""
        assert parameter_value(value, unit, "id") == id_
        assert parameter_value(value, unit, "en") == (en or f"{value} {unit}")

    def test_missing_inputs_are_named_by_their_labels(self) -> None:
        """A decision's missing inputs, as staff collect them."""
        assert input_path("members[m2].pregnant", "id") == "Sedang hamil m2"
        assert input_path("members[m2].pregnant", "en") == "members[m2].pregnant"
        assert input_path("parameters.pkh.x", "id") == "nilai parameter pkh.x"
        assert input_path("parameters.pkh.x", "en") == "parameters.pkh.x"

    def test_a_refused_move_to_an_unknown_status_keeps_its_code(self) -> None:
        """A command outside the vocabulary, with a target status, shows its codes."""
        error = errors.TransitionNotAllowed(
            "referral-000001", "requested", "frob(status=gone)", kind="referral"
        )
        assert "'frob' menjadi “gone”" in error.message("id")
        assert "'frob' to “gone”" in str(error)


_FAILING_CASE = """[[case]]
name = "family"
on = 2025-03-01
region = "33.74.01.1001"
household = { in_registry = true, decile = 2 }
members = [{ sex = "female", age = 30, pregnant = true }, { sex = "male", age = 75 }]
expect.PKH = "not_eligible"
expect.SEMBAKO = { status = "needs_verification", criteria = { registry_targeted = "false" } }
"""
