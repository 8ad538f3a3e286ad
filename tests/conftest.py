"""Test configuration: Hypothesis profiles chosen by SLRT_HYPOTHESIS_PROFILE (dev, ci, fast)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("fast", max_examples=10, deadline=None)
settings.load_profile(
    os.environ.get("SLRT_HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
)
