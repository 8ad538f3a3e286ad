"""A seeded run's results stay what they were: speed-ups must not change a single figure.

The digest below was computed from this scenario before the driver and the population
were made faster; a change that is *meant* to change the simulation's behaviour (a new
step, another draw) updates it, and says so in its commit message.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from tests.unit.sim.builders import small_scenario

from slrt_core.sim import default_policies, run

#: sha256 of the case, referral and queue tables of the run below (see the docstring).
DIGEST = "89439cda8b3f360f347a54cc32dd165332230a9c6e06cf874e112516f109eacd"


def _canonical(tables: dict[str, dict[str, list[Any]]]) -> bytes:
    """The tables as JSON: floats to 6 decimals, NaN as null, keys sorted."""

    def plain(value: Any) -> Any:
        if isinstance(value, float):
            return None if math.isnan(value) else round(value, 6)
        return value

    return json.dumps(
        {name: {k: [plain(v) for v in vs] for k, vs in t.items()} for name, t in tables.items()},
        sort_keys=True,
    ).encode()


def digest() -> str:
    """The digest of two policies on two seeds of the small default district."""
    result = run(small_scenario(days=21, per_week=60), default_policies(), seeds=[1, 2])
    tables = {"cases": result.cases, "referrals": result.referrals, "queues": result.queues}
    return hashlib.sha256(_canonical(tables)).hexdigest()


def test_a_seeded_run_gives_the_results_it_gave_before() -> None:
    assert digest() == DIGEST
