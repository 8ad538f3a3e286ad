"""Who comes to SLRT: a synthetic population with Indonesian defaults, or a real extract.

Both kinds become a :class:`SimPopulation`: households and persons in columns, in the
layout :func:`slrt_core.rules.screen` reads (enumerations as integer codes, the position
of the value in its enumeration), from which the simulation builds the
:class:`~slrt_core.Household` of each client.

Every default of :class:`PopulationSpec` names its public source in :data:`SOURCES`.
Figures marked "approx." were recalled from the publication and rounded; check them
against the cited table before using the population for anything but method work.
"""

from __future__ import annotations

import csv
import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from slrt_core.errors import InvalidInputError, Problem
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

__all__ = [
    "HOUSEHOLD_COLUMNS",
    "PERSON_COLUMNS",
    "SOURCES",
    "PopulationSpec",
    "SimPopulation",
    "load_population",
    "synthetic_population",
]

Array = npt.NDArray[Any]

#: The public source of each default of :class:`PopulationSpec`.
SOURCES: Mapping[str, str] = {
    "persons_per_family": (
        "DTSEN, Feb 2025: 285.6 million persons in 93.0 million families, 3.07 per family "
        "(BPS via Inpres 4/2025; domain reference [9])."
    ),
    "children_share": (
        "BPS, Hasil Sensus Penduduk 2020 (BRS No. 7/01/Th. XXIV, Jan 2021): 0-14 years "
        "about 23.3% of the population (approx.)."
    ),
    "elderly_share": (
        "BPS, Hasil Sensus Penduduk 2020 (BRS No. 7/01/Th. XXIV, Jan 2021): 65 years and "
        "over about 6.0% of the population (approx.)."
    ),
    "pregnant_share": (
        "Derived: total fertility rate 2.18 (BPS, Long Form SP2020, 2023) over 35 "
        "childbearing years is 0.062 births per woman-year; times 0.75 year of "
        "pregnancy, about 4.7% of women 15-49 are pregnant at a time."
    ),
    "disability_share": (
        "BPS, SUPAS 2015: about 8.6% of persons aged 2+ report a difficulty (approx.); "
        "about a quarter of them severe, the PKH component."
    ),
    "severe_share_of_disabled": "As for disability_share (approx.).",
    "school_participation": (
        "BPS, Statistik Pendidikan 2023, school participation rate (APS): 7-12 about "
        "99%, 13-15 about 96%, 16-18 about 74%; preschool (4-6) about 35% (approx.)."
    ),
    "working_share": (
        "BPS, Sakernas Aug 2023: labour force participation 69.5%, open unemployment "
        "5.3%, so about 66% of adults 18-64 work (approx.)."
    ),
    "income_median": (
        "Calibrated so that 9.0% of persons live below the poverty line of Rp582,932 "
        "per capita per month (BPS, March 2024: 9.03%) with the spread below."
    ),
    "income_sigma": (
        "Calibrated to the Gini ratio 0.379 (BPS, March 2024): a log-normal has Gini "
        "2*Phi(sigma/sqrt 2) - 1, which is 0.379 at sigma 0.70."
    ),
    "registry_coverage": (
        "DTSEN lists 285.6 million persons (Feb 2025; domain reference [9]) against about "
        "282 million residents (BPS projection, mid 2024): near-complete; 5% are left "
        "out for people not found and newly formed families (assumption)."
    ),
    "decile_noise": (
        "DTSEN ranks families by a proxy means test on 39 variables (domain reference "
        "[9]); a ground check found 1.9 million inclusion errors (reference [32]). The "
        "noise on log income stands for that error (assumption)."
    ),
    "earth_floor_share": (
        "BPS, Statistik Perumahan dan Permukiman 2022: about 4% of households have an "
        "earth floor (approx.)."
    ),
    "bamboo_wall_share": (
        "BPS, Statistik Perumahan dan Permukiman 2022: about 6% bamboo or board walls (approx.)."
    ),
    "roof_unfit_share": (
        "BPS, Statistik Perumahan dan Permukiman 2022: about 10% of households live "
        "under a roof in poor condition (approx.)."
    ),
    "own_toilet_share": (
        "BPS, Statistik Perumahan dan Permukiman 2022: about 87% of households have "
        "their own toilet (approx.)."
    ),
    "owns_land_share": (
        "BPS, Statistik Perumahan dan Permukiman 2022: about 84% own their home (approx.)."
    ),
    "electricity_mix": (
        "PLN Statistik 2023: of household customers about 28% at 450 VA, 38% at 900 VA, "
        "20% at 1,300 VA, 13% at 2,200 VA or more; ESDM 2023: electrification ratio "
        "99.7% (approx.)."
    ),
    "housing_aid_before_share": (
        "Assumption: about 3% of households had BSPS/RTLH housing aid before."
    ),
    "with_nik_share": ("Dukcapil 2023: about 97% of residents have a NIK recorded (approx.)."),
}

_VA = (0, 450, 900, 1300, 2200)
_SCHOOL_AGES = (
    (4, 6, Schooling.PRESCHOOL),
    (7, 12, Schooling.SD),
    (13, 15, Schooling.SMP),
    (16, 18, Schooling.SMA),
)
_ADULT = 18
_RETIRED = 65
_OLDEST = 90
_FERTILE = (15, 49)


def _villages(values: Iterable[object]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


@attrs.frozen(kw_only=True)
class PopulationSpec:
    """How to draw a synthetic population; every default is Indonesian, with its source.

    The sources are in :data:`SOURCES`, under each attribute's name.

    Attributes:
        households: how many families (one KK each) to draw.
        villages: the village codes they live in, spread evenly at random.
        persons_per_family: mean members per family (1 + Poisson).
        children_share: share of persons aged 0-14.
        elderly_share: share of persons aged 65 and over.
        pregnant_share: share of women 15-49 pregnant now.
        disability_share: share of persons with a disability.
        severe_share_of_disabled: share of those whose disability is severe.
        school_participation: enrolment by school age: preschool, SD, SMP, SMA.
        working_share: share of adults 18-64 who work.
        income_median: median per-capita income of a family, Rupiah per month.
        income_sigma: log-normal spread of per-capita income.
        registry_coverage: share of families in the registry (DTSEN).
        decile_noise: standard deviation of the proxy-means-test error on log income.
        earth_floor_share: share with an earth floor.
        bamboo_wall_share: share with bamboo or board walls.
        roof_unfit_share: share with an unfit roof.
        own_toilet_share: share with their own toilet.
        owns_land_share: share owning their land.
        electricity_mix: share at 0 (none), 450, 900, 1,300 and 2,200+ VA.
        housing_aid_before_share: share aided with housing before.
        with_nik_share: share of persons with a NIK recorded.

    Examples:
        >>> spec = PopulationSpec(households=500, villages=("33.74.01.1001",))
        >>> spec.persons_per_family, spec.problems()
        (3.07, [])

    .. versionadded:: 0.1.0
    """

    households: int = 10_000
    villages: tuple[str, ...] = attrs.field(default=("33.74.01.1001",), converter=_villages)
    persons_per_family: float = 3.07
    children_share: float = 0.233
    elderly_share: float = 0.06
    pregnant_share: float = 0.047
    disability_share: float = 0.086
    severe_share_of_disabled: float = 0.25
    school_participation: tuple[float, float, float, float] = (0.35, 0.99, 0.96, 0.74)
    working_share: float = 0.66
    income_median: float = 1_490_000.0
    income_sigma: float = 0.70
    registry_coverage: float = 0.95
    decile_noise: float = 0.35
    earth_floor_share: float = 0.04
    bamboo_wall_share: float = 0.06
    roof_unfit_share: float = 0.10
    own_toilet_share: float = 0.87
    owns_land_share: float = 0.84
    electricity_mix: tuple[float, float, float, float, float] = (0.003, 0.28, 0.38, 0.20, 0.137)
    housing_aid_before_share: float = 0.03
    with_nik_share: float = 0.97

    def problems(self, path: str = "population") -> list[Problem]:
        """Every inconsistency: shares outside 0..1, a mix not summing to 1, bad villages."""
        found: list[Problem] = []
        if self.households < 1:
            found.append(
                Problem(
                    f"{path}.households",
                    f"households is {self.households}; draw at least one family.",
                    f"households bernilai {self.households}; buat paling sedikit satu keluarga.",
                )
            )
        if self.persons_per_family < 1:
            found.append(
                Problem(
                    f"{path}.persons_per_family",
                    "A family has at least one member; give a mean of 1 or more.",
                    "Keluarga punya paling sedikit satu anggota; berikan rata-rata 1 atau lebih.",
                )
            )
        shares = {
            name: getattr(self, name)
            for name in (
                "children_share",
                "elderly_share",
                "pregnant_share",
                "disability_share",
                "severe_share_of_disabled",
                "working_share",
                "registry_coverage",
                "earth_floor_share",
                "bamboo_wall_share",
                "roof_unfit_share",
                "own_toilet_share",
                "owns_land_share",
                "housing_aid_before_share",
                "with_nik_share",
            )
        }
        for i, value in enumerate(self.school_participation):
            shares[f"school_participation[{i}]"] = value
        for i, value in enumerate(self.electricity_mix):
            shares[f"electricity_mix[{i}]"] = value
        found.extend(probability_problems(shares, path))
        if self.children_share + self.elderly_share >= 1:
            found.append(
                Problem(
                    f"{path}.children_share",
                    "children_share and elderly_share add up to 1 or more; leave a share for "
                    "working-age adults.",
                    "children_share dan elderly_share berjumlah 1 atau lebih; sisakan porsi "
                    "untuk penduduk usia kerja.",
                )
            )
        if not math.isclose(sum(self.electricity_mix), 1.0, abs_tol=1e-6):
            found.append(
                Problem(
                    f"{path}.electricity_mix",
                    f"The shares add up to {sum(self.electricity_mix):.3f}; make them add up to 1.",
                    f"Jumlah porsinya {sum(self.electricity_mix):.3f}; buat jumlahnya 1.",
                )
            )
        if self.income_median <= 0 or self.income_sigma < 0 or self.decile_noise < 0:
            found.append(
                Problem(
                    f"{path}.income_median",
                    "income_median must be above 0, income_sigma and decile_noise 0 or more.",
                    "income_median harus di atas 0, income_sigma dan decile_noise 0 atau lebih.",
                )
            )
        found.extend(village_problems(self.villages, f"{path}.villages"))
        return found


def probability_problems(values: Mapping[str, object], path: str) -> list[Problem]:
    """A problem for each value outside 0..1 (or not a number)."""
    return [
        Problem(
            f"{path}.{name}" if path else name,
            f"{name} is {value!r}; a probability or share must be between 0 and 1.",
            f"{name} bernilai {value!r}; peluang atau porsi harus antara 0 dan 1.",
        )
        for name, value in values.items()
        if not (isinstance(value, int | float) and 0 <= value <= 1)
    ]


def village_problems(villages: Sequence[str], path: str) -> list[Problem]:
    """A problem for each code that is not a village of the Kemendagri 2025 list."""
    found = []
    if not villages:
        found.append(
            Problem(path, "Give at least one village code.", "Berikan paling sedikit satu desa.")
        )
    for i, code in enumerate(villages):
        try:
            region = RegionCode.parse(code)
        except InvalidInputError:
            region = None
        if region is None or region.level is not RegionLevel.VILLAGE:
            found.append(
                Problem(
                    f"{path}[{i}]",
                    f"{code!r} is not a village code of the Kemendagri 2025 list; use "
                    "codes such as '33.74.01.1001'.",
                    f"{code!r} bukan kode desa/kelurahan dalam daftar Kemendagri 2025; "
                    "gunakan kode seperti '33.74.01.1001'.",
                )
            )
    return found


def _code(kind: Any, value: Any) -> int:
    return list(kind).index(value)


#: Household columns of a real extract; only ``region`` is required.
HOUSEHOLD_COLUMNS: Mapping[str, str] = {
    "household_id": "text: the family's id, unique; persons refer to it",
    "region": "text: the village code, such as 33.74.01.1001 (required)",
    "in_registry": "yes/no: the family is in the registry (DTSEN)",
    "decile": "integer 1-10: the registry decile; blank when unknown",
    "floor": "floor type: earth, bamboo_or_board, cement, tile",
    "wall": "wall type: bamboo, board, unplastered_brick, brick",
    "roof_unfit": "yes/no",
    "own_toilet": "yes/no",
    "owns_land": "yes/no",
    "electricity_va": "integer: connected power in VA; 0 for none",
    "housing_aid_before": "yes/no",
    "programs_received": "text: program codes received now, separated by ';' (PKH;PBI_JK)",
}

#: Person columns of a real extract; ``household_id``, ``relationship``, ``sex`` and
#: ``age`` (or ``birth_date``) are required.
PERSON_COLUMNS: Mapping[str, str] = {
    "household_id": "text: the family's id in the households file (required)",
    "relationship": "relationship to the head: head, spouse, child, ... (required)",
    "sex": "male or female (required)",
    "age": "integer years (required unless birth_date is given)",
    "birth_date": "ISO date YYYY-MM-DD",
    "pregnant": "yes/no",
    "disability": "none, mild, moderate, severe",
    "schooling": "not_in_school, preschool, sd, smp, sma, higher",
    "working": "yes/no",
    "monthly_income": "integer Rupiah per month",
    "has_nik": "yes/no",
}

_ENUMS: Mapping[str, type[enum.Enum]] = {
    "floor": FloorType,
    "wall": WallType,
    "relationship": Relationship,
    "sex": Sex,
    "disability": Disability,
    "schooling": Schooling,
}
_FLAGS = frozenset(
    {
        "in_registry",
        "roof_unfit",
        "own_toilet",
        "owns_land",
        "housing_aid_before",
        "pregnant",
        "working",
        "has_nik",
    }
)
_NUMBERS = frozenset({"decile", "electricity_va", "monthly_income", "age"})


class SimPopulation:
    """Households and persons in columns, and the :class:`~slrt_core.Household` of each.

    Persons are grouped by household (row ``i``'s members are
    ``persons[offsets[i]:offsets[i + 1]]``). Missing values are ``-1`` in integer and
    code columns; a missing column means the input was not recorded.

    Attributes:
        households: household columns (``region`` holds positions in :attr:`regions`).
        persons: person columns (``household`` holds the household row).
        regions: the village codes.
        programs_received: per household, the programs it receives.
        source: where it came from (``"synthetic, seed 3"`` or the file names).

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        *,
        households: Mapping[str, Array],
        persons: Mapping[str, Array],
        regions: Sequence[str],
        programs_received: Sequence[frozenset[str]] | None = None,
        source: str = "",
    ) -> None:
        order = np.argsort(persons["household"], kind="stable")
        self.persons: dict[str, Array] = {k: np.asarray(v)[order] for k, v in persons.items()}
        self.households: dict[str, Array] = {k: np.asarray(v) for k, v in households.items()}
        self.regions = tuple(regions)
        self.size = len(self.households["region"])
        counts = np.bincount(self.persons["household"], minlength=self.size)
        self.offsets = np.concatenate(([0], np.cumsum(counts)))
        self.programs_received = tuple(programs_received) if programs_received is not None else None
        self.source = source
        self._region_codes = [RegionCode(r) for r in self.regions]
        # Plain lists: reading one value from a list is far cheaper than from an array.
        self._hh = {k: v.tolist() for k, v in self.households.items()}
        self._pp = {k: v.tolist() for k, v in self.persons.items()}
        self._offsets = self.offsets.tolist()

    def __len__(self) -> int:
        return self.size

    def tables(self) -> dict[str, Any]:
        """``{"households", "persons", "regions"}`` for :func:`slrt_core.rules.screen`."""
        households = dict(self.households)
        persons = dict(self.persons)
        for table in (households, persons):
            for name, values in list(table.items()):
                if values.dtype.kind in "iu" and name not in {"household", "region"}:
                    missing = values < 0
                    if missing.any():
                        table[name] = np.ma.MaskedArray(values, mask=missing)
        if self.programs_received is not None:
            for code in sorted(set().union(*self.programs_received)):
                households[f"receives_{code}"] = np.fromiter(
                    (code in p for p in self.programs_received), dtype=bool, count=self.size
                )
        return {"households": households, "persons": persons, "regions": list(self.regions)}

    def region(self, index: int) -> RegionCode:
        """The village of household *index*."""
        return self._region_codes[int(self._hh["region"][index])]

    def household(self, index: int, on: date) -> Household:
        """The :class:`~slrt_core.Household` of row *index*, with ages taken on *on*.

        A birth date is made from the age: a day of the year given by the row, so the
        same row always gets the same date.
        """
        hh = self._hh
        pp = self._pp
        members = []
        for n, row in enumerate(range(self._offsets[index], self._offsets[index + 1]), start=1):
            members.append(_person(pp, row, n, on))
        decile = _value(hh, "decile", index)
        in_registry = _flag(hh, "in_registry", index)
        received = self.programs_received[index] if self.programs_received is not None else ()
        return Household(
            region=self._region_codes[hh["region"][index]],
            members=members,
            housing=Housing(
                floor=_choice(hh, "floor", index, FloorType),
                wall=_choice(hh, "wall", index, WallType),
                roof_unfit=_flag(hh, "roof_unfit", index),
                own_toilet=_flag(hh, "own_toilet", index),
                owns_land=_flag(hh, "owns_land", index),
                electricity_va=_value(hh, "electricity_va", index),
                housing_aid_before=_flag(hh, "housing_aid_before", index),
            ),
            registry=RegistryStatus(
                in_registry=in_registry, decile=decile if in_registry else None
            ),
            programs_received=received,
        )


_RELATIONSHIPS = list(Relationship)
_SEXES = list(Sex)


def _value(table: Mapping[str, list[Any]], name: str, row: int) -> int | None:
    column = table.get(name)
    if column is None:
        return None
    value = column[row]
    return None if value < 0 else int(value)


def _flag(table: Mapping[str, list[Any]], name: str, row: int) -> bool | None:
    column = table.get(name)
    if column is None:
        return None
    value = column[row]
    return None if value < 0 else bool(value)


def _choice(table: Mapping[str, list[Any]], name: str, row: int, kind: Any) -> Any:
    column = table.get(name)
    if column is None or column[row] < 0:
        return None
    return list(kind)[column[row]]


def _person(pp: Mapping[str, list[Any]], row: int, n: int, on: date) -> Person:
    age = pp["age"][row]
    # A birth date that gives *age* on *on*: the row picks the day, deterministically.
    born = date(on.year - age, on.month, 1) - timedelta(days=1 + (row * 37) % 330)
    return Person(
        member_id=f"m{n}",
        relationship=_RELATIONSHIPS[pp["relationship"][row]],
        birth_date=born,
        sex=_SEXES[pp["sex"][row]],
        pregnant=_flag(pp, "pregnant", row),
        disability=_choice(pp, "disability", row, Disability),
        schooling=_choice(pp, "schooling", row, Schooling),
        working=_flag(pp, "working", row),
        monthly_income=_value(pp, "monthly_income", row),
    )


def synthetic_population(  # noqa: PLR0915 - one draw per column, in order
    spec: PopulationSpec, *, seed: int = 0
) -> SimPopulation:
    """Draw a synthetic population from *spec* (same spec and seed, same population).

    Raises:
        InvalidInputError: every problem of *spec*.

    Examples:
        >>> pop = synthetic_population(PopulationSpec(households=1000), seed=1)
        >>> len(pop), 2.9 < len(pop.persons["age"]) / len(pop) < 3.2
        (1000, True)
        >>> pop.household(0, date(2026, 1, 5)).region
        RegionCode(code='33.74.01.1001')
    """
    problems = spec.problems()
    if problems:
        raise InvalidInputError(problems, subject="the population")
    rng = np.random.default_rng(seed)
    n = spec.households
    sizes = 1 + rng.poisson(spec.persons_per_family - 1, n)
    persons = int(sizes.sum())
    household = np.repeat(np.arange(n, dtype=np.intp), sizes)
    head = np.zeros(persons, dtype=bool)
    head[np.cumsum(sizes) - sizes] = True
    second = np.zeros(persons, dtype=bool)
    second[(np.cumsum(sizes) - sizes + 1)[sizes > 1]] = True
    # Ages in the census shares. Heads and spouses are adults, so children come from the
    # other members only, at the rate that gives the population share overall.
    adults = head | second
    others = persons - int(adults.sum())
    child_rate = min(1.0, spec.children_share * persons / others) if others else 0.0
    child = ~adults & (rng.random(persons) < child_rate)
    elderly_rate = spec.elderly_share / (1 - spec.children_share)
    old = ~child & (rng.random(persons) < elderly_rate)
    age = rng.integers(15, _RETIRED, persons)
    age[adults] = rng.integers(_ADULT, _RETIRED, int(adults.sum()))
    age[child] = rng.integers(0, 15, int(child.sum()))
    age[old] = rng.integers(_RETIRED, _OLDEST + 1, int(old.sum()))
    sex = rng.integers(0, 2, persons).astype(np.int8)
    head_female = rng.random(persons) < 0.15  # noqa: PLR2004 - about 15% female heads (BPS)
    sex[head] = np.where(head_female[head], _code(Sex, Sex.FEMALE), _code(Sex, Sex.MALE))
    sex[second] = np.where(
        sex[np.maximum(np.flatnonzero(second) - 1, 0)] == _code(Sex, Sex.MALE),
        _code(Sex, Sex.FEMALE),
        _code(Sex, Sex.MALE),
    )
    relationship = np.full(persons, _code(Relationship, Relationship.CHILD), dtype=np.int8)
    relationship[second] = _code(Relationship, Relationship.SPOUSE)
    relationship[head] = _code(Relationship, Relationship.HEAD)
    relationship[(age >= _RETIRED) & ~head & ~second] = _code(Relationship, Relationship.PARENT)
    low, high = _FERTILE
    pregnant = (
        (rng.random(persons) < spec.pregnant_share)
        & (sex == _code(Sex, Sex.FEMALE))
        & (age >= low)
        & (age <= high)
    )
    disabled = rng.random(persons) < spec.disability_share
    severe = rng.random(persons) < spec.severe_share_of_disabled
    disability = np.where(
        disabled,
        np.where(severe, _code(Disability, Disability.SEVERE), _code(Disability, Disability.MILD)),
        _code(Disability, Disability.NONE),
    ).astype(np.int8)
    schooling = np.full(persons, _code(Schooling, Schooling.NOT_IN_SCHOOL), dtype=np.int8)
    for (youngest, oldest, level), share in zip(
        _SCHOOL_AGES, spec.school_participation, strict=True
    ):
        enrolled = (age >= youngest) & (age <= oldest) & (rng.random(persons) < share)
        schooling[enrolled] = _code(Schooling, level)
    adult = age >= _ADULT
    working = adult & (age < _RETIRED) & (rng.random(persons) < spec.working_share)
    # Per-capita income of the family, split among its working adults (the head if none).
    log_income = rng.normal(math.log(spec.income_median), spec.income_sigma, n)
    family_income = np.exp(log_income) * sizes
    earners = np.bincount(household, weights=working, minlength=n)
    earns = working | (head & (earners[household] == 0))
    shares = np.bincount(household, weights=earns, minlength=n)
    income = np.where(earns, family_income[household] / shares[household], 0).astype(np.int64)
    # Deciles rank the families by a noisy proxy of per-capita income.
    proxy = log_income + rng.normal(0.0, spec.decile_noise, n)
    ranks = np.argsort(np.argsort(proxy, kind="stable"), kind="stable")
    decile = (1 + (ranks * 10) // n).astype(np.int8)
    households: dict[str, Array] = {
        "region": rng.integers(0, len(spec.villages), n).astype(np.int32),
        "in_registry": (rng.random(n) < spec.registry_coverage).astype(np.int8),
        "decile": decile,
        "floor": np.where(
            rng.random(n) < spec.earth_floor_share,
            _code(FloorType, FloorType.EARTH),
            _code(FloorType, FloorType.CEMENT),
        ).astype(np.int8),
        "wall": np.where(
            rng.random(n) < spec.bamboo_wall_share,
            _code(WallType, WallType.BAMBOO),
            _code(WallType, WallType.BRICK),
        ).astype(np.int8),
        "roof_unfit": (rng.random(n) < spec.roof_unfit_share).astype(np.int8),
        "own_toilet": (rng.random(n) < spec.own_toilet_share).astype(np.int8),
        "owns_land": (rng.random(n) < spec.owns_land_share).astype(np.int8),
        "electricity_va": np.asarray(_VA, dtype=np.int64)[
            rng.choice(len(_VA), n, p=list(spec.electricity_mix))
        ],
        "housing_aid_before": (rng.random(n) < spec.housing_aid_before_share).astype(np.int8),
    }
    return SimPopulation(
        households=households,
        persons={
            "household": household,
            "age": age.astype(np.int64),
            "sex": sex,
            "relationship": relationship,
            "pregnant": pregnant.astype(np.int8),
            "disability": disability,
            "schooling": schooling,
            "working": working.astype(np.int8),
            "monthly_income": income,
            "has_nik": (rng.random(persons) < spec.with_nik_share).astype(np.int8),
        },
        regions=spec.villages,
        source=f"synthetic, seed {seed}",
    )


# --------------------------------------------------------------------------- files


def _read(path: Path) -> dict[str, list[Any]]:
    """Columns of a CSV or Parquet file, as lists (``None`` for blanks and nulls)."""
    if path.suffix.lower() in {".parquet", ".pq"}:
        try:
            import pyarrow.parquet as pq  # noqa: PLC0415 - optional, only for Parquet
        except ImportError as exc:  # pragma: no cover - pyarrow is in the test group
            msg = "Reading Parquet needs pyarrow: pip install pyarrow."
            raise InvalidInputError.single(
                str(path), msg, "Membaca Parquet memerlukan pyarrow."
            ) from exc
        table = pq.read_table(path)
        return {name: table.column(name).to_pylist() for name in table.column_names}
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    names = list(rows[0]) if rows else []
    return {n: [(r[n] if r[n] not in {"", None} else None) for r in rows] for n in names}


_YES = {"1", "true", "yes", "ya", "y", "t"}
_NO = {"0", "false", "no", "tidak", "n", "f"}


def _convert(  # noqa: C901, PLR0912 - one branch per column kind
    name: str, values: list[Any], path: str, problems: list[Problem]
) -> Array | None:
    bad: list[Any] = []
    out: list[int] = []
    if name in _FLAGS:
        for v in values:
            text = None if v is None else str(v).strip().lower()
            if text is None:
                out.append(-1)
            elif text in _YES:
                out.append(1)
            elif text in _NO:
                out.append(0)
            else:
                bad.append(v)
        wanted = "yes/no (true/false, 1/0)"
    elif name in _ENUMS:
        kind = list(_ENUMS[name])
        codes = {m.value: i for i, m in enumerate(kind)}
        for v in values:
            if v is None:
                out.append(-1)
            elif str(v).strip().lower() in codes:
                out.append(codes[str(v).strip().lower()])
            else:
                bad.append(v)
        wanted = "one of " + ", ".join(codes)
    else:
        for v in values:
            if v is None:
                out.append(-1)
                continue
            try:
                number = float(v)
            except (TypeError, ValueError):
                bad.append(v)
                continue
            if number < 0 or number != int(number):
                bad.append(v)
            else:
                out.append(int(number))
        wanted = "whole numbers of 0 or more"
    if bad:
        shown = ", ".join(repr(b) for b in bad[:3])
        problems.append(
            Problem(
                path,
                f"{len(bad)} value(s) are not {wanted}: {shown}. Correct them or leave them "
                "blank when unknown.",
                f"{len(bad)} nilai bukan {wanted}: {shown}. Perbaiki atau kosongkan bila "
                "tidak diketahui.",
            )
        )
        return None
    return np.asarray(out, dtype=np.int64)


def _ages_from(values: list[Any], on: date, path: str, problems: list[Problem]) -> Array | None:
    ages = []
    bad = []
    for v in values:
        try:
            born = v if isinstance(v, date) else date.fromisoformat(str(v))
        except (TypeError, ValueError):
            bad.append(v)
            continue
        ages.append(on.year - born.year - ((on.month, on.day) < (born.month, born.day)))
    if bad:
        problems.append(
            Problem(
                path,
                f"{len(bad)} birth date(s) are not ISO dates (YYYY-MM-DD): "
                f"{', '.join(repr(b) for b in bad[:3])}.",
                f"{len(bad)} tanggal lahir bukan tanggal ISO (YYYY-MM-DD).",
            )
        )
        return None
    return np.asarray(ages, dtype=np.int64)


def load_population(  # noqa: C901, PLR0912, PLR0915 - checks every column, all collected
    households: str | Path, persons: str | Path, *, on: date | None = None
) -> SimPopulation:
    """Load a real extract: a households file and a persons file, CSV or Parquet.

    The columns are listed in :data:`HOUSEHOLD_COLUMNS` and :data:`PERSON_COLUMNS`; only
    a few are required, and a column left out means the input was not recorded (the
    rules then answer "needs verification"). Blank cells are unknown values.

    Args:
        households: the households file (``.csv``, or ``.parquet``/``.pq``).
        persons: the persons file.
        on: the date ages are taken on when persons have ``birth_date``; today by
            default.

    Raises:
        InvalidInputError: every problem: missing required columns, values of the wrong
            kind, unknown or non-village region codes, persons of an unknown household,
            a family without exactly one head.
    """
    hh_path, pp_path = Path(households), Path(persons)
    hh_raw, pp_raw = _read(hh_path), _read(pp_path)
    problems: list[Problem] = []
    for needed, table, label in (
        (("region",), hh_raw, "households"),
        (("household_id", "relationship", "sex"), pp_raw, "persons"),
    ):
        problems.extend(
            Problem(
                f"{label}.{column}",
                f"The {label} file has no {column!r} column; add it.",
                f"Berkas {label} tidak punya kolom {column!r}; tambahkan.",
            )
            for column in needed
            if column not in table
        )
    if "age" not in pp_raw and "birth_date" not in pp_raw:
        problems.append(
            Problem(
                "persons.age",
                "The persons file needs an 'age' or a 'birth_date' column.",
                "Berkas `persons` memerlukan kolom `age` atau `birth_date`.",
            )
        )
    if problems:
        raise InvalidInputError(problems, subject="the population")
    size = len(hh_raw["region"])
    ids = [str(v) for v in hh_raw.get("household_id", range(size))]
    row_of = {hid: i for i, hid in enumerate(ids)}
    if len(row_of) != size:
        problems.append(
            Problem(
                "households.household_id",
                "Some household_id values appear twice; each family needs its own id.",
                "Beberapa household_id muncul dua kali; setiap keluarga perlu id sendiri.",
            )
        )
    regions = sorted({str(r) for r in hh_raw["region"] if r is not None})
    problems.extend(village_problems(regions, "households.region") if regions else [])
    if len(regions) == 0 or any(r is None for r in hh_raw["region"]):
        problems.append(
            Problem(
                "households.region",
                "Every household needs a village code in 'region'.",
                "Setiap rumah tangga memerlukan kode desa pada kolom 'region'.",
            )
        )
    region_index = {r: i for i, r in enumerate(regions)}
    hh_columns: dict[str, Array] = {
        "region": np.asarray(
            [region_index.get(str(r), 0) for r in hh_raw["region"]], dtype=np.int32
        )
    }
    for name, values in hh_raw.items():
        if name in {"region", "household_id", "programs_received"}:
            continue
        if name in _FLAGS or name in _ENUMS or name in _NUMBERS:
            converted = _convert(name, values, f"households.{name}", problems)
            if converted is not None:
                hh_columns[name] = converted
    household = []
    unknown = []
    for v in pp_raw.get("household_id", []):
        row = row_of.get(str(v))
        if row is None:
            unknown.append(v)
            row = 0
        household.append(row)
    if unknown:
        problems.append(
            Problem(
                "persons.household_id",
                f"{len(unknown)} person(s) name a household that is not in the households "
                f"file: {', '.join(repr(u) for u in unknown[:3])}.",
                f"{len(unknown)} orang merujuk rumah tangga yang tidak ada di berkas households.",
            )
        )
    pp_columns: dict[str, Array] = {"household": np.asarray(household, dtype=np.intp)}
    for name, values in pp_raw.items():
        if name == "household_id":
            continue
        if name == "birth_date" and "age" not in pp_raw:
            today = on or date.today()  # noqa: DTZ011 - a local date is meant
            ages = _ages_from(values, today, "persons.birth_date", problems)
            if ages is not None:
                pp_columns["age"] = ages
        elif name in _FLAGS or name in _ENUMS or name in _NUMBERS:
            converted = _convert(name, values, f"persons.{name}", problems)
            if converted is not None:
                pp_columns[name] = converted
    for name in ("relationship", "sex", "age"):
        column = pp_columns.get(name)
        if column is not None and (column < 0).any():
            problems.append(
                Problem(
                    f"persons.{name}",
                    f"Every person needs a {name}; fill in the blanks.",
                    f"Setiap orang memerlukan {name}; isi yang kosong.",
                )
            )
    if not problems:
        heads = np.bincount(
            pp_columns["household"],
            weights=pp_columns["relationship"] == _code(Relationship, Relationship.HEAD),
            minlength=size,
        )
        wrong = np.flatnonzero(heads != 1)
        if len(wrong):
            problems.append(
                Problem(
                    "persons.relationship",
                    f"{len(wrong)} household(s) do not have exactly one head, such as "
                    f"{', '.join(ids[i] for i in wrong[:3])}.",
                    f"{len(wrong)} rumah tangga tidak punya tepat satu kepala keluarga.",
                )
            )
    if problems:
        raise InvalidInputError(problems, subject="the population")
    received = None
    if "programs_received" in hh_raw:
        received = [_programs(v) for v in hh_raw["programs_received"]]
    return SimPopulation(
        households=hh_columns,
        persons=pp_columns,
        regions=regions,
        programs_received=received,
        source=f"{hh_path.name} + {pp_path.name}",
    )


def _programs(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    items: Iterable[str] = value if isinstance(value, list) else str(value).split(";")
    return frozenset(p.strip() for p in items if p and p.strip())
