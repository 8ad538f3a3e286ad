r"""What a variant changes, parameter by parameter, and where decisions differ.

:func:`changes` lists every parameter a variant sets (old value, new value, dates,
source, plausible range). :func:`differences` then builds boundary households for each
changed parameter and screens them under the rules with and without the variant:

- the input a threshold is compared with (a member's age, the household's decile, its
  electricity class) is **enumerated exhaustively** when its values are few and
  discrete (ages 0-120, deciles 1-10, PLN classes), otherwise **sampled at the
  boundaries**: value - 1, value, value + 1 and the old value - 1, old, old + 1;
- every other input of the household is known and neutral (a two-member registry
  family of decile 1: a 40-year-old head and the member whose input varies), so the
  difference is the parameter's alone;
- the values where the decision on a program differs are grouped into ranges
  (``ages 65-69: not eligible -> eligible``), each with the smallest household that
  shows it (the template at the lowest such value).

Examples:
    >>> from datetime import date
    >>> from slrt_core.identity import RegionCode
    >>> from slrt_core.rules import Override, Variant, load_pack
    >>> city = Variant(name="x", region=RegionCode("32.75"), overrides=[Override(
    ...     parameter="pkh.elderly_min_age", value=65, valid_from=date(2026, 1, 1),
    ...     source="Perwal (example)")])
    >>> found = differences(load_pack(), load_pack().with_variants(city), city)
    >>> print(found[0].describe().replace("; ", ";\n"))
    PKH: age 65-69: not eligible -> eligible (pkh.elderly_min_age 70 -> 65;
    every value 0-120 checked)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date

import attrs
import numpy as np

from slrt_core.errors import InvalidInputError
from slrt_core.household import (
    Disability,
    FloorType,
    Household,
    Housing,
    Person,
    RegistryStatus,
    Relationship,
    Schooling,
    WallType,
)
from slrt_core.identity import RegionCode, RegionLevel, Sex
from slrt_core.rules._criteria import Compare, Input, MemberSum, Param, PerCapita
from slrt_core.rules._decision import rupiah
from slrt_core.rules._inputs import LiteralValue, Scope, input_spec
from slrt_core.rules._parameters import PLN_VA_CLASSES, Plausible, format_value
from slrt_core.rules._population import Population
from slrt_core.rules._rulebook import Rulebook
from slrt_core.rules._variants import Variant
from slrt_core.rules._vector import screen

__all__ = [
    "Change",
    "Difference",
    "boundary_households",
    "changes",
    "describe_household",
    "differences",
    "example_at",
    "governed_inputs",
    "statuses",
    "template",
]

_STATUS = {1: "eligible", 0: "not eligible", -1: "needs verification"}
_STATUS_ID = {1: "layak", 0: "tidak layak", -1: "perlu verifikasi"}
_INPUT_ID = {
    "age": "umur",
    "decile": "desil",
    "electricity_va": "daya listrik (VA)",
    "monthly_income": "penghasilan bulanan",
}
_EXHAUSTIVE: dict[str, tuple[int, ...]] = {
    "age": tuple(range(121)),
    "decile": tuple(range(1, 11)),
    "electricity_va": PLN_VA_CLASSES,
}
_HEAD_AGE = 40


@attrs.frozen(kw_only=True)
class Change:
    """One parameter a variant sets: old and new value, dates, region, source.

    Attributes:
        parameter: the parameter name.
        label_en: what it is, in English.
        label_id: what it is, in Bahasa Indonesia.
        unit: its unit (``years``, ``IDR/year``).
        old: the value before (``None`` for a parameter the variant defines).
        new: the value the variant sets.
        valid_from: the first day of the new value.
        valid_until: its last day, or ``None``.
        region: the region code it applies in.
        source: the regulation it cites.
        acknowledge: why a value outside the plausible range is meant (``""``: not said).
        plausible: the parameter's plausible range, if declared.

    .. versionadded:: 0.1.0
    """

    parameter: str
    label_en: str
    label_id: str
    unit: str
    old: LiteralValue | None
    new: LiteralValue
    valid_from: date
    valid_until: date | None
    region: str
    source: str
    acknowledge: str = ""
    plausible: Plausible | None = None

    @property
    def implausible(self) -> bool:
        """Whether the new value lies outside the plausible range."""
        return self.plausible is not None and not self.plausible.contains(self.new)

    def shown(self) -> str:
        """``pkh.elderly_min_age 70 -> 65``."""
        old = "-" if self.old is None else format_value(self.old)
        return f"{self.parameter} {old} -> {format_value(self.new)}"


@attrs.frozen(kw_only=True)
class Difference:
    """A range of one input where a program's decision differs, with a household.

    Attributes:
        program: the program code.
        parameter: the changed parameter that causes it.
        change: that parameter's change.
        input: the input varied (``age``, ``decile``).
        values: the input values where the decision differs this way.
        before: the status before (1 eligible, 0 not, -1 needs verification).
        after: the status after.
        benefit_before: the benefit before at the lowest value (Rupiah per period).
        benefit_after: the benefit after at the lowest value.
        exhaustive: every value of the input was checked (else boundaries only).
        checked: the input values checked.
        household: the smallest household that shows it.
        on: the date decided on.

    .. versionadded:: 0.1.0
    """

    program: str
    parameter: str
    change: Change
    input: str
    values: tuple[int, ...]
    before: int
    after: int
    benefit_before: int
    benefit_after: int
    exhaustive: bool
    checked: tuple[int, ...]
    household: Household
    on: date

    def ranges(self) -> str:
        """The values as ranges: ``65-69``, ``1-4, 7``."""
        return _ranges(self.values)

    def describe(self, language: str = "en") -> str:
        """One line: program, input range, before -> after, the change, what was checked."""
        if language == "en":
            how = (
                f"every value {_ranges(self.checked)} checked"
                if self.exhaustive
                else f"boundaries {', '.join(str(v) for v in self.checked)} checked"
            )
            return (
                f"{self.program}: {self.input} {self.ranges()}: {self._what('en')} "
                f"({self.change.shown()}; {how})"
            )
        how = (
            f"setiap nilai {_ranges(self.checked)} diperiksa"
            if self.exhaustive
            else f"batas {', '.join(str(v) for v in self.checked)} diperiksa"
        )
        name = _INPUT_ID.get(self.input, self.input)
        what = self._what("id")
        return f"{self.program}: {name} {self.ranges()}: {what} ({self.change.shown()}; {how})"

    def _what(self, language: str) -> str:
        words = _STATUS if language == "en" else _STATUS_ID
        if self.before != self.after:
            return f"{words[self.before]} -> {words[self.after]}"
        benefit = "benefit" if language == "en" else "manfaat"
        return (
            f"{words[self.before]}, {benefit} {rupiah(self.benefit_before)} -> "
            f"{rupiah(self.benefit_after)}"
        )


_WORDS_ID = {
    "region": "wilayah",
    "in_registry": "terdaftar_DTSEN",
    "decile": "desil",
    "electricity_va": "daya_listrik_VA",
    "receives": "menerima",
    "members": "anggota",
    "age": "umur",
    "pregnant": "hamil",
    "disability": "disabilitas",
    "schooling": "sekolah",
    "working": "bekerja",
    "monthly_income": "penghasilan_bulanan",
    "has NIK": "ber-NIK",
}
_VALUES_ID = {
    "True": "ya",
    "False": "tidak",
    "None": "?",
    "head": "kepala_keluarga",
    "spouse": "pasangan",
    "child": "anak",
    "child_in_law": "menantu",
    "grandchild": "cucu",
    "parent": "orang_tua",
    "parent_in_law": "mertua",
    "other_relative": "famili_lain",
    "other": "lainnya",
    "male": "laki-laki",
    "female": "perempuan",
    "none": "tidak_ada",
    "mild": "ringan",
    "moderate": "sedang",
    "severe": "berat",
    "not_in_school": "tidak_sekolah",
    "preschool": "PAUD",
    "higher": "pendidikan_tinggi",
}


def describe_household(household: Household, on: date, language: str = "en") -> str:
    """A household in one line: region, registry, housing power and each member.

    Examples:
        >>> from datetime import date
        >>> h = template(RegionCode("32.75"), date(2026, 1, 1))
        >>> describe_household(h, date(2026, 1, 1), "id").split(";")[0]
        'wilayah 32.75.01.1001, terdaftar_DTSEN=ya, desil=1, daya_listrik_VA=900, menerima=-'
    """
    registry = household.registry
    word = _word(language)
    members = "; ".join(_member(p, on, word) for p in household.members)
    received = ",".join(sorted(household.programs_received)) or "-"
    return (
        f"{word('region')} {household.region.code}, "
        f"{word('in_registry')}={word(str(registry.in_registry))}, "
        f"{word('decile')}={registry.decile}, "
        f"{word('electricity_va')}={household.housing.electricity_va}, "
        f"{word('receives')}={received}; {word('members')}: {members}"
    )


def _word(language: str) -> Callable[[str], str]:
    if language != "id":
        return lambda text: text
    return lambda text: _WORDS_ID.get(text, _VALUES_ID.get(text, text))


def _member(person: Person, on: date, word: Callable[[str], str]) -> str:
    parts = [
        person.member_id,
        word(person.relationship.value),
        word(person.sex.value),
        f"{word('age')} {person.age_on(on)}",
    ]
    for name in ("pregnant", "disability", "schooling", "working", "monthly_income"):
        value = getattr(person, name)
        if value is not None:
            parts.append(f"{word(name)}={word(str(getattr(value, 'value', value)))}")
    if person.nik is not None:
        parts.append(word("has NIK"))
    return " ".join(parts)


def _ranges(values: Sequence[int]) -> str:
    if not values:
        return "-"
    parts: list[str] = []
    ordered = sorted(values)
    allowed = list(ordered)
    start = prev = ordered[0]
    for value in allowed[1:]:
        if value == prev + 1:
            prev = value
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = value
    parts.append(str(start) if start == prev else f"{start}-{prev}")
    return ", ".join(parts)


def _first_village(region: RegionCode) -> RegionCode:
    if region.level is RegionLevel.VILLAGE:
        return region
    return region.codes_at(RegionLevel.VILLAGE)[0]


def template(region: RegionCode, on: date) -> Household:
    """A neutral household with every input known: a two-member registry family.

    The head (``m1``) is a man of 40 without work or income; ``m2`` is his mother, of
    60, likewise; decile 1, a cement floor, brick walls, 900 VA, nothing received.
    Boundary households vary one input of this one.

    Examples:
        >>> from datetime import date
        >>> h = template(RegionCode("32.75"), date(2026, 1, 1))
        >>> h.region.code, [p.age_on(date(2026, 1, 1)) for p in h.members]
        ('32.75.01.1001', [40, 60])
    """
    village = _first_village(region)

    def member(member_id: str, relationship: Relationship, sex: Sex, age: int) -> Person:
        return Person(
            member_id=member_id,
            relationship=relationship,
            birth_date=_born(age, on),
            sex=sex,
            pregnant=False,
            disability=Disability.NONE,
            schooling=Schooling.NOT_IN_SCHOOL,
            working=False,
            monthly_income=0,
        )

    return Household(
        region=village,
        members=(
            member("m1", Relationship.HEAD, Sex.MALE, _HEAD_AGE),
            member("m2", Relationship.PARENT, Sex.FEMALE, 60),
        ),
        housing=Housing(
            floor=FloorType.CEMENT,
            wall=WallType.BRICK,
            roof_unfit=False,
            own_toilet=True,
            owns_land=True,
            electricity_va=900,
            housing_aid_before=False,
        ),
        registry=RegistryStatus(in_registry=True, decile=1),
    )


def _born(age: int, on: date) -> date:
    try:
        return on.replace(year=on.year - age)
    except ValueError:  # 29 February
        return on.replace(year=on.year - age, day=28)


def _vary(household: Household, name: str, value: int, on: date) -> Household:
    """*household* with input *name* set to *value* (member inputs on ``m2``)."""
    if name == "decile":
        return attrs.evolve(household, registry=attrs.evolve(household.registry, decile=value))
    if name == "electricity_va":
        return attrs.evolve(
            household, housing=attrs.evolve(household.housing, electricity_va=value)
        )
    members = list(household.members)
    if name == "age":
        members[1] = attrs.evolve(members[1], birth_date=_born(value, on))
    else:  # monthly_income: an int member input
        members[1] = attrs.evolve(members[1], monthly_income=value)
    return attrs.evolve(household, members=tuple(members))


def changes(base: Rulebook, variant: Variant) -> tuple[Change, ...]:
    """Every parameter *variant* sets, with the value *base* has there and then.

    Examples:
        >>> from datetime import date
        >>> from slrt_core.rules import Override, load_pack
        >>> v = Variant(name="x", region=RegionCode("32.75"), overrides=[Override(
        ...     parameter="pkh.elderly_min_age", value=65, valid_from=date(2026, 1, 1))])
        >>> changes(load_pack(), v)[0].shown()
        'pkh.elderly_min_age 70 -> 65'
    """
    found: list[Change] = []
    for override in variant.overrides:
        region = (override.region or variant.region).code
        param = base.parameters.get(override.parameter)
        old = base.resolved(region, override.valid_from).values.get(override.parameter)
        found.append(
            Change(
                parameter=override.parameter,
                label_en=param.label_en if param else override.parameter,
                label_id=param.label_id if param else override.parameter,
                unit=param.unit if param else "",
                old=old,
                new=override.value,
                valid_from=override.valid_from,
                valid_until=override.valid_until,
                region=region,
                source=override.source,
                acknowledge=override.acknowledge,
                plausible=param.plausible if param else None,
            )
        )
    for param in variant.parameters:
        found.extend(
            Change(
                parameter=param.name,
                label_en=param.label_en,
                label_id=param.label_id,
                unit=param.unit,
                old=None,
                new=value.value,
                valid_from=value.valid_from,
                valid_until=value.valid_until,
                region=variant.region.code,
                source=value.source,
                plausible=param.plausible,
            )
            for value in param.values
        )
    return tuple(found)


def governed_inputs(rulebook: Rulebook, parameter: str) -> tuple[str, ...]:
    """The inputs *parameter* is compared with, in any criterion (``age``, ``decile``)."""
    found: dict[str, None] = {}
    for criterion in rulebook.criteria.values():
        test = criterion.test
        if not (isinstance(test, Compare) and isinstance(test.right, Param)):
            continue
        if test.right.name != parameter:
            continue
        left = test.left
        if isinstance(left, Input):
            found.setdefault(left.name)
        elif isinstance(left, (MemberSum, PerCapita)):
            found.setdefault(left.input)
    return tuple(
        name
        for name in found
        if name in _EXHAUSTIVE
        or ((spec := input_spec(name)) is not None and spec.scope is Scope.MEMBER)
    )


def _values_for(name: str, change: Change) -> tuple[tuple[int, ...], bool]:
    """The values of input *name* to check, and whether that is all of them."""
    if name in _EXHAUSTIVE:
        return _EXHAUSTIVE[name], True
    points: set[int] = set()
    for value in (change.new, change.old):
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, int) and not isinstance(item, bool):
                points.update((item - 1, item, item + 1))
    return tuple(sorted(p for p in points if p >= 0)), False


def boundary_households(
    rulebook: Rulebook, change: Change, *, region: RegionCode, on: date
) -> list[Household]:
    """The template in *region* with each input *change* governs at each boundary value.

    For a parameter compared with no input (an amount), the template alone.
    """
    base = template(region, on)
    found = [base]
    for name in governed_inputs(rulebook, change.parameter):
        values, _ = _values_for(name, change)
        found.extend(_vary(base, name, v, on) for v in values)
    return found


def example_at(rulebook: Rulebook, change: Change) -> Household:
    """The template with the first input *change* governs set to the new value.

    The household a reviewer looks at for a suspicious value (an elderly age of 6:
    the template's ``m2`` aged 6); the plain template for an amount.
    """
    on = change.valid_from
    base = template(RegionCode(change.region), on)
    value = change.new
    if isinstance(value, tuple):
        value = value[-1] if value else 0
    if isinstance(value, bool) or not isinstance(value, int):
        return base
    for name in governed_inputs(rulebook, change.parameter):
        return _vary(base, name, max(0, value), on)
    return base


def statuses(
    rulebook: Rulebook, households: Sequence[Household], on: date, programs: Iterable[str]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Status and benefit arrays of *households* under *rulebook* (missing: not offered)."""
    codes = [c for c in programs if c in rulebook.programs]
    result = screen(
        Population.from_households(households), on=on, rulebook=rulebook, programs=codes
    )
    return result.status, result.benefit


def _one_at_a_time(
    base: Rulebook, after: Rulebook, variant: Variant
) -> Iterator[tuple[Change, Rulebook]]:
    """Each change with the rules where it alone is made (ceteris paribus).

    An override alone is the variant with only that override; a parameter of the
    variant's own comes with the variant's own definitions and no override. When that
    does not build on its own, the whole variant stands in.
    """
    found = changes(base, variant)
    own = attrs.evolve(variant, overrides=(), switch_offs=())
    for i, change in enumerate(found):
        if i < len(variant.overrides):
            part = attrs.evolve(
                variant,
                overrides=(variant.overrides[i],),
                switch_offs=(),
                parameters=(),
                criteria=(),
                programs=(),
            )
        else:
            part = own
        try:
            yield change, base.with_variants(part)
        except InvalidInputError:
            yield change, after


def differences(
    base: Rulebook,
    after: Rulebook,
    variant: Variant,
    *,
    programs: Iterable[str] | None = None,
) -> tuple[Difference, ...]:
    """Where decisions differ between *base* and *after*, per changed parameter.

    Args:
        base: the rules without the variant.
        after: the rules with it (``base.with_variants(variant)``).
        variant: the variant whose changes are examined.
        programs: the programs to look at; every program of either rulebook by default.
    """
    codes = (
        tuple(programs)
        if programs is not None
        else tuple(dict.fromkeys([*base.programs, *after.programs]))
    )
    found: list[Difference] = []
    for change, alone in _one_at_a_time(base, after, variant):
        region = RegionCode(change.region)
        on = change.valid_from
        template_household = template(region, on)
        for name in governed_inputs(after, change.parameter):
            values, exhaustive = _values_for(name, change)
            households = [_vary(template_household, name, v, on) for v in values]
            s0, b0 = statuses(base, households, on, codes)
            s1, b1 = statuses(alone, households, on, codes)
            n = len(households)
            for code in codes:
                if code not in base.programs and change.old is not None:
                    continue  # a new program differs everywhere: its own parameters say where
                before = s0.get(code, np.zeros(n, dtype=np.int8))
                now = s1.get(code, np.zeros(n, dtype=np.int8))
                amount0 = b0.get(code, np.zeros(n, dtype=np.int64))
                amount1 = b1.get(code, np.zeros(n, dtype=np.int64))
                differs = (before != now) | (amount0 != amount1)
                groups: dict[tuple[int, int], list[int]] = {}
                for i in np.flatnonzero(differs):
                    groups.setdefault((int(before[i]), int(now[i])), []).append(int(i))
                for (was, becomes), rows in groups.items():
                    first = rows[0]
                    found.append(
                        Difference(
                            program=code,
                            parameter=change.parameter,
                            change=change,
                            input=name,
                            values=tuple(values[i] for i in rows),
                            before=was,
                            after=becomes,
                            benefit_before=int(amount0[first]),
                            benefit_after=int(amount1[first]),
                            exhaustive=exhaustive,
                            checked=values,
                            household=households[first],
                            on=on,
                        )
                    )
    return tuple(found)
