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

The package is split by topic: ``_region`` (codes and the split table), ``_versions``
(dated versions and jurisdiction on a day), ``_number`` (the NIK and the KK number, one
piece of code for both) and ``_data`` (the lazily read region list).

Examples:
    >>> from datetime import date
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

from slrt_core.identity._kinds import RegionKind, RegionLevel, Sex
from slrt_core.identity._number import KkNumber, Nik
from slrt_core.identity._region import RegionCode, RegionSplit
from slrt_core.identity._versions import (
    RegionVersion,
    predecessors_within,
    region_covers,
    region_splits,
    region_versions,
    split_of,
)

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
