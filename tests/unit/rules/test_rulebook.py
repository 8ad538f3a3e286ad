"""Building rulebooks: validation listing every problem, dependencies, regions and dates."""

from __future__ import annotations

from datetime import date

import pytest
from tests.unit.rules.builders import (
    BANDUNG,
    MIROTO,
    ON,
    START,
    both,
    criterion,
    household,
    param,
    program,
    registry_rulebook,
    tiny,
)

from slrt_core.errors import InvalidInputError
from slrt_core.identity import RegionCode
from slrt_core.rules import (
    AllOf,
    AnyOf,
    AtLeast,
    Compare,
    Component,
    Criterion,
    Eligible,
    FixedBenefit,
    Flag,
    InKindBenefit,
    Input,
    MemberAny,
    MemberCount,
    MemberSum,
    Not,
    Overlap,
    OverlapKind,
    Override,
    Param,
    Parameter,
    ParameterValue,
    PerCapita,
    Period,
    PerMemberBenefit,
    Status,
    SwitchOff,
    Value,
    ValueType,
    Variant,
    decide,
    load_pack,
)
from slrt_core.rules._parameters import ParameterTable, format_value
from slrt_core.rules._rulebook import chain_of
from slrt_core.vocabulary import Sector


def _problems(error: pytest.ExceptionInfo[InvalidInputError]) -> list[str]:
    return [p.render("en") for p in error.value.problems]


class TestPack:
    def test_the_pack_has_the_issue_programs(self) -> None:
        """The Indonesian pack ships the nine programs of the issue."""
        assert set(load_pack().programs) == {
            "PKH",
            "SEMBAKO",
            "PBI_JK",
            "PIP",
            "RTLH",
            "LISTRIK",
            "ADMINDUK",
            "USULAN_DTSEN",
            "KUBE",
        }

    def test_programs_are_found_by_sector(self) -> None:
        """Needs map to candidate programs through their sectors."""
        pack = load_pack()
        assert pack.programs_for(Sector.HEALTH) == ("PKH", "PBI_JK")
        assert pack.programs_for(Sector.CIVIL_DOCUMENTS) == ("ADMINDUK",)
        assert pack.programs_for(Sector.OTHER) == ()

    def test_inputs_are_declared_per_program(self) -> None:
        """A program's inputs include those of the criteria and overlaps it uses."""
        pack = load_pack()
        assert pack.inputs("PBI_JK") == ("decile", "has_nik", "in_registry", "receives.PBI_APBD")
        assert "age" in pack.inputs("PKH")
        with pytest.raises(InvalidInputError, match="Unknown program 'NOPE'"):
            pack.inputs("NOPE")

    def test_uncertain_values_are_flagged(self) -> None:
        """Values the reference marks † carry the uncertain flag into explanations."""
        used = load_pack().resolve(MIROTO, ON).parameters
        assert used["pkh.max_components"].uncertain
        assert not used["pkh.amount.pregnant"].uncertain
        assert used["pkh.amount.pregnant"].source.endswith("[21][22]")

    def test_version_is_stable_and_tracks_content(self) -> None:
        """The same definitions give the same version; a variant changes it."""
        pack = load_pack()
        again = load_pack().with_variants()
        assert again.version == pack.version
        changed = pack.with_variants(
            Variant(
                name="v",
                region=RegionCode("33.74"),
                overrides=[
                    Override(parameter="sembako.amount", value=1, valid_from=ON, source="x")
                ],
            )
        )
        assert changed.version != pack.version
        assert changed.version.startswith("2025.1+")
        assert "SEMBAKO" in repr(changed)


class TestParameters:
    def test_the_most_specific_layer_with_a_value_wins(self) -> None:
        """A regency value beats the province and national ones, only on its dates."""
        table = ParameterTable()
        table.add("x", "", ParameterValue(value=1, valid_from=date(2020, 1, 1), source="n"))
        table.add("x", "33", ParameterValue(value=2, valid_from=date(2021, 1, 1), source="p"))
        table.add(
            "x",
            "33.74",
            ParameterValue(
                value=3, valid_from=date(2022, 1, 1), valid_until=date(2022, 12, 31), source="r"
            ),
        )
        chain = chain_of("33.74.01.1001")
        assert table.resolve("x", chain, date(2019, 1, 1)) is None
        assert table.resolve("x", chain, date(2020, 6, 1))[0] == 1  # type: ignore[index]
        assert table.resolve("x", chain, date(2021, 6, 1))[0] == 2  # type: ignore[index]
        assert table.resolve("x", chain, date(2022, 6, 1))[0] == 3  # type: ignore[index]
        assert table.resolve("x", chain, date(2023, 6, 1))[0] == 2  # type: ignore[index]
        assert table.resolve("y", chain, date(2023, 6, 1)) is None
        assert table.regional_codes() == {"33", "33.74"}
        assert table.is_regional("x")

    def test_values_render_as_text(self) -> None:
        """Lists, bools and numbers become the text shown in explanations."""
        assert format_value((450, 900)) == "450, 900"
        assert format_value(False) == "false"
        assert chain_of("") == ("",)

    def test_resolution_for_a_region_and_date(self) -> None:
        """A rulebook resolves to the programs offered and the values in force."""
        resolution = load_pack().resolve("33.74.01.1001", date(2023, 6, 1))
        assert "RTLH" not in resolution.offered
        assert resolution.parameters["pip.amount.sma"].value == "1000000"


class TestVariants:
    def test_an_override_changes_only_its_region_and_dates(self) -> None:
        """Semarang's lower threshold applies in Semarang from its date, nowhere else."""
        rulebook = registry_rulebook().with_variants(
            Variant(
                name="semarang",
                region=RegionCode("33.74"),
                overrides=[
                    Override(
                        parameter="amount",
                        value=150,
                        valid_from=date(2025, 1, 1),
                        valid_until=date(2025, 12, 31),
                        source="Perwali (test)",
                    )
                ],
            )
        )
        homes = [household(), household(region=BANDUNG)]
        decided = both(rulebook, homes)
        assert [d["LISTED"].benefit.amount for d in decided] == [150, 100]  # type: ignore[union-attr]
        later = both(rulebook, homes[:1], on=date(2026, 1, 1))
        assert later[0]["LISTED"].benefit.amount == 100  # type: ignore[union-attr]

    def test_a_switched_off_program_is_not_offered_there(self) -> None:
        """A program switched off in a region is not eligible there, and says why."""
        rulebook = registry_rulebook().with_variants(
            Variant(
                name="no-listed",
                region=RegionCode("33"),
                switch_offs=[SwitchOff(program="LISTED", valid_from=date(2025, 1, 1))],
            )
        )
        decided = both(rulebook, [household(), household(region=BANDUNG)])
        assert decided[0]["LISTED"].status is Status.NOT_ELIGIBLE
        assert decided[0]["LISTED"].explanation.find("LISTED:offered").outcome.value == "false"  # type: ignore[union-attr]
        assert decided[1]["LISTED"].status is Status.ELIGIBLE

    def test_a_local_program_is_offered_only_in_its_region(self) -> None:
        """A city health card defined by a variant exists only inside the city."""
        card = Variant(
            name="card",
            region=RegionCode("33.74"),
            parameters=[param("card.max_decile", 6)],
            criteria=[
                criterion("card_decile", Compare(Input("decile"), "<=", Param("card.max_decile")))
            ],
            programs=[
                program(
                    "CARD",
                    "card_decile",
                    benefit=InKindBenefit(description_id="Kartu", description_en="Card"),
                    offered_from=date(2025, 1, 1),
                    overlaps=[Overlap(program="LISTED", kind=OverlapKind.EXCLUDES)],
                )
            ],
        )
        rulebook = registry_rulebook().with_variants(card)
        homes = [
            household(in_registry=False, decile=5),
            household(in_registry=True, decile=5),
            household(region=BANDUNG, in_registry=False, decile=5),
        ]
        decided = both(rulebook, homes)
        assert [d["CARD"].status for d in decided] == [
            Status.ELIGIBLE,
            Status.NOT_ELIGIBLE,
            Status.NOT_ELIGIBLE,
        ]
        assert decided[0]["CARD"].benefit.description_en == "Card"  # type: ignore[union-attr]

    def test_programs_already_received_are_not_duplicated(self) -> None:
        """A program duplicating another is not given to its recipients."""
        rulebook = tiny(
            [criterion("listed", Compare(Input("in_registry"), "==", Value(value=True)))],
            [
                program(
                    "PBI",
                    "listed",
                    overlaps=[Overlap(program="PBI_APBD", kind=OverlapKind.DUPLICATES)],
                )
            ],
        )
        decided = both(rulebook, [household(receives=["PBI_APBD"]), household()])
        assert [d["PBI"].status for d in decided] == [Status.NOT_ELIGIBLE, Status.ELIGIBLE]


def _bad_base(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "name": "t",
        "version": "0",
        "parameters": [param("amount", 100)],
        "criteria": [criterion("listed", Compare(Input("in_registry"), "==", Value(value=True)))],
        "programs": [program("LISTED", "listed")],
    }
    base.update(kw)
    return base


class TestValidation:
    def test_every_problem_is_listed_at_once(self) -> None:
        """Unknown names, wrong types, bad operators and bad values are all reported."""
        from slrt_core.rules import Rulebook

        criteria = [
            criterion("unknown_input", Compare(Input("salary"), "==", Value(value=1))),
            criterion("unknown_param", Compare(Input("decile"), "<", Param("nope"))),
            criterion("wrong_type", Compare(Input("decile"), "<", Value(value="two"))),
            criterion("ordered_text", Compare(Input("floor"), "<", Value(value="earth"))),
            criterion("bad_choice", Compare(Input("floor"), "==", Value(value="marble"))),
            criterion("bad_list", Compare(Input("wall"), "in", Value(value="bamboo"))),
            criterion("bad_op", Compare(Input("decile"), "~", Value(value=1))),  # type: ignore[arg-type]
            criterion("bad_left", Compare("decile", "==", Value(value=1))),  # type: ignore[arg-type]
            criterion("bad_right", Compare(Input("decile"), "==", 1)),  # type: ignore[arg-type]
            criterion("empty_all", AllOf([])),
            criterion("too_many", AtLeast(3, ["listed", "listed"])),
            criterion("missing_ref", AnyOf(["listed", "nowhere"])),
            criterion("member_any_household", MemberAny("listed")),
            criterion("count_household", Compare(MemberCount("listed"), ">", Value(value=0))),
            criterion("sum_text", Compare(MemberSum("sex"), ">", Value(value=0))),
            criterion("sum_unknown", Compare(PerCapita("wages"), ">", Value(value=0))),
            criterion("flag_int", Flag("amount")),
            criterion("flag_unknown", Flag("nothing")),
            criterion("eligible_unknown", Eligible("NOPE")),
            criterion("weird", "not a test"),  # type: ignore[arg-type]
            criterion("Bad-Name", Not("listed")),
        ]
        with pytest.raises(InvalidInputError) as error:
            Rulebook.build(**_bad_base(criteria=[*_bad_base()["criteria"], *criteria]))  # type: ignore[arg-type, list-item]
        problems = _problems(error)
        expected = [
            "criteria.unknown_input.input: Unknown input 'salary'",
            "Unknown parameter 'nope'",
            "Cannot compare a int with '<' against text",
            "Only numbers can be ordered",
            "marble is not a possible value here",
            "Use a list of values on the right",
            "Unknown operator '~'",
            "The left side of a comparison must be",
            "The right side of a comparison must be",
            "'empty_all' combines no criteria",
            "at_least needs k between 1 and 2",
            "Unknown criterion 'nowhere'",
            "'listed' is about the household, but a member aggregate",
            "Sums over members need an int member input",
            "Unknown input 'wages'",
            "A flag needs a bool parameter",
            "Unknown parameter 'nothing'",
            "Unknown program 'NOPE'",
            "Unknown test 'not a test'",
            "Criterion name 'Bad-Name' must be a snake_case word",
        ]
        for text in expected:
            assert any(text in p for p in problems), (text, problems)
        assert str(error.value).startswith(f"{len(problems)} problems in the rulebook")
        assert "buku aturan" in error.value.message("id")

    def test_program_problems_are_listed(self) -> None:
        """Programs must name known criteria and int parameters of the right scope."""
        from slrt_core.rules import Rulebook

        criteria = [
            criterion("listed", Compare(Input("in_registry"), "==", Value(value=True))),
            criterion("old", Compare(Input("age"), ">", Value(value=60))),
        ]
        programs = [
            program("MEMBER", "old"),
            program("UNKNOWN", "ghost"),
            program(
                "BENEFITS",
                "listed",
                benefit=PerMemberBenefit(
                    components=[
                        Component(criterion="listed", amount="amount"),
                        Component(criterion="ghost", amount="flag"),
                    ],
                    period="weekly",  # type: ignore[arg-type]
                    cap="nothing",
                ),
                sectors=["space"],  # type: ignore[list-item]
                tier="galactic",  # type: ignore[arg-type]
                overlaps=[
                    Overlap(program="MISSING", kind=OverlapKind.EXCLUDES),
                    Overlap(program="BENEFITS", kind=OverlapKind.DUPLICATES),
                    Overlap(program="OTHER", kind="friends"),  # type: ignore[arg-type]
                ],
            ),
            program("EMPTY", "listed", benefit=PerMemberBenefit(components=[], period=Period.YEAR)),
            program("ODD", "listed", benefit="money"),  # type: ignore[arg-type]
            program("FIXED", "listed", benefit=FixedBenefit(amount="flag", period=Period.MONTH)),
            program("lower", "listed"),
            program("LISTED", "listed"),
            program("LISTED", "listed"),
        ]
        params = [param("amount", 100), param("flag", value=True, kind=ValueType.BOOL)]
        with pytest.raises(InvalidInputError) as error:
            Rulebook.build(
                name="t", version="0", parameters=params, criteria=criteria, programs=programs
            )
        problems = _problems(error)
        for text in [
            "The eligibility of MEMBER must be a household criterion",
            "programs.UNKNOWN.eligibility: Unknown criterion 'ghost'",
            "A benefit component must be a member criterion",
            "Parameter 'flag' must be an int",
            "Unknown period 'weekly'",
            "Unknown sector 'space'",
            "Unknown tier 'galactic'",
            "Unknown program 'MISSING'",
            "An overlap must name another program code, not 'BENEFITS'",
            "Unknown overlap 'friends'",
            "A per-member benefit needs at least one component",
            "Unknown benefit 'money'",
            "Program code 'lower' must be upper case",
            "The program 'LISTED' is already defined",
        ]:
            assert any(text in p for p in problems), (text, problems)

    def test_parameter_problems_are_listed(self) -> None:
        """Types, dates, names, regions and overlapping values of parameters are checked."""
        from slrt_core.rules import Rulebook

        day = date(2024, 1, 1)
        params = [
            param("amount", 100),
            Parameter(
                name="Bad Name",
                type=ValueType.INT,
                label_id="",
                label_en="",
                values=[ParameterValue(value=1, valid_from=day, source="")],
            ),
            Parameter(name="empty", type=ValueType.INT, label_id="", label_en="", values=[]),
            Parameter(
                name="typed",
                type="money",
                label_id="",
                label_en="",
                values=[ParameterValue(value=1, valid_from=day, source="")],
            ),  # type: ignore[arg-type]
            Parameter(
                name="clash",
                type=ValueType.INT,
                label_id="",
                label_en="",
                values=[
                    ParameterValue(
                        value=1, valid_from=day, valid_until=date(2024, 12, 31), source="a"
                    ),
                    ParameterValue(value=2, valid_from=date(2024, 6, 1), source="b"),
                    ParameterValue(value="3", valid_from=date(2025, 6, 1), source="c"),
                    ParameterValue(
                        value=4, valid_from=day, valid_until=date(2023, 1, 1), source="d"
                    ),
                ],
                regional={
                    "99.99": [ParameterValue(value=1, valid_from=day, source="")],
                    "nonsense": [ParameterValue(value=1, valid_from=day, source="")],
                },
            ),
            param("amount", 5),
        ]
        with pytest.raises(InvalidInputError) as error:
            Rulebook.build(**_bad_base(parameters=params))  # type: ignore[arg-type]
        problems = _problems(error)
        for text in [
            "Parameter name 'Bad Name' must be dotted lower-case words",
            "Parameter 'empty' has no value",
            "Unknown type 'money'",
            "Values of 'clash' for national overlap",
            "the value '3' is text",
            "ends on 2023-01-01 before it starts on 2024-01-01",
            "Region '99.99' is not in the Kemendagri 2025 list",
            "Region 'nonsense' is not in the Kemendagri 2025 list",
            "The parameter 'amount' is already defined",
        ]:
            assert any(text in p for p in problems), (text, problems)

    def test_dependency_cycles_are_refused(self) -> None:
        """Criteria that depend on themselves, directly or through programs, are refused."""
        from slrt_core.rules import Rulebook

        criteria = [
            criterion("a", AllOf(["b"])),
            criterion("b", AnyOf(["a"])),
            criterion("c", Eligible("LOOP")),
        ]
        with pytest.raises(InvalidInputError) as error:
            Rulebook.build(
                name="t",
                version="0",
                parameters=[param("amount", 1)],
                criteria=criteria,
                programs=[program("LOOP", "c"), program("AB", "a")],
            )
        problems = _problems(error)
        assert any("a -> b -> a" in p for p in problems), problems
        assert any("c -> LOOP -> c" in p for p in problems), problems

    def test_variant_problems_name_the_variant(self) -> None:
        """Overrides of unknown names, values of the wrong type and outside regions fail."""
        variant = Variant(
            name="bad",
            region=RegionCode("33.74"),
            overrides=[
                Override(parameter="amonut", value=1, valid_from=ON),
                Override(parameter="amount", value="lots", valid_from=ON),
                Override(parameter="amount", value=1, valid_from=ON, region=RegionCode("32.73")),
                Override(parameter="amount", value=1, valid_from=ON, region=RegionCode("33.74.99")),
                Override(parameter="programs.LISTED.offered", value=False, valid_from=ON),
                Override(parameter="programs.NOPE.offered", value=False, valid_from=ON),
            ],
            switch_offs=[
                SwitchOff(program="NOPE", valid_from=ON),
                SwitchOff(program="LISTED", valid_from=ON, region=RegionCode("32")),
                SwitchOff(program="LISTED", valid_from=ON, valid_until=date(2020, 1, 1)),
            ],
        )
        with pytest.raises(InvalidInputError) as error:
            registry_rulebook().with_variants(variant)
        problems = _problems(error)
        for text in [
            (
                "variant 'bad' override[0].parameter: Unknown parameter 'amonut'. "
                "Did you mean 'amount'?"
            ),
            "override[1].value: Parameter 'amount' is of type int, but the value 'lots' is text",
            "Region 32.73 is outside the variant's region 33.74",
            "Region '33.74.99' is not in the Kemendagri 2025 list",
            "override[5].parameter: Unknown parameter 'programs.NOPE.offered'",
            "switch_off[0].program: Unknown program 'NOPE'",
            "Region 32 is outside the variant's region 33.74",
            "switch_off[2].valid_until",
        ]:
            assert any(text in p for p in problems), (text, problems)

    def test_a_variant_in_an_unknown_region_is_refused(self) -> None:
        """The region of a variant must be in the Kemendagri list."""
        with pytest.raises(InvalidInputError, match=r"Region 99\.99 is not in the Kemendagri"):
            registry_rulebook().with_variants(Variant(name="x", region=RegionCode("99.99")))

    def test_a_variant_may_not_redefine_what_exists(self) -> None:
        """A variant defines new names; changing values goes through overrides."""
        variant = Variant(
            name="dup",
            region=RegionCode("33.74"),
            parameters=[param("amount", 1)],
            criteria=[criterion("listed", Not("listed"))],
        )
        with pytest.raises(InvalidInputError) as error:
            registry_rulebook().with_variants(variant)
        problems = _problems(error)
        assert any("The parameter 'amount' is already defined" in p for p in problems)
        assert any("The criterion 'listed' is already defined" in p for p in problems)

    def test_a_criterion_of_a_variant_may_reach_the_base(self) -> None:
        """A variant's program uses the pack's criteria and overrides a flag directly."""
        pack = load_pack()
        rulebook = pack.with_variants(
            Variant(
                name="kube-off",
                region=RegionCode("33.74"),
                overrides=[Override(parameter="programs.KUBE.offered", value=False, valid_from=ON)],
            )
        )
        decided = decide(household(), on=ON, rulebook=rulebook, programs=["KUBE"])
        assert decided["KUBE"].status is Status.NOT_ELIGIBLE

    def test_criteria_of_unknown_shape_fail_without_crashing(self) -> None:
        """Criterion-like values from a host app are reported, not raised as TypeError."""
        from slrt_core.rules import Rulebook

        with pytest.raises(InvalidInputError, match="Unknown criterion"):
            Rulebook.build(
                **_bad_base(criteria=[Criterion(name="x", test=Not("y"), label_id="", label_en="")])  # type: ignore[arg-type]
            )
        assert START < ON
