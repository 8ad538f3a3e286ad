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
        assert [p.name for p in paths] == ["cases.csv", "referrals.csv", "queues.csv", "runs.csv"]
        with (tmp_path / "cases.csv").open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == len(result.cases["case_id"])
        assert rows[0]["case_id"] == result.cases["case_id"][0]
        assert list(rows[0]) == list(CASE_COLUMNS)

    def test_parquet_and_pandas(self, result: SimResult, tmp_path: Path) -> None:
        """Parquet files read back as the same tables; pandas frames have the same rows."""
        import pyarrow.parquet as pq

        paths = result.to_parquet(tmp_path)
        assert len(paths) == 4
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
        for metric in METRICS:
            assert metric in text
        assert "Difference from nearest-tier, paired by seed" in text
        assert "least-loaded" in text
        single = run(small_scenario(days=7), default_policies()[:1], seeds=[1])
        assert "Difference" not in single.summary()
        assert single.tables()["runs"]["policy"] == ["nearest-tier"]


class TestEstimate:
    def test_one_value_has_no_width_and_nan_is_left_out(self) -> None:
        """One seed: the interval is the value; NaN values do not count."""
        e = Estimate.of("p", "m", [2.0, math.nan])
        assert (e.mean, e.low, e.high, e.n) == (2.0, 2.0, 2.0, 1)
        assert e.render() == "2.0 [2.0, 2.0]"
        empty = Estimate.of("p", "m", [math.nan])
        assert empty.n == 0
        assert empty.render() == "n/a"

    def test_many_seeds_use_the_normal_quantile(self) -> None:
        """Beyond 31 seeds the interval uses 1.96."""
        values = [float(i % 2) for i in range(100)]
        e = Estimate.of("p", "m", values)
        assert e.high - e.mean == pytest.approx(1.96 * 0.5025189 / 10, rel=1e-4)
        assert Estimate.of("p", "m", [1234.5, 1300.0]).render().startswith("1,267 [")


class TestPlots:
    def test_three_pngs_are_written(self, result: SimResult, tmp_path: Path) -> None:
        """Funnel, time to service and queues, as PNG files."""
        paths = plot(result, tmp_path / "plots")
        assert [p.name for p in paths] == ["funnel.png", "time_to_service.png", "queues.png"]
        for path in paths:
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert path.stat().st_size > 5_000
