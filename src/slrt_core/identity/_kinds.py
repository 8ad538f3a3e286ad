"""The enumerations of identity: sex as a NIK encodes it, region levels and kinds."""

from __future__ import annotations

from enum import IntEnum, StrEnum

__all__ = ["RegionKind", "RegionLevel", "Sex"]


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
