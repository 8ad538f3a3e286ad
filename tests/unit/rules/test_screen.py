"""Screening populations in columns: ingest of every table kind, errors, regional overlays."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest
from tests.unit.rules.builders import (
    BANDUNG,
    MIROTO,
    ON,
    START,
    both,
    columns,
    criterion,
    household,
    known_person,
    param,
    person,
    program,
    registry_rulebook,
    tiny,
)

from slrt_core.errors import InvalidInputError
from slrt_core.household import Disability, FloorType, Schooling
from slrt_core.identity import RegionCode, Sex
from slrt_core.rules import (
    Compare,
    Component,
    FixedBenefit,
    Input,
    MemberAny,
    Override,
    Param,
    Parameter,
    ParameterValue,
    PerCapita,
    Period,
    PerMemberBenefit,
    Population,
    Status,
    Value,
    ValueType,
    Variant,
    load_pack,
    screen,
    synthetic_tables,
)


def _same(a: Any, b: Any) -> None:
    assert a.criteria == b.criteria
    np.testing.assert_array_equal(a.matrix, b.matrix)
    for code in a.status:
        np.testing.assert_array_equal(a.status[code], b.status[code])
    for code in a.benefit:
        np.testing.assert_array_equal(a.benefit[code], b.benefit[code])
        np.testing.assert_array_equal(a.benefit_complete[code], b.benefit_complete[code])


def _labelled(tables: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The synthetic tables with text regions and text enumerations (for data frames)."""
    from slrt_core.rules import input_spec

    regions = np.asarray(tables["regions"])
    households = dict(tables["households"])
    households["region"] = regions[np.asarray(households["region"])]
    persons = dict(tables["persons"])
    for table in (households, persons):
        for name, values in list(table.items()):
            spec = input_spec(name)
            if spec is not None and spec.choices:
                data = np.ma.getdata(values)
                text = np.asarray(spec.choices, dtype=object)[data]
                if isinstance(values, np.ma.MaskedArray):
                    text[np.ma.getmaskarray(values)] = None
                table[name] = text
    return households, persons


def _frame_columns(table: dict[str, Any]) -> dict[str, Any]:
    """Masked arrays as lists with None (data frame libraries read them as nulls)."""
    out: dict[str, Any] = {}
    for name, values in table.items():
        if isinstance(values, np.ma.MaskedArray):
            data = np.ma.getdata(values).astype(object)
            data[np.ma.getmaskarray(values)] = None
            out[name] = list(data)
        else:
            out[name] = values
    return out


class TestIngest:
    def test_numpy_codes_and_text_give_the_same_screening(self) -> None:
        """Integer codes, text and masked arrays are read the same way."""
        tables = synthetic_tables(400, seed=5, missing=0.05)
        coded = screen(tables, on=ON, rulebook=load_pack())
        households, persons = _labelled(tables)
        texted = screen(Population.from_tables(households, persons), on=ON, rulebook=load_pack())
        _same(coded, texted)
        assert coded.counts("PKH")[Status.NEEDS_VERIFICATION] > 0

    @pytest.mark.parametrize("library", ["pandas", "pyarrow", "polars"])
    def test_data_frames_give_the_same_screening(self, library: str) -> None:
        """pandas and polars DataFrames and pyarrow Tables, nulls included, agree with numpy."""
        module = pytest.importorskip(library)
        tables = synthetic_tables(300, seed=7, missing=0.05)
        expected = screen(tables, on=ON, rulebook=load_pack())
        households, persons = _labelled(tables)
        households = _frame_columns(households)
        persons = _frame_columns(persons)
        if library == "pandas":
            hh = module.DataFrame(households)
            hh["region"] = hh["region"].astype("category")
            hh["floor"] = hh["floor"].astype("category")
            hh["in_registry"] = hh["in_registry"].astype("boolean")
            hh["decile"] = hh["decile"].astype("Int64")
            pp = module.DataFrame(persons)
            pp["monthly_income"] = pp["monthly_income"].astype("Float64")
        elif library == "pyarrow":
            hh = module.table(households)
            hh = hh.set_column(
                hh.column_names.index("region"), "region", hh.column("region").dictionary_encode()
            )
            pp = module.table(persons)
        else:
            hh = module.DataFrame(households, strict=False).with_columns(
                module.col("region").cast(module.Categorical),
                module.col("wall").cast(
                    module.Enum(["bamboo", "board", "unplastered_brick", "brick"])
                ),
            )
            pp = module.DataFrame(persons, strict=False)
        found = screen({"households": hh, "persons": pp}, on=ON, rulebook=load_pack())
        _same(expected, found)
        assert found.decisions(0) == expected.decisions(0)

    def test_ages_come_from_birth_dates_and_niks_from_a_nik_column(self) -> None:
        """A birth_date column gives ages on the date; a nik column gives has_nik."""
        households = columns(2, in_registry=np.array([True, True]), decile=np.array([1, 1]))
        persons = {
            "household": np.array([0, 1]),
            "birth_date": np.array(["1955-03-02", "1955-03-01"], dtype="datetime64[D]"),
            "nik": np.array(["3374010203500001", None], dtype=object),
        }
        rulebook = tiny(
            [
                criterion("old", Compare(Input("age"), ">=", Value(value=70))),
                criterion("has_old", MemberAny("old")),
                criterion("nik", Compare(Input("has_nik"), "==", Value(value=True))),
                criterion("has_nik", MemberAny("nik")),
            ],
            [program("OLD", "has_old"), program("NIK", "has_nik")],
        )
        result = screen({"households": households, "persons": persons}, on=ON, rulebook=rulebook)
        assert result.status["OLD"].tolist() == [0, 1]
        assert result.status["NIK"].tolist() == [1, 0]

    def test_unknown_markers_of_every_kind(self) -> None:
        """NaN, -1 codes, None in objects, masks and NaT birth dates are all unknown."""
        households = columns(
            5,
            in_registry=np.array([1, 0, -1, 1, 1], dtype=np.int8),
            decile=np.array([1.0, 2.0, np.nan, 3.0, 4.0]),
            owns_land=np.array([True, None, False, True, True], dtype=object),
            floor=np.array([0, 1, -1, 2, 3]),
            electricity_va=np.array([450, None, 900, 1300, None], dtype=object),
        )
        persons = {
            "household": np.array([0, 1, 2, 3, 4]),
            "birth_date": np.array(
                [date(1980, 1, 1), None, date(1990, 1, 1), date(2000, 1, 1), date(1970, 1, 1)],
                dtype=object,
            ),
        }
        rulebook = tiny(
            [
                criterion("listed", Compare(Input("in_registry"), "==", Value(value=True))),
                criterion("poor", Compare(Input("decile"), "<=", Value(value=2))),
                criterion("land", Compare(Input("owns_land"), "==", Value(value=True))),
                criterion("earth", Compare(Input("floor"), "==", Value(value="earth"))),
                criterion("small", Compare(Input("electricity_va"), "in", Value(value=(450, 900)))),
                criterion("adult", Compare(Input("age"), ">=", Value(value=18))),
                criterion("has_adult", MemberAny("adult")),
            ],
            [
                program("LISTED", "listed"),
                program("POOR", "poor"),
                program("LAND", "land"),
                program("EARTH", "earth"),
                program("SMALL", "small"),
                program("ADULT", "has_adult"),
            ],
        )
        result = screen({"households": households, "persons": persons}, on=ON, rulebook=rulebook)
        assert result.status["LISTED"].tolist() == [1, 0, -1, 1, 1]
        assert result.status["POOR"].tolist() == [1, 1, -1, 0, 0]
        assert result.status["LAND"].tolist() == [1, -1, 0, 1, 1]
        assert result.status["EARTH"].tolist() == [1, 0, -1, 0, 0]
        assert result.status["SMALL"].tolist() == [1, -1, 1, 0, -1]
        assert result.status["ADULT"].tolist() == [1, -1, 1, 1, 1]
        assert result.decision(1, "ADULT").missing == ("members[m1].age",)

    def test_households_without_members(self) -> None:
        """A household with no person row has no member, and no per-capita income."""
        rulebook = tiny(
            [
                criterion("pupil", Compare(Input("schooling"), "==", Value(value="sd"))),
                criterion("has_pupil", MemberAny("pupil")),
                criterion("poor", Compare(PerCapita("monthly_income"), "<", Value(value=100))),
            ],
            [program("PUPIL", "has_pupil"), program("POOR", "poor")],
        )
        persons = {
            "household": np.array([0]),
            "schooling": np.array(["sd"]),
            "monthly_income": np.array([50]),
        }
        result = screen({"households": columns(2), "persons": persons}, on=ON, rulebook=rulebook)
        assert result.status["PUPIL"].tolist() == [1, 0]
        assert result.status["POOR"].tolist() == [1, -1]

    def test_integer_regions_point_into_a_list(self) -> None:
        """Region codes may come as positions in a regions list (no text per household)."""
        households = {"region": np.array([1, 0, 1]), "in_registry": np.array([True] * 3)}
        persons = {"household": np.array([0, 1, 2])}
        result = screen(
            {"households": households, "persons": persons, "regions": [BANDUNG.code, MIROTO.code]},
            on=ON,
            rulebook=registry_rulebook(),
        )
        assert result.population.regions == (BANDUNG.code, MIROTO.code)
        assert result.decision(0, "LISTED").region == MIROTO.code


class TestIngestErrors:
    def test_missing_and_mistyped_columns_are_all_named(self) -> None:
        """Every missing or mistyped column is reported at once, with how to fix it."""
        households = columns(
            2,
            in_registry=np.array(["yes", "no"]),
            decile=np.array([True, False]),
            floor=np.array(["earth", "marble"]),
            wall=np.array([9, 0]),
            owns_land=np.array([2, 0]),
            roof_unfit=np.array([0.5, 1.0]),
            own_toilet=np.array(["x", None], dtype=object),
            electricity_va=np.array(["a", "b"], dtype=object),
        )
        persons = {
            "household": np.array([0, 1]),
            "birth_date": np.array([1, 2]),
            "schooling": np.array([1.5, 2.5]),
        }
        with pytest.raises(InvalidInputError) as error:
            screen({"households": households, "persons": persons}, on=ON, rulebook=load_pack())
        problems = {p.path: p.message for p in error.value.problems}
        assert "cannot be read as yes/no" in problems["households.in_registry"]
        assert "cannot be read as numbers" in problems["households.decile"]
        assert "'marble'" in problems["households.floor"]
        assert "Integer codes must be -1" in problems["households.wall"]
        assert "households.owns_land" in problems
        assert "households.roof_unfit" in problems
        assert "households.own_toilet" not in problems  # no program reads it
        assert "households.electricity_va" in problems
        assert "dates" in problems["persons.birth_date"]
        assert "households.housing_aid_before" in problems
        assert "Column 'sex' is missing" in problems["persons.sex"]
        assert "or a nik column" in problems["persons.has_nik"]
        assert "persons.schooling" in problems
        assert str(error.value).count("\n  - ") == len(error.value.problems)
        assert "data populasi" in error.value.message("id")

    @pytest.mark.parametrize(
        ("population", "path", "text"),
        [
            (
                {"households": {"region": ["33.74.01.1001"]}, "persons": {}},
                "persons.household",
                "is missing",
            ),
            (
                {"households": {"region": ["33.74.01.1001"]}, "persons": {"household": [0.5]}},
                "persons.household",
                "household rows",
            ),
            (
                {"households": {"region": ["33.74.01.1001"]}, "persons": {"household": [3]}},
                "persons.household",
                "must be 0 to 0",
            ),
            (
                {"households": {"x": [1]}, "persons": {"household": [0]}},
                "households.region",
                "is missing",
            ),
            (
                {
                    "households": {"region": np.ma.MaskedArray(["a"], mask=[True])},
                    "persons": {"household": [0]},
                },
                "households.region",
                "no region",
            ),
            (
                {"households": {"region": [0]}, "persons": {"household": [0]}},
                "households.region",
                "regions=[...]",
            ),
            (
                {"households": {"region": ["a", "b"], "x": [1]}, "persons": {"household": [0]}},
                "households.x",
                "has 1 rows but the households table has 2",
            ),
            (
                {"households": [1, 2], "persons": {"household": [0]}},
                "households",
                "must be a mapping",
            ),
        ],
    )
    def test_structural_problems(self, population: dict[str, Any], path: str, text: str) -> None:
        """Tables and their household and region columns are checked before screening."""
        with pytest.raises(InvalidInputError) as error:
            screen(population, on=ON, rulebook=registry_rulebook())
        assert any(p.path == path and text in p.message for p in error.value.problems), [
            p.render() for p in error.value.problems
        ]

    def test_a_population_must_be_two_tables(self) -> None:
        """Anything but a Population or a households-and-persons mapping is refused."""
        with pytest.raises(InvalidInputError, match="'households' and 'persons'"):
            screen([1, 2, 3], on=ON, rulebook=registry_rulebook())


class TestScreenResult:
    def test_any_household_explains_itself(self) -> None:
        """A screening gives counts, matrix columns and each household's decisions."""
        homes = [household(), household(in_registry=False), household(in_registry=None)]
        result = screen(Population.from_households(homes), on=ON, rulebook=registry_rulebook())
        assert result.counts("LISTED") == {
            Status.ELIGIBLE: 1,
            Status.NOT_ELIGIBLE: 1,
            Status.NEEDS_VERIFICATION: 1,
        }
        assert result.eligible("LISTED").tolist() == [True, False, False]
        assert result.column("listed").tolist() == [1, 0, -1]
        assert result.matrix.shape == (3, len(result.criteria))
        assert result.decision(2, "LISTED").missing == ("in_registry",)


class TestRegionalOverlays:
    def _rulebook(self) -> Any:
        kinds = Parameter(
            name="kinds",
            type=ValueType.TEXT_LIST,
            label_id="",
            label_en="",
            values=(ParameterValue(value=("earth",), valid_from=START, source="n"),),
            regional={
                "33.74": (ParameterValue(value=("earth", "cement"), valid_from=START, source="r"),)
            },
        )
        sizes = Parameter(
            name="sizes",
            type=ValueType.INT_LIST,
            label_id="",
            label_en="",
            values=(ParameterValue(value=(450,), valid_from=START, source="n"),),
            regional={"33.74": (ParameterValue(value=(450, 900), valid_from=START, source="r"),)},
        )
        late = Parameter(
            name="late",
            type=ValueType.INT,
            label_id="",
            label_en="",
            values=(ParameterValue(value=5, valid_from=date(2026, 1, 1), source="n"),),
            regional={"33.74": (ParameterValue(value=5, valid_from=START, source="r"),)},
        )
        text = Parameter(
            name="floor_kind",
            type=ValueType.TEXT,
            label_id="",
            label_en="",
            values=(ParameterValue(value="tile", valid_from=START, source="n"),),
            regional={"33.74": (ParameterValue(value="earth", valid_from=START, source="r"),)},
        )
        return tiny(
            [
                criterion("kind", Compare(Input("floor"), "in", Param("kinds"))),
                criterion("not_kind", Compare(Input("floor"), "not in", Param("kinds"))),
                criterion("size", Compare(Input("electricity_va"), "in", Param("sizes"))),
                criterion("decile", Compare(Input("decile"), "<=", Param("late"))),
                criterion("floor_is", Compare(Input("floor"), "==", Param("floor_kind"))),
                criterion("pupil", Compare(Input("schooling"), "in", Param("levels"))),
                criterion("has_pupil", MemberAny("pupil")),
                criterion("elder", Compare(Input("age"), ">=", Param("old"))),
            ],
            [
                program("KIND", "kind"),
                program("NOTKIND", "not_kind"),
                program("SIZE", "size"),
                program("LATE", "decile"),
                program("FLOOR", "floor_is"),
                program(
                    "PUPILS",
                    "has_pupil",
                    benefit=PerMemberBenefit(
                        components=[
                            Component(criterion="pupil", amount="per_pupil"),
                            Component(criterion="elder", amount="per_elder"),
                        ],
                        period=Period.YEAR,
                        cap="most",
                    ),
                ),
            ],
            [
                kinds,
                sizes,
                late,
                text,
                Parameter(
                    name="levels",
                    type=ValueType.TEXT_LIST,
                    label_id="",
                    label_en="",
                    values=(ParameterValue(value=("sd",), valid_from=START, source="n"),),
                    regional={
                        "33.74": (
                            ParameterValue(value=("sd", "smp"), valid_from=START, source="r"),
                        )
                    },
                ),
                Parameter(
                    name="per_pupil",
                    type=ValueType.INT,
                    label_id="",
                    label_en="",
                    values=(ParameterValue(value=10, valid_from=START, source="n"),),
                    regional={"33.74": (ParameterValue(value=20, valid_from=START, source="r"),)},
                ),
                param("per_elder", 15),
                param("old", 60),
                Parameter(
                    name="most",
                    type=ValueType.INT,
                    label_id="",
                    label_en="",
                    values=(ParameterValue(value=2, valid_from=START, source="n"),),
                    regional={"33.74": (ParameterValue(value=1, valid_from=START, source="r"),)},
                ),
            ],
        )

    def test_regional_values_of_every_type_agree(self) -> None:
        """Lists, texts, numbers, caps and amounts that differ by region agree with decide."""
        rulebook = self._rulebook()
        pupils = (
            known_person("m1", age=70),
            known_person("m2", age=9, schooling=Schooling.SD, serial=2),
            known_person("m3", age=13, schooling=Schooling.SMP, serial=3),
        )
        homes = [
            household(*pupils, floor=FloorType.CEMENT, electricity_va=900, decile=3),
            household(
                *pupils, region=BANDUNG, floor=FloorType.CEMENT, electricity_va=900, decile=3
            ),
            household(*pupils, region=BANDUNG, floor=FloorType.TILE, electricity_va=None, decile=3),
            household(*pupils, floor=FloorType.EARTH, electricity_va=450, decile=9),
        ]
        decided = both(rulebook, homes)
        assert [d["KIND"].status for d in decided][:2] == [Status.ELIGIBLE, Status.NOT_ELIGIBLE]
        assert decided[1]["NOTKIND"].status is Status.ELIGIBLE
        assert decided[2]["SIZE"].status is Status.NEEDS_VERIFICATION
        assert decided[0]["SIZE"].status is Status.ELIGIBLE
        assert decided[1]["SIZE"].status is Status.NOT_ELIGIBLE
        assert decided[1]["LATE"].status is Status.NEEDS_VERIFICATION
        assert decided[1]["LATE"].missing == ("parameters.late",)
        assert decided[0]["LATE"].status is Status.ELIGIBLE
        assert decided[2]["FLOOR"].status is Status.ELIGIBLE
        assert decided[3]["FLOOR"].status is Status.ELIGIBLE
        assert decided[0]["PUPILS"].benefit.amount == 20  # type: ignore[union-attr]
        assert decided[1]["PUPILS"].benefit.amount == 15 + 10  # type: ignore[union-attr]

    def test_a_district_override_reaches_only_its_households(self) -> None:
        """An override of the Sembako amount applies to Semarang households only."""
        rulebook = load_pack().with_variants(
            Variant(
                name="semarang",
                region=RegionCode("33.74"),
                overrides=[
                    Override(parameter="sembako.amount", value=250_000, valid_from=date(2025, 1, 1))
                ],
            )
        )
        homes = [household(known_person()), household(known_person(), region=BANDUNG)]
        decided = both(rulebook, homes)
        assert [d["SEMBAKO"].benefit.amount for d in decided] == [250_000, 200_000]  # type: ignore[union-attr]
        used = decided[0]["SEMBAKO"].explanation
        assert used.find("SEMBAKO:offered") is not None

    def test_unresolved_amounts_make_benefits_incomplete(self) -> None:
        """An amount with no value on the date leaves the benefit incomplete, not wrong."""
        rulebook = tiny(
            [
                criterion("listed", Compare(Input("in_registry"), "==", Value(value=True))),
                criterion("pupil", Compare(Input("schooling"), "==", Value(value="sd"))),
            ],
            [
                program(
                    "FIXED", "listed", benefit=FixedBenefit(amount="later", period=Period.MONTH)
                ),
                program(
                    "EACH",
                    "listed",
                    benefit=PerMemberBenefit(
                        components=[Component(criterion="pupil", amount="later")],
                        period=Period.YEAR,
                        cap="later",
                    ),
                ),
            ],
            [
                Parameter(
                    name="later",
                    type=ValueType.INT,
                    label_id="",
                    label_en="",
                    values=(ParameterValue(value=5, valid_from=date(2030, 1, 1), source="n"),),
                )
            ],
        )
        homes = [household(known_person("m1", schooling=Schooling.SD))]
        (decided,) = both(rulebook, homes)
        assert decided["FIXED"].benefit.amount == 0  # type: ignore[union-attr]
        assert not decided["FIXED"].benefit.complete  # type: ignore[union-attr]
        assert not decided["EACH"].benefit.complete  # type: ignore[union-attr]

    def test_member_benefits_with_unknown_components(self) -> None:
        """An unknown component counts in the possible amount, not in the sure one."""
        rulebook = tiny(
            [
                criterion("listed", Compare(Input("in_registry"), "==", Value(value=True))),
                criterion("pregnant", Compare(Input("pregnant"), "==", Value(value=True))),
                criterion("disabled", Compare(Input("disability"), "==", Value(value="severe"))),
            ],
            [
                program(
                    "EACH",
                    "listed",
                    benefit=PerMemberBenefit(
                        components=[
                            Component(criterion="pregnant", amount="amount"),
                            Component(criterion="disabled", amount="amount"),
                        ],
                        period=Period.YEAR,
                    ),
                )
            ],
        )
        homes = [
            household(
                person("m1", sex=Sex.FEMALE, pregnant=True, disability=None),
                person("m2", sex=Sex.FEMALE, pregnant=None, disability=Disability.NONE),
            ),
            household(person("m1", pregnant=False, disability=Disability.NONE)),
        ]
        decided = both(rulebook, homes)
        first = decided[0]["EACH"].benefit
        assert first is not None
        assert (first.amount, first.complete) == (100, False)
        assert decided[1]["EACH"].benefit.amount == 0  # type: ignore[union-attr]
