"""Tests of slrt_core.household: persons, households and their validation."""

from __future__ import annotations

from datetime import date

import attrs
import pytest
from hypothesis import given

from slrt_core.errors import InvalidInputError
from slrt_core.household import (
    Household,
    Housing,
    Person,
    RegistryStatus,
    Relationship,
)
from slrt_core.identity import Nik, RegionCode, Sex
from slrt_core.testing.strategies import households, persons

MIROTO = RegionCode("33.74.01.1001")
TODAY = date(2026, 1, 5)
MAN_NIK = Nik("3374011403820001")  # Semarang Tengah, man born 14 Mar 1982
WOMAN_NIK = Nik("3374014207860002")  # Semarang Tengah, woman born 2 Jul 1986


def head(**changes: object) -> Person:
    person = Person(
        member_id="m1",
        relationship=Relationship.HEAD,
        birth_date=date(1982, 3, 14),
        sex=Sex.MALE,
    )
    return attrs.evolve(person, **changes)


def spouse(**changes: object) -> Person:
    person = Person(
        member_id="m2",
        relationship=Relationship.SPOUSE,
        birth_date=date(1986, 7, 2),
        sex=Sex.FEMALE,
    )
    return attrs.evolve(person, **changes)


def problems(**fields: object) -> list[tuple[str, str]]:
    """The (path, message) of every problem raised when building a household."""
    kwargs: dict[str, object] = {"region": MIROTO, "members": (head(), spouse())} | fields
    with pytest.raises(InvalidInputError) as excinfo:
        Household(**kwargs)  # type: ignore[arg-type]
    return [(p.path, p.message) for p in excinfo.value.problems]


def paths(**fields: object) -> list[str]:
    return [path for path, _ in problems(**fields)]


class TestPerson:
    def test_age_counts_whole_years(self):
        """A person's age goes up on the birthday, not before."""
        person = head(birth_date=date(1980, 5, 1))
        assert person.age_on(date(2025, 4, 30)) == 44
        assert person.age_on(date(2025, 5, 1)) == 45

    def test_unknown_is_none(self):
        """Attributes not recorded are None, never a silent no."""
        person = head()
        assert (person.pregnant, person.disability, person.working, person.monthly_income) == (
            None,
            None,
            None,
            None,
        )

    @given(persons(as_of=TODAY))
    def test_generated_persons_are_consistent(self, person):
        """Generated persons have a NIK of their own sex and birth date, and plausible data."""
        if person.nik is not None:
            parsed = Nik.parse(person.nik.reveal())
            assert parsed.sex is person.sex
            assert parsed.birth_date == person.birth_date
        assert person.birth_date <= TODAY
        assert not (person.pregnant and person.sex is Sex.MALE)
        assert person.monthly_income is None or person.monthly_income >= 0

    @given(persons(region=MIROTO, as_of=TODAY))
    def test_generated_niks_come_from_the_village_district(self, person):
        """persons(region=<village>) issues NIKs in the village's district."""
        assert person.nik is None or person.nik.region == RegionCode("33.74.01")


class TestValidHousehold:
    def test_head_size_and_members(self):
        """A valid household exposes its head, size and members by id."""
        household = Household(region=MIROTO, members=[head(nik=MAN_NIK), spouse(nik=WOMAN_NIK)])
        assert household.head.member_id == "m1"
        assert household.size == 2
        assert household.member("m2").sex is Sex.FEMALE
        assert household.members == (head(nik=MAN_NIK), spouse(nik=WOMAN_NIK))

    def test_unknown_member(self):
        """Asking for a member the household lacks names the members it has."""
        household = Household(region=MIROTO, members=[head(), spouse()])
        with pytest.raises(InvalidInputError) as excinfo:
            household.member("m9")
        assert excinfo.value.problems[0].path == "member_id"
        assert "m1, m2" in str(excinfo.value)

    def test_no_problem_on_a_later_day(self):
        """problems_on finds nothing when every birth date is on or before the day."""
        household = Household(region=MIROTO, members=[head(birth_date=TODAY)])
        assert household.problems_on(TODAY) == []

    @given(households(as_of=TODAY))
    def test_generated_households_are_valid(self, household):
        """Generated households have one head m1, unique ids and NIKs, and no dated problem."""
        assert household.head.member_id == "m1"
        ids = [m.member_id for m in household.members]
        assert len(set(ids)) == len(ids)
        niks = [m.nik for m in household.members if m.nik is not None]
        assert len(set(niks)) == len(niks)
        assert household.problems_on(TODAY) == []
        assert household.region.is_known()
        decile = household.registry.decile
        assert decile is None or (household.registry.in_registry and 1 <= decile <= 10)

    @given(households(region="33.74.01", as_of=TODAY))
    def test_generated_households_stay_in_the_region(self, household):
        """households(region=...) draws villages inside that region only."""
        assert RegionCode("33.74.01").contains(household.region)


class TestHouseholdProblems:
    def test_negative_age_via_problems_on(self):
        """A birth date after the day is a negative age, found by problems_on with its path."""
        household = Household(region=MIROTO, members=[head(), spouse(birth_date=date(2026, 2, 1))])
        found = household.problems_on(TODAY)
        assert [p.path for p in found] == ["members[1].birth_date"]
        assert "negative age" in found[0].message
        assert found[0].message_id != found[0].message

    def test_member_twice(self):
        """A member id used twice is reported at the second member."""
        assert paths(members=(head(), spouse(member_id="m1"))) == ["members[1].member_id"]

    def test_nik_twice(self):
        """A NIK listed twice is reported at the second member."""
        twin = spouse(
            sex=Sex.MALE, relationship=Relationship.CHILD, nik=MAN_NIK, birth_date=date(1982, 3, 14)
        )
        assert paths(members=(head(nik=MAN_NIK), twin)) == ["members[1].nik"]

    def test_head_missing(self):
        """A household without a head is refused at members."""
        found = problems(members=(spouse(),))
        assert found == [
            (
                "members",
                (
                    "A household needs exactly one head of family; found 0. "
                    "Mark one member as Relationship.HEAD."
                ),
            )
        ]

    def test_two_heads(self):
        """A household with two heads is refused at members."""
        found = problems(members=(head(), spouse(relationship=Relationship.HEAD)))
        assert found[0][0] == "members"
        assert "found 2" in found[0][1]

    def test_no_members(self):
        """An empty household has no head."""
        assert paths(members=()) == ["members"]

    def test_pregnant_male(self):
        """Only a female member can be pregnant."""
        assert paths(members=(head(pregnant=True), spouse())) == ["members[0].pregnant"]

    def test_pregnant_female_is_fine(self):
        """A pregnant woman is a valid member."""
        assert Household(region=MIROTO, members=[head(), spouse(pregnant=True)]).size == 2

    def test_nik_sex_mismatch(self):
        """A NIK that encodes another sex than the member's is reported at sex."""
        found = problems(members=(head(nik=WOMAN_NIK), spouse()))
        assert found[0][0] == "members[0].sex"
        assert "encodes sex female" in found[0][1]

    @pytest.mark.parametrize("decile", [0, 11, -1])
    def test_decile_out_of_range(self, decile):
        """A DTSEN decile outside 1-10 is refused."""
        assert paths(registry=RegistryStatus(in_registry=True, decile=decile)) == [
            "registry.decile"
        ]

    @pytest.mark.parametrize("decile", [1, 10, None])
    def test_decile_in_range(self, decile):
        """Deciles 1 and 10, and an unknown decile, are accepted."""
        household = Household(
            region=MIROTO, members=[head()], registry=RegistryStatus(decile=decile)
        )
        assert household.registry.decile == decile

    def test_negative_income(self):
        """A negative monthly income is refused; zero is fine."""
        assert paths(members=(head(monthly_income=-1), spouse(monthly_income=0))) == [
            "members[0].monthly_income"
        ]

    def test_negative_electricity(self):
        """A negative electricity power is refused."""
        assert paths(housing=Housing(electricity_va=-450)) == ["housing.electricity_va"]

    def test_empty_member_id(self):
        """An empty member id is refused."""
        assert paths(members=(head(member_id=" "),)) == ["members[0].member_id"]

    @pytest.mark.parametrize("code", ["33.74.01", "33.74", "33", ""])
    def test_non_village_region(self, code):
        """A household region above village level is refused."""
        assert paths(region=RegionCode(code)) == ["region"]

    def test_every_problem_is_listed(self):
        """All problems of a household come at once, each with its field path."""
        members = (
            head(pregnant=True, nik=WOMAN_NIK, monthly_income=-5),
            spouse(member_id="m1", nik=WOMAN_NIK),
            spouse(member_id="m3", relationship=Relationship.HEAD),
        )
        with pytest.raises(InvalidInputError) as excinfo:
            Household(
                region=RegionCode("33.74"),
                members=members,
                registry=RegistryStatus(decile=12),
                housing=Housing(electricity_va=-1),
            )
        err = excinfo.value
        assert sorted(p.path for p in err.problems) == sorted(
            [
                "region",
                "members",
                "members[1].member_id",
                "members[1].nik",
                "members[0].monthly_income",
                "members[0].pregnant",
                "members[0].sex",
                "members[0].birth_date",
                "registry.decile",
                "housing.electricity_va",
            ]
        )
        assert str(err).startswith("10 problems in the household:")
        assert err.message("id").startswith("10 masalah pada data rumah tangga:")
        for problem in err.problems:
            assert problem.render("en") == f"{problem.path}: {problem.message}"
            assert problem.render("id") == f"{problem.path}: {problem.message_id}"
            assert problem.message_id != problem.message


class TestBoundary:
    """Bad values a caller may pass are refused with the library's error, never a raw one."""

    @pytest.mark.parametrize("income", [float("nan"), float("inf"), -float("inf"), True, "5"])
    def test_income_not_a_number(self, income):
        """NaN, infinity, a bool or text as income is refused at the member's income."""
        found = problems(members=(head(monthly_income=income),))
        assert [path for path, _ in found] == ["members[0].monthly_income"]
        assert "whole number" in found[0][1]

    def test_whole_float_income_is_accepted(self):
        """A finite whole float (as JSON may carry) is still a number."""
        assert Household(region=MIROTO, members=[head(monthly_income=1.2e6)]).size == 1

    @pytest.mark.parametrize("decile", [True, float("nan"), 2.5])
    def test_decile_not_a_number(self, decile):
        """A bool, NaN or fraction as decile is refused."""
        assert paths(registry=RegistryStatus(decile=decile)) == ["registry.decile"]

    @pytest.mark.parametrize("va", [False, float("inf")])
    def test_electricity_not_a_number(self, va):
        """A bool or infinity as electricity power is refused."""
        assert paths(housing=Housing(electricity_va=va)) == ["housing.electricity_va"]

    def test_members_holding_a_dict(self):
        """A members list holding a dict is an InvalidInputError, not an AttributeError."""
        assert paths(members=[head(), {"member_id": "m2"}]) == ["members[1]"]

    @pytest.mark.parametrize("members", ["m1", 5, None])
    def test_members_not_a_list(self, members):
        """Members given as text or a number are refused."""
        with pytest.raises(InvalidInputError, match="list of Person"):
            Household(region=MIROTO, members=members)

    def test_programs_not_a_list(self):
        """Programs received given as one text are refused (it would split into letters)."""
        with pytest.raises(InvalidInputError, match="list of codes"):
            Household(region=MIROTO, members=[head()], programs_received="PKH")

    def test_wrong_types_of_member_fields(self):
        """A member with a text sex, relationship, NIK or birth date gets a problem each."""
        bad = head(sex="male", relationship="head", nik="3374011403820001", birth_date="1982")
        assert paths(members=(bad,)) == [
            "members",
            "members[0].relationship",
            "members[0].sex",
            "members[0].nik",
            "members[0].birth_date",
        ]

    def test_nik_birth_date_mismatch(self):
        """A NIK whose birth date is not the member's is refused at birth_date (as sex is)."""
        found = problems(members=(head(nik=MAN_NIK, birth_date=date(1982, 3, 15)),))
        assert [path for path, _ in found] == ["members[0].birth_date"]
        assert "140382" in found[0][1]

    def test_nik_birth_date_of_a_woman(self):
        """For a woman the day in the NIK has 40 added: 42 stands for the 2nd."""
        household = Household(region=MIROTO, members=[head(), spouse(nik=WOMAN_NIK)])
        assert household.members[1].nik == WOMAN_NIK
        wrong = spouse(nik=WOMAN_NIK, birth_date=date(1986, 7, 12))
        assert paths(members=(head(), wrong)) == ["members[1].birth_date"]

    def test_unknown_village(self):
        """A village code of the right shape that is not in the Kemendagri list is refused."""
        household = Household(region=RegionCode("35.03.01.2999"), members=[head()])
        (problem,) = household.problems_on(TODAY)
        assert problem.path == "region"
        assert "not in the Kemendagri 2025 list" in problem.message

    def test_pre_split_village_refused_for_new_cases_after_the_split(self):
        """A pre-split Papua village code is history: refused on and after the split day."""
        old = Household(region=RegionCode("91.01.01.2001"), members=[head()])
        assert old.problems_on(date(2022, 7, 24)) == []
        (problem,) = old.problems_on(date(2022, 7, 25))
        assert problem.path == "region"
        assert "93.01" in problem.message
        assert "93.01" in problem.message_id

    def test_name_is_normalised_to_nfc(self):
        """A decomposed name is stored composed (NFC), so equal names are equal."""
        assert head(name="Sri\u0301").name == "Srí"

    @pytest.mark.parametrize(
        ("name", "words"),
        [
            ("abc\ud800def", "surrogate"),
            ("Budi\x00", "control character"),
            ("Bu\u200bdi", "invisible formatting"),
            ("Budi\nSantoso", "control character"),
        ],
    )
    def test_bad_characters_in_a_name(self, name, words):
        """Lone surrogates, NUL, controls and zero-width characters in a name are refused."""
        found = problems(members=(head(name=name),))
        assert [path for path, _ in found] == ["members[0].name"]
        assert words in found[0][1]

    def test_text_limits_on_a_new_case(self):
        """A 100,000-character name is refused when the household enters a case."""
        household = Household(region=MIROTO, members=[head(name="a" * 100_000)])
        (problem,) = household.problems_on(TODAY)
        assert problem.path == "members[0].name"
        assert "at most 200" in problem.message

    def test_text_limits_are_configurable(self):
        """A stricter policy refuses what the default accepts."""
        from slrt_core.freetext import TextPolicy

        household = Household(region=MIROTO, members=[head(name="Budi Santoso")])
        assert household.problems_on(TODAY) == []
        strict = TextPolicy(limits={"name": 4})
        assert [p.path for p in household.problems_on(TODAY, text=strict)] == ["members[0].name"]
