"""Dated parameters, layered by region: national, then province, regency, ...

A :class:`Parameter` has national values, each valid from a date (until the next one,
or until ``valid_until``), with its source and an *uncertain* flag for values the
reference marks †. A region layer (``"33"``, ``"33.74"``) overrides the national values
for the households inside it, only for its own dates; outside them the next layer up
applies. The most specific layer with a value on the date wins.

Examples:
    >>> from datetime import date
    >>> table = ParameterTable()
    >>> table.add("x", "", ParameterValue(value=550_000, valid_from=date(2023, 1, 1), source="a"))
    >>> table.add("x", "", ParameterValue(value=600_000, valid_from=date(2024, 1, 1), source="b"))
    >>> table.add("x", "33.74", ParameterValue(value=650_000, valid_from=date(2025, 1, 1),
    ...                                         source="Perwali"))
    >>> table.resolve("x", ("33.74.01.1001", "33.74.01", "33.74", "33", ""), date(2024, 6, 1))[0]
    600000
    >>> table.resolve("x", ("33.74.01.1001", "33.74.01", "33.74", "33", ""), date(2025, 6, 1))[0]
    650000
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Iterator, Mapping
from datetime import date

import attrs

from slrt_core.rules._decision import ParameterUsed
from slrt_core.rules._inputs import LiteralValue, ValueType, as_literal

__all__ = [
    "Domain",
    "Parameter",
    "ParameterTable",
    "ParameterValue",
    "Plausible",
    "unit_domain",
    "unit_label",
]


@attrs.frozen(kw_only=True)
class ParameterValue:
    """One dated value of a parameter.

    Args:
        value: the value (int Rupiah for money).
        valid_from: the first day it applies.
        valid_until: the last day it applies; ``None`` until the next value.
        source: the regulation or reference it comes from.
        source_id: the same in Bahasa Indonesia (``source`` when not given).
        uncertain: the reference marks it uncertain (†): verify before relying on it.
        note: anything else a reader should know (how the date was chosen).

    .. versionadded:: 0.1.0
    """

    value: LiteralValue = attrs.field(converter=as_literal)
    valid_from: date
    valid_until: date | None = None
    source: str
    source_id: str = ""
    uncertain: bool = False
    note: str = ""


def _values(values: Iterable[ParameterValue]) -> tuple[ParameterValue, ...]:
    return tuple(values)


def _choices(values: Iterable[int | str]) -> tuple[int | str, ...]:
    return tuple(values)


def _bounds(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f"{minimum}-{maximum}"
    if minimum is not None:
        return f">= {minimum}"
    return f"<= {maximum}"


@attrs.frozen(kw_only=True)
class Domain:
    """The values a parameter can take at all: outside them a value is a mistake.

    A value outside its parameter's domain (a decile of 60, an age of 200, a negative
    amount, an electricity class PLN does not sell) is refused when the rulebook is
    built, at the line of the value. Lists (``int_list``) are checked element by element.

    Args:
        minimum: the smallest value allowed (ints), or ``None``.
        maximum: the largest value allowed (ints), or ``None``.
        choices: the only values allowed, or ``()`` for any.
        reason: why (``"DTSEN deciles are 1-10"``), shown in the message.
        reason_id: the same reason in Bahasa Indonesia.

    Examples:
        >>> Domain(minimum=1, maximum=10).problem(60) is not None
        True
        >>> Domain(choices=(450, 900)).problem((450, 900)) is None
        True

    .. versionadded:: 0.1.0
    """

    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[int | str, ...] = attrs.field(default=(), converter=_choices)
    reason: str = ""
    # The reason in Bahasa Indonesia; a translation, so outside the rulebook's hash.
    reason_id: str = attrs.field(default="", repr=False, eq=False)

    def problem(self, value: LiteralValue) -> tuple[str, str] | None:
        """Why *value* is outside the domain, in English and Indonesian; ``None`` if inside."""
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, bool):
                continue
            if self.choices and item not in self.choices:
                allowed = ", ".join(str(c) for c in self.choices)
                return (
                    f"{item} is not one of {allowed}",
                    f"{item} bukan salah satu dari {allowed}",
                )
            if isinstance(item, int) and (
                (self.minimum is not None and item < self.minimum)
                or (self.maximum is not None and item > self.maximum)
            ):
                shown = _bounds(self.minimum, self.maximum)
                return (f"{item} is outside {shown}", f"{item} di luar {shown}")
        return None


@attrs.frozen(kw_only=True)
class Plausible:
    """The range a reviewer expects a parameter in, with the reason or source.

    Inside the :class:`Domain` but outside this range a value is possible but
    suspicious (an elderly age of 6 is a valid age, and almost surely a typo of 65):
    :func:`~slrt_core.testing.check_variant` fails on it unless the override
    acknowledges it (``acknowledge = "why"``).

    Args:
        minimum: the smallest plausible value, or ``None``.
        maximum: the largest plausible value, or ``None``.
        reason: why this range (a regulation, a statistic, common practice).
        reason_id: the same reason in Bahasa Indonesia.

    Examples:
        >>> Plausible(minimum=55, maximum=75, reason="elderly ages in use").contains(65)
        True

    .. versionadded:: 0.1.0
    """

    minimum: int | None = None
    maximum: int | None = None
    reason: str = ""
    # The reason in Bahasa Indonesia; a translation, so outside the rulebook's hash.
    reason_id: str = attrs.field(default="", repr=False, eq=False)

    def contains(self, value: LiteralValue) -> bool:
        """Whether *value* (every element of a list) lies in the range."""
        items = value if isinstance(value, tuple) else (value,)
        return all(
            isinstance(item, bool)
            or not isinstance(item, int)
            or (
                (self.minimum is None or item >= self.minimum)
                and (self.maximum is None or item <= self.maximum)
            )
            for item in items
        )

    def shown(self) -> str:
        """The range as text: ``55-75``, ``>= 0``."""
        return _bounds(self.minimum, self.maximum)


# PLN household connection classes (VA), from 450 VA up; Permen ESDM 28/2016 tariff
# groups use these capacities.
PLN_VA_CLASSES = (450, 900, 1300, 2200, 3500, 4400, 5500, 6600, 7700, 10600, 11000, 13200)

_UNIT_DOMAINS = {
    "decile": Domain(
        minimum=1,
        maximum=10,
        reason="DTSEN welfare deciles are 1-10",
        reason_id="desil kesejahteraan DTSEN adalah 1-10",
    ),
    "years": Domain(
        minimum=0, maximum=120, reason="ages are 0-120 years", reason_id="umur adalah 0-120 tahun"
    ),
    "persons": Domain(
        minimum=0,
        reason="a count of persons is never negative",
        reason_id="jumlah orang tidak pernah negatif",
    ),
    "VA": Domain(
        choices=PLN_VA_CLASSES,
        reason="PLN household connection classes",
        reason_id="golongan daya sambungan rumah tangga PLN",
    ),
}


_UNIT_WORDS_ID = {
    "years": "tahun",
    "year": "tahun",
    "decile": "desil",
    "persons": "orang",
    "person": "orang",
    "month": "bulan",
    "group": "kelompok",
    "house": "rumah",
    "household": "rumah tangga",
    "households": "keluarga",
}


def unit_label(unit: str, language: str = "en") -> str:
    """A unit for readers: ``years`` is ``tahun`` in Indonesian, ``IDR/year`` ``Rp/tahun``.

    Examples:
        >>> unit_label("IDR/person/month", "id"), unit_label("years", "id")
        ('Rp/orang/bulan', 'tahun')
    """
    parts = unit.split("/")
    if language == "id":
        parts = [_UNIT_WORDS_ID.get(p, p) for p in parts]
    return "/".join("Rp" if p == "IDR" else p for p in parts)


def unit_domain(unit: str) -> Domain | None:
    """The domain a unit implies: deciles 1-10, ages 0-120, Rupiah >= 0, PLN VA classes.

    Examples:
        >>> unit_domain("IDR/year").minimum, unit_domain("decile").maximum
        (0, 10)
        >>> unit_domain("furlongs") is None
        True
    """
    if unit.startswith("IDR"):
        return Domain(
            minimum=0,
            reason="an amount of Rupiah is never negative",
            reason_id="jumlah rupiah tidak pernah negatif",
        )
    return _UNIT_DOMAINS.get(unit)


@attrs.frozen(kw_only=True)
class Parameter:
    """A named parameter with its type, unit, labels and dated values.

    Args:
        name: dotted lower-case name (``pkh.amount.pregnant``).
        type: the value type.
        label_id: what it is, in Bahasa Indonesia.
        label_en: what it is, in English.
        unit: the unit (``IDR/year``, ``years``, ``VA``).
        values: the values of its base layer (national, or the region of the variant
            that defines it).
        regional: values for regions, by region code (``"33.74"``).
        domain: the values it can take at all; by default what its unit implies
            (:func:`unit_domain`). Values outside are refused when the rulebook is built.
        plausible: the range a reviewer expects, with its reason;
            :func:`~slrt_core.testing.check_variant` fails on an override outside it
            unless the override acknowledges it.

    .. versionadded:: 0.1.0
    """

    name: str
    type: ValueType
    label_id: str
    label_en: str
    unit: str = ""
    values: tuple[ParameterValue, ...] = attrs.field(converter=_values)
    regional: Mapping[str, tuple[ParameterValue, ...]] = attrs.field(factory=dict)
    domain: Domain | None = None
    plausible: Plausible | None = None

    @property
    def effective_domain(self) -> Domain | None:
        """The declared domain, else the one its unit implies."""
        return self.domain if self.domain is not None else unit_domain(self.unit)


def format_value(value: object) -> str:
    """A literal as text: ``true``, ``600000``, ``450, 900``.

    Examples:
        >>> format_value(True), format_value(600000), format_value((450, 900))
        ('true', '600000', '450, 900')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ", ".join(format_value(v) for v in value)
    return str(value)


@attrs.frozen
class Entry:
    """A stored value with the :class:`ParameterUsed` that explains it (built once)."""

    value: LiteralValue
    valid_from: date
    valid_until: date | None
    used: ParameterUsed
    origin: str

    def covers(self, on: date) -> bool:
        """Whether the value applies on *on* (its start is already known to be before)."""
        return self.valid_until is None or on <= self.valid_until


class ParameterTable:
    """Values of every parameter by region layer, sorted by date; resolves lookups.

    Build it with :meth:`add`, then :meth:`resolve`. Overlapping dates in one layer are
    reported by :meth:`overlaps`, not refused on :meth:`add`, so that loading can list
    every problem at once.
    """

    def __init__(self) -> None:
        self._layers: dict[str, dict[str, list[Entry]]] = {}
        self._units: dict[str, str] = {}

    def add(
        self,
        name: str,
        region: str,
        value: ParameterValue,
        *,
        unit: str = "",
        origin: str = "",
    ) -> None:
        """Add a dated value of *name* for *region* (``""`` national)."""
        unit = self._units.setdefault(name, unit) or unit
        used = ParameterUsed(
            name=name,
            value=format_value(value.value),
            unit=unit,
            valid_from=value.valid_from,
            valid_until=value.valid_until,
            region=region,
            source=value.source,
            source_id=value.source_id if value.source_id != value.source else "",
            uncertain=value.uncertain,
        )
        entry = Entry(value.value, value.valid_from, value.valid_until, used, origin)
        layer = self._layers.setdefault(name, {}).setdefault(region, [])
        bisect.insort(layer, entry, key=lambda e: e.valid_from)

    def names(self) -> Iterator[str]:
        """Every parameter name with a value somewhere."""
        return iter(self._layers)

    def regions(self, name: str) -> tuple[str, ...]:
        """The region layers of *name* (``""`` for national)."""
        return tuple(self._layers.get(name, {}))

    def regional_codes(self) -> frozenset[str]:
        """Every region code that has a layer of some parameter (national excluded)."""
        return frozenset(r for layers in self._layers.values() for r in layers if r)

    def is_regional(self, name: str) -> bool:
        """Whether *name* has any layer below national."""
        return any(self._layers.get(name, {}))

    def entries(self, name: str, region: str) -> tuple[Entry, ...]:
        """The values of *name* in one region layer, by date."""
        return tuple(self._layers.get(name, {}).get(region, ()))

    def resolve(
        self, name: str, chain: tuple[str, ...], on: date
    ) -> tuple[LiteralValue, Entry] | None:
        """The value of *name* on *on* for a region given as its chain of codes.

        Args:
            name: the parameter.
            chain: the region code and its ancestors, most specific first, ending ``""``.
            on: the date.

        Returns:
            ``(value, entry)``, or ``None`` when no layer has a value on that date.
        """
        layers = self._layers.get(name)
        if layers is None:
            return None
        for code in chain:
            layer = layers.get(code)
            if not layer:
                continue
            pos = bisect.bisect_right(layer, on, key=lambda e: e.valid_from) - 1
            if pos >= 0 and layer[pos].covers(on):
                entry = layer[pos]
                return entry.value, entry
        return None

    def overlaps(self) -> Iterator[tuple[str, str, Entry, Entry]]:
        """Pairs of values of one parameter and layer whose dates overlap."""
        for name, layers in self._layers.items():
            for region, layer in layers.items():
                for before, after in itertools.pairwise(layer):
                    if before.valid_from == after.valid_from or (
                        before.valid_until is not None and before.valid_until >= after.valid_from
                    ):
                        yield name, region, before, after
