"""Kemendagri region codes, and the table of regencies re-coded by a province split."""

from __future__ import annotations

import bisect
import re
import tomllib
from datetime import date
from importlib import resources
from typing import ClassVar

import attrs

from slrt_core.errors import DefinitionError, InvalidInputError, Problem
from slrt_core.identity._data import _CODES_AT, _LIST_EN, _LIST_ID, _REGIONS, _VILLAGES, _Once
from slrt_core.identity._kinds import RegionKind, RegionLevel

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
