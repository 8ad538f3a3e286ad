"""A default district to start from: any regency or city, its services, two policies.

The district's structure comes from the region list (:mod:`slrt_core.sim._districts`);
the services, capacities and behaviour are illustrative, not measured: they give a
district whose health desk at Dinas Sosial is small and busy, so that the choice of
routing policy matters. Replace them with a district's own directory and figures.
"""

from __future__ import annotations

import math
from datetime import date

import attrs

from slrt_core.identity import RegionCode, RegionLevel
from slrt_core.referral._directory import Directory, Provider, Service, Sla
from slrt_core.referral._directory import Directory as _Directory
from slrt_core.referral._routing import LeastLoaded, NearestTierFirst
from slrt_core.sim._districts import district_profile
from slrt_core.sim._population import PopulationSpec, SimPopulation
from slrt_core.sim._scenario import (
    Distribution,
    Intake,
    NeedShare,
    Office,
    Policy,
    Scenario,
    ServiceModel,
)
from slrt_core.vocabulary import Channel, Sector, Tier

__all__ = ["default_directory", "default_policies", "default_scenario"]

_D = Distribution


def default_directory(district: RegionCode) -> Directory:
    """Providers and services of a district: Dinas Sosial desks, Dukcapil, BPJS, PLN, NGOs.

    Examples:
        >>> len(list(default_directory(RegionCode("33.74")).services()))
        13
    """
    code = district.code
    province = district.parent or district

    def provider(pid: str, name: str, tier: Tier) -> Provider:
        return Provider(provider_id=f"{pid}-{code}", name=name, tier=tier, region=district)

    providers = [
        provider("dinsos", "Dinas Sosial", Tier.DISTRICT),
        provider("bpjs", "BPJS Kesehatan branch", Tier.NATIONAL),
        provider("dukcapil", "Disdukcapil", Tier.DISTRICT),
        provider("disdik", "Dinas Pendidikan", Tier.DISTRICT),
        provider("pln", "PLN UP3", Tier.NATIONAL),
        provider("disperkim", "Dinas Perumahan dan Kawasan Permukiman", Tier.DISTRICT),
        provider("baznas", "BAZNAS (zakat agency)", Tier.NGO),
        provider("foodbank", "Food bank (NGO)", Tier.NGO),
    ]

    def service(
        sid: str,
        pid: str,
        name: str,
        sectors: set[Sector],
        tier: Tier,
        program: str | None,
        *,
        area: RegionCode = district,
        sla: Sla | None = None,
    ) -> Service:
        return Service(
            service_id=sid,
            provider_id=f"{pid}-{code}",
            name=name,
            sectors=sectors,
            tier=tier,
            area=(area,),
            program=program,
            sla=sla or Sla(),
        )

    services = [
        service(
            "pbi-dinsos", "dinsos", "PBI-JK proposal desk", {Sector.HEALTH}, Tier.DISTRICT, "PBI-JK"
        ),
        service(
            "pbi-bpjs",
            "bpjs",
            "PBI-JK enrolment",
            {Sector.HEALTH},
            Tier.NATIONAL,
            "PBI-JK",
            area=province,
            sla=Sla(acknowledge_days=2, accept_days=5, complete_days=14),
        ),
        service(
            "pkh-dinsos",
            "dinsos",
            "PKH enrolment",
            {Sector.SOCIAL_ASSISTANCE},
            Tier.DISTRICT,
            "PKH",
        ),
        service(
            "sembako-dinsos",
            "dinsos",
            "Sembako (BPNT) enrolment",
            {Sector.FOOD, Sector.SOCIAL_ASSISTANCE},
            Tier.DISTRICT,
            "SEMBAKO",
        ),
        service(
            "dtsen-dinsos",
            "dinsos",
            "Registry proposal (usulan DTSEN)",
            {Sector.SOCIAL_ASSISTANCE},
            Tier.DISTRICT,
            "USULAN_DTSEN",
        ),
        service(
            "kube-dinsos",
            "dinsos",
            "KUBE business groups",
            {Sector.ECONOMIC},
            Tier.DISTRICT,
            "KUBE",
        ),
        service(
            "akta-dukcapil",
            "dukcapil",
            "Civil documents (KK, akta)",
            {Sector.CIVIL_DOCUMENTS},
            Tier.DISTRICT,
            "ADMINDUK",
        ),
        service("pip-disdik", "disdik", "PIP school aid", {Sector.EDUCATION}, Tier.DISTRICT, "PIP"),
        service(
            "listrik-pln", "pln", "Electricity subsidy", {Sector.ENERGY}, Tier.NATIONAL, "LISTRIK"
        ),
        service(
            "rtlh-disperkim",
            "disperkim",
            "House repair (RTLH/BSPS)",
            {Sector.HOUSING},
            Tier.DISTRICT,
            "RTLH",
            sla=Sla(acknowledge_days=5, accept_days=10, complete_days=60),
        ),
        service("beasiswa-baznas", "baznas", "School grants", {Sector.EDUCATION}, Tier.NGO, None),
        service(
            "usaha-baznas", "baznas", "Small business grants", {Sector.ECONOMIC}, Tier.NGO, None
        ),
        service("pangan-foodbank", "foodbank", "Food parcels", {Sector.FOOD}, Tier.NGO, None),
    ]
    return Directory(providers, services)


_MODELS = (
    # The Dinas Sosial health desk is small: two places and a short waiting line.
    ServiceModel(
        service_id="pbi-dinsos",
        capacity=2,
        waitlist=4,
        answer=_D.lognormal(1.0, 0.5),
        service=_D.lognormal(6.0, 0.5),
        reject=0.05,
        sla_compliance=0.85,
    ),
    ServiceModel(
        service_id="pbi-bpjs",
        capacity=16,
        answer=_D.lognormal(1.5, 0.5),
        service=_D.lognormal(4.0, 0.5),
        reject=0.05,
        sla_compliance=0.95,
    ),
    ServiceModel(
        service_id="pkh-dinsos", capacity=10, waitlist=20, service=_D.lognormal(10.0, 0.5)
    ),
    ServiceModel(service_id="sembako-dinsos", capacity=10, waitlist=20),
    ServiceModel(service_id="dtsen-dinsos", capacity=14, service=_D.lognormal(8.0, 0.5)),
    ServiceModel(
        service_id="kube-dinsos", capacity=5, waitlist=10, service=_D.lognormal(15.0, 0.5)
    ),
    ServiceModel(
        service_id="akta-dukcapil", capacity=8, service=_D.lognormal(3.0, 0.5), sla_compliance=0.8
    ),
    ServiceModel(service_id="pip-disdik", capacity=6, waitlist=12, service=_D.lognormal(8.0, 0.5)),
    ServiceModel(service_id="listrik-pln", capacity=4, service=_D.lognormal(7.0, 0.5)),
    ServiceModel(
        service_id="rtlh-disperkim", capacity=2, waitlist=6, service=_D.lognormal(40.0, 0.4)
    ),
    ServiceModel(service_id="beasiswa-baznas", capacity=3, waitlist=6, reject=0.2),
    ServiceModel(service_id="usaha-baznas", capacity=3, waitlist=6, reject=0.2),
    ServiceModel(service_id="pangan-foodbank", capacity=5, service=_D.lognormal(1.0, 0.5)),
)

#: The pace the capacities above are sized for, in cases a week.
_BASE_PACE = 100.0


def _scaled(model: ServiceModel, factor: float) -> ServiceModel:
    """*model* with places and waiting line grown in proportion to the pace of cases."""
    return attrs.evolve(
        model,
        capacity=max(1, math.ceil(model.capacity * factor)),
        waitlist=None if model.waitlist is None else math.ceil(model.waitlist * factor),
    )


_NEEDS = (
    NeedShare(sector=Sector.HEALTH, weight=0.25, local=0.05),
    NeedShare(sector=Sector.SOCIAL_ASSISTANCE, weight=0.25, local=0.2),
    NeedShare(sector=Sector.EDUCATION, weight=0.12, local=0.05),
    NeedShare(sector=Sector.CIVIL_DOCUMENTS, weight=0.12, local=0.2),
    NeedShare(sector=Sector.FOOD, weight=0.08, local=0.3),
    NeedShare(sector=Sector.HOUSING, weight=0.06),
    NeedShare(sector=Sector.ENERGY, weight=0.05),
    NeedShare(sector=Sector.ECONOMIC, weight=0.07, local=0.1),
)


def default_scenario(
    *,
    district: str = "33.74",
    days: int = 60,
    per_week: float | None = 100.0,
    households: int = 20_000,
    start: date = date(2026, 1, 5),
    drain: int = 45,
    population: SimPopulation | None = None,
    directory: _Directory | None = None,
) -> Scenario:
    """A district scenario built from the district's structure, with sourced defaults.

    The district's profile (:func:`~slrt_core.sim.district_profile`: kecamatan, villages,
    desa and kelurahan, kota or kabupaten) sets the population's poverty, the intake mix
    (Puskesos desks where villages have them, the secretariat desk nearer in a kota),
    the needs solved at village level, and the facilitators per kecamatan and the
    supervisors. The services are illustrative (:func:`default_directory`), sized to the
    pace of cases.

    Args:
        district: the regency or city code; its villages hold the population.
        days: days of arrivals.
        per_week: new cases per week over the intake channels; ``None`` takes the
            district's expected pace from its profile (its families times an assumed
            yearly case rate). Service places grow in proportion (they are sized for
            100 a week).
        households: the size of the synthetic population clients are drawn from (a
            sample of the district's families; the pace does not depend on it).
        start: the first day (a Monday).
        drain: days run after the last arrival, for cases still open.
        population: a real extract to draw clients from instead of a synthetic one.
        directory: the district's own providers and services instead of the defaults
            (services without a model get :class:`~slrt_core.sim.ServiceModel` defaults).

    Examples:
        >>> s = default_scenario(days=30)
        >>> s.name, s.district.name, len(s.intakes)
        ('Kota Semarang, 30 days', 'Kota Semarang', 3)
        >>> round(default_scenario(district="33.01", per_week=None).intakes[0].per_week)
        319
    """
    region = RegionCode.parse(district)
    profile = district_profile(region)
    pace = profile.cases_per_week if per_week is None else per_week
    villages = tuple(str(v) for v in region.codes_at(RegionLevel.VILLAGE))
    # The intake mix: 45% home visits, 35% Puskesos desks at half coverage, 20% the
    # secretariat desk; Puskesos desks scale with their coverage, the desk in a kota.
    coverage = profile.puskesos_coverage / 0.5
    raw = (0.45, 0.35 * coverage, 0.20 * (1.5 if profile.city else 1.0))
    home, puskesos, desk = (share / sum(raw) for share in raw)
    needs = tuple(attrs.evolve(need, local=min(0.9, need.local * coverage)) for need in _NEEDS)
    models = () if directory is not None else tuple(_scaled(m, pace / _BASE_PACE) for m in _MODELS)
    return Scenario(
        name=f"{region.name}, {days} days",
        district=region,
        start=start,
        days=days,
        drain=drain,
        population=population
        if population is not None
        else PopulationSpec(
            households=households, villages=villages, income_median=profile.income_median
        ),
        directory=directory if directory is not None else default_directory(region),
        services=models,
        intakes=(
            Intake(channel=Channel.HOME_VISIT, per_week=home * pace, question=0.05),
            Intake(channel=Channel.PUSKESOS_DESK, per_week=puskesos * pace, question=0.15),
            Intake(
                channel=Channel.SECRETARIAT_DESK,
                per_week=desk * pace,
                emergency=0.05,
                question=0.1,
            ),
        ),
        needs=needs,
        office=Office(
            staff={
                "facilitator": profile.facilitators_per_kecamatan,
                "supervisor": profile.supervisors,
            }
        ),
    )


def default_policies() -> tuple[Policy, Policy]:
    """Two routing policies to compare: nearest tier first, and least loaded first.

    Examples:
        >>> [p.name for p in default_policies()]
        ['nearest-tier', 'least-loaded']
    """
    return (
        Policy(name="nearest-tier", routing=NearestTierFirst()),
        Policy(name="least-loaded", routing=LeastLoaded()),
    )
