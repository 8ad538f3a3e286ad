"""Results: documented columns, intervals, exports, pandas, plots and errors."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from tests.unit.sim.builders import small_scenario

from slrt_core import InvalidInputError
from slrt_core.sim import (
    CASE_COLUMNS,
    FUNNEL,
    METRICS,
    QUEUE_COLUMNS,
    REFERRAL_COLUMNS,
    Estimate,
    SimResult,
    default_policies,
    plot,
    run,
)


@pytest.fixture(scope="module")
def result() -> SimResult:
    return run(small_scenario(), default_policies(), seeds=[1, 2])


class TestTables:
    def test_tables_have_the_documented_columns(self, result: SimResult) -> None:
        """Every column is documented, and every documented column is there."""
        assert list(result.cases) == list(CASE_COLUMNS)
        assert list(result.referrals) == list(REFERRAL_COLUMNS)
        assert list(result.queues) == list(QUEUE_COLUMNS)
        for table in (result.cases, result.referrals, result.queues):
            assert len({len(v) for v in table.values()}) == 1
        assert set(METRICS) <= set(result.runs[0])
        assert {column for _, column in FUNNEL} <= set(CASE_COLUMNS)

    def test_csv_export_round_trips(self, result: SimResult, tmp_path: Path) -> None:
        """The CSV files hold every row and column."""
        paths = result.to_csv(tmp_path)
        assert [p.name for p in paths] == [
            "cases.csv", "referrals.csv", "queues.csv", "services.csv", "runs.csv"
        ]  # fmt: skip
        with (tmp_path / "cases.csv").open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == len(result.cases["case_id"])
        assert rows[0]["case_id"] == result.cases["case_id"][0]
        assert list(rows[0]) == list(CASE_COLUMNS)

    def test_parquet_and_pandas(self, result: SimResult, tmp_path: Path) -> None:
        """Parquet files read back as the same tables; pandas frames have the same rows."""
        import pyarrow.parquet as pq

        paths = result.to_parquet(tmp_path)
        assert len(paths) == 5
        table = pq.read_table(tmp_path / "referrals.parquet")
        assert table.column("referral_id").to_pylist() == result.referrals["referral_id"]
        frame = result.frame("cases")
        assert len(frame) == len(result.cases["case_id"])
        assert list(frame.columns) == list(CASE_COLUMNS)
        runs = result.frame("runs")
        assert sorted(runs["policy"].unique()) == sorted(result.policies)
        with pytest.raises(InvalidInputError):
            result.frame("nope")

    def test_unknown_policy_or_metric_lists_both(self, result: SimResult) -> None:
        """Asking for what is not there says what is."""
        with pytest.raises(InvalidInputError) as caught:
            result.metric("other", "speed")
        assert [p.path for p in caught.value.problems] == ["policy", "metric"]
        assert "nearest-tier" in str(caught.value)

    def test_summary_compares_the_policies(self, result: SimResult) -> None:
        """The summary has every metric, both policies and the paired differences."""
        text = result.summary()
        for metric, spec in METRICS.items():
            assert metric in text
            assert spec.definition in text
        assert "Cases open at the end, by state" in text
        indonesian = result.summary("id")
        assert "Definisi:" in indonesian
        assert "hari kerja" in indonesian
        assert "working days" not in indonesian
        assert "Difference from nearest-tier, paired by seed" in text
        assert "least-loaded" in text
        single = run(small_scenario(days=7), default_policies()[:1], seeds=[1])
        assert "Difference" not in single.summary()
        assert single.tables()["runs"]["policy"] == ["nearest-tier"]


class TestEstimate:
    def test_one_value_has_no_interval_and_nan_is_left_out(self) -> None:
        """One seed: no interval, and the rendering says so; NaN values do not count."""
        e = Estimate.of("p", "m", [2.0, math.nan])
        assert (e.mean, e.n, e.method) == (2.0, 1, "none")
        assert math.isnan(e.low)
        assert math.isnan(e.high)
        assert e.render() == "2.0 (1 seed: no interval)"
        assert e.render("id") == "2,0 (1 benih acak: tanpa interval)"
        empty = Estimate.of("p", "m", [math.nan])
        assert empty.n == 0
        assert empty.render() == "n/a"
        assert empty.render("id") == "t/a"

    def test_a_bootstrap_interval_respects_the_range(self) -> None:
        """A count never gets a negative end; the small-sample widening is kept above."""
        e = Estimate.of("p", "m", [0.0, 0.0, 0.0, 30.0])
        assert e.low == 0.0
        assert e.mean < e.high
        free = Estimate.of("p", "m", [-1.0, 1.0, 3.0], bounds=(-math.inf, math.inf))
        assert free.low < -1.0 < 3.0 < free.high
        assert Estimate.of("p", "m", [1234.5, 1300.0]).render().startswith("1,267 [")
        assert Estimate.of("p", "m", [1234.5, 1300.0]).render("id").startswith("1.267 [")

    def test_a_proportion_interval_stays_in_zero_one(self) -> None:
        """Wilson on the effective trials: within [0, 1] even at the edges."""
        e = Estimate.proportion("p", "m", [0.99, 1.0, 1.0], [50, 50, 50])
        assert e.method == "wilson"
        assert 0.0 <= e.low <= e.mean <= e.high <= 1.0
        assert 0 < e.trials <= 150
        same = Estimate.proportion("p", "m", [0.5, 0.5], [40, 60])
        assert same.trials == 100
        one = Estimate.proportion("p", "m", [0.5], [10])
        assert one.method == "none"
        nothing = Estimate.proportion("p", "m", [math.nan], [0])
        assert nothing.n == 0

    def test_every_metric_has_a_definition_and_unit_in_both_languages(self) -> None:
        """Units and definitions are printed; proportions name their trials."""
        for spec in METRICS.values():
            assert spec.definition
            assert spec.definition_id
            assert spec.unit
            assert spec.unit_id
            assert (spec.kind == "proportion") == bool(spec.trials)


class TestPlots:
    def test_three_pngs_are_written(self, result: SimResult, tmp_path: Path) -> None:
        """Funnel, time to service and queues, as PNG files."""
        paths = plot(result, tmp_path / "plots")
        assert [p.name for p in paths] == ["funnel.png", "time_to_service.png", "queues.png"]
        for path in paths:
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert path.stat().st_size > 5_000
