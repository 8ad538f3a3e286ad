"""The cases() and populations() strategies of the testing kit."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings

from slrt_core.case import CaseState
from slrt_core.errors import InvalidInputError
from slrt_core.identity import RegionCode
from slrt_core.rules import Population, load_pack, screen
from slrt_core.testing import strategies

_STATES_SEEN: set[CaseState] = set()


@settings(max_examples=60, derandomize=True, database=None)
@given(strategies.cases())
def test_cases_are_consistent(case) -> None:
    """Every drawn case is in a lifecycle state and lies in Jawa Tengah."""
    _STATES_SEEN.add(case.state)
    assert RegionCode("33").contains(case.region)
    assert case.version >= 1
    assert case.needs


def test_cases_reach_many_states() -> None:
    """The walks cover the lifecycle: registered, in service and closed among others."""
    test_cases_are_consistent()
    assert {CaseState.REGISTERED, CaseState.IN_SERVICE, CaseState.CLOSED} <= _STATES_SEEN


@settings(max_examples=10, derandomize=True, database=None)
@given(strategies.cases(routes=["full"]))
def test_drawn_case_replays(case) -> None:
    """Restricted to the full route, no drawn case is an emergency."""
    assert not case.emergency


@pytest.mark.parametrize("routes", [[], ["full", "scenic"]])
def test_unknown_routes_are_refused(routes) -> None:
    """No route, or an unknown one, is an InvalidInputError naming the known routes."""
    with pytest.raises(InvalidInputError, match="full, returned, emergency, local") as caught:
        strategies.cases(routes=routes)
    assert "Rute harus" in caught.value.message("id")


@settings(max_examples=20, derandomize=True, database=None)
@given(strategies.populations(region="33.74", as_of=date(2025, 8, 1), min_size=2, max_size=6))
def test_populations_screen(population: Population) -> None:
    """Drawn populations have the sizes asked for and screen without error."""
    assert 2 <= population.households <= 6
    result = screen(population, on=date(2025, 8, 1), rulebook=load_pack(), programs=["SEMBAKO"])
    assert result.decision(0, "SEMBAKO").program == "SEMBAKO"
