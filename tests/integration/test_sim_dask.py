"""Simulation sweeps and population screening on a local dask cluster."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from slrt_core.cli import main
from slrt_core.rules import screen
from slrt_core.sim import (
    PopulationSpec,
    default_policies,
    default_scenario,
    run,
    run_region,
    screen_parquet,
    screen_population,
    synthetic_population,
    write_partitions,
)
from slrt_core.sim._run import national_pack

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    with (
        distributed.LocalCluster(
            n_workers=2, processes=False, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_a_sweep_on_dask_equals_the_same_sweep_here(client: object) -> None:
    """Policies x seeds on the cluster give the tables of an in-process run."""
    scenario = default_scenario(days=10, per_week=30, households=600, drain=20)
    here = run(scenario, default_policies(), seeds=[1, 2])
    there = run(scenario, default_policies(), seeds=[1, 2], client=client)
    assert there.cases["case_id"] == here.cases["case_id"]
    assert there.referrals["status"] == here.referrals["status"]
    assert there.queues == here.queues
    assert [r["completion"] for r in there.runs] == [r["completion"] for r in here.runs]
    assert there.summary() == here.summary()


def test_a_two_district_province_on_dask_equals_the_in_process_run(client: object) -> None:
    """Each district run on a worker gives the rows, and the combined figures, of a local run."""
    kwargs = {
        "days": 7,
        "drain": 10,
        "households": 300,
        "scale": 0.03,
        "districts": ["34.71", "34.02"],
    }
    here = run_region("34", default_policies(), [1, 2], **kwargs)  # type: ignore[arg-type]
    there = run_region(
        "34",
        default_policies(),
        [1, 2],
        client=client,
        **kwargs,  # type: ignore[arg-type]
    )

    def strip(rows: list[dict[str, object]]) -> list[dict[str, object]]:
        return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]

    assert strip(there.rows) == strip(here.rows)
    assert there.table() == here.table()
    assert there.summary() == here.summary()


def test_population_screening_on_dask_equals_one_screening(client: object) -> None:
    """Chunks screened on the workers join into the whole population's statuses."""
    population = synthetic_population(PopulationSpec(households=5_000), seed=9)
    on = date(2026, 1, 5)
    spread = screen_population(
        population, rulebook=national_pack(), on=on, client=client, chunk=1_200
    )
    whole = screen(population.tables(), on=on, rulebook=national_pack())
    for code, values in whole.status.items():
        assert spread[code].tolist() == values.tolist()


def test_a_partitioned_dataset_screened_on_dask_equals_the_in_process_screen(
    client: object, tmp_path: Path
) -> None:
    """Each partition is screened on a worker; the reduced tables equal a local screen."""
    write_partitions(tmp_path, ["34.71", "34.02"], scale=0.004, seed=5)
    on = date(2026, 1, 5)
    here = screen_parquet(tmp_path, rulebook=national_pack(), on=on)
    there = screen_parquet(tmp_path, rulebook=national_pack(), on=on, client=client)
    again = screen_parquet(tmp_path, rulebook=national_pack(), on=on, client=client)
    assert there.table() == here.table() == again.table()
    assert there.households == here.households


@pytest.mark.slow
def test_the_command_runs_on_worker_processes(tmp_path: Path) -> None:
    """slrt simulate --workers starts a local cluster of processes and prints the summary."""
    result = CliRunner().invoke(
        main,
        ["simulate", "--days", "7", "--per-week", "20", "--households", "400", "--seeds", "2",
         "--workers", "2"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Difference from nearest-tier" in result.output
