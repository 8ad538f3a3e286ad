"""check_variant: the property checks a local rule variant must pass.

Each check is shown to pass on sound rules and to catch a variant broken on purpose
for it. Data-only variants cannot make the engine non-deterministic or crash (the
builder refuses what would), so those two checks are shown failing on rulebook
doubles with hidden state or a defect.
"""

from __future__ import annotations

import copy
import itertools
from datetime import date

import attrs
import pytest

from slrt_core.errors import InvalidInputError
from slrt_core.identity import RegionCode
from slrt_core.referral import Directory, Provider, Service
from slrt_core.rules import (
    Compare,
    Criterion,
    FixedBenefit,
    InKindBenefit,
    Input,
    MemberSum,
    Overlap,
    OverlapKind,
    Override,
    Param,
    Parameter,
    ParameterValue,
    Period,
    Program,
    Rulebook,
    ValueType,
    Variant,
    load_pack,
)
from slrt_core.rules._rulebook import Resolved
from slrt_core.testing import (
    CheckStatus,
    VariantFailure,
    VariantReport,
    check_variant,
    sample_household,
)
from slrt_core.vocabulary import Sector, Tier

SEMARANG = RegionCode("33.74")
START = date(2025, 7, 1)
SOURCE = "Perwali Semarang (example)"
CHECKS = ("deterministic", "no_crash", "monotone_in_income", "routable", "explained")


def _card(*, monotone: bool = False, label_en: str = "DTSEN decile within the card limit"):
    """The city health card of examples/local_variant.py, optionally broken."""
    return Variant(
        name="kota-semarang-2025",
        region=SEMARANG,
        source=SOURCE,
        overrides=[
            Override(parameter="pkh.elderly_min_age", value=65, valid_from=START, source=SOURCE)
        ],
        parameters=[
            Parameter(
                name="kartu_sehat.max_decile",
                type=ValueType.INT,
                unit="decile",
                label_id="Desil tertinggi Kartu Sehat Kota",
                label_en="Highest decile of the city health card",
                values=[ParameterValue(value=6, valid_from=START, source=SOURCE)],
            )
        ],
        criteria=[
            Criterion(
                name="kartu_sehat_eligible",
                test=Compare(Input("decile"), "<=", Param("kartu_sehat.max_decile")),
                label_id="Desil DTSEN dalam batas Kartu Sehat Kota",
                label_en=label_en,
                reference=SOURCE,
            )
        ],
        programs=[
            Program(
                code="KARTU_SEHAT_KOTA",
                label_id="Kartu Sehat Kota Semarang (contoh)",
                label_en="Semarang city health card (example)",
                eligibility="kartu_sehat_eligible",
                benefit=InKindBenefit(description_id="Berobat gratis", description_en="Free care"),
                sectors=(Sector.HEALTH,),
                tier=Tier.DISTRICT,
                offered_from=START,
                reference=SOURCE,
                overlaps=[Overlap(program="PBI_JK", kind=OverlapKind.EXCLUDES)],
                monotone_in_income=monotone,
            )
        ],
    )


def _directory(codes, *, area=SEMARANG, active=True) -> Directory:
    """One district provider with a service per program, serving *area*."""
    pack = load_pack().with_variants(_card())
    return Directory(
        [Provider(provider_id="dinsos", name="Dinas Sosial", tier=Tier.DISTRICT, region=area)],
        [
            Service(
                service_id=f"svc-{code.lower()}",
                provider_id="dinsos",
                name=f"{code} desk",
                sectors=pack.programs[code].sectors,
                tier=Tier.DISTRICT,
                area=[area],
                program=code.replace("_", "-"),  # matched as a program key
                active=active,
            )
            for code in codes
        ],
    )


def _statuses(report: VariantReport) -> dict[str, CheckStatus]:
    return {c.check: c.status for c in report.checks}


class TestSoundRules:
    def test_pack_passes_every_check(self) -> None:
        """The shipped pack in Semarang, with a full directory, passes all five checks."""
        pack = load_pack()
        report = check_variant(
            pack, directory=_directory(pack.programs), region=SEMARANG, max_examples=40
        )
        assert report.ok, report.render()
        assert _statuses(report) == dict.fromkeys(CHECKS, CheckStatus.PASSED)
        assert report.variant == "slrt-id"
        assert report.region == "33.74"
        assert report.programs == tuple(pack.programs)
        # A rulebook without variants is checked on its latest effective date.
        assert report.dates == (date(2025, 2, 5),)

    def test_city_card_passes(self) -> None:
        """The example city variant passes, routable included, on the variant's date."""
        codes = [*load_pack().programs, "KARTU_SEHAT_KOTA"]
        report = check_variant(_card(), directory=_directory(codes), max_examples=30)
        assert report.ok, report.render()
        assert report.dates == (START,)
        assert report.region == "33.74"
        assert "KARTU_SEHAT_KOTA" in report.programs

    def test_report_is_deterministic(self) -> None:
        """Two runs give the same report, failures and shrunk households included."""
        first = check_variant(
            _card(monotone=True), programs=["KARTU_SEHAT_KOTA", "PBI_JK"], max_examples=40
        )
        again = check_variant(
            _card(monotone=True), programs=["KARTU_SEHAT_KOTA", "PBI_JK"], max_examples=40
        )
        assert first == again
        assert not first.ok

    def test_skips_without_directory_or_monotone_program(self) -> None:
        """Routable is skipped without a directory; monotone without a flagged program."""
        report = check_variant(
            _card(), programs=["USULAN_DTSEN"], on=date(2025, 8, 1), max_examples=10
        )
        assert report.ok
        assert report.check("routable").status is CheckStatus.SKIPPED
        assert report.check("monotone_in_income").status is CheckStatus.SKIPPED
        assert report.check("routable").note_id == "direktori tidak diberikan"
        assert report.dates == (date(2025, 8, 1),)
        assert "skipped" in report.render("en")
        assert "dilewati" in report.render("id")

    def test_several_dates(self) -> None:
        """Dates may be given as an iterable; they are sorted and de-duplicated."""
        dates = [date(2025, 9, 1), date(2025, 7, 1), date(2025, 9, 1)]
        report = check_variant(_card(), programs=["PKH"], on=dates, max_examples=10)
        assert report.dates == (date(2025, 7, 1), date(2025, 9, 1))

    def test_unknown_check_name(self) -> None:
        """Asking the report for a check it does not have raises KeyError."""
        report = check_variant(_card(), programs=["PKH"], max_examples=5)
        with pytest.raises(KeyError):
            report.check("fast")

    def test_variant_that_does_not_load(self) -> None:
        """A variant the builder refuses raises InvalidInputError, listing the problem."""
        broken = Variant(
            name="typo",
            region=SEMARANG,
            overrides=[Override(parameter="pkh.elderly_min_agee", value=65, valid_from=START)],
        )
        with pytest.raises(InvalidInputError, match="elderly_min_age"):
            check_variant(broken)


class TestMonotoneInIncome:
    def test_overlap_makes_card_non_monotone(self) -> None:
        """The card excludes PBI-JK (deciles 1-4), so decile 5 gains it: caught."""
        report = check_variant(_card(monotone=True), programs=["KARTU_SEHAT_KOTA", "PBI_JK"])
        result = report.check("monotone_in_income")
        assert result.status is CheckStatus.FAILED
        (failure,) = result.failures
        assert failure.program == "KARTU_SEHAT_KOTA"
        assert failure.other is not None
        poorer, richer = failure.household.registry.decile, failure.other.registry.decile
        assert poorer is not None
        assert richer is not None
        assert poorer < richer
        assert failure.household.registry.decile == 4  # shrunk to the PBI-JK limit
        assert "richer household" in failure.render("en")
        assert "lebih mampu" in failure.render("id")

    def test_income_floor_is_caught(self) -> None:
        """A local aid written 'income >= limit' instead of '<=' is caught by income."""
        aid = Variant(
            name="bantuan-kota",
            region=SEMARANG,
            source=SOURCE,
            parameters=[
                Parameter(
                    name="bantuan.max_income",
                    type=ValueType.INT,
                    unit="IDR/month",
                    label_id="Penghasilan tertinggi",
                    label_en="Highest income",
                    values=[ParameterValue(value=1_000_000, valid_from=START, source=SOURCE)],
                ),
                Parameter(
                    name="bantuan.amount",
                    type=ValueType.INT,
                    unit="IDR/month",
                    label_id="Bantuan",
                    label_en="Amount",
                    values=[ParameterValue(value=100_000, valid_from=START, source=SOURCE)],
                ),
            ],
            criteria=[
                Criterion(
                    name="bantuan_income",
                    test=Compare(MemberSum("monthly_income"), ">=", Param("bantuan.max_income")),
                    label_id="Penghasilan keluarga dalam batas",
                    label_en="Family income within the limit",
                    reference=SOURCE,
                )
            ],
            programs=[
                Program(
                    code="BANTUAN_KOTA",
                    label_id="Bantuan kota",
                    label_en="City aid",
                    eligibility="bantuan_income",
                    benefit=FixedBenefit(amount="bantuan.amount", period=Period.MONTH),
                    sectors=(Sector.SOCIAL_ASSISTANCE,),
                    tier=Tier.DISTRICT,
                    offered_from=START,
                    reference=SOURCE,
                    monotone_in_income=True,
                )
            ],
        )
        report = check_variant(aid, programs=["BANTUAN_KOTA"], max_examples=50)
        (failure,) = report.check("monotone_in_income").failures
        assert failure.other is not None
        before = sum(p.monthly_income or 0 for p in failure.household.members)
        after = sum(p.monthly_income or 0 for p in failure.other.members)
        assert before < 1_000_000 <= after
        assert not report.ok
        assert report.check("explained").status is CheckStatus.PASSED


class TestRoutable:
    @pytest.mark.parametrize(
        ("codes", "area", "active"),
        [
            (["PKH", "PBI_JK"], SEMARANG, True),  # no service delivers the card
            (["PKH", "PBI_JK", "KARTU_SEHAT_KOTA"], RegionCode("33.73"), True),  # elsewhere
            (["PKH", "PBI_JK", "KARTU_SEHAT_KOTA"], SEMARANG, False),  # closed
        ],
    )
    def test_missing_provider_is_caught(self, codes, area, active) -> None:
        """An eligible program with no active service covering the village fails."""
        report = check_variant(
            _card(),
            directory=_directory(codes, area=area, active=active),
            programs=["KARTU_SEHAT_KOTA"],
            max_examples=50,
        )
        result = report.check("routable")
        assert result.status is CheckStatus.FAILED
        (failure,) = result.failures
        assert failure.program == "KARTU_SEHAT_KOTA"
        assert "program='KARTU_SEHAT_KOTA'" in failure.en
        assert "Tambahkan layanan" in failure.id


class TestExplained:
    def test_override_without_source(self) -> None:
        """A threshold override with no source leaves the explanation without a reference."""
        card = _card()
        no_source = attrs.evolve(card, overrides=[attrs.evolve(card.overrides[0], source="")])
        report = check_variant(no_source, programs=["PKH"], max_examples=30)
        (failure,) = report.check("explained").failures
        assert failure.program == "PKH"
        assert "pkh.elderly_min_age = 65" in failure.en
        assert "tanpa sumber" in failure.id

    def test_variant_without_source(self) -> None:
        """A local program of a variant with no source cannot cite where it is offered."""
        report = check_variant(
            attrs.evolve(_card(), source=""), programs=["KARTU_SEHAT_KOTA"], max_examples=20
        )
        (failure,) = report.check("explained").failures
        assert "programs.KARTU_SEHAT_KOTA.offered = true" in failure.en

    def test_criterion_without_english_label(self) -> None:
        """A criterion with a blank English label is caught, naming the language."""
        report = check_variant(_card(label_en=" "), programs=["KARTU_SEHAT_KOTA"])
        (failure,) = report.check("explained").failures
        assert "'kartu_sehat_eligible' has no label in English" in failure.en

    def test_criterion_without_indonesian_label(self) -> None:
        """A blank Indonesian label is caught too."""
        card = _card()
        criterion = attrs.evolve(card.criteria[0], label_id="")
        report = check_variant(
            attrs.evolve(card, criteria=[criterion]), programs=["KARTU_SEHAT_KOTA"]
        )
        (failure,) = report.check("explained").failures
        assert "Bahasa Indonesia" in failure.en


# --------------------------------------------------------------------------- rulebook doubles


def _double(cls: type[Rulebook]) -> Rulebook:
    """The pack with its class swapped for a broken subclass (a test double)."""
    broken = copy.copy(load_pack())
    broken.__class__ = cls
    return broken


class _Drifting(Rulebook):
    """Hidden state: the PKH elderly age drifts by one year on every lookup."""

    _calls = itertools.count()

    def resolved(self, region: str, on: date) -> Resolved:
        found = super().resolved(region, on)
        values = dict(found.values)
        values["pkh.elderly_min_age"] = 60 + next(self._calls) % 20
        return Resolved(values, found.used)


class _Crashing(Rulebook):
    """A defect: a lookup fails in one village of Semarang.

    The first village of the district, which Hypothesis tries early and shrinks to: with
    another one, whether 50 examples reach it depends on the run.
    """

    def resolved(self, region: str, on: date) -> Resolved:
        if region == "33.74.01.1001":
            raise ZeroDivisionError("division by zero in a regional lookup")
        return super().resolved(region, on)


class _AlwaysCrashing(Rulebook):
    def resolved(self, region: str, on: date) -> Resolved:
        raise RuntimeError("broken")


class TestDoubles:
    def test_hidden_state_is_caught(self) -> None:
        """Decisions that change between two runs fail the deterministic check."""
        report = check_variant(
            _double(_Drifting), programs=["PKH"], region=SEMARANG, max_examples=50
        )
        result = report.check("deterministic")
        assert result.status is CheckStatus.FAILED
        assert result.failures[0].program == "PKH"
        assert "A rule must depend only on" in result.failures[0].en

    def test_crash_is_caught(self) -> None:
        """An exception on a valid household fails no_crash and names the error."""
        report = check_variant(
            _double(_Crashing), programs=["SEMBAKO"], region="33.74.01", max_examples=50
        )
        result = report.check("no_crash")
        assert result.status is CheckStatus.FAILED
        (failure,) = result.failures
        assert failure.program == ""
        assert failure.household.region.code == "33.74.01.1001"
        assert "ZeroDivisionError" in failure.en
        # The other checks skip the crashing households and still run on the rest.
        assert report.check("deterministic").status is CheckStatus.PASSED
        assert "[no_crash]: " in report.render()

    def test_every_household_crashing(self) -> None:
        """When every household crashes, the other checks are skipped, not passed."""
        report = check_variant(
            _double(_AlwaysCrashing), programs=["SEMBAKO"], region=SEMARANG, max_examples=5
        )
        assert report.check("no_crash").status is CheckStatus.FAILED
        assert report.check("deterministic").status is CheckStatus.SKIPPED
        assert report.check("explained").status is CheckStatus.SKIPPED
        assert "crashed" in report.check("explained").note_en


def test_failure_renders_in_both_languages() -> None:
    """A failure renders its message, date and household in the chosen language."""
    failure = VariantFailure(
        check="routable",
        program="PKH",
        en="No provider.",
        id="Tidak ada penyedia.",
        on=date(2025, 8, 1),
        household=sample_household(),
    )
    en, id_ = failure.render("en"), failure.render("id")
    assert en.startswith("[routable] PKH: No provider.")
    assert "on 2025-08-01, household: region 33.74.01.1001" in en
    assert "pada 2025-08-01, rumah tangga:" in id_
    assert "schooling=sd" in en


_FLAGGED = """
[variant]
name = "flagged"
region = "33.74"
source = "Perwali (example)"

[programs.KARTU]
label = { id = "Kartu", en = "Card" }
sectors = ["health"]
tier = "district"
offered_from = 2025-01-01
eligibility = "registry_targeted"
monotone_in_income = MONOTONE
benefit = { kind = "in_kind", description = { id = "Berobat gratis", en = "Free care" } }
"""


class TestMonotoneFlagInToml:
    def test_flag_is_read(self) -> None:
        """`monotone_in_income = true` in TOML sets the program's flag."""
        from slrt_core.rules import read_variant

        variant = read_variant(_FLAGGED.replace("MONOTONE", "true"), origin="v.toml")
        assert variant.programs[0].monotone_in_income is True
        assert load_pack().programs["SEMBAKO"].monotone_in_income is True
        assert load_pack().programs["USULAN_DTSEN"].monotone_in_income is False

    def test_flag_must_be_a_bool(self) -> None:
        """A flag that is not true or false is a problem, in both languages."""
        from slrt_core.rules import read_variant

        with pytest.raises(InvalidInputError) as caught:
            read_variant(_FLAGGED.replace("MONOTONE", '"yes"'), origin="v.toml")
        (problem,) = caught.value.problems
        assert "programs.KARTU.monotone_in_income" in problem.path
        assert "harus `true` atau `false`" in problem.message_id


class TestIncompleteNodes:
    """The explainer always shows thresholds and inputs; these guard against a regression."""

    def test_threshold_missing_from_a_node(self) -> None:
        """A decided comparison against a parameter must show the value it used."""
        from slrt_core.rules import Explanation, Outcome
        from slrt_core.testing._variant import _node_problem

        node = Explanation(
            criterion="within_target_decile",
            label_id="Desil dalam sasaran",
            label_en="Decile within the target",
            outcome=Outcome.TRUE,
            inputs={"decile": "2"},
        )
        en, id_ = _node_problem(load_pack(), node)
        assert "registry.max_decile" in en
        assert "tanggal dan sumbernya" in id_

    def test_input_missing_from_a_node(self) -> None:
        """A decided comparison must show the input it read."""
        from slrt_core.rules import Explanation, Outcome
        from slrt_core.testing._variant import _node_problem

        node = Explanation(
            criterion="in_registry",
            label_id="Terdaftar",
            label_en="Listed",
            outcome=Outcome.FALSE,
        )
        en, id_ = _node_problem(load_pack(), node)
        assert "read an input" in en
        assert "membaca masukan" in id_
