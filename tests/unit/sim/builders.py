"""Small scenarios for the simulation tests: a few hundred cases run in a fraction of a second."""

from __future__ import annotations

from slrt_core.sim import Scenario, default_scenario


def small_scenario(*, days: int = 14, per_week: float = 40.0, households: int = 800) -> Scenario:
    """The default district, scaled down."""
    return default_scenario(days=days, per_week=per_week, households=households, drain=30)
