"""Ready-made staff, households, a provider directory and scripted case flows for tests.

Everything lives in real Kemendagri regions of Central Java (province ``33``): Kota
Semarang (``33.74``) with its kecamatan Semarang Tengah (``33.74.01``) and Semarang
Utara (``33.74.02``), and Kota Salatiga (``33.73``). The directory has one health
service that serves the whole province, run by :data:`PROVIDER_ID`.

A host app can use these to drive :class:`~slrt_core.Slrt` in its own tests::

    from slrt_core.adapters import MemoryStore
    from slrt_core.testing import sample_slrt, sample_staff, walk_case

    slrt = sample_slrt(MemoryStore())
    cases = list(walk_case(slrt, sample_staff(), route="full"))

Examples:
    >>> from slrt_core.adapters import MemoryStore
    >>> slrt = sample_slrt(MemoryStore())
    >>> steps = list(walk_case(slrt, sample_staff(), route="local"))
    >>> [s.command for s in steps]
    ['register', 'resolve_locally', 'close']
    >>> slrt.store.load(steps[-1].case_id).state
    <CaseState.CLOSED: 'closed'>

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, TypeAlias

import attrs

from slrt_core.access import Actor, Role
from slrt_core.adapters.basics import SequentialIds
from slrt_core.case._model import Need
from slrt_core.demo import sample_family
from slrt_core.household import Household
from slrt_core.identity import RegionCode
from slrt_core.ports import Clock, Notifier, Store
from slrt_core.referral._directory import Directory, Provider, Service
from slrt_core.referral._model import ReferralReason, ReferralStatus
from slrt_core.service import Slrt
from slrt_core.testing._doubles import FrozenClock
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind, Sector, Tier

__all__ = [
    "PROVIDER_ID",
    "ROUTES",
    "SERVICE_ID",
    "VILLAGES",
    "Route",
    "Staff",
    "Step",
    "sample_directory",
    "sample_household",
    "sample_slrt",
    "sample_staff",
    "walk_case",
]

#: The province every sample region lies in (Jawa Tengah).
PROVINCE = RegionCode("33")
#: Villages used by the samples: two in Semarang Tengah, one in Semarang Utara (all in
#: Kota Semarang 33.74) and one in Kota Salatiga (33.73).
VILLAGES: tuple[RegionCode, ...] = (
    RegionCode("33.74.01.1001"),  # Miroto
    RegionCode("33.74.01.1002"),  # Brumbungan
    RegionCode("33.74.02.1001"),  # Bandarharjo
    RegionCode("33.73.01.1001"),  # Blotongan
)
#: The provider of the sample health service.
PROVIDER_ID = "bpjs-jateng"
#: The sample health service (PBI-JK enrolment), serving the whole province.
SERVICE_ID = "pbi-jk"

#: The scripted flows :func:`walk_case` knows.
Route: TypeAlias = Literal["full", "returned", "emergency", "local"]
ROUTES: tuple[Route, ...] = ("full", "returned", "emergency", "local")


@attrs.frozen(kw_only=True)
class Staff:
    """One actor per role a case flow needs, all working in the same jurisdiction.

    ``provider`` is the staff of :data:`PROVIDER_ID`; ``auditor`` may verify the audit.
    """

    facilitator: Actor
    puskesos: Actor
    supervisor: Actor
    front_office: Actor
    back_office: Actor
    provider: Actor
    auditor: Actor


def sample_staff(jurisdiction: RegionCode = PROVINCE) -> Staff:
    """Staff working in *jurisdiction* (the whole sample province by default)."""

    def actor(actor_id: str, role: Role) -> Actor:
        return Actor(actor_id=actor_id, role=role, jurisdiction=jurisdiction)

    return Staff(
        facilitator=actor("facilitator-1", Role.FACILITATOR),
        puskesos=actor("puskesos-1", Role.PUSKESOS_OPERATOR),
        supervisor=actor("supervisor-1", Role.SUPERVISOR),
        front_office=actor("front-office-1", Role.FRONT_OFFICE),
        back_office=actor("back-office-1", Role.BACK_OFFICE),
        provider=Actor(
            actor_id="provider-staff-1",
            role=Role.PROVIDER_STAFF,
            jurisdiction=jurisdiction,
            provider_id=PROVIDER_ID,
        ),
        auditor=actor("auditor-1", Role.AUDITOR),
    )


def sample_household(region: RegionCode = VILLAGES[0], *, in_registry: bool = True) -> Household:
    """A family of three (head ``m1``, spouse ``m2``, school child ``m3``) in *region*.

    The demo's family (:func:`slrt_core.demo.sample_family`) without its full record: no
    NIK and pregnancy not recorded.
    """
    return sample_family(region, in_registry=in_registry, full_record=False)


def sample_directory() -> Directory:
    """A directory with one provider and its health service for the whole province."""
    return Directory(
        [
            Provider(
                provider_id=PROVIDER_ID,
                name="BPJS Kesehatan Jawa Tengah",
                tier=Tier.NATIONAL,
                region=PROVINCE,
            )
        ],
        [
            Service(
                service_id=SERVICE_ID,
                provider_id=PROVIDER_ID,
                name="PBI-JK enrolment",
                sectors={Sector.HEALTH},
                tier=Tier.NATIONAL,
                area=(PROVINCE,),
                program="PBI-JK",
            )
        ],
    )


def sample_slrt(
    store: Store,
    *,
    clock: Clock | None = None,
    notifier: Notifier | None = None,
    id_prefix: str = "",
) -> Slrt:
    """A deterministic :class:`~slrt_core.Slrt` on *store*.

    It uses a :class:`FrozenClock` (unless *clock* is given), sequential ids (with
    *id_prefix*) and :func:`sample_directory`. Without a *notifier*, notifications stay in
    the store's outbox.
    """
    return Slrt(
        store=store,
        clock=clock or FrozenClock(),
        ids=SequentialIds(id_prefix),
        notifier=notifier,
        directory=sample_directory(),
    )


@attrs.frozen(kw_only=True)
class Step:
    """One accepted command of :func:`walk_case`: its name, the case and its new version."""

    command: str
    case_id: str
    version: int


def walk_case(  # noqa: PLR0915 - one straight script per route reads best
    slrt: Slrt,
    staff: Staff,
    *,
    route: Route = "full",
    region: RegionCode = VILLAGES[0],
) -> Iterator[Step]:
    """Run one case through a scripted *route*, yielding after every accepted command.

    The generator runs one command per step, so several walks can be interleaved. Routes:

    * ``"full"``: register, assess, submit, approve, review, refer, the provider takes the
      referral to completed, the client confirms, re-assess, close as independent.
    * ``"returned"``: like ``"full"`` but the supervisor returns the first assessment,
      and the provider rejects the referral (capacity); the case closes as needs met.
    * ``"emergency"``: an emergency registered by the back office, direct service, assess,
      close.
    * ``"local"``: a question at the Puskesos desk, resolved locally, close.

    *staff* must cover *region*.
    """
    version = 0

    def step(command: str, case_id: str) -> Step:
        nonlocal version
        version += 1
        return Step(command=command, case_id=case_id, version=version)

    household = sample_household(region, in_registry=route != "local")
    if route == "emergency":
        case = slrt.register(
            staff.back_office,
            household,
            channel=Channel.SECRETARIAT_DESK,
            kind=ComplaintKind.GRIEVANCE,
            needs=[Need(sector=Sector.FOOD, description="House burnt down; no food")],
            emergency=True,
        )
        cid = case.case_id
        yield step("register", cid)
        slrt.deliver_direct_service(staff.back_office, cid, "n1", description="Food parcel")
        yield step("deliver_direct_service", cid)
        slrt.assess(staff.facilitator, cid, findings="Staying with relatives; fed for now.")
        yield step("assess", cid)
        slrt.close(staff.supervisor, cid, reason=ClosingReason.NEEDS_MET)
        yield step("close", cid)
        return
    if route == "local":
        case = slrt.register(
            staff.puskesos,
            household,
            channel=Channel.PUSKESOS_DESK,
            kind=ComplaintKind.QUESTION,
            needs=[Need(sector=Sector.SOCIAL_ASSISTANCE, description="How to join DTSEN?")],
        )
        cid = case.case_id
        yield step("register", cid)
        slrt.resolve_locally(staff.puskesos, cid, "n1", how="Explained the village proposal.")
        yield step("resolve_locally", cid)
        slrt.close(staff.puskesos, cid, reason=ClosingReason.NEEDS_MET)
        yield step("close", cid)
        return

    case = slrt.register(
        staff.facilitator,
        household,
        channel=Channel.HOME_VISIT,
        kind=ComplaintKind.GRIEVANCE,
        needs=[Need(sector=Sector.HEALTH, description="No health insurance")],
    )
    cid = case.case_id
    yield step("register", cid)
    slrt.assess(staff.facilitator, cid, findings="Day labourer; no BPJS card.")
    yield step("assess", cid)
    slrt.submit(staff.facilitator, cid)
    yield step("submit", cid)
    if route == "returned":
        slrt.return_for_correction(staff.supervisor, cid, note="Add the household income.")
        yield step("return_for_correction", cid)
        slrt.assess(staff.facilitator, cid, findings="Income IDR 1.2 million a month.")
        yield step("assess", cid)
        slrt.submit(staff.facilitator, cid)
        yield step("submit", cid)
    slrt.approve(staff.supervisor, cid)
    yield step("approve", cid)
    slrt.review(staff.front_office, cid)
    yield step("review", cid)
    slrt.record_consent(
        staff.facilitator,
        cid,
        subject=household.head.member_id,
        grantor=household.head.member_id,
        purposes=["referral"],
        recipients=[PROVIDER_ID],
        evidence="Signed SLRT consent form",
    )
    yield step("record_consent", cid)
    referral = slrt.refer(staff.back_office, cid, "n1", service_id=SERVICE_ID)
    rid = referral.referral_id
    yield step("refer", cid)
    slrt.update_referral(staff.provider, rid, status=ReferralStatus.RECEIVED)
    yield step("update_referral", cid)
    if route == "returned":
        slrt.update_referral(
            staff.provider, rid, status=ReferralStatus.REJECTED, reason=ReferralReason.CAPACITY
        )
        yield step("update_referral", cid)
        slrt.close(staff.supervisor, cid, reason=ClosingReason.NEEDS_MET)
        yield step("close", cid)
        return
    for status in (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS, ReferralStatus.COMPLETED):
        slrt.update_referral(staff.provider, rid, status=status)
        yield step("update_referral", cid)
    slrt.confirm_receipt(staff.facilitator, rid)
    yield step("confirm_receipt", cid)
    slrt.reassess(staff.facilitator, cid, findings="Covered by PBI-JK now.")
    yield step("reassess", cid)
    slrt.close(staff.supervisor, cid, reason=ClosingReason.INDEPENDENT)
    yield step("close", cid)
