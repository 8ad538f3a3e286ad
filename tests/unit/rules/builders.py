"""Builders of households, tiny rulebooks and populations for the rules unit tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import numpy as np

from slrt_core.household import (
    Disability,
    FloorType,
    Household,
    Housing,
    Person,
    RegistryStatus,
    Relationship,
    Schooling,
)
from slrt_core.identity import Nik, RegionCode, Sex
from slrt_core.rules import (
    Compare,
    Criterion,
    FixedBenefit,
    Input,
    Parameter,
    ParameterValue,
    Period,
    Program,
    Rulebook,
    Value,
    ValueType,
    decide,
    screen,
)
from slrt_core.rules._population import Population
from slrt_core.vocabulary import Sector, Tier

ON = date(2025, 3, 1)
MIROTO = RegionCode("33.74.01.1001")
BANDUNG = RegionCode("32.73.01.1001")
START = date(2020, 1, 1)


def born(age: int, on: date = ON) -> date:
    """A birth date giving *age* on *on*."""
    return on.replace(year=on.year - age)


def nik_for(sex: Sex, birth: date, serial: int = 1) -> Nik:
    """A NIK of the right shape and sex (digits of Semarang Tengah)."""
    day = birth.day + (40 if sex is Sex.FEMALE else 0)
    return Nik(f"337401{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}")


def person(
    member_id: str = "m1",
    *,
    age: int = 40,
    sex: Sex = Sex.MALE,
    relationship: Relationship | None = None,
    with_nik: bool = False,
    serial: int = 1,
    **fields: Any,
) -> Person:
    """A person; the first member is the head unless said otherwise."""
    birth = born(age)
    if relationship is None:
        relationship = Relationship.HEAD if member_id == "m1" else Relationship.CHILD
    return Person(
        member_id=member_id,
        relationship=relationship,
        birth_date=birth,
        sex=sex,
        nik=nik_for(sex, birth, serial) if with_nik else None,
        **fields,
    )


def known_person(member_id: str = "m1", **fields: Any) -> Person:
    """A person with every member input recorded (not pregnant, not in school, ...)."""
    defaults: dict[str, Any] = {
        "pregnant": False,
        "disability": Disability.NONE,
        "schooling": Schooling.NOT_IN_SCHOOL,
        "working": False,
        "monthly_income": 0,
        "with_nik": True,
    }
    defaults.update(fields)
    return person(member_id, **defaults)


def household(
    *members: Person,
    region: RegionCode = MIROTO,
    in_registry: bool | None = True,
    decile: int | None = 2,
    receives: Iterable[str] = (),
    **housing: Any,
) -> Household:
    """A household of *members* (one head by default)."""
    return Household(
        region=region,
        members=members or (known_person(),),
        registry=RegistryStatus(in_registry=in_registry, decile=decile),
        housing=Housing(**housing),
        programs_received=frozenset(receives),
    )


def full_household(**overrides: Any) -> Household:
    """A registry household with every input known: mother, toddler, pupil, grandmother."""
    members = (
        known_person("m1", age=30, sex=Sex.FEMALE, pregnant=True, monthly_income=1_200_000),
        known_person("m2", age=3, serial=2),
        known_person("m3", age=10, sex=Sex.FEMALE, schooling=Schooling.SD, serial=3),
        known_person("m4", age=75, sex=Sex.FEMALE, disability=Disability.SEVERE, serial=4),
    )
    fields: dict[str, Any] = {
        "floor": FloorType.EARTH,
        "owns_land": True,
        "housing_aid_before": False,
        "electricity_va": 900,
        "roof_unfit": False,
    }
    fields.update(overrides)
    return household(*members, **fields)


def both(
    rulebook: Rulebook, households: Sequence[Household], on: date = ON, **kw: Any
) -> list[Any]:
    """The decisions of each household by decide and by screen, which must be equal."""
    result = screen(Population.from_households(households), on=on, rulebook=rulebook, **kw)
    found = []
    for i, h in enumerate(households):
        scalar = decide(h, on=on, rulebook=rulebook, **kw)
        vector = result.decisions(i)
        assert scalar == vector, (scalar, vector)
        for code, decision in scalar.items():
            status = {"eligible": 1, "not_eligible": 0, "needs_verification": -1}
            assert result.status[code][i] == status[decision.status.value]
            if code in result.benefit:
                amount = decision.benefit.amount if decision.benefit else 0
                assert result.benefit[code][i] == amount
        found.append(scalar)
    return found


def param(name: str, value: Any, kind: ValueType = ValueType.INT, **kw: Any) -> Parameter:
    """A national parameter with one value from 2020."""
    return Parameter(
        name=name,
        type=kind,
        label_id=name,
        label_en=name,
        values=(ParameterValue(value=value, valid_from=START, source="test"),),
        **kw,
    )


def criterion(name: str, test: Any) -> Criterion:
    """A criterion labelled with its name."""
    return Criterion(name=name, test=test, label_id=name, label_en=name)


def program(code: str, eligibility: str, **kw: Any) -> Program:
    """A program with a fixed monthly amount from parameter ``amount``."""
    fields: dict[str, Any] = {
        "label_id": code,
        "label_en": code,
        "eligibility": eligibility,
        "benefit": FixedBenefit(amount="amount", period=Period.MONTH),
        "sectors": (Sector.OTHER,),
        "tier": Tier.DISTRICT,
        "offered_from": START,
    }
    fields.update(kw)
    return Program(code=code, **fields)


def tiny(
    criteria: Sequence[Criterion],
    programs: Sequence[Program],
    parameters: Sequence[Parameter] = (),
) -> Rulebook:
    """A rulebook of the given definitions plus an ``amount`` parameter of 100."""
    return Rulebook.build(
        name="test",
        version="0",
        parameters=(param("amount", 100), *parameters),
        criteria=criteria,
        programs=programs,
    )


def registry_rulebook() -> Rulebook:
    """One program: in the registry."""
    return tiny(
        [criterion("listed", Compare(Input("in_registry"), "==", Value(value=True)))],
        [program("LISTED", "listed")],
    )


def columns(n: int = 2, **hh: Any) -> dict[str, Any]:
    """Household columns of *n* Miroto households (plus *hh*)."""
    return {"region": np.array([MIROTO.code] * n), **hh}
