"""The public API as a user's type checker sees it (checked by mypy, never executed)."""

from __future__ import annotations

from datetime import date
from typing import assert_type

from slrt_core import (
    Actor,
    AuditReport,
    Case,
    CaseState,
    Channel,
    ClosingReason,
    ComplaintKind,
    Event,
    Household,
    InvalidInputError,
    Need,
    Nik,
    Person,
    Problem,
    Referral,
    ReferralReason,
    ReferralStatus,
    RegionCode,
    Relationship,
    Role,
    Sector,
    Sex,
    Slrt,
    SlrtError,
    label,
)
from slrt_core.adapters import MemoryStore, RecordingNotifier, SequentialIds, SqliteStore
from slrt_core.ports import Clock, Notifier, Store
from slrt_core.testing import FrozenClock

store: Store = SqliteStore(":memory:")
memory: Store = MemoryStore()
clock: Clock = FrozenClock()
notifier: Notifier = RecordingNotifier()
slrt = Slrt(store=store, clock=clock, ids=SequentialIds(), notifier=notifier)

region = RegionCode.parse("33.74.01.1001")
assert_type(region.parent, RegionCode | None)
assert_type(region.contains(region), bool)
nik = Nik.parse("3374014508800001")
assert_type(nik.sex, Sex)
assert_type(nik.birth_date, date)

actor = Actor(actor_id="fac-1", role=Role.FACILITATOR, jurisdiction=region)
household = Household(
    region=region,
    members=[
        Person(
            member_id="m1",
            relationship=Relationship.HEAD,
            birth_date=date(1980, 1, 1),
            sex=Sex.MALE,
        )
    ],
)
case = slrt.register(
    actor,
    household,
    channel=Channel.HOME_VISIT,
    kind=ComplaintKind.GRIEVANCE,
    needs=[Need(sector=Sector.HEALTH)],
)
assert_type(case, Case)
assert_type(case.state, CaseState)
assert_type(slrt.close(actor, case.case_id, reason=ClosingReason.NEEDS_MET), Case)
referral = slrt.refer(actor, case.case_id, "n1", service_id="svc")
assert_type(referral, Referral)
assert_type(
    slrt.update_referral(
        actor, referral.referral_id, status=ReferralStatus.REJECTED, reason=ReferralReason.CAPACITY
    ),
    Referral,
)
assert_type(slrt.history(actor, case.case_id), list[Event])
assert_type(slrt.verify_audit(actor), AuditReport)
assert_type(label(CaseState.CLOSED, "id"), str)
# The tutorial's pattern: an open case has no closing reason yet, and that reads "-".
assert_type(label(case.closing_reason), str)

try:
    slrt.get_case(actor, "nope")
except InvalidInputError as err:
    assert_type(err.problems, tuple[Problem, ...])
except SlrtError as err:
    assert_type(err.message("id"), str)
