"""The simulation API as a user's type checker sees it (checked by mypy, never executed)."""

from __future__ import annotations

from pathlib import Path
from typing import assert_type

from slrt_core.referral import LeastLoaded
from slrt_core.sim import (
    Estimate,
    Policy,
    PopulationSpec,
    Scenario,
    SimPopulation,
    SimResult,
    Simulation,
    default_policies,
    default_scenario,
    load_population,
    plot,
    run,
    synthetic_population,
)

scenario = default_scenario(days=30, per_week=50.0)
assert_type(scenario, Scenario)
policies = [*default_policies(), Policy(name="wider", routing=LeastLoaded(), capacities={"x": 3})]


seen: list[tuple[str, int, float]] = []


def progress(policy: str, seed: int, fraction: float) -> None:
    """Note how far a run is."""
    seen.append((policy, seed, fraction))


result = run(scenario, policies, seeds=range(1, 4), progress=progress)
assert_type(result, SimResult)
assert_type(result.metric("wider", "completion"), Estimate)
assert_type(result.difference("wider", "nearest-tier", "reroutes").mean, float)
assert_type(result.to_csv("out"), list[Path])
assert_type(plot(result, Path("plots")), list[Path])
assert_type(synthetic_population(PopulationSpec(households=10), seed=1), SimPopulation)
assert_type(load_population("households.csv", Path("persons.parquet")), SimPopulation)
sim = Simulation()
sim.after(1.0, seen.clear)
assert_type(sim.run(until=2.0), int)
