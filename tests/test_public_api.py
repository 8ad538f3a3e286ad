"""The public API: curated, sorted and importable."""

from __future__ import annotations

import importlib

import pytest

import slrt_core

PACKAGES = [
    "slrt_core",
    "slrt_core.case",
    "slrt_core.referral",
    "slrt_core.adapters",
    "slrt_core.testing",
    "slrt_core.sim",
    "slrt_core.application",
    "slrt_core.sync",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_importable(name: str) -> None:
    """Each public package lists a sorted __all__ whose names all exist."""
    module = importlib.import_module(name)
    assert list(module.__all__) == sorted(module.__all__)
    for attr in module.__all__:
        assert hasattr(module, attr), attr


def test_issue_names_are_public() -> None:
    """The names the foundation promises are importable from the top level."""
    promised = [
        *("Slrt", "Actor", "Role", "Channel", "ComplaintKind", "Sector", "Need"),
        *("Household", "Person", "Nik", "RegionCode", "CaseState", "ReferralStatus"),
        *("ClosingReason", "SlrtError", "InvalidInputError", "TransitionNotAllowed"),
        *("AccessDenied", "ConcurrencyError"),
    ]
    for name in promised:
        assert name in slrt_core.__all__, name
    from slrt_core.adapters import MemoryStore, SqliteStore

    assert MemoryStore
    assert SqliteStore


def test_every_error_is_a_slrt_error() -> None:
    """Every exception class exported is part of the one tree rooted at SlrtError."""
    for name in slrt_core.__all__:
        obj = getattr(slrt_core, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            assert issubclass(obj, slrt_core.SlrtError), name


def test_every_label_exists_in_both_languages() -> None:
    """Every member of the staff vocabularies has an Indonesian and an English label."""
    from slrt_core.labels import LABELS, label

    vocabularies = [
        slrt_core.CaseState,
        slrt_core.NeedStatus,
        slrt_core.Priority,
        slrt_core.Role,
        slrt_core.Channel,
        slrt_core.ComplaintKind,
        slrt_core.Sector,
        slrt_core.ClosingReason,
        slrt_core.ReferralStatus,
        slrt_core.ReferralReason,
        slrt_core.Tier,
    ]
    for vocabulary in vocabularies:
        for member in vocabulary:
            assert member in LABELS, member
            assert label(member, "id")
            assert label(member, "en")
