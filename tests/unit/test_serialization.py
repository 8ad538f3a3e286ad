"""The one converter: structuring input keeps every problem, with its path, in both languages."""

from __future__ import annotations

from typing import Any

import pytest

from slrt_core import InvalidInputError
from slrt_core.household import Household, Housing
from slrt_core.serialization import structure


def _problems(data: Any, cls: type) -> list[tuple[str, str, str]]:
    with pytest.raises(InvalidInputError) as caught:
        structure(data, cls, subject="the household")
    return [(p.path, p.message, p.message_id) for p in caught.value.problems]


def test_wrong_types_are_listed_with_their_paths() -> None:
    """A value of the wrong type is reported at its path."""
    [(path, en, id_)] = _problems({"electricity_va": "lots"}, Housing)
    assert path == "electricity_va"
    assert "expected int | None" in en
    assert id_.endswith("Perbaiki nilai ini.")


def test_a_values_own_check_keeps_its_bilingual_problems() -> None:
    """A household without a head reports the household's own message, not cattrs'."""
    member = {"member_id": "m1", "relationship": "child", "birth_date": "2010-01-01", "sex": "male"}
    [(path, en, id_)] = _problems({"region": "33.74.01.1001", "members": [member]}, Household)
    assert path == "members"
    assert en.startswith("A household needs exactly one head of family")
    assert id_.startswith("Rumah tangga harus punya tepat satu kepala keluarga")


def test_nested_problems_are_placed_under_the_outer_path() -> None:
    """A bad NIK of a member is placed at that member, next to a wrong type elsewhere."""
    member = {
        "member_id": "m1",
        "relationship": "head",
        "birth_date": "1980-01-01",
        "sex": "male",
        "nik": "123",
    }
    found = _problems(
        {"region": "33.74.01.1001", "members": [member], "housing": {"electricity_va": "x"}},
        Household,
    )
    paths = [path for path, _, _ in found]
    assert sorted(paths) == ["housing.electricity_va", "members[0].nik"]
    nik = next(p for p in found if p[0] == "members[0].nik")
    assert "16 digits" in nik[1]
    assert "16 digit" in nik[2]
