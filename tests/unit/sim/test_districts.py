"""Districts from their own structure: profiles, and two districts that differ."""

from __future__ import annotations

import pytest

from slrt_core import InvalidInputError
from slrt_core.sim import (
    DISTRICT_SOURCES,
    default_policies,
    default_scenario,
    district_profile,
    run,
    synthetic_population,
)


def test_profiles_read_the_region_list() -> None:
    """Counts of kecamatan, villages and kelurahan come from the 2025 list."""
    semarang = district_profile("33.74")
    aceh = district_profile("11.01")
    assert (semarang.kecamatan, semarang.villages, semarang.kelurahan) == (16, 177, 177)
    assert (aceh.city, aceh.kelurahan, aceh.urban_share) == (False, 0, 0.0)
    assert semarang.poverty == pytest.approx(0.0709)
    assert aceh.poverty == pytest.approx(0.1179)
    assert aceh.income_median < semarang.income_median
    assert semarang.puskesos_coverage == pytest.approx(0.4)
    assert aceh.puskesos_coverage == pytest.approx(0.6)
    assert set(DISTRICT_SOURCES) >= {"structure", "families_per_village", "poverty"}


def test_a_province_or_village_is_not_a_district() -> None:
    """A profile is for a regency or city; the message points to run_region."""
    with pytest.raises(InvalidInputError) as caught:
        district_profile("33")
    assert "run_region" in str(caught.value)


def test_two_districts_give_different_results() -> None:
    """A city of kelurahan and a rural kabupaten differ in poverty, intake and outcome."""
    results = {}
    for code in ("33.74", "11.01"):
        scenario = default_scenario(district=code, days=14, per_week=40, households=800, drain=20)
        results[code] = run(scenario, default_policies()[:1], seeds=[1])
    city, rural = results["33.74"], results["11.01"]
    assert city.runs[0]["completion"] != rural.runs[0]["completion"]
    assert set(city.cases["channel"]) == set(rural.cases["channel"])
    city_desk = city.cases["channel"].count("puskesos_desk") / len(city.cases["channel"])
    rural_desk = rural.cases["channel"].count("puskesos_desk") / len(rural.cases["channel"])
    assert rural_desk > city_desk
    assert all(v.startswith("11.01.") for v in rural.cases["village"])


def test_poorer_districts_draw_poorer_populations() -> None:
    """The income median follows the district's poverty: lower incomes where it is higher."""
    shares = []
    for code in ("33.74", "11.01"):
        spec = default_scenario(district=code, households=4000).population
        population = synthetic_population(spec, seed=3)  # type: ignore[arg-type]
        income = population.tables()["persons"]["monthly_income"]
        shares.append(float(income[income > 0].mean()))
    assert shares[0] > shares[1]


def test_a_users_population_and_directory_replace_the_defaults() -> None:
    """An extract and a directory given to default_scenario are used as they are."""
    from slrt_core.sim import PopulationSpec, default_directory

    population = synthetic_population(
        PopulationSpec(households=300, villages=("33.74.01.1001",)), seed=1
    )
    directory = default_directory(district_profile("33.74").region)
    scenario = default_scenario(population=population, directory=directory)
    assert scenario.population is population
    assert scenario.directory is directory
    assert scenario.services == ()
