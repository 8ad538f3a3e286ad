"""The fold's fast copy of a case is the same as ``attrs.evolve``."""

from __future__ import annotations

import attrs

from slrt_core.adapters import MemoryStore
from slrt_core.case import Case
from slrt_core.case._events import _evolved
from slrt_core.testing import sample_slrt, sample_staff, walk_case


def test_case_has_nothing_the_fast_copy_would_skip() -> None:
    """Case has no converter, validator or post-init: copying its slots is evolving it."""
    assert not any(a.converter or a.validator for a in attrs.fields(Case))
    assert not hasattr(Case, "__attrs_post_init__")


def test_fast_copy_equals_evolve() -> None:
    """The copy with changes equals attrs.evolve with the same changes."""
    store = MemoryStore()
    steps = list(walk_case(sample_slrt(store), sample_staff(), route="local"))
    case = store.load(steps[-1].case_id)
    changes = {"version": case.version + 1, "correction_note": "again"}
    assert _evolved(case, dict(changes)) == attrs.evolve(case, **changes)
    assert _evolved(case, {}) == case
