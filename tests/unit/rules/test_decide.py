"""Deciding one household: statuses, benefits, explanations, errors and serialisation."""

from __future__ import annotations

from datetime import date

import cattrs
import pytest
from tests.unit.rules.builders import ON, both, full_household, household, known_person, person

from slrt_core.errors import InvalidInputError
from slrt_core.household import Disability, Schooling
from slrt_core.identity import Sex
from slrt_core.rules import (
    Benefit,
    BenefitLine,
    Decision,
    Explanation,
    Outcome,
    ParameterUsed,
    Period,
    Status,
    decide,
    input_spec,
    input_specs,
    load_pack,
)


class TestPackDecisions:
    def test_a_full_household_gets_its_programs_with_benefits(self) -> None:
        """Every program is decided; money benefits add up from the pack's parameters."""
        (decided,) = both(load_pack(), [full_household()])
        statuses = {code: d.status for code, d in decided.items()}
        assert statuses == {
            "PKH": Status.ELIGIBLE,
            "SEMBAKO": Status.ELIGIBLE,
            "PBI_JK": Status.ELIGIBLE,
            "PIP": Status.ELIGIBLE,
            "RTLH": Status.ELIGIBLE,
            "LISTRIK": Status.ELIGIBLE,
            "ADMINDUK": Status.NOT_ELIGIBLE,
            "USULAN_DTSEN": Status.NOT_ELIGIBLE,
            "KUBE": Status.ELIGIBLE,
        }
        pkh = decided["PKH"].benefit
        assert pkh is not None
        assert pkh.amount == 3_000_000 + 3_000_000 + 900_000 + 2_400_000
        assert [line.member_id for line in pkh.lines] == ["m1", "m2", "m3", "m4"]
        assert pkh.lines[0] == BenefitLine(
            component="pkh_pregnant", member_id="m1", amount=3_000_000
        )
        assert pkh.period is Period.YEAR
        assert decided["PBI_JK"].benefit.amount == 4 * 42_000  # type: ignore[union-attr]
        assert decided["RTLH"].benefit.unit == "house"  # type: ignore[union-attr]
        assert decided["LISTRIK"].benefit.amount is None  # type: ignore[union-attr]
        assert decided["SEMBAKO"].eligible

    def test_an_uncertain_parameter_marks_the_benefit(self) -> None:
        """The severe-disability amount is marked † in its source; the benefit says so."""
        disabled = household(
            known_person("m1", age=40, disability=Disability.SEVERE),
        )
        (decided,) = both(load_pack(), [disabled])
        benefit = decided["PKH"].benefit
        assert benefit is not None
        assert benefit.uncertain
        assert decided["PKH"].uncertain
        assert "†" in benefit.render("en")

    def test_a_cap_that_binds_uses_its_uncertain_value(self) -> None:
        """Five pupils: only four count, and the cap's uncertainty shows."""
        pupils = [
            known_person(f"m{i}", age=9, schooling=Schooling.SD, serial=i) for i in range(2, 7)
        ]
        (decided,) = both(load_pack(), [household(known_person("m1"), *pupils)])
        benefit = decided["PKH"].benefit
        assert benefit is not None
        assert benefit.amount == 4 * 900_000
        assert len(benefit.lines) == 4
        assert benefit.uncertain

    def test_a_missing_input_means_verification_with_what_to_collect(self) -> None:
        """Unknown pregnancy and decile are listed, not silently refused."""
        unknown = household(
            person(
                "m1", sex=Sex.FEMALE, schooling=Schooling.NOT_IN_SCHOOL, disability=Disability.NONE
            ),
            decile=None,
        )
        (decided,) = both(load_pack(), [unknown])
        pkh = decided["PKH"]
        assert pkh.status is Status.NEEDS_VERIFICATION
        assert pkh.missing == ("decile", "members[m1].pregnant")
        assert pkh.benefit is None
        assert "Collect: decile, members[m1].pregnant" in pkh.render("en")
        assert "Lengkapi data" in pkh.render("id")

    def test_a_benefit_may_be_incomplete_though_eligible(self) -> None:
        """An eligible family whose other member's component is unknown gets the sure part."""
        family = household(
            known_person("m1", age=75),
            person(
                "m2",
                sex=Sex.FEMALE,
                age=30,
                schooling=Schooling.NOT_IN_SCHOOL,
                disability=Disability.NONE,
            ),
        )
        (decided,) = both(load_pack(), [family])
        benefit = decided["PKH"].benefit
        assert decided["PKH"].status is Status.ELIGIBLE
        assert benefit is not None
        assert benefit.amount == 2_400_000
        assert not benefit.complete
        assert "at least" in benefit.render("en")
        assert "paling sedikit" in benefit.render("id")

    def test_dated_values_follow_the_evaluation_date(self) -> None:
        """The SMA amount of PIP changes on 1 January 2024."""
        pupil = household(known_person("m1"), known_person("m2", age=16, schooling=Schooling.SMA))
        before = decide(pupil, on=date(2023, 7, 1), rulebook=load_pack(), programs=["PIP"])
        after = decide(pupil, on=date(2024, 7, 1), rulebook=load_pack(), programs=["PIP"])
        assert before["PIP"].benefit.amount == 1_000_000  # type: ignore[union-attr]
        assert after["PIP"].benefit.amount == 1_800_000  # type: ignore[union-attr]


class TestExplanations:
    def test_the_tree_cites_inputs_thresholds_dates_and_sources(self) -> None:
        """Each criterion node has its outcome, inputs, parameter value, date and source."""
        (decided,) = both(load_pack(), [full_household()])
        tree = decided["PKH"].explanation
        assert tree.criterion == "PKH"
        assert tree.outcome is Outcome.TRUE
        elderly = tree.find("pkh_elderly")
        assert elderly is not None
        assert elderly.members == {
            "m1": Outcome.FALSE,
            "m2": Outcome.FALSE,
            "m3": Outcome.FALSE,
            "m4": Outcome.TRUE,
        }
        assert elderly.inputs["members[m4].age"] == "75"
        (threshold,) = elderly.parameters
        assert threshold.value == "70"
        assert threshold.valid_from == date(2021, 1, 1)
        assert "[21][22]" in threshold.source
        assert tree.find("in_registry").inputs == {"in_registry": "true"}  # type: ignore[union-attr]
        assert tree.find("no-such-criterion") is None

    def test_the_tree_renders_in_both_languages(self) -> None:
        """Rendering gives one line per criterion, in Bahasa Indonesia or English."""
        (decided,) = both(load_pack(), [full_household()])
        english = decided["PKH"].render("en")
        indonesian = decided["PKH"].render("id")
        assert english.startswith("PKH (Family Hope Programme (PKH)")
        assert "Benefit: Rp9,300,000 per year" in english
        assert "Manfaat: Rp9.300.000 per tahun" in indonesian
        assert "[v] Lanjut usia: ya" in indonesian
        assert "pkh.elderly_min_age = 70 years (from 2021-01-01, national" in english
        assert "† uncertain, verify" in english
        assert "[anggota m1: tidak" in indonesian

    def test_parameters_render_their_region_and_end(self) -> None:
        """A regional value with an end date says where and until when it applies."""
        used = ParameterUsed(
            name="x",
            value="5",
            valid_from=date(2025, 1, 1),
            valid_until=date(2025, 12, 31),
            region="33.74",
            source="",
        )
        assert (
            used.render("en") == "x = 5 (from 2025-01-01 until 2025-12-31, region 33.74; source: -)"
        )
        assert "sampai 31 Desember 2025, wilayah 33.74" in used.render("id")

    def test_statuses_and_benefits_render(self) -> None:
        """Labels and one-line benefits exist in both languages."""
        assert Status.ELIGIBLE.label("id") == "layak"
        assert Benefit(amount=20_000_000, period=Period.ONCE, unit="house").render("en") == (
            "Rp20,000,000 once (per house)"
        )
        in_kind = Benefit(amount=None, description_id="Tarif subsidi", description_en="Tariff")
        assert in_kind.render("id") == "Tarif subsidi"
        leaf = Explanation(criterion="a", label_id="A", label_en="A", outcome=Outcome.FALSE)
        assert [n.criterion for n in leaf.walk()] == ["a"]


class TestErrors:
    def test_a_birth_date_after_the_evaluation_date_is_refused(self) -> None:
        """Deciding before a member was born is an input error, not a negative age."""
        with pytest.raises(InvalidInputError, match="negative age"):
            decide(household(person("m1", age=1)), on=date(2020, 1, 1), rulebook=load_pack())

    def test_an_unknown_program_is_refused(self) -> None:
        """Asking for a program the rulebook lacks names the ones it has."""
        with pytest.raises(InvalidInputError, match=r"Unknown program 'BLT'.*PKH"):
            decide(household(), on=ON, rulebook=load_pack(), programs=["BLT"])


class TestSerialisation:
    def test_decisions_round_trip_through_cattrs(self) -> None:
        """A cattrs converter (with ISO dates) unstructures and structures decisions unchanged."""
        converter = cattrs.Converter()
        converter.register_unstructure_hook(date, date.isoformat)
        converter.register_structure_hook(date, lambda v, _: date.fromisoformat(v))
        decided = decide(full_household(), on=ON, rulebook=load_pack())
        for decision in decided.values():
            data = converter.unstructure(decision)
            assert converter.structure(data, Decision) == decision
        assert isinstance(converter.unstructure(decided["PKH"])["explanation"]["children"], list)

    def test_decisions_round_trip_through_the_library_converter(self) -> None:
        """The one converter of slrt_core stores decisions as plain JSON types."""
        from slrt_core.serialization import converter

        decision = decide(full_household(), on=ON, rulebook=load_pack())["PKH"]
        assert converter.structure(converter.unstructure(decision), Decision) == decision


class TestInputs:
    def test_inputs_are_described(self) -> None:
        """Each input has a scope, a type, labels and, for enumerations, choices."""
        names = [spec.name for spec in input_specs()]
        assert "has_nik" in names
        disability = input_spec("disability")
        assert disability is not None
        assert disability.choices == ("none", "mild", "moderate", "severe")
        assert input_spec("receives.X") is not None
        assert input_spec("receives.lower") is None
