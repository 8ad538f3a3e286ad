"""The one converter: structuring input keeps every problem, with its path, in both languages."""

from __future__ import annotations

from typing import Any

import attrs
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


@attrs.frozen
class _Deep:
    a: _Deep | None = None


HEAD = {"member_id": "m1", "relationship": "head", "birth_date": "1980-05-01", "sex": "male"}


@pytest.mark.parametrize("income", [float("nan"), float("inf"), True, 2.5])
def test_numbers_must_be_numbers(income: object) -> None:
    """NaN, infinity, a bool or a fraction where a whole number is meant is refused."""
    data = {"region": "33.74.01.1001", "members": [{**HEAD, "monthly_income": income}]}
    [(path, en, id_)] = _problems(data, Household)
    assert path == "members[0].monthly_income"
    assert "is not a whole number" in en
    assert "bukan bilangan bulat" in id_


def test_bool_for_a_count_is_refused() -> None:
    """A bool as electricity power is refused (Python counts True as 1)."""
    [(path, _, _)] = _problems({"electricity_va": True}, Housing)
    assert path == "electricity_va"


def test_unknown_village_is_refused() -> None:
    """A village code of the right shape that is not in the Kemendagri list is refused."""
    [(path, en, id_)] = _problems({"region": "35.03.01.2999", "members": [HEAD]}, Household)
    assert path == "region"
    assert "not in the Kemendagri 2025 list" in en
    assert "tidak ada dalam daftar Kemendagri" in id_


def test_unknown_region_anywhere_is_refused() -> None:
    """Any region code read through structure() is checked, not only a household's."""
    from slrt_core.identity import RegionCode

    with pytest.raises(InvalidInputError, match=r"33\.99"):
        structure("33.99", RegionCode)
    assert structure("33.74", RegionCode) == RegionCode("33.74")


def test_pre_split_village_is_read_as_history() -> None:
    """A code from before the 2022 Papua split still reads (old records use it)."""
    household = structure({"region": "91.01.01.2001", "members": [HEAD]}, Household)
    assert str(household.region) == "91.01.01.2001"


def test_members_holding_a_dict_directly() -> None:
    """A Household built with a dict as member is an InvalidInputError, not AttributeError."""
    from slrt_core.identity import RegionCode

    with pytest.raises(InvalidInputError, match=r"members\[0\]"):
        Household(region=RegionCode("33.74.01.1001"), members=[HEAD])  # type: ignore[list-item]


def test_deeply_nested_value_is_refused() -> None:
    """A 5,000-deep nested value gives an InvalidInputError, not a RecursionError."""
    from slrt_core.serialization import canonical_json

    deep: Any = {}
    for _ in range(5_000):
        deep = {"a": deep}
    with pytest.raises(InvalidInputError, match="nested too deeply"):
        canonical_json(deep)
    with pytest.raises(InvalidInputError, match="recursion depth"):
        structure(deep, _Deep)


def test_canonical_json_refuses_nan_and_surrogates() -> None:
    """The audit encoding refuses NaN (strict JSON has none) and lone surrogates."""
    from slrt_core.serialization import canonical_json

    with pytest.raises(InvalidInputError, match="finite numbers"):
        canonical_json({"x": float("nan")})
    with pytest.raises(InvalidInputError, match="surrogate"):
        canonical_json({"x": "abc\ud800def"})


def test_name_is_normalised_and_checked() -> None:
    """A decomposed name is read composed; a name with NUL is refused at its path."""
    household = structure(
        {"region": "33.74.01.1001", "members": [{**HEAD, "name": "Sri\u0301"}]}, Household
    )
    assert household.members[0].name == "Srí"
    [(path, en, _)] = _problems(
        {"region": "33.74.01.1001", "members": [{**HEAD, "name": "Bu\x00di"}]}, Household
    )
    assert path == "members[0].name"
    assert "control character" in en
