"""check_variant holds a variant to its intent: broken copies of the Bekasi variant.

Each broken copy is caught with a message that names the parameter and shows the
household: an age typo (6 for 65), a decile out of range (60 for 6), a change leaking
to another region or to another program, and an ``until`` that never restores.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import attrs
import pytest

from slrt_core.errors import InvalidInputError
from slrt_core.identity import RegionCode
from slrt_core.rules import Intent, Override, Variant, load_pack, load_variant, read_variant
from slrt_core.rules._differences import changes, differences, example_at, template
from slrt_core.testing import CheckStatus, VariantReport, check_variant

ROOT = Path(__file__).resolve().parents[2]
BEKASI_FILE = ROOT / "examples" / "kota_bekasi.toml"
EXAMPLES = 15


def _bekasi() -> Variant:
    return load_variant(BEKASI_FILE)


def _text() -> str:
    return BEKASI_FILE.read_text(encoding="utf-8")


def _check(variant: Variant) -> VariantReport:
    return check_variant(variant, max_examples=EXAMPLES)


@pytest.fixture(scope="module")
def good() -> VariantReport:
    return _check(_bekasi())


class TestTheBekasiVariant:
    def test_it_passes_every_check(self, good: VariantReport) -> None:
        """The example variant passes, and every differential check ran."""
        assert good.ok, good.render()
        for name in (
            "plausible",
            "unchanged_outside_region",
            "unchanged_before",
            "unchanged_after",
            "unchanged_other_programs",
        ):
            assert good.check(name).status is CheckStatus.PASSED, name

    def test_it_reports_where_decisions_differ(self, good: VariantReport) -> None:
        """PKH ages 65-69 become eligible; the card reaches deciles 1-6; exhaustively."""
        pkh = [d for d in good.differences if d.program == "PKH"]
        assert [(d.input, d.ranges(), d.before, d.after) for d in pkh] == [("age", "65-69", 0, 1)]
        (elderly,) = pkh
        assert elderly.exhaustive
        assert elderly.checked == tuple(range(121))
        assert elderly.household.members[1].age_on(elderly.on) == 65
        assert elderly.benefit_after - elderly.benefit_before == 2_400_000
        card = [d for d in good.differences if d.program == "KARTU_SEHAT_BEKASI"]
        assert [(d.input, d.ranges()) for d in card] == [("decile", "1-6")]
        assert "PKH: age 65-69: not eligible -> eligible" in good.render()
        assert "PKH: umur 65-69: tidak layak -> layak" in good.render("id")

    def test_it_lists_its_parameter_changes(self, good: VariantReport) -> None:
        """The changes name old and new values, dates and region."""
        shown = [c.shown() for c in good.changes]
        assert shown == [
            "pkh.elderly_min_age 70 -> 65",
            "kartu_sehat_bekasi.max_decile - -> 6",
            "kartu_sehat_bekasi.premium - -> 42000",
        ]
        assert good.changes[0].valid_until == date(2026, 12, 31)
        assert good.base_version == load_pack().version


class TestBrokenCopies:
    def test_an_age_typo_is_caught(self) -> None:
        """Elderly age 6 (for 65) fails 'plausible', naming the parameter and a household."""
        broken = read_variant(_text().replace("value = 65", "value = 6"), origin="typo.toml")
        report = _check(broken)
        assert not report.ok
        (failure,) = report.check("plausible").failures
        assert "pkh.elderly_min_age = 6 years (was 70) is outside its plausible range 55-75" in (
            failure.en
        )
        assert "acknowledge" in failure.en
        assert "di luar rentang wajarnya 55-75" in failure.id
        assert failure.household.members[1].age_on(failure.on) == 6
        assert "m2 parent female age 6" in failure.render()
        assert "m2 orang_tua perempuan umur 6" in failure.render("id")
        gained = next(d for d in report.differences if d.program == "PKH" and d.before == 0)
        assert gained.ranges() == "7-69"
        more = next(d for d in report.differences if d.program == "PKH" and d.before == 1)
        assert "eligible, benefit Rp3.000.000 -> Rp5.400.000" in more.describe()

    def test_an_acknowledged_value_passes(self) -> None:
        """The same value with acknowledge = '...' is accepted as meant."""
        text = _text().replace(
            "value = 65\n", 'value = 50\nacknowledge = "Perwal draft lowers it to 50"\n'
        )
        report = _check(read_variant(text, origin="ack.toml"))
        assert report.check("plausible").status is CheckStatus.PASSED

    def test_a_decile_out_of_range_is_refused_at_load(self) -> None:
        """A card decile limit of 60 (for 6) is refused with the line of the value."""
        text = _text().replace("{ value = 6, from", "{ value = 60, from")
        with pytest.raises(InvalidInputError) as error:
            load_pack().with_variants(read_variant(text, origin="kota_bekasi.toml"))
        (problem,) = error.value.problems
        line = next(i for i, t in enumerate(text.splitlines(), 1) if "value = 60" in t)
        assert problem.path.startswith(f"kota_bekasi.toml:{line} ")
        assert "'kartu_sehat_bekasi.max_decile' is impossible: 60 is outside 1-10" in (
            problem.message
        )

    def test_a_change_leaking_to_another_region_is_caught(self) -> None:
        """A variant of the whole province (32) meant for Bekasi (32.75) fails outside it."""
        variant = attrs.evolve(_bekasi(), region=RegionCode("32"))
        report = _check(variant)
        result = report.check("unchanged_outside_region")
        assert result.status is CheckStatus.FAILED
        failure = next(f for f in result.failures if f.program == "PKH")
        assert failure.household.region.code.startswith("32.")
        assert not failure.household.region.code.startswith("32.75")
        assert "PKH changes outside the intended region 32.75" in failure.en
        assert "pkh.elderly_min_age 70 -> 65" in failure.en
        assert "berubah di luar wilayah yang dimaksud 32.75" in failure.id
        assert any(p.age_on(failure.on) in range(65, 70) for p in failure.household.members)

    def test_a_change_leaking_to_another_program_is_caught(self) -> None:
        """Lowering the registry decile limit changes Sembako, PBI-JK...: not in the intent."""
        text = _text().replace(
            "# The PKH elderly",
            '[[override]]\nparameter = "registry.max_decile"\nvalue = 5\nfrom = 2026-01-01\n'
            'until = 2026-12-31\nsource = "Perwal (example)"\n\n# The PKH elderly',
        )
        report = _check(read_variant(text, origin="leak.toml"))
        result = report.check("unchanged_other_programs")
        assert result.status is CheckStatus.FAILED
        programs = {f.program for f in result.failures}
        assert "SEMBAKO" in programs
        failure = next(f for f in result.failures if f.program == "SEMBAKO")
        assert "SEMBAKO is not among the intended programs (PKH, KARTU_SEHAT_BEKASI)" in (
            failure.en
        )
        assert "registry.max_decile 4 -> 5" in failure.en
        assert failure.household.registry.decile == 5

    def test_an_until_that_never_restores_is_caught(self) -> None:
        """An override without until fails 'unchanged_after' the intent's end."""
        text = _text().replace(
            'from = 2026-01-01\nuntil = 2026-12-31\nsource = "Rancangan',
            ('from = 2026-01-01\nsource = "Rancangan'),
            1,
        )
        variant = read_variant(text, origin="forever.toml")
        assert variant.overrides[0].valid_until is None
        report = _check(variant)
        result = report.check("unchanged_after")
        assert result.status is CheckStatus.FAILED
        (failure,) = result.failures
        assert failure.program == "PKH"
        assert failure.on == date(2027, 1, 1)
        assert "does not return to the rules without the variant after the intended end" in (
            failure.en
        )
        assert "2026-12-31" in failure.en
        assert "pkh.elderly_min_age 70 -> 65" in failure.en
        assert any(p.age_on(failure.on) in range(65, 70) for p in failure.household.members)

    def test_a_change_before_the_start_is_caught(self) -> None:
        """An override starting a month early fails 'unchanged_before'."""
        text = _text().replace("value = 65\nfrom = 2026-01-01", "value = 65\nfrom = 2025-12-01")
        report = _check(read_variant(text, origin="early.toml"))
        (failure,) = report.check("unchanged_before").failures
        assert failure.on == date(2025, 12, 31)
        assert "PKH changes before the intended start 2026-01-01" in failure.en


class TestWithoutIntent:
    def test_differential_checks_are_skipped_and_say_why(self) -> None:
        """A variant without intent skips the four checks, saying what to add."""
        variant = attrs.evolve(_bekasi(), intent=None)
        report = _check(variant)
        result = report.check("unchanged_before")
        assert result.status is CheckStatus.SKIPPED
        assert "add [variant.intent]" in result.note_en

    def test_an_intent_without_end_or_with_every_program(self) -> None:
        """No until: the after check is skipped; every program named: so is the other one."""
        variant = Variant(
            name="x",
            region=RegionCode("32.75"),
            overrides=[
                Override(
                    parameter="pkh.elderly_min_age",
                    value=65,
                    valid_from=date(2026, 1, 1),
                    source="Perwal",
                )
            ],
            intent=Intent(programs=list(load_pack().programs), valid_from=date(2026, 1, 1)),
        )
        report = check_variant(variant, max_examples=5, programs=["PKH"])
        assert report.check("unchanged_after").status is CheckStatus.SKIPPED
        assert report.check("unchanged_other_programs").status is CheckStatus.SKIPPED
        assert report.check("unchanged_outside_region").status is CheckStatus.PASSED


class TestDifferences:
    def test_amounts_and_incomes_are_sampled_at_the_boundaries(self) -> None:
        """An amount has no governed input; the template alone stands for it."""
        variant = Variant(
            name="x",
            region=RegionCode("32.75"),
            overrides=[
                Override(
                    parameter="pkh.amount.elderly",
                    value=3_000_000,
                    valid_from=date(2026, 1, 1),
                    source="Perwal",
                )
            ],
        )
        base = load_pack()
        (change,) = changes(base, variant)
        household = example_at(base, change)
        assert household == template(RegionCode("32.75"), date(2026, 1, 1))
        assert differences(base, base.with_variants(variant), variant) == ()


class TestEdges:
    def test_ranges_villages_and_leap_days(self) -> None:
        """Ranges group consecutive values; a village region is its own template village."""
        from slrt_core.rules._differences import _born, _ranges, boundary_households

        assert _ranges(()) == "-"
        assert _ranges((1, 2, 3, 7, 9, 10)) == "1-3, 7, 9-10"
        village = RegionCode("32.75.01.1001")
        assert template(village, date(2026, 1, 1)).region == village
        assert _born(1, date(2028, 2, 29)) == date(2027, 2, 28)
        (change,) = changes(
            load_pack(),
            Variant(
                name="x",
                region=RegionCode("32.75"),
                overrides=[
                    Override(
                        parameter="sembako.amount",
                        value=250_000,
                        valid_from=date(2026, 1, 1),
                        source="Perwal",
                    )
                ],
            ),
        )
        assert (
            len(boundary_households(load_pack(), change, region=village, on=date(2026, 1, 1))) == 1
        )

    def test_income_thresholds_are_sampled_at_their_boundaries(self) -> None:
        """An income input is checked at value - 1, value, value + 1 and the old value."""
        from slrt_core.rules import (
            Compare,
            Criterion,
            MemberSum,
            Param,
            Parameter,
            ParameterValue,
            ValueType,
        )
        from slrt_core.rules._differences import governed_inputs

        variant = Variant(
            name="x",
            region=RegionCode("32.75"),
            parameters=[
                Parameter(
                    name="card.max_income",
                    type=ValueType.INT,
                    unit="IDR/month",
                    label_id="x",
                    label_en="x",
                    values=[
                        ParameterValue(
                            value=1_000_000, valid_from=date(2026, 1, 1), source="Perwal"
                        )
                    ],
                )
            ],
            criteria=[
                Criterion(
                    name="card_poor",
                    test=Compare(MemberSum("monthly_income"), "<=", Param("card.max_income")),
                    label_id="x",
                    label_en="x",
                )
            ],
        )
        after = load_pack().with_variants(variant)
        assert governed_inputs(after, "card.max_income") == ("monthly_income",)
        (change,) = changes(load_pack(), variant)
        from slrt_core.rules._differences import _values_for

        values, exhaustive = _values_for("monthly_income", change)
        assert (values, exhaustive) == ((999_999, 1_000_000, 1_000_001), False)

    def test_a_change_that_does_not_build_alone_uses_the_whole_variant(self) -> None:
        """An override of the variant's own parameter is examined with the whole variant."""
        text = (
            _text()
            .replace(
                "# The card ends with the budget year.",
                '[[override]]\nparameter = "kartu_sehat_bekasi.max_decile"\nvalue = 5\n'
                'from = 2026-06-01\nuntil = 2026-12-31\nsource = "Perwal"\n'
                "# The card ends with the budget year.",
            )
            .replace(
                "{ value = 6, from = 2026-01-01, until = 2026-12-31",
                "{ value = 6, from = 2026-01-01, until = 2026-05-31",
            )
        )
        variant = read_variant(text, origin="x.toml")
        base = load_pack()
        found = differences(base, base.with_variants(variant), variant)
        assert any(d.parameter == "kartu_sehat_bekasi.max_decile" for d in found)

    def test_report_lookups_and_empty_sections(self) -> None:
        """Unknown rows raise KeyError; a report without differences says none."""
        from slrt_core.rules import impact_report, synthetic_tables

        variant = Variant(
            name="x",
            region=RegionCode("32.75"),
            overrides=[
                Override(
                    parameter="sembako.amount",
                    value=250_000,
                    valid_from=date(2026, 1, 1),
                    source="Perwal",
                )
            ],
        )
        tables = synthetic_tables(300, seed=1, regions=["32.75.01.1001"])
        report = impact_report(variant, tables, programs=["SEMBAKO"])
        assert report.on == date(2026, 1, 1)
        with pytest.raises(KeyError):
            report.program("PKH")
        with pytest.raises(KeyError):
            report.group("regency", "31.71", "SEMBAKO")
        assert "## Where decisions differ\n\nnone" in report.markdown("en")
        assert report.program("SEMBAKO").to_existing > 0
        nothing = Variant(name="y", region=RegionCode("32.75"))
        empty = impact_report(nothing, tables, programs=["SEMBAKO"])
        assert empty.plots == ()
        assert "Plots need the plot extra" in empty.html("en")
        assert empty.on == max(
            v.valid_from for p in load_pack().parameters.values() for v in p.values
        )
