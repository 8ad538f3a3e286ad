"""Dated versions of regency codes: splits (pemekaran) and jurisdiction on a day."""

from __future__ import annotations

from datetime import date

import attrs

from slrt_core.identity._data import _Once
from slrt_core.identity._kinds import RegionLevel
from slrt_core.identity._region import _SPLITS, RegionCode, RegionSplit, _trusted


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
