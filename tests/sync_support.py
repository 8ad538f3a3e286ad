"""A small world for the sync tests: a service, its sync endpoint, staff and devices."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from slrt_core import Actor, RegionCode, Role, Slrt
from slrt_core.adapters.basics import SequentialIds
from slrt_core.adapters.memory import MemoryStore
from slrt_core.application import commands as cmd
from slrt_core.case import Need
from slrt_core.household import Household, Person, Relationship
from slrt_core.identity import Sex
from slrt_core.ports import Store
from slrt_core.privacy import MemoryAccessLog
from slrt_core.sync import Replica, SyncEndpoint, SyncLedger
from slrt_core.testing import FrozenClock, sample_directory
from slrt_core.testing._fixtures import PROVIDER_ID, SERVICE_ID
from slrt_core.vocabulary import Channel, ComplaintKind, Sector

VILLAGE = RegionCode("33.74.01.1001")
OTHER_VILLAGE = RegionCode("33.74.02.1001")

FACILITATOR = Actor(actor_id="fac-1", role=Role.FACILITATOR, jurisdiction=RegionCode("33.74.01"))
FACILITATOR_2 = Actor(actor_id="fac-2", role=Role.FACILITATOR, jurisdiction=RegionCode("33.74.01"))
FACILITATOR_3 = Actor(actor_id="fac-3", role=Role.FACILITATOR, jurisdiction=RegionCode("33.74"))
SUPERVISOR = Actor(actor_id="sup-1", role=Role.SUPERVISOR, jurisdiction=RegionCode("33.74"))
BACK_OFFICE = Actor(actor_id="bo-1", role=Role.BACK_OFFICE, jurisdiction=RegionCode("33.74"))
FRONT_OFFICE = Actor(actor_id="fo-1", role=Role.FRONT_OFFICE, jurisdiction=RegionCode("33.74"))
AUDITOR = Actor(actor_id="aud-1", role=Role.AUDITOR, jurisdiction=RegionCode("33.74"))
PROVIDER = Actor(
    actor_id="ps-1",
    role=Role.PROVIDER_STAFF,
    jurisdiction=RegionCode("33.74"),
    provider_id=PROVIDER_ID,
)


def household(region: RegionCode = VILLAGE) -> Household:
    """A two-member household in *region*."""
    return Household(
        region=region,
        members=[
            Person(
                member_id="m1",
                relationship=Relationship.HEAD,
                birth_date=date(1980, 2, 2),
                sex=Sex.FEMALE,
            ),
            Person(
                member_id="m2",
                relationship=Relationship.CHILD,
                birth_date=date(2016, 5, 1),
                sex=Sex.MALE,
            ),
        ],
    )


def register(actor: Actor = FACILITATOR, region: RegionCode = VILLAGE) -> cmd.RegisterCase:
    """A registration command with one health need."""
    return cmd.RegisterCase(
        actor=actor,
        household=household(region),
        channel=Channel.HOME_VISIT,
        kind=ComplaintKind.GRIEVANCE,
        needs=[Need(sector=Sector.HEALTH, description="No health insurance")],
    )


def register_online(world: World, actor: Actor, region: RegionCode) -> str:
    """A case registered online by *actor* in *region*; its id."""
    outcome = world.slrt.pipeline.run(register(actor, region))
    return outcome.result_id


class World:
    """A server (service, endpoint) on a frozen clock, and devices registered on it."""

    def __init__(self, store: Store | None = None, ledger: SyncLedger | None = None) -> None:
        self.clock = FrozenClock()
        self.store = store if store is not None else MemoryStore()
        self.access_log = MemoryAccessLog()
        self.slrt = Slrt(
            store=self.store,
            clock=self.clock,
            ids=SequentialIds(),
            directory=sample_directory(),
            access_log=self.access_log,
        )
        self.endpoint = SyncEndpoint(self.slrt, ledger)
        self._ids = itertools.count(1)

    def device(
        self,
        actor: Actor = FACILITATOR,
        device_id: str | None = None,
        *,
        skew: timedelta = timedelta(0),
        path: str = ":memory:",
    ) -> tuple[Replica, FrozenClock]:
        """A registered device of *actor* whose clock is *skew* off the server's."""
        key = Ed25519PrivateKey.generate()
        device_id = device_id or f"tab-{actor.actor_id}"
        self.endpoint.register_device(SUPERVISOR, device_id, actor, key.public_key())
        clock = FrozenClock(self.clock.now() + skew)
        counter = itertools.count(1)
        replica = Replica(
            path,
            device_id=device_id,
            actor=actor,
            key=key,
            clock=clock,
            new_id=lambda: f"{device_id}-e{next(counter)}",
        )
        return replica, clock

    def sync(self, replica: Replica, **kwargs: Any) -> Any:
        """One round of *replica* against the endpoint, in process."""
        return replica.sync(self.endpoint.upload_json, self.endpoint.feed_json, **kwargs)

    def case_in(self, state: str, actor: Actor = FACILITATOR) -> str:
        """A case registered online and moved to *state* (registered .. in_service)."""
        case = self.slrt.register(
            actor,
            household(),
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.GRIEVANCE,
            needs=[Need(sector=Sector.HEALTH, description="No health insurance")],
        )
        steps = [
            ("assessed", lambda c: self.slrt.assess(actor, c, findings="Poor, no insurance")),
            ("submitted", lambda c: self.slrt.submit(actor, c)),
            ("approved", lambda c: self.slrt.approve(SUPERVISOR, c)),
            ("reviewed", lambda c: self.slrt.review(FRONT_OFFICE, c)),
            (
                "consented",
                lambda c: self.slrt.record_household_consent(
                    actor,
                    c,
                    purposes=["referral"],
                    recipients=["*"],
                    evidence="signed form",
                    guardian="m1",
                ),
            ),
            ("in_service", lambda c: self.slrt.refer(BACK_OFFICE, c, "n1", service_id=SERVICE_ID)),
        ]
        for _name, step in steps:
            if case.state.value == state:
                break
            step(case.case_id)
            case = self.slrt.get_case(SUPERVISOR, case.case_id)
        return case.case_id
