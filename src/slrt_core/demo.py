"""A realistic district scenario, from registration to closure, on any store.

Kota Semarang (33.74), kecamatan Semarang Tengah: three households come to SLRT.

1. A grievance on a home visit: no health insurance and no birth certificate. The
   supervisor returns the first assessment for correction; once approved, the father
   consents to referrals (for himself, and as guardian of his daughter). The health need
   is routed to the nearest PBI-JK desk, at Dinas Sosial, which is full: its rejection
   for capacity sends the need on to BPJS Kesehatan in the same command, and BPJS
   completes it. The birth certificate goes to Dukcapil, which lets the deadline pass:
   the SLA sweep reminds it and flags the referral overdue before it answers. The client
   confirms both services; the household is re-assessed and the case closes as
   independent.
2. An emergency at the secretariat desk: a food parcel is given at once, paperwork after.
3. A question at the Puskesos desk, answered and resolved at village level.

Run it with ``slrt demo``; :func:`run_demo` is the same scenario as a function.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import attrs

from slrt_core.access import Actor, Role
from slrt_core.adapters.basics import SequentialIds
from slrt_core.adapters.notifiers import RecordingNotifier
from slrt_core.audit import AuditReport
from slrt_core.case._model import Case, Need
from slrt_core.household import Household, Person, RegistryStatus, Relationship, Schooling
from slrt_core.identity import Nik, RegionCode, Sex
from slrt_core.ports import Store
from slrt_core.referral._consent import Purpose
from slrt_core.referral._directory import Directory, Provider, Service, Sla
from slrt_core.referral._model import ReferralReason, ReferralStatus
from slrt_core.referral._sla import SweepReport
from slrt_core.rules import load_pack
from slrt_core.service import Slrt
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind, Sector, Tier

__all__ = ["DemoResult", "demo_directory", "run_demo", "sample_family"]

DISTRICT = RegionCode("33.74")
KECAMATAN = RegionCode("33.74.01")
MIROTO = RegionCode("33.74.01.1001")
PEKUNDEN = RegionCode("33.74.01.1002")


class StepClock:
    """A clock that moves forward by a fixed step each time it is read."""

    def __init__(self, start: datetime, step: timedelta) -> None:
        self._now = start
        self._step = step

    def now(self) -> datetime:
        """The next instant."""
        self._now += self._step
        return self._now

    def jump(self, delta: timedelta) -> None:
        """Let *delta* pass (days without news from a provider)."""
        self._now += delta


@attrs.frozen
class DemoResult:
    """What the demo did: the cases, the notifications and the audit verification."""

    cases: tuple[Case, ...]
    notifications: int
    topics: Counter[str]
    audit: AuditReport
    events: int
    sweeps: tuple[SweepReport, ...] = ()


def demo_directory() -> Directory:
    """The services of the demo district."""
    providers = [
        Provider(
            provider_id="dinsos-3374",
            name="Dinas Sosial Kota Semarang",
            tier=Tier.DISTRICT,
            region=DISTRICT,
        ),
        Provider(
            provider_id="bpjs-semarang",
            name="BPJS Kesehatan Cabang Semarang",
            tier=Tier.NATIONAL,
            region=DISTRICT,
        ),
        Provider(
            provider_id="dukcapil-3374",
            name="Disdukcapil Kota Semarang",
            tier=Tier.DISTRICT,
            region=DISTRICT,
        ),
        Provider(
            provider_id="puskesos-miroto", name="Puskesos Miroto", tier=Tier.VILLAGE, region=MIROTO
        ),
    ]
    services = [
        Service(
            service_id="pbi-desk-dinsos",
            provider_id="dinsos-3374",
            name="PBI-JK proposal desk (Dinas Sosial)",
            sectors={Sector.HEALTH},
            tier=Tier.DISTRICT,
            area=(DISTRICT,),
            program="PBI-JK",
        ),
        Service(
            service_id="pbi-jk-bpjs",
            provider_id="bpjs-semarang",
            name="PBI-JK enrolment (BPJS Kesehatan)",
            sectors={Sector.HEALTH},
            tier=Tier.NATIONAL,
            area=(RegionCode("33"),),
            program="PBI-JK",
            sla=Sla(acknowledge_days=2, accept_days=5, complete_days=14),
        ),
        Service(
            service_id="akta-lahir",
            provider_id="dukcapil-3374",
            name="Birth certificate (akta kelahiran)",
            sectors={Sector.CIVIL_DOCUMENTS},
            tier=Tier.DISTRICT,
            area=(DISTRICT,),
            program="ADMINDUK",
        ),
    ]
    return Directory(providers, services)


def _actors() -> dict[str, Actor]:
    return {
        "facilitator": Actor(
            actor_id="fasilitator-siti", role=Role.FACILITATOR, jurisdiction=KECAMATAN
        ),
        "puskesos": Actor(
            actor_id="operator-miroto", role=Role.PUSKESOS_OPERATOR, jurisdiction=MIROTO
        ),
        "supervisor": Actor(
            actor_id="supervisor-budi", role=Role.SUPERVISOR, jurisdiction=DISTRICT
        ),
        "front": Actor(actor_id="fo-rina", role=Role.FRONT_OFFICE, jurisdiction=DISTRICT),
        "back": Actor(actor_id="bo-agus", role=Role.BACK_OFFICE, jurisdiction=DISTRICT),
        "dinsos": Actor(
            actor_id="dinsos-staff",
            role=Role.PROVIDER_STAFF,
            jurisdiction=DISTRICT,
            provider_id="dinsos-3374",
        ),
        "bpjs": Actor(
            actor_id="bpjs-staff",
            role=Role.PROVIDER_STAFF,
            jurisdiction=DISTRICT,
            provider_id="bpjs-semarang",
        ),
        "auditor": Actor(
            actor_id="auditor-joko", role=Role.AUDITOR, jurisdiction=RegionCode.INDONESIA
        ),
        "dukcapil": Actor(
            actor_id="dukcapil-staff",
            role=Role.PROVIDER_STAFF,
            jurisdiction=DISTRICT,
            provider_id="dukcapil-3374",
        ),
    }


def sample_family(
    region: RegionCode = MIROTO, *, in_registry: bool = True, full_record: bool = True
) -> Household:
    """The family of three of the demo: head ``m1``, spouse ``m2``, school child ``m3``.

    The one sample household of the library: the demo uses it with its full record, and
    :func:`slrt_core.testing.sample_household` without it.

    Args:
        region: the village they live in.
        in_registry: whether they are in the social registry (decile 2) or not.
        full_record: with the parents' NIKs (made up, of the right shape: kecamatan,
            birth date with +40 for women, serial; the daughter's birth certificate, and so
            her NIK, is missing) and the spouse's pregnancy recorded as ``False``; without
            it, no NIK and pregnancy not recorded.

    Examples:
        >>> family = sample_family()
        >>> [m.member_id for m in family.members], family.members[0].nik
        (['m1', 'm2', 'm3'], Nik('************0001'))
        >>> sample_family(full_record=False).members[0].nik is None
        True
    """
    return Household(
        region=region,
        members=(
            Person(
                member_id="m1",
                relationship=Relationship.HEAD,
                birth_date=date(1982, 3, 14),
                sex=Sex.MALE,
                nik=Nik("3374011403820001") if full_record else None,
                working=True,
                monthly_income=1_200_000,
            ),
            Person(
                member_id="m2",
                relationship=Relationship.SPOUSE,
                birth_date=date(1986, 7, 2),
                sex=Sex.FEMALE,
                nik=Nik("3374014207860002") if full_record else None,
                pregnant=False if full_record else None,
                working=False,
                monthly_income=0,
            ),
            Person(
                member_id="m3",
                relationship=Relationship.CHILD,
                birth_date=date(2016, 1, 20),
                sex=Sex.FEMALE,
                schooling=Schooling.SD,
                monthly_income=0,
            ),
        ),
        registry=RegistryStatus(in_registry=in_registry, decile=2 if in_registry else None),
    )


def _flows(
    slrt: Slrt, a: dict[str, Actor], clock: StepClock, sweeps: list[SweepReport]
) -> Iterator[Case]:
    # 1. The full flow: a return for correction, a rejected and re-sent referral, a re-assessment.
    case = slrt.register(
        a["facilitator"],
        sample_family(MIROTO, in_registry=True),
        channel=Channel.HOME_VISIT,
        kind=ComplaintKind.GRIEVANCE,
        needs=[
            Need(sector=Sector.HEALTH, description="No health insurance for the family"),
            Need(
                sector=Sector.CIVIL_DOCUMENTS,
                description="Daughter has no birth certificate",
                member_id="m3",
            ),
        ],
        idempotency_key="visit-2026-11-02-miroto-1",
    )
    cid = case.case_id
    slrt.assess(
        a["facilitator"], cid, findings="Head works as a day labourer; family in DTKS decile 2."
    )
    slrt.submit(a["facilitator"], cid)
    slrt.return_for_correction(
        a["supervisor"], cid, note="Add the daughter's school and the KK status."
    )
    slrt.assess(
        a["facilitator"], cid, findings="Daughter in SD grade 4; KK issued 2016; no BPJS card."
    )
    slrt.submit(a["facilitator"], cid)
    slrt.approve(a["supervisor"], cid)
    slrt.review(a["front"], cid)
    slrt.record_consent(
        a["facilitator"],
        cid,
        subject="m1",
        grantor="m1",
        purposes=[Purpose.REFERRAL],
        recipients=["*"],
        evidence="SLRT consent form signed by the head of family, archive no. F-2026-0117",
    )
    slrt.record_consent(
        a["facilitator"],
        cid,
        subject="m3",
        grantor="m1",
        guardian="m1",
        purposes=[Purpose.REFERRAL],
        recipients=["dukcapil-3374"],
        evidence="Father signed for his daughter on form F-2026-0117",
    )
    # Routed: the nearest tier first, so Dinas Sosial's PBI-JK desk.
    first = slrt.refer(a["back"], cid, "n1")
    slrt.update_referral(a["dinsos"], first.referral_id, status=ReferralStatus.RECEIVED)
    # Full: the rejection sends the need on to the next candidate, BPJS Kesehatan.
    rejected = slrt.update_referral(
        a["dinsos"],
        first.referral_id,
        status=ReferralStatus.REJECTED,
        reason=ReferralReason.CAPACITY,
        note="Quota for this quarter is used up.",
    )
    retry = next(
        r for r in slrt.get_case(a["back"], cid).referrals if r.replaces == rejected.referral_id
    )
    for status in (
        ReferralStatus.RECEIVED,
        ReferralStatus.ACCEPTED,
        ReferralStatus.IN_PROGRESS,
        ReferralStatus.COMPLETED,
    ):
        slrt.update_referral(a["bpjs"], retry.referral_id, status=status)
    slrt.confirm_receipt(a["facilitator"], retry.referral_id)
    akta = slrt.refer(a["back"], cid, "n2")
    # Dukcapil stays silent for five days: the sweep reminds it, then flags it overdue.
    clock.jump(timedelta(days=5))
    sweeps.append(slrt.sweep())
    sweeps.append(slrt.sweep())  # the same steps are never taken twice
    for status in (ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED):
        slrt.update_referral(a["dukcapil"], akta.referral_id, status=status)
    slrt.confirm_receipt(a["facilitator"], akta.referral_id)
    slrt.reassess(
        a["facilitator"], cid, findings="Family covered by PBI-JK; daughter has her certificate."
    )
    yield slrt.close(a["supervisor"], cid, reason=ClosingReason.INDEPENDENT)

    # 2. An emergency: direct service first, paperwork after.
    case = slrt.register(
        a["back"],
        sample_family(PEKUNDEN, in_registry=False),
        channel=Channel.SECRETARIAT_DESK,
        kind=ComplaintKind.GRIEVANCE,
        needs=[Need(sector=Sector.FOOD, description="House burnt down; no food")],
        emergency=True,
    )
    cid = case.case_id
    slrt.deliver_direct_service(
        a["back"], cid, "n1", description="Food parcel and blankets from the buffer stock"
    )
    slrt.assess(a["facilitator"], cid, findings="Family staying with relatives; needs met for now.")
    yield slrt.close(a["supervisor"], cid, reason=ClosingReason.NEEDS_MET)

    # 3. A question answered at the Puskesos desk.
    case = slrt.register(
        a["puskesos"],
        sample_family(MIROTO, in_registry=False),
        channel=Channel.PUSKESOS_DESK,
        kind=ComplaintKind.QUESTION,
        needs=[
            Need(sector=Sector.SOCIAL_ASSISTANCE, description="How to join the social registry?")
        ],
    )
    cid = case.case_id
    slrt.resolve_locally(
        a["puskesos"], cid, "n1", how="Explained the musdes proposal; added to the village list."
    )
    yield slrt.close(a["puskesos"], cid, reason=ClosingReason.NEEDS_MET)


def run_demo(store: Store) -> DemoResult:
    """Run the demo scenario on *store* and return what happened."""
    notifier = RecordingNotifier()
    clock = StepClock(datetime(2026, 11, 2, 1, 0, tzinfo=UTC), timedelta(minutes=37))
    slrt = Slrt(
        store=store,
        clock=clock,
        ids=SequentialIds(),
        notifier=notifier,
        directory=demo_directory(),
        rulebook=load_pack(),
    )
    sweeps: list[SweepReport] = []
    actors = _actors()
    cases = tuple(_flows(slrt, actors, clock, sweeps))
    audit = slrt.verify_audit(actors["auditor"])
    return DemoResult(
        cases=cases,
        notifications=len(notifier.sent),
        topics=Counter(notifier.topics()),
        audit=audit,
        events=audit.records,
        sweeps=tuple(sweeps),
    )
