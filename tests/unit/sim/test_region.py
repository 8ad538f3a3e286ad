"""A province as its districts: rows per district, combined per province and nation."""

from __future__ import annotations

import math

import pytest

from slrt_core import InvalidInputError
from slrt_core.sim import METRICS, default_policies, run_region

NEAREST = default_policies()[0]


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    return run_region(
        "34",
        [NEAREST],
        [1, 2],
        days=7,
        drain=10,
        households=300,
        scale=0.03,
        districts=["34.71", "34.02"],
    )


def test_each_district_runs_and_the_province_adds_them_up(result) -> None:  # type: ignore[no-untyped-def]
    """Counts add up; shares are pooled over their trials; medians stay per district."""
    assert result.districts == ("34.02", "34.71")
    assert result.areas() == ["34.02", "34.71", "34", ""]
    for seed in (1, 2):
        a, b = (result.combined(d, "nearest-tier", seed) for d in ("34.02", "34.71"))
        province = result.combined("34", "nearest-tier", seed)
        assert province["cases"] == a["cases"] + b["cases"]
        pooled = (a["completion"] * a["needs"] + b["completion"] * b["needs"]) / (
            a["needs"] + b["needs"]
        )
        assert province["completion"] == pytest.approx(pooled)
        assert math.isnan(province["time_to_service_median"])
        assert result.combined("", "nearest-tier", seed) == province
    estimate = result.metric("34", "nearest-tier", "completion")
    assert estimate.method == "wilson"
    assert result.metric("34", "nearest-tier", "cases").n == 2


def test_the_tidy_table_and_summary(result) -> None:  # type: ignore[no-untyped-def]
    """One row per area, policy and seed; the summary names every area, in both languages."""
    table = result.table()
    assert set(table) >= {"area", "level", *METRICS}
    assert table["level"].count("district") == 4
    assert table["area"].count("Indonesia") == 2
    assert "Kota Yogyakarta" in result.summary()
    assert "kabupaten/kota" in result.summary("id")
    with pytest.raises(InvalidInputError):
        result.combined("33", "nearest-tier", 1)


def test_districts_outside_the_region_are_refused() -> None:
    """A district that is not in the province is an error before any run."""
    with pytest.raises(InvalidInputError) as caught:
        run_region("34", [NEAREST], [1], districts=["33.74"])
    assert "33.74" in str(caught.value)


def test_a_shock_compared_with_the_calm_run_seed_by_seed(result) -> None:  # type: ignore[no-untyped-def]
    """difference() pairs seeds of two region runs; mismatched runs are refused."""
    same = result.difference(result, "34", "nearest-tier", "cases")
    assert (same.mean, same.low, same.high) == (0.0, 0.0, 0.0)
    other = run_region("34", [NEAREST], [1], days=3, drain=2, households=200, scale=0.01,
                       districts=["34.71"])  # fmt: skip
    with pytest.raises(InvalidInputError):
        result.difference(other, "34", "nearest-tier", "cases")
