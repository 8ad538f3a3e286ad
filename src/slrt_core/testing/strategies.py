"""Hypothesis strategies for slrt_core values: part of the public testing kit.

Use them in your own tests of code built on slrt_core (install the ``testing`` extra,
which brings Hypothesis). Region codes are real: they are drawn from the Kemendagri 2025
list, so every generated NIK or KK number passes ``parse``.

Examples:
    >>> from hypothesis import given
    >>> @given(region_codes(within="33.74", level=RegionLevel.DISTRICT))
    ... def test_in_semarang(code):
    ...     assert RegionCode("33.74").contains(code)
    >>> test_in_semarang()

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, timedelta

from hypothesis import strategies as st

from slrt_core.access import Actor, Role
from slrt_core.case._model import Case, Need
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
from slrt_core.identity import KkNumber, Nik, RegionCode, RegionLevel, Sex
from slrt_core.rules._population import Population
from slrt_core.vocabulary import Sector

__all__ = [
    "actors",
    "cases",
    "households",
    "kk_numbers",
    "needs",
    "niks",
    "persons",
    "populations",
    "region_codes",
]

_WOMEN_DAY_OFFSET = 40


@functools.lru_cache(maxsize=256)
def _known_codes(within: RegionCode, level: RegionLevel) -> tuple[RegionCode, ...]:
    return tuple(within.codes_at(level))


def region_codes(
    *, within: RegionCode | str | None = None, level: RegionLevel = RegionLevel.VILLAGE
) -> st.SearchStrategy[RegionCode]:
    """Real region codes at *level* inside *within*, from the Kemendagri 2025 list.

    Args:
        within: the region to stay inside (checked with :meth:`RegionCode.parse`); the
            whole country when ``None``.
        level: the level of the codes drawn; villages by default.

    Raises:
        InvalidInputError: *within* is not a known code, or has no region at *level*
            (a level above its own).

    .. versionadded:: 0.1.0
    """
    parent = RegionCode.INDONESIA if within is None else RegionCode.parse(within)
    codes = _known_codes(parent, RegionLevel(level))
    if not codes:
        raise InvalidInputError.single(
            "level",
            f"Region {parent.code or 'Indonesia'} has no region at level {level.name}. Choose "
            f"a level at or below its own ({parent.level.name}).",
            f"Wilayah {parent.code or 'Indonesia'} tidak punya wilayah pada tingkat "
            f"{level.name}. Pilih tingkat yang sama atau di bawah tingkatnya "
            f"({parent.level.name}).",
        )
    return st.sampled_from(codes)


def _districts(region: RegionCode | str | None) -> st.SearchStrategy[RegionCode]:
    parent = RegionCode.INDONESIA if region is None else RegionCode.parse(region)
    if parent.level is RegionLevel.VILLAGE:
        parent = parent.ancestors[0]
    return region_codes(within=parent, level=RegionLevel.DISTRICT)


def _dates() -> st.SearchStrategy[date]:
    """Dates a two-digit year reads back unambiguously: within 99 years up to today."""
    today = date.today()  # noqa: DTZ011 - a local calendar day, as Nik.parse uses
    return st.dates(min_value=date(today.year - 99, 1, 1), max_value=today)


def _sixteen(district: RegionCode, day: date, day_offset: int, serial: int) -> str:
    return (
        f"{district.digits}{day.day + day_offset:02d}{day.month:02d}{day.year % 100:02d}"
        f"{serial:04d}"
    )


def _nik(district: RegionCode, sex: Sex, born: date, serial: int) -> Nik:
    offset = _WOMEN_DAY_OFFSET if sex is Sex.FEMALE else 0
    return Nik(_sixteen(district, born, offset, serial))


def niks(
    *, sex: Sex | None = None, region: RegionCode | str | None = None
) -> st.SearchStrategy[Nik]:
    """Valid NIKs: a real district, a real birth date within the last 99 years, a serial.

    Args:
        sex: only this sex; either when ``None``.
        region: only districts inside this region (a village stands for its district);
            anywhere in Indonesia when ``None``.

    Every NIK drawn passes :meth:`Nik.parse`, and its :meth:`Nik.birth_date` is the date it
    was built from (judged from the day the strategy was made).

    .. versionadded:: 0.1.0
    """
    sexes = st.sampled_from(Sex) if sex is None else st.just(Sex(sex))
    return st.builds(_nik, _districts(region), sexes, _dates(), st.integers(1, 9999))


def _kk(district: RegionCode, recorded: date, serial: int) -> KkNumber:
    return KkNumber(_sixteen(district, recorded, 0, serial))


def kk_numbers(*, region: RegionCode | str | None = None) -> st.SearchStrategy[KkNumber]:
    """Valid KK numbers: a real issuing district, a record date within 99 years, a serial.

    Args:
        region: only districts inside this region; anywhere when ``None``.

    .. versionadded:: 0.1.0
    """
    return st.builds(_kk, _districts(region), _dates(), st.integers(1, 9999))


# --------------------------------------------------------------------------- people

#: Age ranges (whole years, inclusive) that are realistic for each relationship to the head.
_AGES: dict[Relationship, tuple[int, int]] = {
    Relationship.HEAD: (17, 95),
    Relationship.SPOUSE: (16, 95),
    Relationship.CHILD: (0, 45),
    Relationship.CHILD_IN_LAW: (16, 50),
    Relationship.GRANDCHILD: (0, 25),
    Relationship.PARENT: (35, 99),
    Relationship.PARENT_IN_LAW: (35, 99),
    Relationship.OTHER_RELATIVE: (0, 90),
    Relationship.OTHER: (0, 90),
}
_NOT_HEAD = tuple(r for r in Relationship if r is not Relationship.HEAD)
_FERTILE = (15, 49)
_WORKING_AGE = 15
_MAX_INCOME = 15_000_000
_MAX_NIK_SERIAL = 9999
_NAMES = ("Siti Aminah", "Budi Santoso", "Dewi Lestari", "Agus Salim", "Rina Wati", "Joko")
_PROGRAMS = ("PKH", "BPNT", "PBI-JK", "PIP", "RTLH")
_SCHOOL_BY_AGE: tuple[tuple[int, int, Schooling], ...] = (
    (3, 6, Schooling.PRESCHOOL),
    (7, 12, Schooling.SD),
    (13, 15, Schooling.SMP),
    (16, 18, Schooling.SMA),
    (19, 24, Schooling.HIGHER),
)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _latest_birth(as_of: date | None) -> date:
    today = date.today()  # noqa: DTZ011 - a local calendar day, as Nik.parse uses
    return today if as_of is None else min(as_of, today)


@functools.lru_cache(maxsize=64)
def _birth_dates(ages: tuple[int, int], as_of: date | None) -> st.SearchStrategy[date]:
    """Birth dates giving an age in *ages* on *as_of*, that a NIK reads back unambiguously."""
    latest = _latest_birth(as_of)
    earliest_readable = date(date.today().year - 99, 1, 1)  # noqa: DTZ011 - as _dates()
    low, high = ages
    born_max = _years_before(latest, low)
    born_min = max(earliest_readable, _years_before(latest, high + 1) + timedelta(days=1))
    born_min = min(born_min, born_max)  # an *as_of* about a century ago leaves one day
    return st.dates(min_value=born_min, max_value=born_max)


def _age(born: date, on: date) -> int:
    years = on.year - born.year
    return years - 1 if (on.month, on.day) < (born.month, born.day) else years


def _school_levels(age: int) -> tuple[Schooling | None, ...]:
    for low, high, level in _SCHOOL_BY_AGE:
        if low <= age <= high:
            return (None, level, Schooling.NOT_IN_SCHOOL)
    return (None, Schooling.NOT_IN_SCHOOL)


# Strategies built once: building them inside every draw costs Hypothesis a validation.
_SEXES = st.sampled_from(Sex)
_NAME = st.sampled_from(("", *_NAMES))
_MAYBE_BOOL = st.none() | st.booleans()
_MAYBE_FALSE = st.sampled_from([None, False])
_PREGNANT = st.sampled_from([None, False, True])
_DISABILITY = st.none() | st.sampled_from(Disability)
_ADULT_INCOME = st.none() | st.integers(0, _MAX_INCOME)
_CHILD_INCOME = st.sampled_from([None, 0])
_SERIALS = st.integers(1, _MAX_NIK_SERIAL)
_SCHOOLING = {
    levels: st.sampled_from(levels) for levels in {_school_levels(age) for age in range(100)}
}


def _draw_person(
    draw: st.DrawFn,
    *,
    member_id: str,
    relationship: Relationship,
    district: RegionCode,
    serial: int,
    as_of: date | None,
) -> Person:
    born = draw(_birth_dates(_AGES[relationship], as_of))
    age = _age(born, _latest_birth(as_of))
    sex = draw(_SEXES)
    fertile = sex is Sex.FEMALE and _FERTILE[0] <= age <= _FERTILE[1]
    adult = age >= _WORKING_AGE
    with_nik = draw(st.booleans())
    return Person(
        member_id=member_id,
        relationship=relationship,
        birth_date=born,
        sex=sex,
        nik=_nik(district, sex, born, serial) if with_nik else None,
        name=draw(_NAME),
        pregnant=draw(_PREGNANT if fertile else _MAYBE_FALSE),
        disability=draw(_DISABILITY),
        schooling=draw(_SCHOOLING[_school_levels(age)]),
        working=draw(_MAYBE_BOOL if adult else _MAYBE_FALSE),
        monthly_income=draw(_ADULT_INCOME if adult else _CHILD_INCOME),
    )


@st.composite
def _person(
    draw: st.DrawFn,
    *,
    member_ids: st.SearchStrategy[str],
    relationships: st.SearchStrategy[Relationship],
    districts: st.SearchStrategy[RegionCode],
    as_of: date | None,
) -> Person:
    return _draw_person(
        draw,
        member_id=draw(member_ids),
        relationship=draw(relationships),
        district=draw(districts),
        serial=draw(_SERIALS),
        as_of=as_of,
    )


def persons(
    *,
    member_id: str | None = None,
    relationship: Relationship | None = None,
    region: RegionCode | str | None = None,
    as_of: date | None = None,
) -> st.SearchStrategy[Person]:
    """Valid, realistic persons: an age that fits the relationship, consistent attributes.

    Pregnancy is drawn only for women of 15-49, school enrolment matches the age, only
    members of 15 or more work or earn; a NIK, when drawn, encodes the person's own sex
    and birth date.

    Args:
        member_id: the member id; ``"m1"`` to ``"m99"`` when ``None``.
        relationship: the relationship to the head; any when ``None``.
        region: the NIK's district lies inside this region (a village stands for its
            district); anywhere in Indonesia when ``None``.
        as_of: the day ages are judged on (no birth date after it, nor after today);
            today when ``None``.

    Examples:
        >>> from hypothesis import given
        >>> @given(persons(relationship=Relationship.HEAD))
        ... def test_heads_are_adults(person):
        ...     assert person.age_on(date.today()) >= 17
        >>> test_heads_are_adults()

    .. versionadded:: 0.1.0
    """
    return _person(
        member_ids=st.integers(1, 99).map("m{}".format)
        if member_id is None
        else st.just(member_id),
        relationships=st.sampled_from(Relationship)
        if relationship is None
        else st.just(Relationship(relationship)),
        districts=_districts(region),
        as_of=as_of,
    )


_HOUSING = st.builds(
    Housing,
    floor=st.none() | st.sampled_from(FloorType),
    wall=st.none() | st.sampled_from(WallType),
    roof_unfit=_MAYBE_BOOL,
    own_toilet=_MAYBE_BOOL,
    owns_land=_MAYBE_BOOL,
    electricity_va=st.none() | st.sampled_from([0, 450, 900, 1300, 2200]),
    housing_aid_before=_MAYBE_BOOL,
)
_REGISTRY = st.builds(
    RegistryStatus,
    in_registry=st.just(True),  # noqa: FBT003 - a field value
    decile=st.none() | st.integers(1, 10),
) | st.builds(RegistryStatus, in_registry=st.sampled_from([None, False]), decile=st.none())
_RELATIVES = st.sampled_from(_NOT_HEAD)
_RECORD_DATES = _dates()
_PROGRAMS_RECEIVED = st.frozensets(st.sampled_from(_PROGRAMS), max_size=3)


@st.composite
def _household(
    draw: st.DrawFn,
    *,
    villages: st.SearchStrategy[RegionCode],
    sizes: st.SearchStrategy[int],
    as_of: date | None,
) -> Household:
    village = draw(villages)
    district = village.ancestors[0]
    size = draw(sizes)
    serials = draw(st.lists(_SERIALS, min_size=size, max_size=size, unique=True))
    members = tuple(
        _draw_person(
            draw,
            member_id=f"m{i + 1}",
            relationship=Relationship.HEAD if i == 0 else draw(_RELATIVES),
            district=district,
            serial=serial,
            as_of=as_of,
        )
        for i, serial in enumerate(serials)
    )
    kk = _kk(district, draw(_RECORD_DATES), draw(_SERIALS)) if draw(st.booleans()) else None
    return Household(
        region=village,
        members=members,
        kk=kk,
        housing=draw(_HOUSING),
        registry=draw(_REGISTRY),
        programs_received=draw(_PROGRAMS_RECEIVED),
    )


def households(
    *,
    region: RegionCode | str | None = None,
    as_of: date | None = None,
    max_members: int = 8,
) -> st.SearchStrategy[Household]:
    """Valid households: exactly one head (``m1``), unique member ids and NIKs.

    Members are drawn by :func:`persons`; their NIKs, when drawn, are of the household's
    district and encode each member's sex and birth date. Housing, registry standing
    (a decile 1-10 only when listed) and programs received are drawn too.

    Args:
        region: the household's village lies inside this region (or is this village);
            anywhere in Indonesia when ``None``.
        as_of: the day ages are judged on; today when ``None``. Pass the service clock's
            day so that no birth date lies after it.
        max_members: the largest household drawn (at least 1).

    Examples:
        >>> from hypothesis import given
        >>> @given(households(region="33.74"))
        ... def test_one_head(household):
        ...     assert household.head.member_id == "m1"
        >>> test_one_head()

    .. versionadded:: 0.1.0
    """
    return _household(
        villages=region_codes(within=region),
        sizes=st.integers(1, max(1, max_members)),
        as_of=as_of,
    )


# --------------------------------------------------------------------------- needs and actors

_DESCRIPTIONS: dict[Sector, tuple[str, ...]] = {
    Sector.HEALTH: ("No health insurance", "Needs a wheelchair"),
    Sector.EDUCATION: ("Cannot pay school fees", "Needs a school uniform"),
    Sector.SOCIAL_ASSISTANCE: ("Not in the social registry", "PKH stopped"),
    Sector.FOOD: ("No food this week",),
    Sector.ENERGY: ("Electricity cut off",),
    Sector.HOUSING: ("Roof leaks", "House damaged by flood"),
    Sector.CIVIL_DOCUMENTS: ("No birth certificate", "KK card lost"),
    Sector.ECONOMIC: ("Needs capital for a food stall",),
    Sector.OTHER: ("Asks about a village program",),
}


@st.composite
def _need(draw: st.DrawFn, *, member_ids: tuple[str, ...]) -> Need:
    sector = draw(st.sampled_from(Sector))
    return Need(
        sector=sector,
        description=draw(st.sampled_from(("", *_DESCRIPTIONS[sector]))),
        member_id=draw(st.none() | st.sampled_from(member_ids)) if member_ids else None,
    )


def needs(*, member_ids: Sequence[str] = ()) -> st.SearchStrategy[Need]:
    """Needs as a caller records them: a sector, a description, maybe one member.

    Args:
        member_ids: the members a need may concern; the whole household only when empty.

    Examples:
        >>> from hypothesis import given
        >>> @given(needs(member_ids=["m1", "m2"]))
        ... def test_member(need):
        ...     assert need.member_id in (None, "m1", "m2")
        >>> test_member()

    .. versionadded:: 0.1.0
    """
    return _need(member_ids=tuple(member_ids))


@st.composite
def _actor(
    draw: st.DrawFn,
    *,
    roles: st.SearchStrategy[Role],
    jurisdictions: st.SearchStrategy[RegionCode],
    provider_ids: tuple[str, ...],
) -> Actor:
    role = draw(roles)
    provider = draw(st.sampled_from(provider_ids)) if role is Role.PROVIDER_STAFF else None
    return Actor(
        actor_id=f"{role.value}-{draw(st.integers(1, 999))}",
        role=role,
        jurisdiction=draw(jurisdictions),
        provider_id=provider,
    )


def actors(
    *,
    role: Role | None = None,
    within: RegionCode | str | None = None,
    provider_ids: Sequence[str] = ("provider-1",),
) -> st.SearchStrategy[Actor]:
    """Actors with a role and a jurisdiction at any level inside *within*.

    Args:
        role: only this role; any when ``None``.
        within: jurisdictions lie inside this region, from its own level down to a
            village; anywhere, national staff included, when ``None``.
        provider_ids: the providers provider staff may work for (not empty).

    Raises:
        InvalidInputError: *within* is not a known code, or *provider_ids* is empty.

    Examples:
        >>> from hypothesis import given
        >>> @given(actors(role=Role.SUPERVISOR, within="33.74"))
        ... def test_inside(actor):
        ...     assert RegionCode("33.74").contains(actor.jurisdiction)
        >>> test_inside()

    .. versionadded:: 0.1.0
    """
    if not provider_ids:
        raise InvalidInputError.single(
            "provider_ids",
            "Give at least one provider id for provider staff to work for.",
            "Berikan paling sedikit satu id penyedia untuk petugas penyedia layanan.",
        )
    parent = RegionCode.INDONESIA if within is None else RegionCode.parse(within)
    jurisdictions = st.sampled_from(
        [level for level in RegionLevel if level >= parent.level]
    ).flatmap(lambda level: region_codes(within=parent, level=level))
    return _actor(
        roles=st.sampled_from(Role) if role is None else st.just(Role(role)),
        jurisdictions=jurisdictions,
        provider_ids=tuple(provider_ids),
    )


# --------------------------------------------------------------------------- populations


def populations(
    *,
    region: RegionCode | str | None = None,
    as_of: date | None = None,
    min_size: int = 1,
    max_size: int = 20,
    max_members: int = 8,
) -> st.SearchStrategy[Population]:
    """Populations for :func:`~slrt_core.rules.screen`: lists of :func:`households`.

    Args:
        region: every household's village lies inside this region; anywhere when
            ``None``.
        as_of: the day ages are judged on; today when ``None``.
        min_size: the fewest households.
        max_size: the most households.
        max_members: the largest household drawn.

    Examples:
        >>> from hypothesis import given
        >>> @given(populations(region="33.74", max_size=5))
        ... def test_size(population):
        ...     assert 1 <= population.households <= 5
        >>> test_size()

    .. versionadded:: 0.1.0
    """
    return st.lists(
        households(region=region, as_of=as_of, max_members=max_members),
        min_size=min_size,
        max_size=max(min_size, max_size),
    ).map(Population.from_households)


# --------------------------------------------------------------------------- cases

# The longest scripted walk ("returned") has fewer steps than this.
_MOST_STEPS = 16


@st.composite
def _case(draw: st.DrawFn, *, routes: Sequence[str]) -> Case:
    # Imported here: the fixtures drive the service, which imports much of the library.
    from slrt_core.adapters.memory import MemoryStore  # noqa: PLC0415
    from slrt_core.testing._fixtures import (  # noqa: PLC0415
        VILLAGES,
        sample_slrt,
        sample_staff,
        walk_case,
    )

    route = draw(st.sampled_from(routes))
    village = draw(st.sampled_from(VILLAGES))
    stop = draw(st.integers(1, _MOST_STEPS))
    slrt = sample_slrt(MemoryStore())
    staff = sample_staff()
    case_id = ""
    for count, step in enumerate(walk_case(slrt, staff, route=route, region=village), 1):  # type: ignore[arg-type]
        case_id = step.case_id
        if count >= stop:
            break
    return slrt.get_case(staff.supervisor, case_id)


def cases(
    *, routes: Sequence[str] = ("full", "returned", "emergency", "local")
) -> st.SearchStrategy[Case]:
    """Cases in any lifecycle state, made by running the real service on a memory store.

    Each case is registered in one of the sample villages of Kota Semarang or Salatiga
    and taken a drawn number of steps along a scripted route of
    :func:`~slrt_core.testing.walk_case`, so it is consistent by construction (its
    events replay to it, its referrals match its state). Shrinking goes towards a case
    just registered.

    Args:
        routes: the walks to draw from: ``full``, ``returned``, ``emergency``, ``local``.

    Raises:
        InvalidInputError: *routes* is empty or names an unknown route.

    Examples:
        >>> from hypothesis import given, settings
        >>> from slrt_core.case import CaseState
        >>> @settings(max_examples=10)
        ... @given(cases(routes=["emergency"]))
        ... def test_emergency(case):
        ...     assert case.emergency and case.state in set(CaseState)
        >>> test_emergency()

    .. versionadded:: 0.1.0
    """
    known = ("full", "returned", "emergency", "local")
    unknown = [r for r in routes if r not in known]
    if unknown or not routes:
        raise InvalidInputError.single(
            "routes",
            f"Routes must be some of {', '.join(known)}; got {', '.join(routes) or 'none'}.",
            f"Rute harus beberapa dari {', '.join(known)}; diterima "
            f"{', '.join(routes) or 'tidak ada'}.",
        )
    return _case(routes=tuple(routes))
