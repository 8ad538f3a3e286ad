"""The inputs rules may read: household and member attributes, with their types.

An input is read from a :class:`~slrt_core.household.Household` by the scalar evaluator
and from a column of the same name by the vectorised one. Enumerated inputs are text
(``"severe"``); in columns they may also be integer codes, the position of the value in
:attr:`InputSpec.choices` (``-1`` for unknown).

``receives.<CODE>`` is one input per program code: the household already receives it.
"""

from __future__ import annotations

import enum
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import attrs

from slrt_core.household import (
    Disability,
    FloorType,
    Household,
    Person,
    Relationship,
    Schooling,
    WallType,
)
from slrt_core.identity import Sex

__all__ = ["INPUTS", "InputSpec", "Scope", "ValueType", "input_spec", "input_specs"]


class Scope(enum.StrEnum):
    """Whether a value is one per household or one per member.

    .. versionadded:: 0.1.0
    """

    HOUSEHOLD = "household"
    MEMBER = "member"


class ValueType(enum.StrEnum):
    """The type of an input, a parameter or a literal.

    ``TEXT`` inputs are enumerations (their :attr:`InputSpec.choices`).

    .. versionadded:: 0.1.0
    """

    BOOL = "bool"
    INT = "int"
    TEXT = "text"
    INT_LIST = "int_list"
    TEXT_LIST = "text_list"


LiteralValue = bool | int | str | tuple[int, ...] | tuple[str, ...]


def type_of(value: object) -> ValueType | None:
    """The :class:`ValueType` of a literal, or ``None`` if it is not one.

    Examples:
        >>> type_of(True), type_of(450), type_of(("sd", "smp")), type_of(2.5)
        (<ValueType.BOOL: 'bool'>, <ValueType.INT: 'int'>, <ValueType.TEXT_LIST: 'text_list'>, None)
    """
    if isinstance(value, bool):
        return ValueType.BOOL
    if isinstance(value, int):
        return ValueType.INT
    if isinstance(value, str):
        return ValueType.TEXT
    if isinstance(value, (tuple, list)):
        if value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return ValueType.INT_LIST
        if value and all(isinstance(v, str) for v in value):
            return ValueType.TEXT_LIST
    return None


def as_literal(value: object) -> object:
    """Lists become tuples, so literal values are hashable and compare equal."""
    return tuple(value) if isinstance(value, list) else value


@attrs.frozen(kw_only=True)
class InputSpec:
    """One input a rule may read.

    Attributes:
        name: the input and column name.
        scope: one per household or one per member.
        type: bool, int or text (an enumeration).
        choices: the values of a text input, in code order.
        label_id: what it is, in Bahasa Indonesia.
        label_en: what it is, in English.
        derived: computed rather than recorded (``age`` from the birth date,
            ``household_size`` from the members); never missing in a household.

    .. versionadded:: 0.1.0
    """

    name: str
    scope: Scope
    type: ValueType
    choices: tuple[str, ...] = ()
    label_id: str
    label_en: str
    derived: bool = False


def _choices(kind: type[enum.StrEnum]) -> tuple[str, ...]:
    return tuple(m.value for m in kind)


def _hh(name: str, kind: ValueType, id_: str, en: str, **kw: Any) -> InputSpec:
    return InputSpec(name=name, scope=Scope.HOUSEHOLD, type=kind, label_id=id_, label_en=en, **kw)


def _m(name: str, kind: ValueType, id_: str, en: str, **kw: Any) -> InputSpec:
    return InputSpec(name=name, scope=Scope.MEMBER, type=kind, label_id=id_, label_en=en, **kw)


_B, _I, _T = ValueType.BOOL, ValueType.INT, ValueType.TEXT

INPUTS: Mapping[str, InputSpec] = {
    spec.name: spec
    for spec in (
        _hh("in_registry", _B, "Terdaftar di DTKS/DTSEN", "Listed in the social registry"),
        _hh("decile", _I, "Desil kesejahteraan DTSEN", "DTSEN welfare decile"),
        _hh("floor", _T, "Jenis lantai", "Floor material", choices=_choices(FloorType)),
        _hh("wall", _T, "Jenis dinding", "Wall material", choices=_choices(WallType)),
        _hh("roof_unfit", _B, "Atap tidak layak", "Roof unfit"),
        _hh("own_toilet", _B, "Memiliki jamban sendiri", "Has its own toilet"),
        _hh("owns_land", _B, "Memiliki lahan sendiri", "Owns the land"),
        _hh("electricity_va", _I, "Daya listrik (VA)", "Electricity power (VA)"),
        _hh(
            "housing_aid_before",
            _B,
            "Pernah menerima bantuan rumah",
            "Received housing aid before",
        ),
        _hh(
            "household_size",
            _I,
            "Jumlah anggota keluarga",
            "Number of household members",
            derived=True,
        ),
        _m("age", _I, "Umur (tahun)", "Age (years)", derived=True),
        _m("sex", _T, "Jenis kelamin", "Sex", choices=_choices(Sex)),
        _m(
            "relationship",
            _T,
            "Hubungan dengan kepala keluarga",
            "Relationship to the head",
            choices=_choices(Relationship),
        ),
        _m("pregnant", _B, "Sedang hamil", "Pregnant"),
        _m("disability", _T, "Disabilitas", "Disability", choices=_choices(Disability)),
        _m("schooling", _T, "Jenjang sekolah", "School level", choices=_choices(Schooling)),
        _m("working", _B, "Bekerja", "Has paid work"),
        _m("monthly_income", _I, "Penghasilan per bulan (Rp)", "Monthly income (IDR)"),
        _m("has_nik", _B, "Memiliki NIK", "Has a NIK", derived=True),
    )
}
"""Every fixed input, by name; ``receives.<CODE>`` inputs are added by :func:`input_spec`."""

RECEIVES_PREFIX = "receives."


def input_specs() -> tuple[InputSpec, ...]:
    """Every fixed input rules may read (``receives.<CODE>`` aside), households first.

    Examples:
        >>> [s.name for s in input_specs()][:3]
        ['in_registry', 'decile', 'floor']
    """
    return tuple(INPUTS.values())


_RECEIVES = re.compile(r"receives\.([A-Z][A-Z0-9_]*)")


def input_spec(name: str) -> InputSpec | None:
    """The input called *name*, or ``None`` if there is none.

    Examples:
        >>> input_spec("decile").type
        <ValueType.INT: 'int'>
        >>> input_spec("receives.PKH").label_en
        'Already receives PKH'
        >>> input_spec("salary") is None
        True
    """
    spec = INPUTS.get(name)
    if spec is not None:
        return spec
    match = _RECEIVES.fullmatch(name)
    if match is None:
        return None
    code = match.group(1)
    return _hh(name, _B, f"Sudah menerima {code}", f"Already receives {code}")


# --------------------------------------------------------------------------- reading


def _enum_value(value: enum.StrEnum | None) -> str | None:
    return None if value is None else value.value


HouseholdGetter = Callable[[Household], Any]
MemberColumn = Callable[[Sequence[Person], date], list[Any]]

_HOUSEHOLD_GETTERS: Mapping[str, HouseholdGetter] = {
    "in_registry": lambda h: h.registry.in_registry,
    "decile": lambda h: h.registry.decile,
    "floor": lambda h: _enum_value(h.housing.floor),
    "wall": lambda h: _enum_value(h.housing.wall),
    "roof_unfit": lambda h: h.housing.roof_unfit,
    "own_toilet": lambda h: h.housing.own_toilet,
    "owns_land": lambda h: h.housing.owns_land,
    "electricity_va": lambda h: h.housing.electricity_va,
    "housing_aid_before": lambda h: h.housing.housing_aid_before,
    "household_size": lambda h: len(h.members),
}


def _attribute(name: str) -> MemberColumn:
    get = operator.attrgetter(name)
    return lambda ms, _: list(map(get, ms))


def _enum_attribute(name: str) -> MemberColumn:
    # A StrEnum member is the text of its value (equal, same hash, same str()).
    return _attribute(name)


_MEMBER_COLUMNS: Mapping[str, MemberColumn] = {
    "age": lambda ms, on: [p.age_on(on) for p in ms],
    "sex": _enum_attribute("sex"),
    "relationship": _enum_attribute("relationship"),
    "pregnant": _attribute("pregnant"),
    "disability": _enum_attribute("disability"),
    "schooling": _enum_attribute("schooling"),
    "working": _attribute("working"),
    "monthly_income": _attribute("monthly_income"),
    "has_nik": lambda ms, _: [p.nik is not None for p in ms],
}


def household_getter(name: str) -> HouseholdGetter:
    """How the scalar evaluator reads household input *name* (a known input)."""
    getter = _HOUSEHOLD_GETTERS.get(name)
    if getter is not None:
        return getter
    code = name.removeprefix(RECEIVES_PREFIX)
    return lambda h: code in h.programs_received


def member_column(name: str) -> MemberColumn:
    """How the scalar evaluator reads member input *name* for all members at once."""
    return _MEMBER_COLUMNS[name]
