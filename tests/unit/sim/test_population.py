"""Populations: sourced Indonesian defaults, determinism, households, real extracts."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from slrt_core import Household, InvalidInputError, Relationship, Sex
from slrt_core.rules import load_pack, screen
from slrt_core.sim import (
    HOUSEHOLD_COLUMNS,
    PERSON_COLUMNS,
    SOURCES,
    PopulationSpec,
    load_population,
    synthetic_population,
)

ON = date(2026, 1, 5)
VILLAGES = ("33.74.01.1001", "33.74.01.1002")


class TestSyntheticPopulation:
    def test_every_default_names_its_source(self) -> None:
        """Each numeric default of the spec has a source beside it."""
        import attrs

        for field in attrs.fields(PopulationSpec):
            if field.name in {"households", "villages"}:
                continue
            assert SOURCES.get(field.name), field.name

    def test_the_population_matches_the_defaults(self) -> None:
        """Family size, deciles, poverty and shares come out as the sources say."""
        spec = PopulationSpec(households=20_000, villages=VILLAGES)
        pop = synthetic_population(spec, seed=7)
        persons = len(pop.persons["age"])
        assert persons / len(pop) == pytest.approx(spec.persons_per_family, rel=0.03)
        assert np.bincount(pop.households["decile"])[1:].tolist() == [2000] * 10
        age = pop.persons["age"]
        assert (age < 15).mean() == pytest.approx(spec.children_share, abs=0.04)
        assert (age >= 65).mean() == pytest.approx(spec.elderly_share, abs=0.03)
        sizes = np.diff(pop.offsets)
        income = np.bincount(
            pop.persons["household"], weights=pop.persons["monthly_income"], minlength=len(pop)
        )
        poor = (income / sizes < 582_932).mean()
        assert poor == pytest.approx(0.09, abs=0.02)
        assert pop.households["in_registry"].mean() == pytest.approx(0.95, abs=0.01)
        assert set(pop.regions) == set(VILLAGES)

    def test_same_seed_same_population_other_seed_other_population(self) -> None:
        """Deterministic for a seed."""
        spec = PopulationSpec(households=300)
        a, b = synthetic_population(spec, seed=1), synthetic_population(spec, seed=1)
        c = synthetic_population(spec, seed=2)
        assert all(np.array_equal(a.persons[k], b.persons[k]) for k in a.persons)
        assert not np.array_equal(a.persons["age"], c.persons["age"])
        assert a.source == "synthetic, seed 1"

    def test_households_are_valid_and_agree_with_the_columns(self) -> None:
        """Each row builds a valid Household: one head, ages and registry from the row."""
        pop = synthetic_population(PopulationSpec(households=200, villages=VILLAGES), seed=3)
        for i in range(200):
            household = pop.household(i, ON)
            assert isinstance(household, Household)
            assert household.problems_on(ON) == []
            assert str(household.region) == str(pop.region(i))
            ages = [m.age_on(ON) for m in household.members]
            rows = range(pop.offsets[i], pop.offsets[i + 1])
            assert ages == [int(pop.persons["age"][r]) for r in rows]
            in_registry = bool(pop.households["in_registry"][i])
            assert household.registry.in_registry is in_registry
            assert (household.registry.decile is not None) is in_registry
        heads = [pop.household(i, ON).head for i in range(200)]
        assert all(h.relationship is Relationship.HEAD and h.age_on(ON) >= 18 for h in heads)
        assert {h.sex for h in heads} == {Sex.MALE, Sex.FEMALE}

    def test_the_tables_screen_like_the_rules_expect(self) -> None:
        """tables() feeds slrt_core.rules.screen directly."""
        pop = synthetic_population(PopulationSpec(households=500), seed=1)
        result = screen(pop.tables(), on=ON, rulebook=load_pack(), programs=["PKH", "PBI_JK"])
        assert len(result.status["PKH"]) == 500
        assert 0 < int(result.eligible("PBI_JK").sum()) < 500

    def test_every_problem_of_a_spec_is_listed(self) -> None:
        """Shares outside 0..1, a bad mix, unknown villages: all in one error."""
        spec = PopulationSpec(
            households=0,
            villages=("33.99.01.1001", "33.74"),
            persons_per_family=0.5,
            children_share=1.2,
            elderly_share=0.5,
            electricity_mix=(0.5, 0.5, 0.5, 0.0, 0.0),
            income_median=-1,
        )
        with pytest.raises(InvalidInputError) as caught:
            synthetic_population(spec)
        paths = [p.path for p in caught.value.problems]
        assert paths == [
            "population.households",
            "population.persons_per_family",
            "population.children_share",
            "population.children_share",
            "population.electricity_mix",
            "population.income_median",
            "population.villages[0]",
            "population.villages[1]",
        ]
        assert "tidak" in caught.value.message("id") or "harus" in caught.value.message("id")
        empty = PopulationSpec(villages=())
        assert [p.path for p in empty.problems()] == ["population.villages"]


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


HOUSEHOLDS = [
    {
        "household_id": "kk-1",
        "region": "33.74.01.1001",
        "in_registry": "yes",
        "decile": "2",
        "floor": "earth",
        "wall": "bamboo",
        "roof_unfit": "1",
        "own_toilet": "0",
        "owns_land": "true",
        "electricity_va": "450",
        "housing_aid_before": "no",
        "programs_received": "PKH;PBI_JK",
        "notes": "columns not listed are ignored",
    },
    {
        "household_id": "kk-2",
        "region": "33.74.01.1002",
        "in_registry": "no",
        "decile": "",
        "floor": "",
        "wall": "brick",
        "roof_unfit": "",
        "own_toilet": "1",
        "owns_land": "",
        "electricity_va": "",
        "housing_aid_before": "",
        "programs_received": "",
        "notes": "",
    },
]
PERSONS = [
    {"household_id": "kk-1", "relationship": "head", "sex": "female", "age": "41",
     "pregnant": "no", "disability": "none", "schooling": "not_in_school", "working": "yes",
     "monthly_income": "900000", "has_nik": "yes"},
    {"household_id": "kk-1", "relationship": "child", "sex": "male", "age": "9",
     "pregnant": "", "disability": "severe", "schooling": "sd", "working": "no",
     "monthly_income": "0", "has_nik": "yes"},
    {"household_id": "kk-2", "relationship": "head", "sex": "male", "age": "70",
     "pregnant": "", "disability": "", "schooling": "", "working": "",
     "monthly_income": "", "has_nik": ""},
]  # fmt: skip


class TestLoadPopulation:
    def test_documented_columns(self) -> None:
        """The file columns are documented, with the required ones said so."""
        assert "required" in HOUSEHOLD_COLUMNS["region"]
        assert "required" in PERSON_COLUMNS["relationship"]
        assert set(HOUSEHOLDS[0]) - {"notes"} <= set(HOUSEHOLD_COLUMNS)
        assert set(PERSONS[0]) <= set(PERSON_COLUMNS)

    def test_a_csv_extract_loads_with_blanks_as_unknown(self, tmp_path: Path) -> None:
        """Values are read, blanks are unknown, programs received are kept."""
        pop = load_population(
            _write(tmp_path / "hh.csv", HOUSEHOLDS), _write(tmp_path / "pp.csv", PERSONS)
        )
        assert len(pop) == 2
        assert pop.source == "hh.csv + pp.csv"
        first, second = pop.household(0, ON), pop.household(1, ON)
        assert first.programs_received == frozenset({"PKH", "PBI_JK"})
        assert first.registry.decile == 2
        assert first.housing.floor.value == "earth"
        assert first.housing.electricity_va == 450
        assert [m.disability for m in first.members][1].value == "severe"
        assert second.registry.in_registry is False
        assert second.housing.floor is None
        assert second.housing.roof_unfit is None
        assert second.members[0].working is None
        tables = pop.tables()
        assert tables["households"]["receives_PKH"].tolist() == [True, False]
        assert np.ma.is_masked(tables["households"]["decile"][1])
        result = screen(tables, on=ON, rulebook=load_pack(), programs=["PKH"])
        assert result.status["PKH"].tolist()[1] == 0

    def test_a_parquet_extract_with_birth_dates_loads(self, tmp_path: Path) -> None:
        """Parquet works the same; ages come from birth dates when there is no age."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(
            pa.table({"household_id": ["a"], "region": ["33.74.01.1001"]}), tmp_path / "h.parquet"
        )
        pq.write_table(
            pa.table(
                {
                    "household_id": ["a", "a"],
                    "relationship": ["head", "spouse"],
                    "sex": ["male", "female"],
                    "birth_date": [date(1980, 6, 1), date(1990, 1, 5)],
                    "pregnant": [None, True],
                }
            ),
            tmp_path / "p.parquet",
        )
        pop = load_population(tmp_path / "h.parquet", tmp_path / "p.parquet", on=ON)
        household = pop.household(0, ON)
        assert [m.age_on(ON) for m in household.members] == [45, 36]
        assert household.members[1].pregnant is True
        assert household.members[0].pregnant is None
        assert household.registry.in_registry is None

    def test_missing_required_columns_are_all_listed(self, tmp_path: Path) -> None:
        """Without region, household_id, relationship, sex and age: every one named."""
        hh = _write(tmp_path / "hh.csv", [{"x": "1"}])
        pp = _write(tmp_path / "pp.csv", [{"y": "1"}])
        with pytest.raises(InvalidInputError) as caught:
            load_population(hh, pp)
        assert [p.path for p in caught.value.problems] == [
            "households.region",
            "persons.household_id",
            "persons.relationship",
            "persons.sex",
            "persons.age",
        ]

    def test_bad_values_are_all_listed(self, tmp_path: Path) -> None:
        """Wrong kinds, unknown villages, orphans, duplicate ids, blanks in required columns."""
        households = [
            {"household_id": "a", "region": "33.99.01.1001", "in_registry": "maybe", "decile": "x"},
            {"household_id": "a", "region": "", "in_registry": "yes", "decile": "-1"},
        ]
        persons = [
            {"household_id": "a", "relationship": "boss", "sex": "male", "age": "1.5",
             "birth_date": "2000-01-01"},
            {"household_id": "zz", "relationship": "", "sex": "", "age": "",
             "birth_date": "2000-01-01"},
        ]  # fmt: skip
        with pytest.raises(InvalidInputError) as caught:
            load_population(
                _write(tmp_path / "hh.csv", households), _write(tmp_path / "pp.csv", persons)
            )
        paths = [p.path for p in caught.value.problems]
        assert paths == [
            "households.household_id",
            "households.region[0]",
            "households.region",
            "households.in_registry",
            "households.decile",
            "persons.household_id",
            "persons.relationship",
            "persons.age",
            "persons.sex",
        ]

    def test_bad_birth_dates_and_heads_are_reported(self, tmp_path: Path) -> None:
        """Unreadable birth dates; a family without exactly one head."""
        hh = _write(tmp_path / "hh.csv", [{"household_id": "a", "region": "33.74.01.1001"}])
        bad_dates = _write(
            tmp_path / "p1.csv",
            [{"household_id": "a", "relationship": "head", "sex": "male", "birth_date": "soon"}],
        )
        with pytest.raises(InvalidInputError) as caught:
            load_population(hh, bad_dates, on=ON)
        assert [p.path for p in caught.value.problems] == ["persons.birth_date"]
        two_heads = _write(
            tmp_path / "p2.csv",
            [
                {"household_id": "a", "relationship": "head", "sex": "male", "age": "40"},
                {"household_id": "a", "relationship": "head", "sex": "female", "age": "38"},
            ],
        )
        with pytest.raises(InvalidInputError) as caught:
            load_population(hh, two_heads)
        assert [p.path for p in caught.value.problems] == ["persons.relationship"]
