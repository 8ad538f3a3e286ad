"""How explanations word their inputs and parameter values for staff.

An explanation keeps each input as text under a path (``decile``,
``members[m1].sex``, ``sum(monthly_income)``) and each parameter value as text with its
unit (``70`` ``years``): stable codes, the same in both languages. Rendering in English
shows them as they are, for the developers who write rules; rendering in Bahasa
Indonesia names the input with its Indonesian label and its value in words
(``Jenis kelamin m1 = laki-laki``), numbers with Babel (``1.200.000``), amounts as
rupiah and units in Indonesian (``70 tahun``, ``desil 4``).

Examples:
    >>> input_text("members[m1].sex", "male", "id")
    'Jenis kelamin m1 = laki-laki'
    >>> input_text("members[m1].sex", "male", "en")
    'members[m1].sex = male'
    >>> input_text("sum(monthly_income)", "1200000", "id")
    'Jumlah penghasilan per bulan (Rp) = 1.200.000'
    >>> input_text("decile", None, "id")
    'Desil kesejahteraan DTSEN = tidak ada data'
    >>> input_path("members[m3].schooling", "id"), input_path("receives.PKH", "id")
    ('Jenjang sekolah m3', 'Sudah menerima PKH')
    >>> parameter_value("70", "years", "id"), parameter_value("3000000", "IDR/year", "id")
    ('70 tahun', 'Rp3.000.000 per tahun')
    >>> parameter_value("450, 900", "VA", "id"), parameter_value("true", "", "id")
    ('450, 900 VA', 'ya')
"""

from __future__ import annotations

import re
from typing import Literal

from slrt_core import formatting
from slrt_core.household import Disability, FloorType, Relationship, Schooling, WallType
from slrt_core.identity import Sex
from slrt_core.rules._inputs import input_spec
from slrt_core.texts import TEXTS, text

__all__ = ["input_path", "input_text", "parameter_value", "value_text"]

Language = Literal["en", "id"]

#: The vocabulary of each enumerated input, by its choices (the values in code order).
_VOCABULARY = {
    tuple(m.value for m in kind): kind.__name__
    for kind in (Sex, Relationship, Disability, Schooling, FloorType, WallType)
}

_MEMBER = re.compile(r"members\[([^\]]+)\]\.(.+)")
_AGGREGATE = re.compile(r"(count|sum|per_capita)\((.+)\)")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
#: How a decision names a parameter without a value on its date (``parameters.<name>``).
_PARAMETER = "parameters."

#: Units of parameter values, as ``unit.<key>`` of the catalogue.
_UNITS = {
    "years": "years",
    "months": "months",
    "days": "days",
    "persons": "persons",
    "households": "households",
    "decile": "decile",
}
#: What an amount of rupiah is for (``IDR/<per>``).
_PER = {
    "year": "per_year",
    "month": "per_month",
    "person/month": "per_person_month",
    "house": "per_house",
    "group": "per_group",
}


def value_text(value: str | None, language: Language, name: str = "") -> str:
    """An input or parameter value as staff read it.

    *name* is the input the value belongs to; its vocabulary gives the label of an
    enumerated value. English keeps the value (``true`` reads ``yes``).
    """
    if value is None:
        return text("value.missing", language)
    if value in {"true", "false"}:
        return text(f"value.{value}", language)
    if language == "en":
        return value
    spec = input_spec(name) if name else None
    kind = _VOCABULARY.get(spec.choices) if spec is not None else None
    if kind is not None:
        found = TEXTS.get(f"label.{kind}.{value}")
        if found is not None:
            return found[language]
    if _NUMBER.fullmatch(value):
        return formatting.number(float(value), language)
    return value


def input_path(path: str, language: Language) -> str:
    """The input at *path*, named for staff: the Indonesian label with the member id."""
    if language == "en":
        return path
    if path.startswith(_PARAMETER):
        return text("explain.parameter", language, name=path.removeprefix(_PARAMETER))
    member = _MEMBER.fullmatch(path)
    if member is not None:
        return f"{_label(member.group(2))} {member.group(1)}"
    aggregate = _AGGREGATE.fullmatch(path)
    if aggregate is not None:
        how, name = aggregate.groups()
        if how == "count":
            return text("explain.count", language)
        label = _label(name)
        if how == "sum":
            label = label[:1].lower() + label[1:]
        return text(f"explain.{how}", language, input=label)
    return _label(path)


def input_text(path: str, value: str | None, language: Language) -> str:
    """``<input> = <value>`` for an explanation line."""
    member = _MEMBER.fullmatch(path)
    aggregate = _AGGREGATE.fullmatch(path)
    if member is not None:
        name = member.group(2)
    elif aggregate is not None and aggregate.group(1) != "count":
        name = aggregate.group(2)
    else:
        name = path
    return f"{input_path(path, language)} = {value_text(value, language, name)}"


def parameter_value(value: str, unit: str, language: Language) -> str:
    """A parameter value with its unit: ``70 tahun``, ``Rp3.000.000 per tahun``.

    English keeps the value and the unit code (``70 years``, ``3000000 IDR/year``).
    """
    if language == "en":
        return f"{value} {unit}" if unit else value
    parts = [p.strip() for p in value.split(",")]
    if unit.startswith("IDR") and all(_NUMBER.fullmatch(p) for p in parts):
        per = _PER.get(unit.removeprefix("IDR").removeprefix("/"))
        shown = ", ".join(formatting.money(float(p), language) for p in parts)
        return text(f"unit.{per}", language, n=shown) if per else shown
    if unit in _UNITS and len(parts) == 1 and _NUMBER.fullmatch(value):
        return formatting.quantity(float(value), _UNITS[unit], language)
    shown = ", ".join(value_text(p, language) for p in parts)
    return f"{shown} {unit}" if unit else shown


def _label(name: str) -> str:
    spec = input_spec(name)
    return name if spec is None else spec.label_id
