"""Edge cases: unresolved regional lists, zero amounts, odd columns, leap days, packs."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from tests.unit.rules.builders import (
    BANDUNG,
    ON,
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

from slrt_core._rules_cli import rules
from slrt_core.errors import InvalidInputError
from slrt_core.household import Schooling
from slrt_core.identity import RegionCode, Sex
from slrt_core.rules import (
    Compare,
    Component,
    Eligible,
    Input,
    MemberAny,
    MemberCount,
    Param,
    Parameter,
    ParameterValue,
    PerCapita,
    Period,
    PerMemberBenefit,
    Status,
    Value,
    ValueType,
    Variant,
    load_rulebook,
    run_cases,
    screen,
)
from slrt_core.rules._loader import pack_path


class TestMissingInputs:
    def test_what_to_collect_follows_counts_and_other_programs(self) -> None:
        """Missing inputs are found through member counts and other programs' eligibility."""
        rulebook = tiny(
            [
                criterion("adult", Compare(Input("age"), ">=", Value(value=18))),
                criterion("working", Compare(Input("working"), "==", Value(value=True))),
                criterion("workers", Compare(MemberCount("working"), ">=", Value(value=2))),
                criterion("base", Eligible("WORKERS")),
            ],
            [program("WORKERS", "workers"), program("CHAINED", "base")],
        )
        home = household(person("m1", working=True), person("m2", working=None))
        (decided,) = both(rulebook, [home])
        assert decided["WORKERS"].missing == ("members[m2].working",)
        assert decided["CHAINED"].missing == ("members[m2].working",)
        assert decided["CHAINED"].explanation.find("WORKERS") is not None

    def test_a_fractional_per_capita_income_is_shown_exactly(self) -> None:
        """A per-capita income that is not whole is shown with its decimals."""
        rulebook = tiny(
            [criterion("poor", Compare(PerCapita("monthly_income"), "<", Value(value=50)))],
            [program("POOR", "poor")],
        )
        home = household(
            person("m1", monthly_income=100),
            person("m2", monthly_income=0),
            person("m3", monthly_income=0),
        )
        (decided,) = both(rulebook, [home])
        shown = decided["POOR"].explanation.find("poor").inputs  # type: ignore[union-attr]
        assert shown["per_capita(monthly_income)"] == "33.333333333333336"

    def test_a_parameter_without_value_here_is_listed(self) -> None:
        """A variant's list parameter has no value outside its region: unknown there."""
        local = Variant(
            name="local",
            region=RegionCode("33.74"),
            parameters=[
                Parameter(
                    name="local.sizes",
                    type=ValueType.INT_LIST,
                    label_id="",
                    label_en="",
                    values=[ParameterValue(value=(900,), valid_from=date(2020, 1, 1), source="x")],
                )
            ],
            criteria=[
                criterion("sized", Compare(Input("electricity_va"), "in", Param("local.sizes"))),
                criterion("level", Compare(Input("decile"), "<", Param("amount"))),
            ],
            programs=[program("SIZED", "sized"), program("LEVEL", "level")],
        )
        rulebook = registry_rulebook().with_variants(local)
        decided = both(
            rulebook,
            [household(electricity_va=900), household(region=BANDUNG, electricity_va=900)],
        )
        assert decided[0]["SIZED"].status is Status.ELIGIBLE
        assert decided[1]["SIZED"].status is Status.NOT_ELIGIBLE
        assert decided[1]["SIZED"].explanation.find("sized").outcome.value == "unknown"  # type: ignore[union-attr]


class TestBenefitsEdges:
    def test_components_worth_nothing_give_nothing(self) -> None:
        """A per-member benefit whose amounts are zero is an eligible zero."""
        rulebook = tiny(
            [
                criterion("listed", Compare(Input("in_registry"), "==", Value(value=True))),
                criterion("pupil", Compare(Input("schooling"), "==", Value(value="sd"))),
            ],
            [
                program(
                    "ZERO",
                    "listed",
                    benefit=PerMemberBenefit(
                        components=[Component(criterion="pupil", amount="nothing")],
                        period=Period.YEAR,
                    ),
                )
            ],
            [param("nothing", 0)],
        )
        (decided,) = both(rulebook, [household(known_person("m1", schooling=Schooling.SD))])
        assert decided["ZERO"].benefit.amount == 0  # type: ignore[union-attr]
        assert decided["ZERO"].benefit.lines == ()  # type: ignore[union-attr]


class TestOddColumns:
    def test_more_column_kinds_from_data_frames(self) -> None:
        """Nullable pandas, Arrow dates and floats, polars dates and nullable ints are read."""
        pd = pytest.importorskip("pandas")
        pa = pytest.importorskip("pyarrow")
        pl = pytest.importorskip("polars")
        rulebook = tiny(
            [
                criterion("listed", Compare(Input("in_registry"), "==", Value(value=True))),
                criterion("old", Compare(Input("age"), ">=", Value(value=60))),
                criterion("rich", Compare(Input("decile"), ">", Value(value=5))),
            ],
            [program("LISTED", "listed"), program("RICH", "rich")],
        )
        persons = {"household": np.array([0, 1])}
        pandas_households = pd.DataFrame(
            {
                "region": ["33.74.01.1001", "33.74.01.1001"],
                "in_registry": pd.array([True, False], dtype="boolean"),
                "decile": pd.array([6, 2], dtype="Int64"),
            }
        )
        found = screen(
            {"households": pandas_households, "persons": persons}, on=ON, rulebook=rulebook
        )
        assert found.status["LISTED"].tolist() == [1, 0]
        assert found.status["RICH"].tolist() == [1, 0]
        arrow_households = pa.table(
            {"region": ["33.74.01.1001"] * 2, "in_registry": [True, None], "decile": [6.5, None]}
        )
        found = screen(
            {"households": arrow_households, "persons": persons}, on=ON, rulebook=rulebook
        )
        assert found.status["LISTED"].tolist() == [1, -1]
        assert found.status["RICH"].tolist() == [1, -1]
        born = [date(1950, 1, 1), None]
        old = tiny(
            [
                criterion("old", Compare(Input("age"), ">=", Value(value=60))),
                criterion("has_old", MemberAny("old")),
            ],
            [program("OLD", "has_old")],
        )
        arrow_persons = pa.table({"household": [0, 1], "birth_date": born})
        polars_persons = pl.DataFrame({"household": [0, 1], "birth_date": born})
        pandas_persons = pd.DataFrame(
            {"household": [0, 1], "birth_date": pd.to_datetime(["1950-01-01", None])}
        )
        for people in (arrow_persons, polars_persons, pandas_persons):
            result = screen({"households": columns(2), "persons": people}, on=ON, rulebook=old)
            assert result.status["OLD"].tolist() == [1, -1]
        polars_households = pl.DataFrame(
            {"region": ["33.74.01.1001"] * 2, "in_registry": [True, None], "decile": [7, None]}
        )
        found = screen(
            {"households": polars_households, "persons": persons}, on=ON, rulebook=rulebook
        )
        assert found.status["RICH"].tolist() == [1, -1]

    def test_unknown_categories_and_odd_values_are_named(self) -> None:
        """Categories outside the choices, non-bool objects and negative rows are refused."""
        pd = pytest.importorskip("pandas")
        rulebook = tiny(
            [
                criterion("earth", Compare(Input("floor"), "==", Value(value="earth"))),
                criterion("land", Compare(Input("owns_land"), "==", Value(value=True))),
                criterion("adult", Compare(Input("age"), ">=", Value(value=18))),
                criterion("has_adult", MemberAny("adult")),
            ],
            [program("EARTH", "earth"), program("LAND", "land"), program("ADULT", "has_adult")],
        )
        households = pd.DataFrame(
            {
                "region": ["33.74.01.1001"],
                "floor": pd.Categorical(["marble"]),
                "owns_land": pd.Series(["yes"], dtype=object),
            }
        )
        with pytest.raises(InvalidInputError) as error:
            screen(
                {"households": households, "persons": {"household": [0]}}, on=ON, rulebook=rulebook
            )
        problems = {p.path: p.message for p in error.value.problems}
        assert "'marble'" in problems["households.floor"]
        assert "yes/no" in problems["households.owns_land"]
        assert "or a birth_date column" in problems["persons.age"]
        with pytest.raises(InvalidInputError, match="must be 0 to 0"):
            screen(
                {"households": columns(1), "persons": {"household": np.array([-1])}},
                on=ON,
                rulebook=registry_rulebook(),
            )


class TestCaseFiles:
    def test_a_leap_day_age_and_a_folder_of_cases(self, tmp_path: Path) -> None:
        """An age counted from 29 February lands on 28 February of a common year."""
        (tmp_path / "rules_leap.toml").write_text(
            """[[case]]
name = "Born on a leap day, 70 today"
on = 2024-02-29
region = "33.74.01.1001"
household = { in_registry = true, decile = 1 }
members = [{ sex = "male", age = 70, schooling = "not_in_school", disability = "none" }]
expect.PKH = { status = "eligible", benefit = 2_400_000, criteria = { pkh_elderly = "true" } }
""",
            encoding="utf-8",
        )
        (result,) = run_cases([tmp_path])
        assert result.passed, result.render()
        assert result.case.household.members[0].birth_date == date(1954, 2, 28)


class TestPackFolders:
    def test_a_broken_pack_folder_lists_its_problems(self, tmp_path: Path) -> None:
        """A pack read from a folder is checked like a variant."""
        (tmp_path / "pack.toml").write_text(
            '[pack]\nname = "x"\nversion = "1"\nfiles = ["a.toml"]\n', encoding="utf-8"
        )
        (tmp_path / "a.toml").write_text("[criteria.x]\ncolour = 1\n", encoding="utf-8")
        with pytest.raises(InvalidInputError) as error:
            load_rulebook(pack=tmp_path)
        assert any("a.toml:2 criteria.x.colour" in p.render() for p in error.value.problems)
        assert Path(str(pack_path())).is_dir()


class TestDiffWithoutPyarrow:
    def test_parquet_needs_pyarrow(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without pyarrow, a parquet folder gives a clear message, not a traceback."""
        variant = tmp_path / "v.toml"
        variant.write_text('[variant]\nname = "v"\nregion = "33.74"\n', encoding="utf-8")
        folder = tmp_path / "pop"
        folder.mkdir()
        monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
        done = CliRunner().invoke(
            rules, ["diff", str(variant), "--on", "2025-03-01", "--population", str(folder)]
        )
        assert done.exit_code == 1
        assert "pip install 'slrt_core[parquet]'" in done.output
        assert Sex.FEMALE.value == "female"
