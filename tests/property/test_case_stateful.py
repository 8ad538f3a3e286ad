"""Stateful property: random commands by random actors never break the service's promises.

A Hypothesis state machine drives the real :class:`Slrt` service with every command and
query, by actors of every role, inside and outside the case's region, and by staff of the
right and the wrong provider; with random referral statuses and reasons, stale and
current expected versions, and idempotency keys drawn from a small pool so they are often
reused. After every step:

* every case is in a state of the lifecycle and replays from its events to exactly the
  stored case; referral histories follow the referral lifecycle;
* the audit trail verifies and holds exactly the events of all cases;
* a closed case has no open referral, and open referrals exist only while in service;
* a refused command (any :class:`SlrtError`) changed nothing: audit, cases, outbox and
  notifications are as before; an accepted one appended exactly its events;
* a retried key returns the first result and writes nothing; a key reused for another
  command is refused;
* every authorization decision matches an independent oracle (the matrix and code-prefix
  jurisdiction), and every case written to was authorized for its region.

An ``advance`` rule walks cases along the usual path so that they reach referrals,
receipts, re-assessment and closure; a ``sweep`` rule lets time pass and runs the SLA
sweep.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar

import attrs
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from slrt_core.access import PERMISSIONS, Actor, Command, Role, RolePolicy
from slrt_core.adapters.basics import SequentialIds
from slrt_core.adapters.memory import MemoryStore
from slrt_core.adapters.notifiers import RecordingNotifier
from slrt_core.adapters.sqlite import SqliteStore
from slrt_core.audit import verify
from slrt_core.case import CASE_TABLE, Case, CaseState, Need, replay
from slrt_core.errors import AccessDenied, SlrtError
from slrt_core.household import Household, Person, Relationship
from slrt_core.identity import RegionCode, Sex
from slrt_core.ports import Store
from slrt_core.referral import (
    PERFORMER_STATUSES,
    REFERRAL_TABLE,
    Directory,
    LawfulBasisKind,
    Provider,
    Purpose,
    Referral,
    ReferralReason,
    ReferralStatus,
    Service,
)
from slrt_core.service import Slrt
from slrt_core.testing._doubles import FrozenClock
from slrt_core.testing.strategies import households, needs
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind, Sector, Tier

DAY = FrozenClock().now().date()
KECAMATAN = RegionCode("33.74.01")  # Semarang Tengah
CITY = RegionCode("33.74")
DEPOK = RegionCode("32.76")
PROVIDERS = ("dinsos", "bpjs", "ngo")

# Cases live mostly in Semarang Tengah, sometimes elsewhere in the city or in Depok.
CASE_REGIONS = st.sampled_from([KECAMATAN, KECAMATAN, KECAMATAN, RegionCode("33.74.02"), DEPOK])
HOUSEHOLDS = CASE_REGIONS.flatmap(lambda r: households(region=r, as_of=DAY, max_members=3))


def _pool() -> tuple[Actor, ...]:
    actors = []
    for role in Role:
        if role is Role.PROVIDER_STAFF:
            continue
        for where in (KECAMATAN, CITY, DEPOK, RegionCode.INDONESIA):
            code = where.code or "id"
            actors.append(Actor(actor_id=f"{role.value}@{code}", role=role, jurisdiction=where))
    actors.extend(
        Actor(actor_id=f"staff@{p}", role=Role.PROVIDER_STAFF, jurisdiction=CITY, provider_id=p)
        for p in PROVIDERS
    )
    return tuple(actors)


POOL = _pool()
#: Staff of every role with a national jurisdiction.
NATIONAL = {a.role: a for a in POOL if a.jurisdiction == RegionCode.INDONESIA}


def actors_for(*commands: Command) -> st.SearchStrategy[Actor]:
    """Mostly an actor whose role may run the command and who covers the city; else anyone."""
    fitting = st.sampled_from(
        [
            a
            for a in POOL
            if any(a.role in PERMISSIONS[c] for c in commands)
            and (a.role is Role.PROVIDER_STAFF or a.covers(KECAMATAN))
        ]
    )
    return st.one_of(fitting, fitting, fitting, st.sampled_from(POOL))


def directory() -> Directory:
    return Directory(
        [Provider(provider_id=p, name=p, tier=Tier.DISTRICT, region=CITY) for p in PROVIDERS],
        [
            Service(
                service_id="dinsos-desk",
                provider_id="dinsos",
                name="PBI-JK desk",
                sectors=set(Sector),
                tier=Tier.DISTRICT,
                area=(CITY,),
            ),
            Service(
                service_id="bpjs-national",
                provider_id="bpjs",
                name="BPJS",
                sectors=set(Sector),
                tier=Tier.NATIONAL,
                area=(RegionCode.INDONESIA,),
            ),
            Service(
                service_id="ngo-closed",
                provider_id="ngo",
                name="Closed NGO programme",
                sectors=set(Sector),
                tier=Tier.NGO,
                area=(CITY,),
                active=False,
            ),
        ],
    )


FIRST_HOUSEHOLD = Household(
    region=RegionCode("33.74.01.1001"),
    members=[
        Person(
            member_id="m1",
            relationship=Relationship.HEAD,
            birth_date=date(1980, 1, 1),
            sex=Sex.FEMALE,
        ),
        Person(
            member_id="m2",
            relationship=Relationship.CHILD,
            birth_date=date(2014, 6, 1),
            sex=Sex.MALE,
        ),
    ],
)
MAX_CASES = 3
KEYS = st.one_of(st.none(), st.none(), st.none(), st.sampled_from([f"key-{i}" for i in range(6)]))
VERSIONS = st.sampled_from(["none", "none", "none", "none", "current", "stale"])
NEED_IDS = st.sampled_from(["n1", "n1", "n2", "n3", "n9"])
TEXTS = st.sampled_from(["Checked at home.", "Documents seen.", "Noted.", "  "])
SERVICES = st.sampled_from(["dinsos-desk", "dinsos-desk", "bpjs-national", "ngo-closed", "nope"])
STATUSES = st.sampled_from(ReferralStatus)
REASONS = st.none() | st.sampled_from(ReferralReason)
NOTES = st.sampled_from(["", "Quota used up."])


def inside(jurisdiction: RegionCode, region: RegionCode) -> bool:
    """Jurisdiction by code prefix, computed independently of RegionCode.contains."""
    mine, theirs = jurisdiction.code, region.code
    return not mine or theirs == mine or theirs.startswith(mine + ".")


class CheckedPolicy:
    """RolePolicy, checked on every decision against an independent oracle."""

    def __init__(self) -> None:
        self.inner = RolePolicy()
        self.allowed: list[tuple[Actor, Command, RegionCode | None]] = []

    def authorize(
        self,
        actor: Actor,
        command: Command,
        /,
        *,
        region: RegionCode | None = None,
        provider_id: str | None = None,
    ) -> None:
        if actor.role is Role.PROVIDER_STAFF:
            where = provider_id is not None and provider_id == actor.provider_id
        else:
            where = region is None or inside(actor.jurisdiction, region)
        expected = actor.role in PERMISSIONS[command] and where
        try:
            self.inner.authorize(actor, command, region=region, provider_id=provider_id)
        except AccessDenied:
            assert not expected, f"{actor.actor_id} wrongly denied {command} in {region}"
            raise
        assert expected, f"{actor.actor_id} wrongly allowed {command} in {region}"
        self.allowed.append((actor, command, region))


@attrs.frozen
class Observation:
    """What a command could change."""

    records: tuple[Any, ...]
    cases: tuple[Case, ...]
    due: tuple[str, ...]
    dead: int
    sent: int


class CaseServiceMachine(RuleBasedStateMachine):
    """Random commands by random actors on one service over one store."""

    make_store: ClassVar[Callable[[], Store]] = MemoryStore

    cases = Bundle("cases")
    referrals = Bundle("referrals")

    def __init__(self) -> None:
        super().__init__()
        self.store = type(self).make_store()
        self.clock = FrozenClock()
        self.notifier = RecordingNotifier()
        self.policy = CheckedPolicy()
        self.slrt = Slrt(
            store=self.store,
            clock=self.clock,
            ids=SequentialIds(),
            notifier=self.notifier,
            directory=directory(),
            authorizer=self.policy,
        )
        self.keys: dict[str, tuple[str, object]] = {}
        self.accepted = 0
        self.refused = 0
        self.registered = 1

    def teardown(self) -> None:
        self.store.close()  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ machinery

    def observe(self) -> Observation:
        due = self.store.claim_due(self.clock.now(), limit=10_000, lease_seconds=0)
        return Observation(
            records=tuple(self.store.audit_records()),
            cases=tuple(self.store.find_cases(within=RegionCode.INDONESIA)),
            due=tuple(m.notification.message_id for m in due),
            dead=len(self.store.dead_letters()),
            sent=len(self.notifier.sent),
        )

    def version(self, case_id: str, how: str) -> int | None:
        if how == "none":
            return None
        try:
            current = self.store.load(case_id).version
        except SlrtError:
            return 1
        return current if how == "current" else current - 1

    def attempt(self, command: str, key: str | None, run: Callable[[], Any]) -> Any:
        """Run *run*; check what it changed against whether it was refused."""
        self.clock.advance(minutes=7)
        self.policy.allowed.clear()
        before = self.observe()
        try:
            result = run()
        except SlrtError as exc:
            self.refused += 1
            event(f"{command}: {type(exc).__name__}")
            assert self.observe() == before, f"refused {command} changed something"
            return None
        self.accepted += 1
        event(f"{command}: accepted")
        after = self.observe()
        old = {c.case_id: c.version for c in before.cases}
        new = {c.case_id: c.version for c in after.cases}
        grown = sum(v - old.get(c, 0) for c, v in new.items())
        assert after.records[: len(before.records)] == before.records, "audit rewritten"
        assert len(after.records) - len(before.records) == grown
        assert set(old) <= set(new)
        if command != "sweep":
            assert sum(1 for c, v in new.items() if v != old.get(c)) <= 1, "two cases changed"
        assert after.dead == before.dead
        assert after.due == ()  # the notifier got everything the command caused
        for case in after.cases:
            if case.version != old.get(case.case_id):  # written: someone was allowed to
                assert any(r == case.region for _, _, r in self.policy.allowed), "unauthorized"
        if key is not None:
            if key in self.keys:
                first_command, first_result = self.keys[key]
                assert first_command == command, "a key was reused for another command"
                assert result == first_result, "a retry returned another result"
                assert grown == 0, "a retry wrote again"
            else:
                self.keys[key] = (command, result)
        return result

    def expect_key_refusal(self, command: str, key: str | None) -> bool:
        return key is not None and key in self.keys and self.keys[key][0] != command

    def run_case_command(
        self, command: Command, key: str | None, run: Callable[[], Case]
    ) -> Case | None:
        refusal = self.expect_key_refusal(command.value, key)
        case = self.attempt(command.value, key, run)
        if refusal:
            assert case is None, f"key {key} reused for {command} was accepted"
        return case

    # ------------------------------------------------------------------ commands

    @initialize(target=cases)
    def first_case(self) -> str:
        """Every run starts with one case that has a lawful basis for referrals."""
        case = self.slrt.register(
            POOL[0],  # facilitator of Semarang Tengah
            FIRST_HOUSEHOLD,
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.GRIEVANCE,
            needs=[Need(sector=Sector.HEALTH), Need(sector=Sector.FOOD)],
        )
        self.lawful_basis(case.case_id)
        return case.case_id

    def lawful_basis(self, case_id: str) -> Case:
        return self.slrt.record_lawful_basis(
            NATIONAL[Role.SUPERVISOR],
            case_id,
            kind=LawfulBasisKind.PUBLIC_SERVICE_DUTY,
            legal_reference="UU 27/2022 Pasal 20; Permensos 15/2018",
            purposes=[Purpose.REFERRAL],
        )

    @precondition(lambda self: self.registered < MAX_CASES)
    @rule(
        target=cases,
        actor=actors_for(Command.REGISTER),
        household=HOUSEHOLDS,
        first=st.lists(needs(member_ids=["m1", "m2"]), max_size=3),
        emergency=st.booleans(),
        key=KEYS,
    )
    def register(self, actor, household, first, emergency, key):
        """Register a household's case, by a random actor."""
        case = self.run_case_command(
            Command.REGISTER,
            key,
            lambda: self.slrt.register(
                actor,
                household,
                channel=Channel.SECRETARIAT_DESK,
                kind=ComplaintKind.GRIEVANCE,
                needs=first,
                emergency=emergency,
                idempotency_key=key,
            ),
        )
        if case is None:
            return multiple()
        self.registered += 1
        return case.case_id

    @rule(
        case_id=cases,
        actor=actors_for(Command.RECORD_NEED),
        need=needs(member_ids=["m1", "m2", "m9"]),
        key=KEYS,
        version=VERSIONS,
    )
    def record_need(self, case_id, actor, need, key, version):
        """Record a need, maybe for an unknown member, maybe on a stale version."""
        self.run_case_command(
            Command.RECORD_NEED,
            key,
            lambda: self.slrt.record_need(
                actor,
                case_id,
                need,
                idempotency_key=key,
                expected_version=self.version(case_id, version),
            ),
        )

    @rule(
        case_id=cases,
        actor=actors_for(Command.ASSESS, Command.REASSESS),
        findings=TEXTS,
        again=st.booleans(),
        key=KEYS,
        version=VERSIONS,
    )
    def assess(self, case_id, actor, findings, again, key, version):
        """Assess or re-assess, with findings that may be blank."""
        command = Command.REASSESS if again else Command.ASSESS
        method = self.slrt.reassess if again else self.slrt.assess
        self.run_case_command(
            command,
            key,
            lambda: method(
                actor,
                case_id,
                findings=findings,
                idempotency_key=key,
                expected_version=self.version(case_id, version),
            ),
        )

    @rule(
        case_id=cases,
        actor=actors_for(Command.SUBMIT, Command.APPROVE, Command.REVIEW),
        step=st.sampled_from([Command.SUBMIT, Command.APPROVE, Command.REVIEW]),
        key=KEYS,
        version=VERSIONS,
    )
    def move_on(self, case_id, actor, step, key, version):
        """Submit, approve or review."""
        method = {
            Command.SUBMIT: self.slrt.submit,
            Command.APPROVE: self.slrt.approve,
            Command.REVIEW: self.slrt.review,
        }[step]
        self.run_case_command(
            step,
            key,
            lambda: method(
                actor,
                case_id,
                idempotency_key=key,
                expected_version=self.version(case_id, version),
            ),
        )

    @rule(
        case_id=cases,
        actor=actors_for(Command.RETURN_FOR_CORRECTION),
        note=TEXTS,
        key=KEYS,
    )
    def return_for_correction(self, case_id, actor, note, key):
        """Return the case for correction with a note that may be blank."""
        self.run_case_command(
            Command.RETURN_FOR_CORRECTION,
            key,
            lambda: self.slrt.return_for_correction(actor, case_id, note=note, idempotency_key=key),
        )

    @rule(
        case_id=cases,
        actor=actors_for(Command.RESOLVE_LOCALLY, Command.DELIVER_DIRECT_SERVICE),
        need_id=NEED_IDS,
        direct=st.booleans(),
        text=TEXTS,
        key=KEYS,
    )
    def serve(self, case_id, actor, need_id, direct, text, key):
        """Resolve a need locally or give a direct service."""
        if direct:
            command = Command.DELIVER_DIRECT_SERVICE
            run = lambda: self.slrt.deliver_direct_service(  # noqa: E731
                actor, case_id, need_id, description=text, idempotency_key=key
            )
        else:
            command = Command.RESOLVE_LOCALLY
            run = lambda: self.slrt.resolve_locally(  # noqa: E731
                actor, case_id, need_id, how=text, idempotency_key=key
            )
        self.run_case_command(command, key, run)

    @rule(
        target=referrals,
        case_id=cases,
        actor=actors_for(Command.REFER),
        need_id=NEED_IDS,
        service_id=SERVICES,
        replace=st.booleans(),
        key=KEYS,
        version=VERSIONS,
    )
    def refer(self, case_id, actor, need_id, service_id, replace, key, version):
        """Refer a need to a service that may be unknown, inactive or out of area."""
        replaces = None
        if replace:
            case = self.store.load(case_id)
            ended = [r.referral_id for r in case.referrals if not r.is_open]
            replaces = ended[-1] if ended else "referral-404"
        refusal = self.expect_key_refusal(Command.REFER.value, key)
        referral = self.attempt(
            Command.REFER.value,
            key,
            lambda: self.slrt.refer(
                actor,
                case_id,
                need_id,
                service_id=service_id,
                replaces=replaces,
                idempotency_key=key,
                expected_version=self.version(case_id, version),
            ),
        )
        if refusal:
            assert referral is None
        if referral is None:
            return multiple()
        assert isinstance(referral, Referral)
        return referral.referral_id

    @rule(
        referral_id=referrals,
        actor=actors_for(Command.UPDATE_REFERRAL, Command.WITHDRAW_REFERRAL),
        status=STATUSES,
        reason=REASONS,
        note=NOTES,
        key=KEYS,
    )
    def update_referral(self, referral_id, actor, status, reason, note, key):
        """Set a random referral status, with or without a reason."""
        command = (
            Command.UPDATE_REFERRAL if status in PERFORMER_STATUSES else Command.WITHDRAW_REFERRAL
        )
        refusal = self.expect_key_refusal(command.value, key)
        result = self.attempt(
            command.value,
            key,
            lambda: self.slrt.update_referral(
                actor, referral_id, status=status, reason=reason, note=note, idempotency_key=key
            ),
        )
        if refusal:
            assert result is None

    @rule(
        referral_id=referrals | st.just("referral-404"),
        actor=actors_for(Command.CONFIRM_RECEIPT),
        key=KEYS,
    )
    def confirm_receipt(self, referral_id, actor, key):
        """Confirm the client's receipt of a referral, which may be unknown."""
        refusal = self.expect_key_refusal(Command.CONFIRM_RECEIPT.value, key)
        result = self.attempt(
            Command.CONFIRM_RECEIPT.value,
            key,
            lambda: self.slrt.confirm_receipt(actor, referral_id, idempotency_key=key),
        )
        if refusal:
            assert result is None

    @rule(
        case_id=cases | st.just("case-404"),
        actor=actors_for(Command.CLOSE),
        reason=st.sampled_from(ClosingReason),
        key=KEYS,
        version=VERSIONS,
    )
    def close(self, case_id, actor, reason, key, version):
        """Close (rarely: the rule is one of many, and most attempts are refused)."""
        self.run_case_command(
            Command.CLOSE,
            key,
            lambda: self.slrt.close(
                actor,
                case_id,
                reason=reason,
                idempotency_key=key,
                expected_version=self.version(case_id, version),
            ),
        )

    @rule(
        referral_id=consumes(referrals),
        actor=actors_for(Command.WITHDRAW_REFERRAL),
        reason=st.sampled_from(ReferralReason),
    )
    def cancel(self, referral_id, actor, reason):
        """Cancelling with a reason (then forgetting the referral) lets cases move on."""
        self.attempt(
            Command.WITHDRAW_REFERRAL.value,
            None,
            lambda: self.slrt.update_referral(
                actor, referral_id, status=ReferralStatus.CANCELLED, reason=reason, note="x"
            ),
        )

    @rule(case_id=cases, data=st.data(), steps=st.integers(1, 10))
    def advance(self, case_id, data, steps):
        """The next steps of the usual path, by actors entitled to them, so cases get far."""
        for _ in range(steps):
            run = self.next_step(self.store.load(case_id), data)
            if run is None:
                return
            self.attempt("advance", None, run)

    def next_step(  # noqa: PLR0911 - one return per step of the usual path
        self, case: Case, data: st.DataObject
    ) -> Callable[[], object] | None:
        s, cid, by = self.slrt, case.case_id, NATIONAL
        simple: dict[CaseState, Callable[[], object]] = {
            CaseState.REGISTERED: lambda: s.assess(by[Role.FACILITATOR], cid, findings="Ok."),
            CaseState.EMERGENCY_SERVED: lambda: s.assess(by[Role.BACK_OFFICE], cid, findings="Ok."),
            CaseState.RETURNED: lambda: s.assess(by[Role.FACILITATOR], cid, findings="Fixed."),
            CaseState.ASSESSED: lambda: s.submit(by[Role.FACILITATOR], cid),
            CaseState.SUBMITTED: lambda: s.approve(by[Role.SUPERVISOR], cid),
            CaseState.APPROVED: lambda: s.review(by[Role.FRONT_OFFICE], cid),
        }
        if case.state is CaseState.SUBMITTED and data.draw(st.integers(0, 3)) == 0:
            return lambda: s.return_for_correction(by[Role.SUPERVISOR], cid, note="Fix.")
        if case.state in simple:
            return simple[case.state]
        if case.is_closed:
            return None
        if not any(r.withdrawn_at is None for r in case.bases):
            return lambda: self.lawful_basis(cid)
        if case.open_referrals:
            referral = data.draw(st.sampled_from(case.open_referrals))
            event_name = data.draw(
                st.sampled_from(REFERRAL_TABLE.allowed_events(referral.status.value))
            )
            status = ReferralStatus(event_name.removeprefix("to_"))
            staff = next(a for a in POOL if a.provider_id == referral.provider_id)
            actor = staff if status in PERFORMER_STATUSES else by[Role.BACK_OFFICE]
            return lambda: s.update_referral(
                actor, referral.referral_id, status=status, reason=ReferralReason.CAPACITY
            )
        done = [r for r in case.referrals if r.status.value == "completed" and not r.confirmed_at]
        if done:
            return lambda: s.confirm_receipt(by[Role.FACILITATOR], done[0].referral_id)
        if case.state is CaseState.IN_SERVICE and data.draw(st.booleans()):
            return lambda: s.reassess(by[Role.FACILITATOR], cid, findings="Again.")
        need_id = next((n.need_id for n in case.needs if n.status.value == "open"), "n1")
        service = data.draw(st.sampled_from(["dinsos-desk", "bpjs-national"]))
        return lambda: s.refer(by[Role.BACK_OFFICE], cid, need_id, service_id=service)

    @rule(
        case_id=cases,
        actor=actors_for(Command.RECORD_CONSENT, Command.RECORD_LAWFUL_BASIS),
        lawful=st.booleans(),
        subject=st.sampled_from(["m1", "m2", "m9"]),
        guardian=st.none() | st.just("m1"),
        recipients=st.sampled_from([["*"], ["dinsos"], ["bpjs"], []]),
        key=KEYS,
    )
    def record_consent(self, case_id, actor, lawful, subject, guardian, recipients, key):
        """Record a consent or a lawful basis, valid or not."""
        if lawful:
            self.run_case_command(
                Command.RECORD_LAWFUL_BASIS,
                key,
                lambda: self.slrt.record_lawful_basis(
                    actor,
                    case_id,
                    kind=LawfulBasisKind.VITAL_INTEREST,
                    legal_reference="UU 27/2022 Pasal 20",
                    purposes=[Purpose.REFERRAL],
                    recipients=recipients,
                    idempotency_key=key,
                ),
            )
        else:
            self.run_case_command(
                Command.RECORD_CONSENT,
                key,
                lambda: self.slrt.record_consent(
                    actor,
                    case_id,
                    subject=subject,
                    grantor=guardian or subject,
                    guardian=guardian,
                    purposes=[Purpose.REFERRAL],
                    recipients=recipients,
                    evidence="Signed form 17",
                    idempotency_key=key,
                ),
            )

    @rule(
        case_id=cases,
        actor=actors_for(Command.WITHDRAW_CONSENT),
        pick=st.integers(0, 3),
        key=KEYS,
    )
    def withdraw_consent(self, case_id, actor, pick, key):
        """Withdraw a consent or lawful basis, or an unknown record."""
        known = [r.record_id for r in self.store.load(case_id).bases]
        record_id = known[pick] if pick < len(known) else "consent-404"
        self.run_case_command(
            Command.WITHDRAW_CONSENT,
            key,
            lambda: self.slrt.withdraw_consent(actor, case_id, record_id, idempotency_key=key),
        )

    @rule(days=st.integers(0, 12))
    def sweep(self, days):
        """Time passes; the SLA sweep escalates and expires overdue referrals."""
        self.clock.advance(days=days)
        report = self.attempt("sweep", None, self.slrt.sweep)
        assert report.escalated >= report.expired == report.rerouted + report.unrouted

    # ------------------------------------------------------------------ queries

    @rule(
        case_id=cases | st.just("case-404"),
        actor=actors_for(Command.READ_CASE),
        history=st.booleans(),
    )
    def read_case(self, case_id, actor, history):
        """Read a case or its history."""
        result = self.attempt(
            "read",
            None,
            (lambda: self.slrt.history(actor, case_id))
            if history
            else (lambda: self.slrt.get_case(actor, case_id)),
        )
        if result is not None:
            assert inside(actor.jurisdiction, self.store.load(case_id).region)
            assert actor.role in PERMISSIONS[Command.READ_CASE]

    @rule(referral_id=referrals, actor=actors_for(Command.READ_REFERRAL))
    def read_referral(self, referral_id, actor):
        """Read a referral; provider staff only see their own provider's."""
        referral = self.attempt("read", None, lambda: self.slrt.get_referral(actor, referral_id))
        if referral is not None and actor.role is Role.PROVIDER_STAFF:
            assert referral.provider_id == actor.provider_id

    @rule(
        actor=actors_for(Command.LIST_CASES),
        region=st.none() | st.sampled_from([KECAMATAN, CITY, DEPOK, RegionCode.INDONESIA]),
        state=st.none() | st.sampled_from(CaseState),
    )
    def list_cases(self, actor, region, state):
        """List cases of a region and state; all lie inside the actor's area."""
        found = self.attempt(
            "read", None, lambda: self.slrt.list_cases(actor, region=region, state=state)
        )
        if found is not None:
            for case in found:
                assert inside(actor.jurisdiction, case.region)
                assert state is None or case.state is state

    # ------------------------------------------------------------------ invariants

    @invariant()
    def every_case_replays_and_is_legal(self):
        """Every case is legal, replays exactly, and its referrals follow their lifecycle."""
        for case in self.store.find_cases(within=RegionCode.INDONESIA):
            assert case.state.value in CASE_TABLE.states
            assert replay(self.store.events(case.case_id)) == case
            open_referrals = case.open_referrals
            if case.is_closed:
                assert open_referrals == ()
            if open_referrals:
                assert case.state is CaseState.IN_SERVICE
            assert len({r.need_id for r in open_referrals}) == len(open_referrals)
            for referral in case.referrals:
                statuses = [c.status.value for c in referral.history]
                assert statuses[0] == REFERRAL_TABLE.initial
                for before, after in itertools.pairwise(statuses):
                    assert REFERRAL_TABLE.target(before, f"to_{after}", bool) == after
                assert referral.status.value == statuses[-1]

    @invariant()
    def audit_verifies(self):
        """The audit chain verifies and holds exactly the events of all cases."""
        report = verify(self.store.audit_records())
        assert report.ok, report
        total = sum(c.version for c in self.store.find_cases(within=RegionCode.INDONESIA))
        assert report.records == total


class SqliteCaseServiceMachine(CaseServiceMachine):
    """The same machine on the SQLite store."""

    make_store: ClassVar[Callable[[], Store]] = staticmethod(lambda: SqliteStore(":memory:"))


TestCaseServiceOnMemory = CaseServiceMachine.TestCase
TestCaseServiceOnMemory.settings = settings(
    max_examples=2 * settings.default.max_examples, stateful_step_count=60
)
TestCaseServiceOnSqlite = SqliteCaseServiceMachine.TestCase
TestCaseServiceOnSqlite.settings = settings(
    max_examples=max(5, settings.default.max_examples // 5), stateful_step_count=30
)
