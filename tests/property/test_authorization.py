"""Authorization proven over roles x commands x jurisdictions x states x referral ownership.

Three layers:

* the policy, exhaustively over a finite domain that has every kind of relation between
  a jurisdiction and a case region (same, inside, outside, national, across a 2022 region
  split before and after its date) and every kind of referral ownership;
* deny by default: a random permission matrix allows exactly its pairs;
* the service, with Hypothesis: a random actor runs a random command on a case in a
  random state; a denial changes nothing and is logged without personal data, and an
  allowed actor is never denied.

The oracle is written independently of RolePolicy and RegionCode.contains.
"""

from __future__ import annotations

import io
import itertools
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slrt_core.access import PERMISSIONS, Actor, Command, Role, RolePolicy
from slrt_core.adapters.basics import SequentialIds
from slrt_core.adapters.memory import MemoryStore
from slrt_core.case import CaseState, Need
from slrt_core.errors import AccessDenied, SlrtError
from slrt_core.household import Household, Person, Relationship
from slrt_core.identity import Nik, RegionCode, Sex, region_splits
from slrt_core.projections import CaseFilter
from slrt_core.referral import (
    Directory,
    LawfulBasisKind,
    Provider,
    Purpose,
    ReferralStatus,
    Service,
)
from slrt_core.service import Slrt
from slrt_core.testing._doubles import FrozenClock
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind, Sector, Tier

SPLIT_DAY = date(2022, 7, 25)
DAYS = (date(2022, 7, 24), SPLIT_DAY, date(2026, 1, 5))
JURISDICTIONS = tuple(
    RegionCode(c)
    for c in ("", "33", "33.74", "33.74.01", "33.74.01.1001", "32", "91", "93", "91.01", "93.01")
)
REGIONS = (
    None,
    RegionCode("33.74.01.1001"),
    RegionCode("33.74.02.1001"),
    RegionCode("32.76.01.1001"),
    RegionCode("91.01.01.2001"),  # Merauke under its pre-2022 code
    RegionCode("93.01.01.2001"),
)
PROVIDERS = (None, "p1", "p2")
_SPLIT = {s.old.code: s for s in region_splits()}


def regency_on(code: str, day: date) -> str:
    """The regency part of *code* on *day* (independent of slrt_core.identity)."""
    split = _SPLIT.get(code[:5])
    return split.new.code if split is not None and day >= split.effective else code[:5]


def prefix(outer: str, inner: str) -> bool:
    return not outer or inner == outer or inner.startswith(outer + ".")


def covers(jurisdiction: RegionCode, region: RegionCode | None, day: date | None) -> bool:
    if region is None:
        return True
    outer, inner = jurisdiction.code, region.code
    if day is None or not outer or len(outer) > 5 or len(inner) < 5:
        return prefix(outer, inner)
    if len(outer) == 5:
        outer = regency_on(outer, day)
    return prefix(outer, regency_on(inner, day))


def expected(
    actor: Actor,
    command: Command,
    region: RegionCode | None,
    provider: str | None,
    day: date | None,
    permissions: Any = PERMISSIONS,
) -> bool:
    if actor.role not in permissions.get(command, frozenset()):
        return False
    if actor.role is Role.PROVIDER_STAFF:
        return provider is not None and provider == actor.provider_id
    return covers(actor.jurisdiction, region, day)


def make_actor(role: Role, jurisdiction: RegionCode) -> Actor:
    return Actor(
        actor_id=f"{role.value}@{jurisdiction.code or 'ID'}",
        role=role,
        jurisdiction=jurisdiction,
        provider_id="p1" if role is Role.PROVIDER_STAFF else None,
    )


class DayClock:
    def __init__(self, day: date) -> None:
        self.day = day

    def now(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, 12, tzinfo=UTC)


def decide(policy: RolePolicy, actor: Actor, command: Command, **where: Any) -> bool:
    try:
        policy.authorize(actor, command, **where)
    except AccessDenied:
        return False
    return True


class TestPolicyExhaustively:
    @pytest.mark.parametrize("day", [None, *DAYS])
    def test_every_combination_matches_the_oracle(self, day: date | None):
        """Every role x command x jurisdiction x region x ownership, on each day."""
        policy = RolePolicy(clock=DayClock(day) if day is not None else None)
        log = logging.getLogger("slrt_core.access")
        level = log.level
        log.setLevel(logging.CRITICAL)  # 20,000 denials: keep the run quiet and fast
        try:
            mismatches = [
                (role, command, jurisdiction, region, provider)
                for role, command, jurisdiction, region, provider in itertools.product(
                    Role, Command, JURISDICTIONS, REGIONS, PROVIDERS
                )
                if decide(
                    policy,
                    actor := make_actor(role, jurisdiction),
                    command,
                    region=region,
                    provider_id=provider,
                )
                is not expected(actor, command, region, provider, day)
            ]
        finally:
            log.setLevel(level)
        assert mismatches == []

    def test_the_split_moves_jurisdiction_on_its_day(self):
        """Papua Selatan staff get Merauke's old-coded villages from 25 July 2022."""
        village = RegionCode("91.01.01.2001")
        selatan = make_actor(Role.BACK_OFFICE, RegionCode("93"))
        papua = make_actor(Role.BACK_OFFICE, RegionCode("91"))
        before, after = (RolePolicy(clock=DayClock(d)) for d in DAYS[:2])
        assert not decide(before, selatan, Command.READ_CASE, region=village)
        assert decide(before, papua, Command.READ_CASE, region=village)
        assert decide(after, selatan, Command.READ_CASE, region=village)
        assert not decide(after, papua, Command.READ_CASE, region=village)


class TestDenyByDefault:
    @given(allowed=st.sets(st.tuples(st.sampled_from(Role), st.sampled_from(Command)), max_size=40))
    def test_a_matrix_allows_exactly_its_pairs(self, allowed):
        """A policy over any matrix allows exactly the listed pairs, and nothing else."""
        matrix: dict[Command, frozenset[Role]] = {}
        for role, command in allowed:
            matrix[command] = matrix.get(command, frozenset()) | {role}
        policy = RolePolicy(permissions=matrix)
        log = logging.getLogger("slrt_core.access")
        level = log.level
        log.setLevel(logging.CRITICAL)
        try:
            for role, command in itertools.product(Role, Command):
                actor = make_actor(role, RegionCode.INDONESIA)
                got = decide(policy, actor, command, provider_id="p1")
                assert got is ((role, command) in allowed)
        finally:
            log.setLevel(level)


class TestDenialsAreLogged:
    def test_each_denial_logs_one_line_without_personal_data(self, caplog):
        """One WARNING per denial: actor id, role, command; no region, no names."""
        policy = RolePolicy()
        region = RegionCode("33.74.01.1001")
        with caplog.at_level(logging.WARNING, logger="slrt_core.access"):
            for role, command in itertools.product(Role, Command):
                actor = make_actor(role, RegionCode("32"))
                caplog.clear()
                allowed = decide(policy, actor, command, region=region, provider_id="p2")
                assert allowed is False
                [record] = caplog.records
                assert record.levelno == logging.WARNING
                assert record.getMessage() == (
                    f"access denied: actor={actor.actor_id} role={role.value} "
                    f"command={command.value}"
                )
                assert region.code not in record.getMessage()


# --------------------------------------------------------------------------- service

CITY = RegionCode("33.74")
VILLAGE = RegionCode("33.74.01.1001")
STAFF = frozenset(Role) - {Role.SYSTEM}
NIK = Nik("3374010105800001")
STATES = (
    CaseState.REGISTERED,
    CaseState.ASSESSED,
    CaseState.SUBMITTED,
    CaseState.APPROVED,
    CaseState.REVIEWED,
    CaseState.IN_SERVICE,
    CaseState.CLOSED,
)
SERVICE_JURISDICTIONS = (RegionCode(""), RegionCode("33"), CITY, RegionCode("32"), VILLAGE)


def world() -> Slrt:
    providers = [
        Provider(provider_id=p, name=p, tier=Tier.DISTRICT, region=CITY) for p in ("p1", "p2")
    ]
    services = [
        Service(
            service_id=f"svc-{p}",
            provider_id=p,
            name=p,
            sectors={Sector.HEALTH},
            tier=Tier.DISTRICT,
            area=(CITY,),
        )
        for p in ("p1", "p2")
    ]
    return Slrt(
        store=MemoryStore(),
        clock=FrozenClock(),
        ids=SequentialIds(),
        directory=Directory(providers, services),
    )


ADMIN = {
    role: Actor(actor_id=f"admin-{role.value}", role=role, jurisdiction=RegionCode.INDONESIA)
    for role in (Role.FACILITATOR, Role.SUPERVISOR, Role.FRONT_OFFICE, Role.BACK_OFFICE)
}


def case_in(slrt: Slrt, state: CaseState, owner: str) -> tuple[str, str | None]:
    """A case in *state*; in service it has a referral to *owner*'s service."""
    fac, sup, fo, bo = (ADMIN[r] for r in ADMIN)
    head = Person(
        member_id="m1",
        relationship=Relationship.HEAD,
        birth_date=date(1980, 5, 1),
        sex=Sex.MALE,
        nik=NIK,
        name="Budi Santoso",
    )
    case = slrt.register(
        fac,
        Household(region=VILLAGE, members=(head,)),
        channel=Channel.HOME_VISIT,
        kind=ComplaintKind.GRIEVANCE,
        needs=[Need(sector=Sector.HEALTH, description="Budi has no insurance")],
    )
    cid = case.case_id
    slrt.record_lawful_basis(
        bo,
        cid,
        kind=LawfulBasisKind.PUBLIC_SERVICE_DUTY,
        legal_reference="UU 27/2022 Pasal 20",
        purposes=[Purpose.REFERRAL],
    )
    if state is CaseState.CLOSED:
        slrt.close(sup, cid, reason=ClosingReason.DUPLICATE)
        return cid, None
    steps: list[Callable[[], object]] = [
        lambda: slrt.assess(fac, cid, findings="Poor"),
        lambda: slrt.submit(fac, cid),
        lambda: slrt.approve(sup, cid),
        lambda: slrt.review(fo, cid),
        lambda: slrt.refer(bo, cid, "n1", service_id=f"svc-{owner}"),
    ]
    for step in steps[: STATES.index(state)]:
        step()
    referral = slrt.get_case(sup, cid).referrals
    return cid, referral[0].referral_id if referral else None


def command_call(
    slrt: Slrt, command: Command, actor: Actor, cid: str, rid: str | None
) -> Callable[[], object] | None:
    """A call that runs *command*, or None when it needs a referral the case lacks."""
    calls: dict[Command, Callable[[], object]] = {
        Command.RECORD_NEED: lambda: slrt.record_need(
            actor, cid, Need(sector=Sector.FOOD, description="Food")
        ),
        Command.ASSESS: lambda: slrt.assess(actor, cid, findings="Again"),
        Command.SUBMIT: lambda: slrt.submit(actor, cid),
        Command.RETURN_FOR_CORRECTION: lambda: slrt.return_for_correction(actor, cid, note="Fix"),
        Command.APPROVE: lambda: slrt.approve(actor, cid),
        Command.REVIEW: lambda: slrt.review(actor, cid),
        Command.RESOLVE_LOCALLY: lambda: slrt.resolve_locally(actor, cid, "n1", how="Advice"),
        Command.REFER: lambda: slrt.refer(actor, cid, "n1", service_id="svc-p1"),
        Command.DELIVER_DIRECT_SERVICE: lambda: slrt.deliver_direct_service(
            actor, cid, "n1", description="Parcel"
        ),
        Command.REASSESS: lambda: slrt.reassess(actor, cid, findings="Better"),
        Command.CLOSE: lambda: slrt.close(actor, cid, reason=ClosingReason.NEEDS_MET),
        Command.RECORD_CONSENT: lambda: slrt.record_consent(
            actor,
            cid,
            subject="m1",
            grantor="m1",
            purposes=["referral"],
            recipients=["*"],
            evidence="Form 1",
        ),
        Command.RECORD_LAWFUL_BASIS: lambda: slrt.record_lawful_basis(
            actor,
            cid,
            kind=LawfulBasisKind.VITAL_INTEREST,
            legal_reference="x",
            purposes=["referral"],
        ),
        Command.READ_CASE: lambda: slrt.get_case(actor, cid),
        Command.LIST_CASES: lambda: slrt.list_cases(actor, region=VILLAGE),
        Command.SUBJECT_ACCESS: lambda: slrt.subject_access(actor, cid),
        Command.ERASE: lambda: slrt.erase(actor, cid, request_ref="PDP-1"),
        Command.VERIFY_AUDIT: lambda: slrt.verify_audit(actor),
        Command.EXPORT: lambda: slrt.export_cases(
            actor, io.BytesIO(), format="csv", where=CaseFilter(region=VILLAGE)
        ),
    }
    if rid is not None:
        calls |= {
            Command.UPDATE_REFERRAL: lambda: slrt.update_referral(
                actor, rid, status=ReferralStatus.RECEIVED
            ),
            Command.WITHDRAW_REFERRAL: lambda: slrt.update_referral(
                actor, rid, status=ReferralStatus.CANCELLED, reason="capacity"
            ),
            Command.CONFIRM_RECEIPT: lambda: slrt.confirm_receipt(actor, rid),
            Command.READ_REFERRAL: lambda: slrt.get_referral(actor, rid),
        }
    return calls.get(command)


def snapshot(slrt: Slrt) -> tuple[object, ...]:
    store = slrt.store
    return (
        tuple(store.audit_records()),
        tuple(store.find_cases(within=RegionCode.INDONESIA)),
    )


class TestServiceAuthorization:
    @settings(max_examples=150)
    @given(
        state=st.sampled_from(STATES),
        role=st.sampled_from(sorted(STAFF)),
        jurisdiction=st.sampled_from(SERVICE_JURISDICTIONS),
        command=st.sampled_from([c for c in Command if c is not Command.ESCALATE]),
        owner=st.sampled_from(["p1", "p2"]),
    )
    def test_denied_iff_the_matrix_says_and_nothing_changes(
        self, state, role, jurisdiction, command, owner
    ):
        """A command is denied exactly when the oracle says; a denial changes nothing."""
        slrt = world()
        cid, rid = case_in(slrt, state, owner)
        actor = make_actor(role, jurisdiction)
        call = command_call(slrt, command, actor, cid, rid)
        if call is None:
            return
        provider = owner if rid is not None else None
        region = None if command is Command.VERIFY_AUDIT else VILLAGE
        should = expected(actor, command, region, provider, None)
        before = snapshot(slrt)
        try:
            call()
        except AccessDenied as denied:
            assert not should, f"{role} wrongly denied {command}: {denied}"  # noqa: PT017
            assert snapshot(slrt) == before
            assert "Budi" not in str(denied)  # noqa: PT017
            assert NIK.reveal() not in str(denied)  # noqa: PT017
        except SlrtError:
            assert should, f"{role} got past authorization for {command} it may not run"
        else:
            assert should, f"{role} was allowed {command}"
