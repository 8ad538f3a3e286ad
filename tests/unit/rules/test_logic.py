"""Three-valued criteria, member aggregates and their agreement across both evaluators."""

from __future__ import annotations

import itertools

import pytest
from tests.unit.rules.builders import both, criterion, household, param, person, program, tiny

from slrt_core.identity import Sex
from slrt_core.rules import (
    AllOf,
    AnyOf,
    AtLeast,
    Compare,
    Eligible,
    Flag,
    Input,
    MemberAny,
    MemberCount,
    MemberSum,
    Not,
    Param,
    PerCapita,
    Status,
    Value,
    ValueType,
)
from slrt_core.rules._criteria import criterion_refs, input_refs, param_refs

TRI = (True, False, None)


def _kleene_all(values: tuple[bool | None, ...]) -> bool | None:
    if False in values:
        return False
    return None if None in values else True


def _kleene_any(values: tuple[bool | None, ...]) -> bool | None:
    if True in values:
        return True
    return None if None in values else False


def _status(value: bool | None) -> Status:
    return {True: Status.ELIGIBLE, False: Status.NOT_ELIGIBLE, None: Status.NEEDS_VERIFICATION}[
        value
    ]


def _logic_rulebook():
    return tiny(
        [
            criterion("a", Compare(Input("in_registry"), "==", Value(value=True))),
            criterion("b", Compare(Input("owns_land"), "==", Value(value=True))),
            criterion("c", Compare(Input("roof_unfit"), "!=", Value(value=False))),
            criterion("all_ab", AllOf(["a", "b"])),
            criterion("any_ab", AnyOf(["a", "b"])),
            criterion("not_a", Not("a")),
            criterion("two_of_three", AtLeast(2, ["a", "b", "c"])),
            criterion("all_abc", AllOf(["a", "b", "c"])),
        ],
        [
            program("ALL", "all_ab"),
            program("ANY", "any_ab"),
            program("NOT", "not_a"),
            program("TWO", "two_of_three"),
            program("THREE", "all_abc"),
        ],
    )


class TestKleeneLogic:
    def test_every_combination_follows_kleene_logic_in_both_evaluators(self) -> None:
        """All/any/not/at-least give Kleene outcomes for every true/false/unknown input."""
        rulebook = _logic_rulebook()
        combos = list(itertools.product(TRI, repeat=3))
        homes = [household(in_registry=a, owns_land=b, roof_unfit=c) for a, b, c in combos]
        decided = both(rulebook, homes)
        for (a, b, c), decisions in zip(combos, decided, strict=True):
            assert decisions["ALL"].status is _status(_kleene_all((a, b)))
            assert decisions["ANY"].status is _status(_kleene_any((a, b)))
            assert decisions["NOT"].status is _status(None if a is None else not a)
            assert decisions["THREE"].status is _status(_kleene_all((a, b, c)))
            true = sum(v is True for v in (a, b, c))
            unknown = sum(v is None for v in (a, b, c))
            expected = True if true >= 2 else (False if true + unknown < 2 else None)
            assert decisions["TWO"].status is _status(expected)

    def test_unknown_lists_only_the_inputs_that_matter(self) -> None:
        """A false part decides an all-of, so the unknown other part is not asked for."""
        rulebook = _logic_rulebook()
        (decided,) = both(rulebook, [household(in_registry=None, owns_land=None)])
        assert decided["ALL"].missing == ("in_registry", "owns_land")
        (decided,) = both(rulebook, [household(in_registry=False, owns_land=None)])
        assert decided["ALL"].status is Status.NOT_ELIGIBLE
        assert decided["ALL"].missing == ()


def _member_rulebook():
    return tiny(
        [
            criterion("pregnant", Compare(Input("pregnant"), "==", Value(value=True))),
            criterion("has_pregnant", MemberAny("pregnant")),
            criterion("child", Compare(Input("age"), "<", Value(value=18))),
            criterion("two_children", Compare(MemberCount("child"), ">=", Value(value=2))),
            criterion("poor", Compare(MemberSum("monthly_income"), "<", Value(value=1_000_000))),
            criterion(
                "poor_each", Compare(PerCapita("monthly_income"), "<", Param("per_capita_line"))
            ),
            criterion("young_mother", AllOf(["pregnant", "child"])),
            criterion("has_young_mother", MemberAny("young_mother")),
            criterion("not_pregnant", Not("pregnant")),
            criterion("anyone_not_pregnant", MemberAny("not_pregnant")),
            criterion(
                "listed_pregnant",
                AllOf(["pregnant", "listed"]),
            ),
            criterion("listed", Compare(Input("in_registry"), "==", Value(value=True))),
            criterion("has_listed_pregnant", MemberAny("listed_pregnant")),
            criterion("many", Compare(Input("household_size"), ">=", Value(value=3))),
        ],
        [
            program("PREG", "has_pregnant"),
            program("KIDS", "two_children"),
            program("POOR", "poor"),
            program("EACH", "poor_each"),
            program("YOUNG", "has_young_mother"),
            program("NOTP", "anyone_not_pregnant"),
            program("LISTP", "has_listed_pregnant"),
            program("MANY", "many"),
        ],
        [param("per_capita_line", 400_000)],
    )


class TestMemberAggregates:
    def test_any_member_is_true_once_one_member_is(self) -> None:
        """One pregnant member decides, whatever the others' unknowns."""
        rulebook = _member_rulebook()
        homes = [
            household(
                person("m1", sex=Sex.FEMALE, pregnant=None),
                person("m2", sex=Sex.FEMALE, pregnant=True),
            ),
            household(person("m1", sex=Sex.FEMALE, pregnant=None), person("m2", pregnant=False)),
            household(person("m1", pregnant=False)),
        ]
        statuses = [d["PREG"].status for d in both(rulebook, homes)]
        assert statuses == [Status.ELIGIBLE, Status.NEEDS_VERIFICATION, Status.NOT_ELIGIBLE]

    def test_member_count_is_unknown_while_a_member_is(self) -> None:
        """Counting children needs every member's age; ages are always known here."""
        rulebook = _member_rulebook()
        homes = [
            household(person("m1"), person("m2", age=3), person("m3", age=7)),
            household(person("m1"), person("m2", age=3)),
        ]
        statuses = [d["KIDS"].status for d in both(rulebook, homes)]
        assert statuses == [Status.ELIGIBLE, Status.NOT_ELIGIBLE]
        explained = both(rulebook, homes[:1])[0]["KIDS"].explanation
        assert explained.find("two_children").inputs == {"count(child)": "2"}

    def test_sums_need_every_member_income(self) -> None:
        """A missing income makes the household sum and per-capita income unknown."""
        rulebook = _member_rulebook()
        homes = [
            household(person("m1", monthly_income=600_000), person("m2", monthly_income=300_000)),
            household(person("m1", monthly_income=600_000), person("m2", monthly_income=None)),
            household(person("m1", monthly_income=900_000), person("m2", monthly_income=300_000)),
        ]
        decided = both(rulebook, homes)
        assert [d["POOR"].status for d in decided] == [
            Status.ELIGIBLE,
            Status.NEEDS_VERIFICATION,
            Status.NOT_ELIGIBLE,
        ]
        assert [d["EACH"].status for d in decided] == [
            Status.NOT_ELIGIBLE,
            Status.NEEDS_VERIFICATION,
            Status.NOT_ELIGIBLE,
        ]
        assert decided[1]["POOR"].missing == ("members[m2].monthly_income",)
        inputs = decided[0]["EACH"].explanation.find("poor_each").inputs
        assert inputs["per_capita(monthly_income)"] == "450000"
        assert decided[0]["POOR"].explanation.find("poor").inputs["sum(monthly_income)"] == "900000"

    def test_member_criteria_may_use_household_criteria(self) -> None:
        """A member criterion mixing a household criterion broadcasts it to each member."""
        rulebook = _member_rulebook()
        homes = [
            household(person("m1", sex=Sex.FEMALE, pregnant=True), in_registry=True),
            household(person("m1", sex=Sex.FEMALE, pregnant=True), in_registry=None),
            household(person("m1", sex=Sex.FEMALE, age=16, pregnant=True), in_registry=False),
        ]
        decided = both(rulebook, homes)
        assert [d["LISTP"].status for d in decided] == [
            Status.ELIGIBLE,
            Status.NEEDS_VERIFICATION,
            Status.NOT_ELIGIBLE,
        ]
        assert decided[2]["YOUNG"].status is Status.ELIGIBLE
        assert decided[1]["LISTP"].missing == ("in_registry",)

    def test_negated_member_criteria_keep_unknowns(self) -> None:
        """Not over a member criterion stays unknown where the member's input is missing."""
        rulebook = _member_rulebook()
        homes = [
            household(person("m1", sex=Sex.FEMALE, pregnant=None)),
            household(person("m1", sex=Sex.FEMALE, pregnant=True)),
        ]
        statuses = [d["NOTP"].status for d in both(rulebook, homes)]
        assert statuses == [Status.NEEDS_VERIFICATION, Status.NOT_ELIGIBLE]

    def test_household_size_is_derived(self) -> None:
        """The number of members is an input that is never missing."""
        rulebook = _member_rulebook()
        homes = [household(person("m1"), person("m2"), person("m3")), household(person("m1"))]
        assert [d["MANY"].status for d in both(rulebook, homes)] == [
            Status.ELIGIBLE,
            Status.NOT_ELIGIBLE,
        ]


class TestFlagsAndEligibility:
    def test_flags_and_other_programs_feed_criteria(self) -> None:
        """A yes/no parameter and another program's eligibility are criteria too."""
        rulebook = tiny(
            [
                criterion("listed", Compare(Input("in_registry"), "==", Value(value=True))),
                criterion("switched_on", Flag("pilot")),
                criterion("base_ok", Eligible("BASE")),
                criterion("pilot_ok", AllOf(["switched_on", "base_ok"])),
            ],
            [program("BASE", "listed"), program("PILOT", "pilot_ok")],
            [param("pilot", value=True, kind=ValueType.BOOL)],
        )
        decided = both(rulebook, [household(in_registry=True), household(in_registry=None)])
        assert decided[0]["PILOT"].status is Status.ELIGIBLE
        assert decided[1]["PILOT"].missing == ("in_registry",)

    def test_the_same_decisions_for_a_subset_of_programs(self) -> None:
        """Deciding some programs evaluates what they need, and the same way."""
        rulebook = _member_rulebook()
        (decided,) = both(rulebook, [household(person("m1"))], programs=["MANY"])
        assert list(decided) == ["MANY"]


class TestReferences:
    @pytest.mark.parametrize(
        ("test", "criteria", "params", "inputs"),
        [
            (AtLeast(1, ["a", "b"]), ("a", "b"), (), ()),
            (Not("a"), ("a",), (), ()),
            (MemberAny("a"), ("a",), (), ()),
            (Flag("p"), (), ("p",), ()),
            (Eligible("X"), (), (), ()),
            (Compare(MemberCount("a"), ">", Value(value=1)), ("a",), (), ()),
            (
                Compare(MemberSum("monthly_income"), ">", Param("p")),
                (),
                ("p",),
                ("monthly_income",),
            ),
            (Compare(Input("age"), ">", Value(value=1)), (), (), ("age",)),
        ],
    )
    def test_each_test_declares_what_it_reads(
        self,
        test: object,
        criteria: tuple[str, ...],
        params: tuple[str, ...],
        inputs: tuple[str, ...],
    ) -> None:
        """Criteria, parameters and inputs referred to are known without evaluating."""
        assert criterion_refs(test) == criteria  # type: ignore[arg-type]
        assert param_refs(test) == params  # type: ignore[arg-type]
        assert input_refs(test) == inputs  # type: ignore[arg-type]

    def test_a_single_name_is_a_one_element_list(self) -> None:
        """AllOf("a") is AllOf(["a"])."""
        assert AllOf("a").criteria == ("a",)


class TestMoreShapes:
    def test_at_least_over_members_and_two_parameters(self) -> None:
        """At-least over member criteria, and a criterion reading two parameters."""
        from slrt_core.rules import AnyOf as Any_

        rulebook = tiny(
            [
                criterion("young", Compare(Input("age"), "<", Param("young_age"))),
                criterion("old", Compare(Input("age"), ">=", Param("old_age"))),
                criterion("female", Compare(Input("sex"), "==", Value(value="female"))),
                criterion("two_of", AtLeast(2, ["young", "old", "female"])),
                criterion("someone", MemberAny("two_of")),
                criterion("edge", Any_(["young", "old"])),
                criterion("has_edge", MemberAny("edge")),
            ],
            [program("TWO", "someone"), program("EDGE", "has_edge")],
            [param("young_age", 6), param("old_age", 70)],
        )
        homes = [
            household(person("m1", age=3, sex=Sex.FEMALE)),
            household(person("m1", age=30, sex=Sex.FEMALE)),
        ]
        decided = both(rulebook, homes)
        assert [d["TWO"].status for d in decided] == [Status.ELIGIBLE, Status.NOT_ELIGIBLE]
        edge = decided[0]["EDGE"].explanation.find("edge")
        assert edge is not None
        assert [p.name for c in edge.children for p in c.parameters] == ["young_age", "old_age"]
