"""What a test needs from the machine: skip without it locally, fail without it under CI.

A test that needs something outside Python (a PostgreSQL server, a browser) skips with
the reason on a developer's machine that lacks it. Under ``CI=true`` the same test fails
instead: CI installs what the suite needs (``.ci/run``), so a missing piece there is a
broken run, never a quietly skipped one.
"""

from __future__ import annotations

import os

import pytest

__all__ = ["in_ci", "require"]


def in_ci() -> bool:
    """Whether the suite runs under CI (``CI=true``)."""
    return os.environ.get("CI", "").lower() == "true"


def require(reason: str | None, needed: str) -> None:
    """Skip the calling test for *reason* (``None``: nothing is missing); fail under CI.

    *needed* names what CI needs, for the failure message ("PostgreSQL", "a browser").
    """
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"CI=true needs {needed} for these tests: {reason}", pytrace=False)
    pytest.skip(reason)
