"""Builders of cases, referrals and directories for the referral unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from slrt_core import (
    Case,
    CaseState,
    Channel,
    ComplaintKind,
    Household,
    Need,
    Person,
    Priority,
    RegionCode,
    Relationship,
    Sector,
    Sex,
    Tier,
)
from slrt_core.case import DirectService
from slrt_core.referral import (
    Capacity,
    Directory,
    Provider,
    Referral,
    ReferralStatus,
    Service,
    Sla,
    StatusChange,
)

MIROTO = RegionCode("33.74.01.1001")
T0 = datetime(2026, 8, 3, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB


def household(*, region: RegionCode = MIROTO, programs: Sequence[str] = ()) -> Household:
    return Household(
        region=region,
        members=(
            Person(
                member_id="m1",
                relationship=Relationship.HEAD,
                birth_date=date(1980, 1, 1),
                sex=Sex.MALE,
                name="Budi Santoso",
            ),
            Person(
                member_id="m2",
                relationship=Relationship.CHILD,
                birth_date=date(2015, 6, 1),
                sex=Sex.FEMALE,
                name="Sari",
            ),
        ),
        programs_received=frozenset(programs),
    )


def make_referral(
    referral_id: str,
    service_id: str,
    provider_id: str,
    steps: Sequence[tuple[ReferralStatus, datetime] | tuple[ReferralStatus, datetime, Any]],
    *,
    need_id: str = "n1",
    case_id: str = "case-1",
    due_at: datetime | None = None,
    replaces: str | None = None,
    confirmed_at: datetime | None = None,
    level: int = 0,
) -> Referral:
    history = tuple(
        StatusChange(
            status=s[0],
            at=s[1],
            actor_id="someone",
            reason=s[2] if len(s) > 2 else None,
            note="quota used up" if len(s) > 2 else "",
        )
        for s in steps
    )
    return Referral(
        referral_id=referral_id,
        case_id=case_id,
        need_id=need_id,
        service_id=service_id,
        provider_id=provider_id,
        status=history[-1].status,
        history=history,
        replaces=replaces,
        confirmed_at=confirmed_at,
        due_at=due_at,
        escalation_level=level,
    )


def make_case(
    *,
    case_id: str = "case-1",
    needs: Sequence[Need] | None = None,
    referrals: Sequence[Referral] = (),
    programs: Sequence[str] = (),
    emergency: bool = False,
    direct: Sequence[str] = (),
    state: CaseState = CaseState.IN_SERVICE,
    region: RegionCode = MIROTO,
    opened_at: datetime = T0,
) -> Case:
    return Case(
        case_id=case_id,
        version=5,
        state=state,
        household=household(region=region, programs=programs),
        channel=Channel.HOME_VISIT,
        kind=ComplaintKind.GRIEVANCE,
        emergency=emergency,
        priority=Priority.NORMAL,
        needs=tuple(
            needs
            if needs is not None
            else (Need(sector=Sector.HEALTH, description="No insurance", need_id="n1"),)
        ),
        opened_at=opened_at,
        updated_at=opened_at + timedelta(days=1),
        referrals=tuple(referrals),
        direct_services=tuple(
            DirectService(need_id=n, description="food parcel", at=opened_at, by="bo-1")
            for n in direct
        ),
    )


def health_directory() -> Directory:
    providers = [
        Provider(provider_id="puskesos", name="Puskesos Miroto", tier=Tier.VILLAGE, region=MIROTO),
        Provider(
            provider_id="dinsos",
            name="Dinas Sosial",
            tier=Tier.DISTRICT,
            region=RegionCode("33.74"),
        ),
        Provider(
            provider_id="dinsos-prov",
            name="Dinsos Jateng",
            tier=Tier.PROVINCE,
            region=RegionCode("33"),
        ),
        Provider(provider_id="bpjs", name="BPJS", tier=Tier.NATIONAL, region=RegionCode("33.74")),
        Provider(
            provider_id="ngo", name="Yayasan Sehat", tier=Tier.NGO, region=RegionCode("33.74")
        ),
        Provider(
            provider_id="pekalongan",
            name="Dinsos Pekalongan",
            tier=Tier.DISTRICT,
            region=RegionCode("33.75"),
        ),
    ]
    health = {Sector.HEALTH}
    services = [
        Service(
            service_id="village-health",
            provider_id="puskesos",
            name="Village health desk",
            sectors=health,
            tier=Tier.VILLAGE,
            area=(MIROTO,),
            capacity=Capacity(available=1, maximum=4),
        ),
        Service(
            service_id="pbi-dinsos",
            provider_id="dinsos",
            name="PBI-JK proposal",
            sectors=health,
            tier=Tier.DISTRICT,
            area=(RegionCode("33.74"),),
            program="PBI-JK",
        ),
        Service(
            service_id="jamkesda",
            provider_id="dinsos-prov",
            name="Jamkesda Jateng",
            sectors=health,
            tier=Tier.PROVINCE,
            area=(RegionCode("33"),),
            program="JAMKESDA",
            capacity=Capacity(available=9, maximum=10),
        ),
        Service(
            service_id="pbi-bpjs",
            provider_id="bpjs",
            name="PBI-JK enrolment",
            sectors=health,
            tier=Tier.NATIONAL,
            area=(RegionCode.INDONESIA,),
            program="PBI_JK",
            capacity=Capacity(available=0, maximum=100, waitlist=7),
            sla=Sla(acknowledge_days=1, accept_days=3, complete_days=10),
        ),
        Service(
            service_id="ngo-clinic",
            provider_id="ngo",
            name="Free clinic",
            sectors=health,
            tier=Tier.NGO,
            area=(RegionCode("33.74.01"),),
            capacity=Capacity(available=5, maximum=10),
        ),
        Service(
            service_id="closed-clinic",
            provider_id="ngo",
            name="Closed clinic",
            sectors=health,
            tier=Tier.NGO,
            area=(RegionCode("33.74"),),
            active=False,
        ),
        Service(
            service_id="pekalongan-health",
            provider_id="pekalongan",
            name="Elsewhere",
            sectors=health,
            tier=Tier.DISTRICT,
            area=(RegionCode("33.75"),),
        ),
        Service(
            service_id="school",
            provider_id="dinsos",
            name="PIP",
            sectors={Sector.EDUCATION},
            tier=Tier.DISTRICT,
            area=(RegionCode("33.74"),),
            program="PIP",
        ),
    ]
    return Directory(providers, services)


__all__ = ["MIROTO", "T0", "health_directory", "household", "make_case", "make_referral"]
