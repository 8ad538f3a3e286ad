"""Synthetic populations for benchmarks, variant comparison and tests.

The shapes follow the rules-engine anchor measurements: 1 + Poisson(3) members per
household (4 on average), ages 0-90, about 2% pregnant (women 15-49) and 2% with a severe
disability, log-normal adult income, 40% of households in the registry. Nothing here is
real data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from slrt_core.household import Disability, FloorType, Relationship, Schooling, WallType
from slrt_core.identity import Sex

__all__ = ["synthetic_tables"]

_VA = np.array([0, 450, 900, 1300, 2200], dtype=np.int64)
_MEAN_OTHER_MEMBERS = 3.0
_OLDEST = 90
_ADULT = 18
_RETIRED = 65
_FERTILE = (15, 49)
_PREGNANT = 0.08  # of women 15-49: about 2% of persons, as in the anchor
_SEVERE = 0.02
_MILD = 0.05
_ENROLLED = 0.9
_WORKING = 0.7
_WITH_NIK = 0.97
_IN_REGISTRY = 0.4
_ROOF_UNFIT = 0.15
_OWN_TOILET = 0.8
_OWNS_LAND = 0.7
_AIDED_BEFORE = 0.05
_SCHOOL_AGES = {
    (4, 6): Schooling.PRESCHOOL,
    (7, 12): Schooling.SD,
    (13, 15): Schooling.SMP,
    (16, 18): Schooling.SMA,
}


def _code(kind: Any, value: Any) -> int:
    return list(kind).index(value)


def synthetic_tables(
    households: int,
    *,
    seed: int = 0,
    regions: Sequence[str] = ("33.74.01.1001", "33.74.01.1002", "33.01.01.2001", "31.71.01.1001"),
    missing: float = 0.0,
) -> dict[str, Any]:
    """A synthetic population as numpy columns, ready for :func:`~slrt_core.rules.screen`.

    Args:
        households: the number of households.
        seed: the random seed (same seed, same population).
        regions: village codes the households are spread over, evenly at random.
        missing: the share of values of each recorded input left missing (for testing
            "needs verification").

    Returns:
        ``{"households": {...}, "persons": {...}, "regions": [...]}``; the ``region``
        column holds integer positions in ``regions``. Enumerations are integer codes.

    Examples:
        >>> tables = synthetic_tables(1000, seed=1)
        >>> len(tables["households"]["region"]), int(tables["persons"]["household"].max())
        (1000, 999)
    """
    rng = np.random.default_rng(seed)
    n = households
    sizes = 1 + rng.poisson(_MEAN_OTHER_MEMBERS, n)
    persons = int(sizes.sum())
    household = np.repeat(np.arange(n, dtype=np.intp), sizes)
    first = np.zeros(persons, dtype=bool)
    first[np.cumsum(sizes) - sizes] = True
    age = rng.integers(0, _OLDEST + 1, persons)
    age[first] = rng.integers(_ADULT, _OLDEST + 1, int(first.sum()))
    sex = rng.integers(0, 2, persons).astype(np.int8)
    low, high = _FERTILE
    pregnant = (
        (rng.random(persons) < _PREGNANT)
        & (sex == _code(Sex, Sex.FEMALE))
        & (age >= low)
        & (age <= high)
    )
    disability = np.where(
        rng.random(persons) < _SEVERE,
        _code(Disability, Disability.SEVERE),
        np.where(rng.random(persons) < _MILD, _code(Disability, Disability.MILD), 0),
    ).astype(np.int8)
    schooling = np.full(persons, _code(Schooling, Schooling.NOT_IN_SCHOOL), dtype=np.int8)
    for (youngest, oldest), level in _SCHOOL_AGES.items():
        enrolled = (age >= youngest) & (age <= oldest) & (rng.random(persons) < _ENROLLED)
        schooling[enrolled] = _code(Schooling, level)
    relationship = np.where(
        first, _code(Relationship, Relationship.HEAD), _code(Relationship, Relationship.CHILD)
    ).astype(np.int8)
    adult = age >= _ADULT
    working = adult & (age < _RETIRED) & (rng.random(persons) < _WORKING)
    income = np.where(adult, rng.lognormal(14.0, 0.9, persons), 0.0).astype(np.int64)
    has_nik = rng.random(persons) < _WITH_NIK
    in_registry = rng.random(n) < _IN_REGISTRY
    tables: dict[str, Any] = {
        "households": {
            "region": rng.integers(0, len(regions), n).astype(np.int32),
            "in_registry": in_registry,
            "decile": rng.integers(1, 11, n).astype(np.int8),
            "floor": rng.choice(len(FloorType), n, p=[0.1, 0.1, 0.5, 0.3]).astype(np.int8),
            "wall": rng.choice(len(WallType), n, p=[0.1, 0.1, 0.2, 0.6]).astype(np.int8),
            "roof_unfit": rng.random(n) < _ROOF_UNFIT,
            "own_toilet": rng.random(n) < _OWN_TOILET,
            "owns_land": rng.random(n) < _OWNS_LAND,
            "electricity_va": _VA[rng.choice(len(_VA), n, p=[0.03, 0.3, 0.4, 0.17, 0.1])],
            "housing_aid_before": rng.random(n) < _AIDED_BEFORE,
        },
        "persons": {
            "household": household,
            "age": age,
            "sex": sex,
            "relationship": relationship,
            "pregnant": pregnant,
            "disability": disability,
            "schooling": schooling,
            "working": working,
            "monthly_income": income,
            "has_nik": has_nik,
        },
        "regions": list(regions),
    }
    if missing > 0:
        for table in ("households", "persons"):
            for name, values in tables[table].items():
                if name in {"region", "household"}:
                    continue
                holes = rng.random(len(values)) < missing
                tables[table][name] = np.ma.MaskedArray(values, mask=holes)
    return tables
