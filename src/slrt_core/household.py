"""Persons and households: the client of an SLRT case.

Values are frozen and keyword-only. A :class:`Household` checks itself when it is built
and lists every problem at once (a member twice, no head or two heads, negative income,
a decile outside 1-10, ...). Checks that depend on the date (a birth date in the future)
are made by :meth:`Household.problems_on`, which the service runs with its clock.

Unknown is not "no": every attribute that a rule may need is ``None`` when it was not
recorded, and the rules engine answers "needs verification" for it.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Iterator
from datetime import date, datetime

import attrs

from slrt_core.errors import InvalidInputError, Problem
from slrt_core.freetext import DEFAULT_TEXT_POLICY, TextPolicy, nfc
from slrt_core.identity import KkNumber, Nik, RegionCode, RegionLevel, Sex, split_of
from slrt_core.texts import text as catalogue

__all__ = [
    "Disability",
    "FloorType",
    "Household",
    "Housing",
    "Person",
    "RegistryStatus",
    "Relationship",
    "Schooling",
    "WallType",
]


class Relationship(enum.StrEnum):
    """Relationship to the head of the family, as on the KK card."""

    HEAD = "head"
    SPOUSE = "spouse"
    CHILD = "child"
    CHILD_IN_LAW = "child_in_law"
    GRANDCHILD = "grandchild"
    PARENT = "parent"
    PARENT_IN_LAW = "parent_in_law"
    OTHER_RELATIVE = "other_relative"
    OTHER = "other"


class Disability(enum.StrEnum):
    """Disability and its severity (``severe`` is the PKH component)."""

    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class Schooling(enum.StrEnum):
    """Current school enrolment (PIP and PKH education components)."""

    NOT_IN_SCHOOL = "not_in_school"
    PRESCHOOL = "preschool"
    SD = "sd"
    SMP = "smp"
    SMA = "sma"
    HIGHER = "higher"


class FloorType(enum.StrEnum):
    """Main floor material (a DTKS criterion: earth floor)."""

    EARTH = "earth"
    BAMBOO_OR_BOARD = "bamboo_or_board"
    CEMENT = "cement"
    TILE = "tile"


class WallType(enum.StrEnum):
    """Main wall material (a DTKS criterion: bamboo or board walls)."""

    BAMBOO = "bamboo"
    BOARD = "board"
    UNPLASTERED_BRICK = "unplastered_brick"
    BRICK = "brick"


@attrs.frozen(kw_only=True)
class Person:
    """A member of a household.

    Args:
        member_id: the member's id inside the household (``"m1"``), used by needs.
        relationship: relationship to the head of the family.
        birth_date: date of birth.
        sex: sex.
        nik: the NIK, when known (shown masked; never logged in clear).
        name: full name (personal data).
        pregnant: pregnant now; ``None`` when not recorded.
        disability: disability and severity; ``None`` when not recorded.
        schooling: current school enrolment; ``None`` when not recorded.
        working: has paid work; ``None`` when not recorded.
        monthly_income: income in Rupiah per month; ``None`` when not recorded.

    Examples:
        >>> p = Person(member_id="m1", relationship=Relationship.HEAD,
        ...            birth_date=date(1980, 5, 1), sex=Sex.FEMALE)
        >>> p.age_on(date(2025, 4, 30))
        44
    """

    member_id: str = attrs.field(converter=nfc)
    relationship: Relationship
    birth_date: date
    sex: Sex
    nik: Nik | None = None
    name: str = attrs.field(default="", converter=nfc)
    pregnant: bool | None = None
    disability: Disability | None = None
    schooling: Schooling | None = None
    working: bool | None = None
    monthly_income: int | None = None

    def age_on(self, day: date) -> int:
        """Age in whole years on *day*."""
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


@attrs.frozen(kw_only=True)
class Housing:
    """Housing and asset attributes used by RTLH, electricity and DTKS criteria."""

    floor: FloorType | None = None
    wall: WallType | None = None
    roof_unfit: bool | None = None
    own_toilet: bool | None = None
    owns_land: bool | None = None
    electricity_va: int | None = None
    housing_aid_before: bool | None = None


@attrs.frozen(kw_only=True)
class RegistryStatus:
    """Standing in the social registry (DTKS, DTSEN since Inpres 4/2025).

    Args:
        in_registry: listed in DTKS/DTSEN; ``None`` when not yet checked.
        decile: DTSEN welfare decile 1 (poorest) to 10, when listed.
    """

    in_registry: bool | None = None
    decile: int | None = None


def _persons(members: Iterable[Person]) -> tuple[Person, ...]:
    given: object = members  # built from untrusted input: anything but text iterates
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        raise InvalidInputError.single(
            "members",
            f"Give the members as a list of Person values, not a {type(given).__name__}.",
            f"Berikan anggota sebagai daftar nilai `Person`, bukan `{type(given).__name__}`.",
        )
    return tuple(members)


def _codes(codes: Iterable[str]) -> frozenset[str]:
    given: object = codes
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        raise InvalidInputError.single(
            "programs_received",
            f"Give the programs received as a list of codes such as ['PKH'], not a "
            f"{type(given).__name__}.",
            f"Berikan program yang diterima sebagai daftar kode seperti `['PKH']`, bukan "
            f"`{type(given).__name__}`.",
        )
    return frozenset(nfc(code) for code in codes)  # type: ignore[misc] # checked in the post-init


@attrs.frozen(kw_only=True)
class Household:
    """A family (one KK) living at a village, with its members.

    Building a household checks it and raises :class:`~slrt_core.InvalidInputError`
    listing every problem with its field path.

    Args:
        region: the village (kelurahan/desa) code of the address; jurisdiction uses it.
        members: the members; exactly one has ``Relationship.HEAD``.
        kk: the family card number, when known.
        housing: housing attributes.
        registry: registry standing.
        programs_received: program codes the household already receives (``"PKH"``).

    Examples:
        >>> head = Person(member_id="m1", relationship=Relationship.HEAD,
        ...               birth_date=date(1980, 5, 1), sex=Sex.FEMALE)
        >>> hh = Household(region=RegionCode("33.74.01.1001"), members=(head,))
        >>> hh.head.member_id, hh.size
        ('m1', 1)
        >>> Household(region=RegionCode("33.74.01.1001"), members=())  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        slrt_core.errors.InvalidInputError: 1 problem in the household:
          - members: A household needs exactly one head of family; found 0. ...
    """

    region: RegionCode
    members: tuple[Person, ...] = attrs.field(converter=_persons)
    kk: KkNumber | None = None
    housing: Housing = Housing()
    registry: RegistryStatus = RegistryStatus()
    programs_received: frozenset[str] = attrs.field(default=frozenset(), converter=_codes)

    def __attrs_post_init__(self) -> None:
        problems = list(self._structural_problems())
        if problems:
            raise InvalidInputError(problems, subject="the household")

    @property
    def head(self) -> Person:
        """The head of the family."""
        return next(m for m in self.members if m.relationship is Relationship.HEAD)

    @property
    def size(self) -> int:
        """Number of members."""
        return len(self.members)

    def member(self, member_id: str) -> Person:
        """The member with *member_id*.

        Raises:
            InvalidInputError: no such member.
        """
        for m in self.members:
            if m.member_id == member_id:
                return m
        raise InvalidInputError.single(
            "member_id",
            f"The household has no member {member_id!r}; use one of "
            f"{', '.join(m.member_id for m in self.members)}.",
            f"Rumah tangga tidak punya anggota {member_id!r}; gunakan salah satu dari "
            f"{', '.join(m.member_id for m in self.members)}.",
        )

    def problems_on(self, day: date, *, text: TextPolicy = DEFAULT_TEXT_POLICY) -> list[Problem]:
        """The problems of a household entering a new case on *day* (its local date).

        Birth dates after *day* (a negative age); a village code not in the Kemendagri
        2025 list, or replaced by a region split (pemekaran) in force on *day*, naming the
        code to use instead; text longer than *text* allows (names, member ids, program
        codes). The constructor checks only the shape of the code, so that recorded
        households and synthetic populations read back as they were written.

        Examples:
            >>> head = Person(member_id="m1", relationship=Relationship.HEAD,
            ...               birth_date=date(1980, 5, 1), sex=Sex.FEMALE)
            >>> old = Household(region=RegionCode("91.01.01.2001"), members=(head,))
            >>> old.problems_on(date(2022, 7, 24))
            []
            >>> print(old.problems_on(date(2022, 7, 25))[0].message)  # doctest: +ELLIPSIS
            Village code 91.01.01.2001 is from before UU 14/2022 formed Papua Selatan: ...
        """
        problems = [
            Problem(
                f"members[{i}].birth_date",
                f"Birth date {m.birth_date} is after {day}, which gives a negative age. "
                "Correct the birth date.",
                f"Tanggal lahir {m.birth_date} sesudah {day}, sehingga umur negatif. "
                "Perbaiki tanggal lahir.",
            )
            for i, m in enumerate(self.members)
            if m.birth_date > day
        ]
        split = None if self.region.is_known() else split_of(self.region)
        if split is None and not self.region.is_known():
            problems.append(
                Problem(
                    "region",
                    f"Village code {self.region} is not in the Kemendagri 2025 list "
                    "(Kepmendagri 300.2.2-2138/2025), nor under a regency re-coded in 2022. "
                    "Check the code on the KK card.",
                    f"Kode desa {self.region} tidak ada dalam daftar Kemendagri 2025 "
                    "(Kepmendagri 300.2.2-2138/2025), dan bukan di bawah kabupaten yang "
                    "berganti kode pada 2022. Periksa kode pada kartu KK.",
                )
            )
        elif split is not None and day >= split.effective:
            problems.append(
                Problem(
                    "region",
                    f"Village code {self.region} is from before {split.law} formed "
                    f"{split.province}: since {split.effective} {split.name} is {split.new}. "
                    "New cases use today's code: take the village code under "
                    f"{split.new} from the KK card or the Kemendagri list.",
                    f"Kode desa {self.region} adalah kode sebelum {split.law} membentuk "
                    f"{split.province}: sejak {split.effective} {split.name} menjadi "
                    f"{split.new}. Kasus baru memakai kode sekarang: ambil kode desa di bawah "
                    f"{split.new} dari kartu KK atau daftar Kemendagri.",
                )
            )
        for i, m in enumerate(self.members):
            problems += text.problems(m.member_id, "member_id", path=f"members[{i}].member_id")
            if m.name:
                problems += text.problems(m.name, "name", path=f"members[{i}].name")
        for code in sorted(self.programs_received):
            problems += text.problems(code, "program", path="programs_received")
        return problems

    def _structural_problems(self) -> Iterator[Problem]:
        yield from _region_problems(self.region)
        members: tuple[object, ...] = self.members
        strangers = [(i, m) for i, m in enumerate(members) if not isinstance(m, Person)]
        for i, m in strangers:
            yield Problem(
                f"members[{i}]",
                f"A member must be a Person value; got a {type(m).__name__}. Build it with "
                "Person(...), or read JSON with slrt_core.serialization.structure.",
                f"Anggota harus berupa nilai `Person`; diterima `{type(m).__name__}`. Buat dengan "
                "`Person(...)`, atau baca JSON dengan `slrt_core.serialization.structure`.",
            )
        if strangers:
            return
        heads = sum(1 for m in self.members if m.relationship is Relationship.HEAD)
        if heads != 1:
            yield Problem(
                "members",
                f"A household needs exactly one head of family; found {heads}. "
                "Mark one member as Relationship.HEAD.",
                f"Rumah tangga harus punya tepat satu kepala keluarga; ditemukan {heads}. "
                "Tandai satu anggota sebagai kepala keluarga.",
            )
        yield from _duplicate_problems(self.members)
        for i, m in enumerate(self.members):
            yield from _person_problems(i, m)
        for code in self.programs_received:
            yield from DEFAULT_TEXT_POLICY.problems(
                code, "program", path="programs_received", lengths=False
            )
        decile = self.registry.decile
        if decile is not None and not _is_integer(decile):
            yield _not_a_number("registry.decile", decile, "The DTSEN decile", "Desil DTSEN")
        elif decile is not None and not 1 <= decile <= 10:  # noqa: PLR2004 - deciles
            yield Problem(
                "registry.decile",
                f"The DTSEN decile must be 1 to 10; got {decile}.",
                f"Desil DTSEN harus 1 sampai 10; diterima {decile}.",
            )
        va = self.housing.electricity_va
        if va is not None and not _is_integer(va):
            yield _not_a_number("housing.electricity_va", va, "Electricity power", "Daya listrik")
        elif va is not None and va < 0:
            yield Problem(
                "housing.electricity_va",
                f"Electricity power must be 0 (none) or more VA; got {va}.",
                f"Daya listrik harus 0 (tidak ada) atau lebih VA; diterima {va}.",
            )


def _region_problems(given: object) -> Iterator[Problem]:
    if not isinstance(given, RegionCode) or given.level is not RegionLevel.VILLAGE:
        yield Problem(
            "region",
            f"The household region must be a village (kelurahan/desa) code such as "
            f"33.74.01.1001; got {given!s}.",
            f"Wilayah rumah tangga harus kode kelurahan/desa seperti 33.74.01.1001; "
            f"diterima {given!s}.",
        )


def _duplicate_problems(members: tuple[Person, ...]) -> Iterator[Problem]:
    seen_ids: dict[str, int] = {}
    seen_niks: dict[Nik, int] = {}
    for i, m in enumerate(members):
        if m.member_id in seen_ids:
            yield Problem(
                f"members[{i}].member_id",
                f"Member id {m.member_id!r} is used twice (also members[{seen_ids[m.member_id]}]). "
                "Give each member its own id.",
                f"Id anggota {m.member_id!r} dipakai dua kali (juga anggota ke-"
                f"{seen_ids[m.member_id] + 1}). Beri setiap anggota id sendiri.",
            )
        seen_ids.setdefault(m.member_id, i)
        if m.nik is not None:
            if m.nik in seen_niks:
                yield Problem(
                    f"members[{i}].nik",
                    f"This NIK is listed twice (also members[{seen_niks[m.nik]}]). "
                    "A person appears once in a household.",
                    f"NIK ini tercatat dua kali (juga anggota ke-{seen_niks[m.nik] + 1}). "
                    "Satu orang hanya sekali dalam rumah tangga.",
                )
            seen_niks.setdefault(m.nik, i)


def _is_integer(value: object) -> bool:
    """Whether *value* is a whole number: an int that is not a bool, or a finite whole float."""
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return math.isfinite(value) and value.is_integer()
    return isinstance(value, int)


def _not_a_number(path: str, value: object, en: str, id_: str) -> Problem:
    return Problem(
        path,
        f"{en} must be a whole number; got {value!r} ({type(value).__name__}). A yes/no, "
        "NaN or infinity is not a number: give the value as an integer.",
        f"{id_} harus bilangan bulat; diterima {value!r} ({type(value).__name__}). Nilai "
        "ya/tidak, NaN atau tak hingga bukan bilangan: berikan nilai sebagai bilangan bulat.",
    )


def _type_problems(i: int, m: Person) -> Iterator[Problem]:
    """Attributes of the wrong type: the checks below could not even read them."""
    expected: tuple[tuple[str, object, type | tuple[type, ...], str], ...] = (
        ("relationship", m.relationship, Relationship, "a Relationship"),
        ("sex", m.sex, Sex, "a Sex"),
        ("nik", m.nik, (Nik, type(None)), "a Nik or None"),
    )
    words_id = {
        "relationship": "Hubungan dengan kepala keluarga anggota harus berupa `Relationship`",
        "sex": "Jenis kelamin anggota harus berupa `Sex`",
        "nik": "NIK anggota harus berupa `Nik` atau `None`",
    }
    for name, value, kind, words in expected:
        if not isinstance(value, kind):
            yield Problem(
                f"members[{i}].{name}",
                f"The member's {name} must be {words}; got a {type(value).__name__}.",
                f"{words_id[name]}; diterima `{type(value).__name__}`.",
            )
    birth: object = m.birth_date
    if not isinstance(birth, date) or isinstance(birth, datetime):
        yield Problem(
            f"members[{i}].birth_date",
            f"The birth date must be a date such as date(1980, 5, 1); got a "
            f"{type(birth).__name__}.",
            f"Tanggal lahir harus berupa tanggal seperti `date(1980, 5, 1)`; diterima "
            f"`{type(birth).__name__}`.",
        )


def _person_problems(i: int, m: Person) -> Iterator[Problem]:
    wrong = list(_type_problems(i, m))
    if wrong:
        yield from wrong
        return
    # Characters only: the limits apply to new input (Household.problems_on).
    text = DEFAULT_TEXT_POLICY
    yield from text.problems(
        m.member_id, "member_id", path=f"members[{i}].member_id", lengths=False
    )
    yield from text.problems(m.name, "name", path=f"members[{i}].name", lengths=False)
    member_id: object = m.member_id
    if isinstance(member_id, str) and not member_id.strip():
        yield Problem(
            f"members[{i}].member_id",
            "The member id is empty; give each member an id such as 'm1'.",
            "Id anggota kosong; beri setiap anggota id seperti 'm1'.",
        )
    if m.monthly_income is not None and not _is_integer(m.monthly_income):
        yield _not_a_number(
            f"members[{i}].monthly_income",
            m.monthly_income,
            "Monthly income",
            "Penghasilan bulanan",
        )
    elif m.monthly_income is not None and m.monthly_income < 0:
        yield Problem(
            f"members[{i}].monthly_income",
            f"Monthly income cannot be negative; got {m.monthly_income}. Use 0 for no income.",
            f"Penghasilan bulanan tidak boleh negatif; diterima {m.monthly_income}. "
            "Isi 0 bila tidak ada.",
        )
    if m.pregnant and m.sex is not Sex.FEMALE:
        yield Problem(
            f"members[{i}].pregnant",
            "Only a female member can be recorded as pregnant. Check sex or pregnancy.",
            "Hanya anggota perempuan yang dapat dicatat hamil. Periksa jenis kelamin atau "
            "kehamilan.",
        )
    if m.nik is not None and m.nik.sex is not m.sex:
        yield Problem(
            f"members[{i}].sex",
            f"The NIK encodes sex {m.nik.sex.value} but the member is recorded as "
            f"{m.sex.value}. Check the NIK or the sex.",
            f"NIK menunjukkan jenis kelamin {catalogue(f'label.Sex.{m.nik.sex.value}', 'id')} "
            f"tetapi anggota tercatat {catalogue(f'label.Sex.{m.sex.value}', 'id')}. Periksa NIK "
            "atau jenis kelamin.",
        )
    if m.nik is not None and _nik_birth_digits(m.nik) != m.birth_date.strftime("%d%m%y"):
        yield Problem(
            f"members[{i}].birth_date",
            f"The NIK encodes the birth date {_nik_birth_digits(m.nik)} (digits 7-12, DDMMYY, "
            f"with 40 taken off the day for a woman) but the member is recorded as born on "
            f"{m.birth_date}. Check the NIK or the birth date against the KTP or KK card.",
            f"NIK menunjukkan tanggal lahir {_nik_birth_digits(m.nik)} (digit 7-12, HHBBTT, "
            f"dengan tanggal dikurangi 40 untuk perempuan) tetapi anggota tercatat lahir "
            f"{m.birth_date}. Periksa NIK atau tanggal lahir dengan KTP atau kartu KK.",
        )


def _nik_birth_digits(nik: Nik) -> str:
    """Digits 7-12 of *nik* as DDMMYY, with the +40 for women taken off the day."""
    digits = nik.reveal()
    day = int(digits[6:8])
    return f"{day - 40 if day > 40 else day:02d}{digits[8:12]}"  # noqa: PLR2004 - the +40 rule
