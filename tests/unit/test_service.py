"""Tests of the Slrt service: every command and query, refusals, idempotency, concurrency.

The whole module runs against the in-memory and the SQLite store. Every refusal is
checked with :func:`refused`, which also asserts that the store, the audit trail, the
outbox and the notifier are exactly as before, and that the message is translated.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any, TypeVar

import attrs
import pytest

from slrt_core.access import Actor, Command, Role
from slrt_core.adapters.basics import SequentialIds
from slrt_core.adapters.memory import MemoryStore
from slrt_core.adapters.notifiers import RecordingNotifier
from slrt_core.adapters.sqlite import SqliteStore
from slrt_core.audit import verify
from slrt_core.case import (
    CASE_TABLE,
    Case,
    CaseAssessed,
    CaseRegistered,
    CaseState,
    Need,
    NeedStatus,
    Priority,
    replay,
)
from slrt_core.errors import (
    AccessDenied,
    CaseNotFoundError,
    ConcurrencyError,
    ConsentError,
    InvalidInputError,
    ReferralNotFoundError,
    SlrtError,
    TransitionNotAllowed,
)
from slrt_core.household import Household, Person, Relationship
from slrt_core.identity import RegionCode, Sex
from slrt_core.labels import label
from slrt_core.ports import Store
from slrt_core.referral import (
    ADULT_AGE,
    PERFORMER_STATUSES,
    REASON_REQUIRED,
    REFERRAL_TABLE,
    REQUESTER_STATUSES,
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
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind, Sector, Tier

E = TypeVar("E", bound=SlrtError)

CITY = RegionCode("33.74")  # Kota Semarang
KECAMATAN = RegionCode("33.74.01")  # Semarang Tengah
MIROTO = RegionCode("33.74.01.1001")
BRUMBUNGAN = RegionCode("33.74.01.1002")
BANDARHARJO = RegionCode("33.74.02.1001")  # Semarang Utara, same city
DEPOK = RegionCode("32.76")  # another province

FACILITATOR = Actor(actor_id="fac-siti", role=Role.FACILITATOR, jurisdiction=KECAMATAN)
PUSKESOS = Actor(actor_id="op-miroto", role=Role.PUSKESOS_OPERATOR, jurisdiction=MIROTO)
SUPERVISOR = Actor(actor_id="sup-budi", role=Role.SUPERVISOR, jurisdiction=CITY)
FRONT = Actor(actor_id="fo-rina", role=Role.FRONT_OFFICE, jurisdiction=CITY)
BACK = Actor(actor_id="bo-agus", role=Role.BACK_OFFICE, jurisdiction=CITY)
MANAGER = Actor(actor_id="mgr-dewi", role=Role.MANAGER, jurisdiction=RegionCode("33"))
AUDITOR = Actor(actor_id="aud-joko", role=Role.AUDITOR, jurisdiction=RegionCode.INDONESIA)
SYSTEM = Actor(actor_id="sla-job", role=Role.SYSTEM, jurisdiction=RegionCode.INDONESIA)
DINSOS = Actor(
    actor_id="dinsos-1", role=Role.PROVIDER_STAFF, jurisdiction=CITY, provider_id="dinsos"
)
BPJS = Actor(actor_id="bpjs-1", role=Role.PROVIDER_STAFF, jurisdiction=CITY, provider_id="bpjs")
OUTSIDER = Actor(actor_id="bo-depok", role=Role.BACK_OFFICE, jurisdiction=DEPOK)
NEIGHBOUR = Actor(actor_id="fac-utara", role=Role.FACILITATOR, jurisdiction=RegionCode("33.74.02"))

#: Which actor sets each referral status: the provider (performer) or the back office.
SETTER = dict.fromkeys(PERFORMER_STATUSES, DINSOS) | dict.fromkeys(REQUESTER_STATUSES, BACK)
#: The reason given for each status that needs one (a rejection by the client: no reroute).
REASON_FOR = dict.fromkeys(REASON_REQUIRED, ReferralReason.CAPACITY) | {
    ReferralStatus.REJECTED: ReferralReason.CLIENT_DECLINED
}
#: The shortest way from requested to each open status.
PATH = {
    ReferralStatus.REQUESTED: (),
    ReferralStatus.RECEIVED: (ReferralStatus.RECEIVED,),
    ReferralStatus.ACCEPTED: (ReferralStatus.ACCEPTED,),
    ReferralStatus.IN_PROGRESS: (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS),
    ReferralStatus.ON_HOLD: (ReferralStatus.ACCEPTED, ReferralStatus.ON_HOLD),
}


def directory() -> Directory:
    providers = [
        Provider(provider_id="dinsos", name="Dinas Sosial", tier=Tier.DISTRICT, region=CITY),
        Provider(provider_id="bpjs", name="BPJS Kesehatan", tier=Tier.NATIONAL, region=CITY),
    ]
    services = [
        Service(
            service_id="pbi-desk",
            provider_id="dinsos",
            name="PBI-JK desk",
            sectors={Sector.HEALTH},
            tier=Tier.DISTRICT,
            area=(CITY,),
        ),
        Service(
            service_id="pbi-bpjs",
            provider_id="bpjs",
            name="PBI-JK enrolment",
            sectors={Sector.HEALTH},
            tier=Tier.NATIONAL,
            area=(RegionCode("33"),),
        ),
        Service(
            service_id="closed-desk",
            provider_id="dinsos",
            name="Closed desk",
            sectors={Sector.FOOD},
            tier=Tier.DISTRICT,
            area=(CITY,),
            active=False,
        ),
        Service(
            service_id="pkh-desk",
            provider_id="dinsos",
            name="PKH enrolment",
            sectors={Sector.SOCIAL_ASSISTANCE},
            tier=Tier.DISTRICT,
            area=(CITY,),
            program="PKH",
        ),
        Service(
            service_id="depok-only",
            provider_id="dinsos",
            name="Depok programme",
            sectors={Sector.HOUSING},
            tier=Tier.DISTRICT,
            area=(DEPOK,),
        ),
    ]
    return Directory(providers, services)


def household(region: RegionCode = MIROTO, **head_changes: Any) -> Household:
    head = Person(
        member_id="m1", relationship=Relationship.HEAD, birth_date=date(1980, 5, 1), sex=Sex.MALE
    )
    child = Person(
        member_id="m2", relationship=Relationship.CHILD, birth_date=date(2015, 1, 9), sex=Sex.FEMALE
    )
    return Household(region=region, members=(attrs.evolve(head, **head_changes), child))


NEEDS = (
    Need(sector=Sector.HEALTH, description="No health insurance"),
    Need(sector=Sector.CIVIL_DOCUMENTS, description="No birth certificate", member_id="m2"),
)


@attrs.frozen
class Snapshot:
    """Everything a command could change: audit, cases, outbox, dead letters, notifications."""

    records: tuple[Any, ...]
    cases: tuple[Case, ...]
    due: tuple[str, ...]
    dead: tuple[Any, ...]
    sent: tuple[Any, ...]


class World:
    """A service on one store with a frozen clock, sequential ids and a recording notifier."""

    def __init__(self, store: Store, *, notify: bool = True) -> None:
        self.store = store
        self.clock = FrozenClock()
        self.notifier = RecordingNotifier()
        self.slrt = Slrt(
            store=store,
            clock=self.clock,
            ids=SequentialIds(),
            notifier=self.notifier if notify else None,
            directory=directory(),
        )

    # ---------------------------------------------------------------- snapshots

    def snapshot(self) -> Snapshot:
        # A zero lease leaves the claimed messages due, so the snapshot changes nothing.
        due = self.store.claim_due(self.clock.now(), limit=10_000, lease_seconds=0)
        return Snapshot(
            records=tuple(self.store.audit_records()),
            cases=tuple(self.store.find_cases(within=RegionCode.INDONESIA)),
            due=tuple(m.notification.message_id for m in due),
            dead=tuple(self.store.dead_letters()),
            sent=tuple(self.notifier.sent),
        )

    @contextlib.contextmanager
    def writes_nothing(self) -> Iterator[None]:
        """Assert that the block changes nothing a command could change (see Snapshot)."""
        before = self.snapshot()
        yield
        assert self.snapshot() == before

    def refused(self, error: type[E], command: Callable[..., object], *args: Any, **kw: Any) -> E:
        """Run a command that must be refused with *error*; assert it changed nothing."""
        with self.writes_nothing(), pytest.raises(error) as excinfo:
            command(*args, **kw)
        err = excinfo.value
        assert err.message("en") == str(err)
        assert err.message("id")
        assert err.message("id") != err.message("en"), "the message is not translated"
        return err

    def events_of(self, case_id: str) -> list[Any]:
        return [e.payload for e in self.store.events(case_id)]

    # ---------------------------------------------------------------- flows

    def register(self, *, emergency: bool = False, region: RegionCode = MIROTO, **kw: Any) -> Case:
        kw.setdefault("needs", NEEDS)
        return self.slrt.register(
            FACILITATOR if KECAMATAN.contains(region) else BACK,
            household(region),
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.GRIEVANCE,
            emergency=emergency,
            **kw,
        )

    def lawful_basis(self, case_id: str) -> Case:
        """Record the public-service duty that lets referrals go to any provider."""
        return self.slrt.record_lawful_basis(
            BACK,
            case_id,
            kind=LawfulBasisKind.PUBLIC_SERVICE_DUTY,
            legal_reference="UU 27/2022 Pasal 20; Permensos 15/2018",
            purposes=[Purpose.REFERRAL],
        )

    def case_in(self, state: CaseState) -> Case:
        """A new case (with a lawful basis for referrals) brought to *state* the usual way."""
        s = self.slrt
        if state is CaseState.EMERGENCY_SERVED:
            case = self.lawful_basis(self.register(emergency=True).case_id)
            return s.deliver_direct_service(BACK, case.case_id, "n1", description="Food parcel")
        if state is CaseState.CLOSED:
            case = self.lawful_basis(self.register().case_id)
            return s.close(SUPERVISOR, case.case_id, reason=ClosingReason.DUPLICATE)
        order = [
            CaseState.REGISTERED,
            CaseState.ASSESSED,
            CaseState.SUBMITTED,
            CaseState.RETURNED,
            CaseState.APPROVED,
            CaseState.REVIEWED,
            CaseState.IN_SERVICE,
            CaseState.REASSESSED,
        ]
        steps: list[Callable[[str], object]] = [
            lambda cid: s.assess(FACILITATOR, cid, findings="Day labourer, decile 2."),
            lambda cid: s.submit(FACILITATOR, cid),
            lambda cid: s.return_for_correction(SUPERVISOR, cid, note="Add school data."),
            lambda cid: (
                s.assess(FACILITATOR, cid, findings="Child in SD grade 4."),
                s.submit(FACILITATOR, cid),
                s.approve(SUPERVISOR, cid),
            ),
            lambda cid: s.review(FRONT, cid),
            lambda cid: s.refer(BACK, cid, "n1", service_id="pbi-desk"),
            lambda cid: (
                self.drive(self.only_referral(cid), ReferralStatus.ACCEPTED),
                self.drive(self.only_referral(cid), ReferralStatus.COMPLETED),
                s.reassess(FACILITATOR, cid, findings="Covered by PBI-JK now."),
            ),
        ]
        case = self.lawful_basis(self.register().case_id)
        for step in steps[: order.index(state)]:
            step(case.case_id)
        case = self.store.load(case.case_id)
        assert case.state is state
        return case

    def only_referral(self, case_id: str) -> str:
        (referral,) = self.store.load(case_id).referrals
        return referral.referral_id

    def drive(self, referral_id: str, status: ReferralStatus) -> Referral:
        """Set *status* by the actor entitled to it, with a reason when one is needed."""
        reason = REASON_FOR.get(status)
        return self.slrt.update_referral(
            SETTER[status], referral_id, status=status, reason=reason, note="Noted."
        )

    def referral_in(self, status: ReferralStatus) -> Referral:
        """A new referral (of need n1, to the Dinas Sosial desk) brought to *status*."""
        case = self.case_in(CaseState.REVIEWED)
        referral = self.slrt.refer(BACK, case.case_id, "n1", service_id="pbi-desk")
        path = PATH.get(status)
        if path is None:  # a terminal status, from the status just before it
            before = ReferralStatus.REQUESTED if status is ReferralStatus.REJECTED else None
            path = (*PATH[before or ReferralStatus.ACCEPTED], status)
        for step in path:
            referral = self.drive(referral.referral_id, step)
        assert referral.status is status
        return referral


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    store: Any = MemoryStore() if request.param == "memory" else SqliteStore(":memory:")
    yield store
    store.close()


@pytest.fixture
def world(store: Store) -> World:
    return World(store)


@pytest.fixture
def quiet(store: Store) -> World:
    """A world without a notifier: notifications stay in the outbox."""
    return World(store, notify=False)


def assert_replays(world: World, case: Case) -> None:
    """The stored case is the fold of its stored events, and the audit trail verifies."""
    assert replay(world.store.events(case.case_id)) == world.store.load(case.case_id) == case
    report = verify(world.store.audit_records())
    assert report.ok, report


# =========================================================================== commands


class TestRegister:
    def test_opens_a_case(self, world):
        """Registering opens a case at version 1 with numbered open needs."""
        case = world.register()
        assert case.state is CaseState.REGISTERED
        assert case.version == 1
        assert [n.need_id for n in case.needs] == ["n1", "n2"]
        assert {n.status for n in case.needs} == {NeedStatus.OPEN}
        assert case.assignees == {"fac-siti"}
        assert case.opened_at == world.clock.now()
        assert case.household == household()
        assert world.slrt.get_case(FACILITATOR, case.case_id) == case
        assert_replays(world, case)

    def test_records_one_event_with_the_actor(self, world):
        """Registration writes one audit record: case_registered by the actor and role."""
        case = world.register()
        (event,) = world.store.events(case.case_id)
        assert isinstance(event.payload, CaseRegistered)
        assert (event.actor_id, event.role, event.version) == ("fac-siti", Role.FACILITATOR, 1)
        assert len(list(world.store.audit_records())) == 1

    def test_emergency_alerts_the_back_office(self, world):
        """An emergency case notifies the district back office; a normal one notifies nobody."""
        world.register()
        assert world.notifier.sent == []
        case = world.register(emergency=True, priority=Priority.HIGH)
        (note,) = world.notifier.sent
        assert (note.topic, note.recipient, note.case_id) == (
            "case_registered_emergency",
            "role:back_office@33.74",
            case.case_id,
        )
        assert case.emergency
        assert case.priority is Priority.HIGH

    def test_accepts_enum_values_as_text(self, world):
        """Channel, kind and priority may be given as their text codes."""
        case = world.slrt.register(
            FACILITATOR,
            household(),
            channel="puskesos_desk",
            kind="question",
            priority="high",
            needs=[Need(sector="food")],
        )
        assert (case.channel, case.kind, case.priority) == (
            Channel.PUSKESOS_DESK,
            ComplaintKind.QUESTION,
            Priority.HIGH,
        )
        assert case.needs[0].sector is Sector.FOOD

    def test_every_problem_at_once(self, world):
        """Bad channel, kind, priority, needs and a future birth date are all listed."""
        err = world.refused(
            InvalidInputError,
            world.slrt.register,
            FACILITATOR,
            household(birth_date=date(2027, 1, 1)),
            channel="fax",
            kind="rant",
            priority="urgent",
            needs=[Need(sector="weather"), Need(sector=Sector.FOOD, member_id="m9"), "food"],
        )
        assert [p.path for p in err.problems] == [
            "members[0].birth_date",
            "channel",
            "kind",
            "priority",
            "needs[0].sector",
            "needs[1].member_id",
            "needs[2]",
        ]

    def test_needs_at_least_one_need(self, world):
        """A case without needs is refused with a hint to use Sector.OTHER."""
        err = world.refused(
            InvalidInputError,
            world.slrt.register,
            FACILITATOR,
            household(),
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.QUESTION,
            needs=[],
        )
        assert [p.path for p in err.problems] == ["needs"]
        assert "Sector.OTHER" in str(err)

    def test_not_a_household(self, world):
        """Something that is not a Household is refused at the household path."""
        err = world.refused(
            InvalidInputError,
            world.slrt.register,
            FACILITATOR,
            {"region": "33.74.01.1001"},
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.QUESTION,
            needs=NEEDS,
        )
        assert [p.path for p in err.problems] == ["household", "needs[1].member_id"]

    @pytest.mark.parametrize("actor", [SUPERVISOR, AUDITOR, DINSOS, SYSTEM, MANAGER])
    def test_wrong_role(self, world, actor):
        """Roles without the register permission are denied."""
        world.refused(
            AccessDenied,
            world.slrt.register,
            actor,
            household(),
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.GRIEVANCE,
            needs=NEEDS,
        )

    @pytest.mark.parametrize("actor", [OUTSIDER, NEIGHBOUR, PUSKESOS])
    def test_outside_jurisdiction(self, world, actor):
        """A village outside the actor's area is denied (Puskesos of Miroto, case elsewhere)."""
        world.refused(
            AccessDenied,
            world.slrt.register,
            actor,
            household(BRUMBUNGAN),
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.GRIEVANCE,
            needs=NEEDS,
        )


class TestRecordNeed:
    def test_adds_a_numbered_need(self, world):
        """A new need gets the next number and the case a new version."""
        case = world.register()
        after = world.slrt.record_need(
            PUSKESOS, case.case_id, Need(sector=Sector.ENERGY, description="Power cut")
        )
        assert [n.need_id for n in after.needs] == ["n1", "n2", "n3"]
        assert after.needs[2].sector is Sector.ENERGY
        assert after.version == 2
        assert_replays(world, after)

    @pytest.mark.parametrize(
        "state",
        [
            CaseState.REGISTERED,
            CaseState.EMERGENCY_SERVED,
            CaseState.ASSESSED,
            CaseState.RETURNED,
            CaseState.IN_SERVICE,
            CaseState.REASSESSED,
        ],
    )
    def test_allowed_while_open_for_work(self, world, state):
        """Needs can be added in every state where staff work on the case."""
        case = world.case_in(state)
        after = world.slrt.record_need(FACILITATOR, case.case_id, Need(sector=Sector.FOOD))
        assert after.state is state
        assert len(after.needs) == len(case.needs) + 1

    @pytest.mark.parametrize(
        "state", [CaseState.SUBMITTED, CaseState.APPROVED, CaseState.REVIEWED, CaseState.CLOSED]
    )
    def test_refused_while_under_review_or_closed(self, world, state):
        """Needs cannot be added while the case is with the supervisor or front office."""
        case = world.case_in(state)
        err = world.refused(
            TransitionNotAllowed,
            world.slrt.record_need,
            FACILITATOR,
            case.case_id,
            Need(sector=Sector.FOOD),
        )
        assert (err.subject_id, err.state, err.command) == (
            case.case_id,
            state.value,
            "record_need",
        )
        assert str(err).startswith(
            f"Case {case.case_id!r} is “{label(state, 'en')}” ({state.value}): you cannot "
            "record a need ('record_need') there."
        )

    def test_unknown_member(self, world):
        """A need for a member the household lacks is refused."""
        case = world.register()
        err = world.refused(
            InvalidInputError,
            world.slrt.record_need,
            FACILITATOR,
            case.case_id,
            Need(sector=Sector.FOOD, member_id="m7"),
        )
        assert [p.path for p in err.problems] == ["needs[0].member_id"]

    def test_wrong_role(self, world):
        """A supervisor may not record needs."""
        case = world.register()
        world.refused(
            AccessDenied, world.slrt.record_need, SUPERVISOR, case.case_id, Need(sector="food")
        )


class TestAssess:
    def test_first_assessment(self, world):
        """Assessing records assessment 1 by the actor and moves the case to assessed."""
        case = world.register()
        after = world.slrt.assess(BACK, case.case_id, findings="Decile 2.")
        assert after.state is CaseState.ASSESSED
        (assessment,) = after.assessments
        assert (assessment.number, assessment.by, assessment.findings) == (
            1,
            "bo-agus",
            "Decile 2.",
        )
        assert not assessment.is_reassessment
        assert "bo-agus" in after.assignees
        assert isinstance(world.events_of(case.case_id)[-1], CaseAssessed)

    def test_correcting_an_assessment(self, world):
        """An assessed case can be assessed again before submission."""
        case = world.case_in(CaseState.ASSESSED)
        after = world.slrt.assess(FACILITATOR, case.case_id, findings="Corrected.")
        assert after.state is CaseState.ASSESSED
        assert len(after.assessments) == 2

    def test_emergency_paperwork_after(self, world):
        """An emergency case served directly is assessed afterwards."""
        case = world.case_in(CaseState.EMERGENCY_SERVED)
        assert world.slrt.assess(FACILITATOR, case.case_id, findings="Ok.").state is (
            CaseState.ASSESSED
        )

    @pytest.mark.parametrize("findings", ["", "   ", None])
    def test_findings_required(self, world, findings):
        """Findings must be a non-empty text."""
        case = world.register()
        err = world.refused(
            InvalidInputError, world.slrt.assess, FACILITATOR, case.case_id, findings=findings
        )
        assert [p.path for p in err.problems] == ["findings"]

    def test_refused_when_submitted(self, world):
        """A submitted case cannot be re-assessed until it is returned."""
        case = world.case_in(CaseState.SUBMITTED)
        world.refused(
            TransitionNotAllowed, world.slrt.assess, FACILITATOR, case.case_id, findings="x"
        )

    def test_wrong_role(self, world):
        """A front office clerk may not assess."""
        case = world.register()
        world.refused(AccessDenied, world.slrt.assess, FRONT, case.case_id, findings="x")


class TestSubmit:
    def test_submits_and_alerts_the_supervisor(self, world):
        """Submitting moves the case to submitted and notifies the district supervisors."""
        case = world.case_in(CaseState.ASSESSED)
        after = world.slrt.submit(FACILITATOR, case.case_id)
        assert after.state is CaseState.SUBMITTED
        assert world.notifier.sent[-1].topic == "case_submitted"
        assert world.notifier.sent[-1].recipient == "role:supervisor@33.74"

    def test_refused_before_assessment(self, world):
        """An unassessed case cannot be submitted."""
        case = world.register()
        world.refused(TransitionNotAllowed, world.slrt.submit, FACILITATOR, case.case_id)

    def test_wrong_role(self, world):
        """A supervisor may not submit."""
        case = world.case_in(CaseState.ASSESSED)
        world.refused(AccessDenied, world.slrt.submit, SUPERVISOR, case.case_id)


class TestReturnForCorrection:
    def test_returns_with_a_note(self, world):
        """The supervisor returns the case; the note is kept, the assessor is told to read it."""
        case = world.case_in(CaseState.SUBMITTED)
        after = world.slrt.return_for_correction(MANAGER, case.case_id, note="Add the KK.")
        assert after.state is CaseState.RETURNED
        assert after.correction_note == "Add the KK."
        event = world.store.events(case.case_id)[-1]
        assert event.reason == "Add the KK."
        note = world.notifier.sent[-1]
        assert (note.topic, note.recipient) == ("case_returned", "actor:fac-siti")
        # The note may name people: it stays in the case, the notification only points there.
        assert "Add the KK." not in note.text("en") + note.text("id")
        assert case.case_id in note.body["en"]

    def test_correction_clears_the_note(self, world):
        """Re-assessing a returned case clears the note; it can be submitted again."""
        case = world.case_in(CaseState.RETURNED)
        after = world.slrt.assess(FACILITATOR, case.case_id, findings="Added the KK.")
        assert after.correction_note == ""
        assert world.slrt.submit(FACILITATOR, case.case_id).state is CaseState.SUBMITTED

    def test_note_required(self, world):
        """A return needs a note saying what to correct."""
        case = world.case_in(CaseState.SUBMITTED)
        world.refused(
            InvalidInputError, world.slrt.return_for_correction, SUPERVISOR, case.case_id, note=""
        )

    def test_refused_unless_submitted(self, world):
        """Only a submitted case can be returned."""
        case = world.case_in(CaseState.APPROVED)
        world.refused(
            TransitionNotAllowed,
            world.slrt.return_for_correction,
            SUPERVISOR,
            case.case_id,
            note="x",
        )

    def test_wrong_role(self, world):
        """A facilitator may not return a case."""
        case = world.case_in(CaseState.SUBMITTED)
        world.refused(
            AccessDenied, world.slrt.return_for_correction, FACILITATOR, case.case_id, note="x"
        )


class TestApprove:
    def test_approves_and_alerts_the_front_office(self, world):
        """Approving moves the case to approved and notifies the front office."""
        case = world.case_in(CaseState.SUBMITTED)
        after = world.slrt.approve(SUPERVISOR, case.case_id)
        assert after.state is CaseState.APPROVED
        assert world.notifier.sent[-1].recipient == "role:front_office@33.74"

    def test_refused_unless_submitted(self, world):
        """An assessed but unsubmitted case cannot be approved."""
        case = world.case_in(CaseState.ASSESSED)
        err = world.refused(TransitionNotAllowed, world.slrt.approve, SUPERVISOR, case.case_id)
        # The refusal says the state and what must happen first, in both languages.
        assert "once the case is “Submitted to supervisor”; first submit an assessment" in str(err)
        assert "berstatus “Diajukan ke supervisor”; lebih dahulu mengajukan" in err.message("id")

    def test_refused_once_past_the_step(self, world):
        """Approving an approved case says the case is past that step."""
        case = world.case_in(CaseState.APPROVED)
        err = world.refused(TransitionNotAllowed, world.slrt.approve, SUPERVISOR, case.case_id)
        assert "behind the case: it is already “Approved”" in str(err)
        assert "sudah terlewati" in err.message("id")

    def test_wrong_role(self, world):
        """Back office staff may not approve; the message says who may."""
        case = world.case_in(CaseState.SUBMITTED)
        err = world.refused(AccessDenied, world.slrt.approve, BACK, case.case_id)
        assert "Ask a manager or supervisor." in str(err)
        assert "Minta kepada manajer atau supervisor." in err.message("id")

    def test_outside_jurisdiction(self, world):
        """A supervisor of another city may not approve."""
        case = world.case_in(CaseState.SUBMITTED)
        other = attrs.evolve(SUPERVISOR, jurisdiction=DEPOK)
        world.refused(AccessDenied, world.slrt.approve, other, case.case_id)


class TestReview:
    def test_front_office_reviews(self, world):
        """The front office reviews an approved case."""
        case = world.case_in(CaseState.APPROVED)
        assert world.slrt.review(FRONT, case.case_id).state is CaseState.REVIEWED

    def test_refused_before_approval(self, world):
        """A submitted case cannot be reviewed."""
        case = world.case_in(CaseState.SUBMITTED)
        world.refused(TransitionNotAllowed, world.slrt.review, FRONT, case.case_id)

    def test_wrong_role(self, world):
        """Only the front office reviews."""
        case = world.case_in(CaseState.APPROVED)
        world.refused(AccessDenied, world.slrt.review, BACK, case.case_id)


class TestResolveLocally:
    def test_resolves_one_need(self, world):
        """The need is resolved locally; the case state does not change."""
        case = world.register()
        after = world.slrt.resolve_locally(PUSKESOS, case.case_id, "n2", how="Village clerk.")
        assert after.state is CaseState.REGISTERED
        assert [n.status for n in after.needs] == [NeedStatus.OPEN, NeedStatus.RESOLVED_LOCALLY]
        assert [n.is_open for n in after.needs] == [True, False]
        assert world.store.events(case.case_id)[-1].reason == "Village clerk."

    def test_then_close_at_village_level(self, world):
        """After resolving every need locally the Puskesos operator closes the case."""
        case = world.register()
        for need_id in ("n1", "n2"):
            world.slrt.resolve_locally(PUSKESOS, case.case_id, need_id, how="Done.")
        closed = world.slrt.close(PUSKESOS, case.case_id, reason=ClosingReason.NEEDS_MET)
        assert closed.state is CaseState.CLOSED
        assert closed.closing_reason is ClosingReason.NEEDS_MET

    def test_how_required(self, world):
        """Saying how the need was solved is required."""
        case = world.register()
        world.refused(
            InvalidInputError, world.slrt.resolve_locally, PUSKESOS, case.case_id, "n1", how=" "
        )

    def test_unknown_need(self, world):
        """An unknown need id is refused and the known ids are listed."""
        case = world.register()
        err = world.refused(
            InvalidInputError, world.slrt.resolve_locally, PUSKESOS, case.case_id, "n9", how="x"
        )
        assert "its needs are n1, n2" in str(err)

    def test_need_not_open(self, world):
        """A need already resolved cannot be resolved again."""
        case = world.register()
        world.slrt.resolve_locally(PUSKESOS, case.case_id, "n1", how="x")
        err = world.refused(
            InvalidInputError, world.slrt.resolve_locally, PUSKESOS, case.case_id, "n1", how="x"
        )
        assert "resolved_locally, not open" in str(err)

    def test_refused_when_submitted(self, world):
        """Needs are not resolved while the case waits for approval."""
        case = world.case_in(CaseState.SUBMITTED)
        world.refused(
            TransitionNotAllowed,
            world.slrt.resolve_locally,
            FACILITATOR,
            case.case_id,
            "n1",
            how="x",
        )

    def test_wrong_role(self, world):
        """Only field staff resolve locally."""
        case = world.register()
        world.refused(AccessDenied, world.slrt.resolve_locally, BACK, case.case_id, "n1", how="x")


class TestRefer:
    def test_refers_a_reviewed_case(self, world):
        """A referral is requested to the service's provider and the case goes in service."""
        case = world.case_in(CaseState.REVIEWED)
        referral = world.slrt.refer(BACK, case.case_id, "n1", service_id="pbi-bpjs")
        assert (referral.status, referral.provider_id, referral.need_id) == (
            ReferralStatus.REQUESTED,
            "bpjs",
            "n1",
        )
        assert referral.referral_id == "referral-000001"
        assert referral.requested_at == world.clock.now()
        after = world.store.load(case.case_id)
        assert after.state is CaseState.IN_SERVICE
        assert after.need("n1").status is NeedStatus.REFERRED
        note = world.notifier.sent[-1]
        assert (note.topic, note.recipient, note.referral_id) == (
            "referral_requested",
            "provider:bpjs",
            referral.referral_id,
        )
        assert_replays(world, after)

    def test_emergency_before_assessment(self, world):
        """An emergency case may be referred before it is assessed."""
        case = world.lawful_basis(world.register(emergency=True).case_id)
        world.slrt.refer(BACK, case.case_id, "n1", service_id="pbi-desk")
        assert world.store.load(case.case_id).state is CaseState.IN_SERVICE

    def test_refused_before_assessment(self, world):
        """A normal registered case is not referred; the message says to assess first."""
        case = world.register()
        err = world.refused(
            TransitionNotAllowed, world.slrt.refer, BACK, case.case_id, "n1", service_id="pbi-desk"
        )
        assert "Assess the case first" in str(err)
        assert "Lakukan asesmen dahulu" in err.message("id")

    def test_more_referrals_while_in_service(self, world):
        """Other needs can be referred while the case is in service."""
        case = world.case_in(CaseState.IN_SERVICE)
        second = world.slrt.refer(MANAGER, case.case_id, "n2", service_id="pbi-bpjs")
        assert len(world.store.load(case.case_id).open_referrals) == 2
        assert second.need_id == "n2"

    def test_replaces_an_ended_referral(self, world):
        """After the client declines, the need is referred again, linked to the old referral."""
        first = world.referral_in(ReferralStatus.REJECTED)
        case = world.store.load(first.case_id)
        assert case.need("n1").status is NeedStatus.OPEN
        assert case.open_referrals == ()  # declined: no automatic reroute
        retry = world.slrt.refer(
            BACK, first.case_id, "n1", service_id="pbi-bpjs", replaces=first.referral_id
        )
        assert retry.replaces == first.referral_id
        assert retry.referral_id != first.referral_id

    def test_rejection_reroutes_to_the_next_service(self, world):
        """A rejection for capacity sends the need on, as a system referral replacing it."""
        first = world.referral_in(ReferralStatus.RECEIVED)
        world.slrt.update_referral(
            DINSOS, first.referral_id, status="rejected", reason=ReferralReason.CAPACITY
        )
        case = world.store.load(first.case_id)
        (retry,) = case.open_referrals
        assert (retry.replaces, retry.provider_id, retry.need_id) == (
            first.referral_id,
            "bpjs",
            "n1",
        )
        event = world.store.events(case.case_id)[-1]
        assert (event.actor_id, event.role) == ("slrt-system", Role.SYSTEM)
        assert case.need("n1").status is NeedStatus.REFERRED
        assert_replays(world, case)

    def test_needs_consent_or_a_lawful_basis(self, world):
        """Without consent or a lawful basis covering the provider, nothing is sent."""
        case = world.register(emergency=True)
        err = world.refused(
            ConsentError, world.slrt.refer, BACK, case.case_id, "n1", service_id="pbi-desk"
        )
        assert "'dinsos'" in str(err)

    def test_cannot_replace_an_open_referral(self, world):
        """A referral that is still open cannot be replaced."""
        first = world.referral_in(ReferralStatus.ACCEPTED)
        err = world.refused(
            InvalidInputError,
            world.slrt.refer,
            BACK,
            first.case_id,
            "n2",
            service_id="pbi-bpjs",
            replaces=first.referral_id,
        )
        assert [p.path for p in err.problems] == ["replaces"]

    @pytest.mark.parametrize("replaces", ["referral-999999", "referral-000001"])
    def test_replaces_must_be_of_the_same_need(self, world, replaces):
        """Replacing an unknown referral, or one of another need, is refused."""
        first = world.referral_in(ReferralStatus.ACCEPTED)
        world.drive(first.referral_id, ReferralStatus.FAILED)
        err = world.refused(
            InvalidInputError,
            world.slrt.refer,
            BACK,
            first.case_id,
            "n2",
            service_id="pbi-bpjs",
            replaces=replaces,
        )
        assert [p.path for p in err.problems] == ["replaces"]

    def test_inactive_service(self, world):
        """A service that is not active is refused."""
        case = world.case_in(CaseState.REVIEWED)
        err = world.refused(
            InvalidInputError,
            world.slrt.refer,
            BACK,
            case.case_id,
            "n1",
            service_id="closed-desk",
        )
        assert "is not active" in str(err)

    def test_out_of_area(self, world):
        """A service whose area does not cover the village is refused."""
        case = world.case_in(CaseState.REVIEWED)
        err = world.refused(
            InvalidInputError, world.slrt.refer, BACK, case.case_id, "n1", service_id="depok-only"
        )
        assert "does not serve village 33.74.01.1001" in str(err)

    def test_every_referral_problem_at_once(self, world):
        """An open need, an inactive service and an uncovered area are all listed."""
        case = world.case_in(CaseState.IN_SERVICE)
        inactive = Service(
            service_id="gone",
            provider_id="dinsos",
            name="Gone",
            sectors={Sector.HEALTH},
            tier=Tier.DISTRICT,
            area=(DEPOK,),
            active=False,
        )
        providers = list(world.slrt.directory.providers.values())  # type: ignore[attr-defined]
        world.slrt.directory = Directory(providers, [inactive])
        err = world.refused(
            InvalidInputError, world.slrt.refer, BACK, case.case_id, "n1", service_id="gone"
        )
        assert [p.path for p in err.problems] == ["need_id", "service_id", "service_id"]

    def test_unknown_service(self, world):
        """A service not in the directory is refused."""
        case = world.case_in(CaseState.REVIEWED)
        err = world.refused(
            InvalidInputError, world.slrt.refer, BACK, case.case_id, "n1", service_id="nope"
        )
        assert "not in the directory" in str(err)

    def test_unknown_need(self, world):
        """An unknown need is refused."""
        case = world.case_in(CaseState.REVIEWED)
        err = world.refused(
            InvalidInputError, world.slrt.refer, BACK, case.case_id, "n5", service_id="pbi-desk"
        )
        assert [p.path for p in err.problems] == ["need_id"]

    def test_need_already_referred(self, world):
        """A need with an open referral cannot be referred again."""
        case = world.case_in(CaseState.IN_SERVICE)
        err = world.refused(
            InvalidInputError, world.slrt.refer, BACK, case.case_id, "n1", service_id="pbi-bpjs"
        )
        assert "already has an open referral" in str(err)

    @pytest.mark.parametrize("actor", [FACILITATOR, SUPERVISOR, FRONT, DINSOS, OUTSIDER])
    def test_wrong_actor(self, world, actor):
        """Only back office, Puskesos operators and managers of the area refer."""
        case = world.case_in(CaseState.REVIEWED)
        world.refused(
            AccessDenied, world.slrt.refer, actor, case.case_id, "n1", service_id="pbi-desk"
        )

    def test_closed_case(self, world):
        """A closed case is never referred."""
        case = world.case_in(CaseState.CLOSED)
        world.refused(
            TransitionNotAllowed,
            world.slrt.refer,
            BACK,
            case.case_id,
            "n1",
            service_id="pbi-desk",
        )


class TestDeliverDirectService:
    def test_emergency_before_assessment(self, world):
        """An emergency case gets direct service first: the need is served directly."""
        case = world.register(emergency=True)
        after = world.slrt.deliver_direct_service(
            BACK, case.case_id, "n1", description="Food parcel"
        )
        assert after.state is CaseState.EMERGENCY_SERVED
        assert after.need("n1").status is NeedStatus.SERVED_DIRECTLY
        (service,) = after.direct_services
        assert (service.need_id, service.description, service.by) == (
            "n1",
            "Food parcel",
            "bo-agus",
        )
        again = world.slrt.deliver_direct_service(
            FACILITATOR, case.case_id, "n2", description="Blankets"
        )
        assert again.state is CaseState.EMERGENCY_SERVED

    def test_refused_for_a_normal_registered_case(self, world):
        """A non-emergency registered case gets no direct service; the message explains why."""
        case = world.register()
        err = world.refused(
            TransitionNotAllowed,
            world.slrt.deliver_direct_service,
            BACK,
            case.case_id,
            "n1",
            description="Food parcel",
        )
        assert str(err) == (
            f"Case {case.case_id!r} is “Registered” (registered): you cannot deliver a direct "
            "service ('deliver_direct_service') there. Direct service before assessment is only "
            "for an emergency case."
        )
        assert err.message("id").endswith(
            "Layanan langsung sebelum asesmen hanya untuk kasus darurat."
        )

    @pytest.mark.parametrize("state", [CaseState.REVIEWED, CaseState.REASSESSED])
    def test_after_review_it_is_service(self, world, state):
        """After review or re-assessment, direct service puts the case in service."""
        case = world.case_in(state)
        need_id = "n2"
        after = world.slrt.deliver_direct_service(BACK, case.case_id, need_id, description="x")
        assert after.state is CaseState.IN_SERVICE

    def test_description_required(self, world):
        """A direct service needs a description."""
        case = world.register(emergency=True)
        world.refused(
            InvalidInputError,
            world.slrt.deliver_direct_service,
            BACK,
            case.case_id,
            "n1",
            description="",
        )

    def test_need_not_open(self, world):
        """A need with a running referral is not served directly."""
        case = world.case_in(CaseState.IN_SERVICE)
        world.refused(
            InvalidInputError,
            world.slrt.deliver_direct_service,
            BACK,
            case.case_id,
            "n1",
            description="x",
        )

    def test_wrong_role(self, world):
        """Provider staff do not record direct services."""
        case = world.register(emergency=True)
        world.refused(
            AccessDenied,
            world.slrt.deliver_direct_service,
            DINSOS,
            case.case_id,
            "n1",
            description="x",
        )


class TestUpdateReferral:
    @pytest.mark.parametrize(
        "step",
        REFERRAL_TABLE.transitions,
        ids=[f"{t.source}->{t.target}" for t in REFERRAL_TABLE.transitions],
    )
    def test_each_legal_step(self, world, step):
        """Every declared referral transition is accepted from its source status."""
        referral = world.referral_in(ReferralStatus(step.source))
        target = ReferralStatus(step.target)
        after = world.drive(referral.referral_id, target)
        assert after.status is target
        change = after.history[-1]
        assert (change.status, change.actor_id, change.at) == (
            target,
            SETTER[target].actor_id,
            world.clock.now(),
        )
        assert change.reason == REASON_FOR.get(target)
        note = world.notifier.sent[-1]
        assert (note.topic, note.recipient) == ("referral_status_changed", "role:back_office@33.74")
        assert_replays(world, world.store.load(referral.case_id))

    @pytest.mark.parametrize(
        ("source", "target"),
        [
            (ReferralStatus.REQUESTED, ReferralStatus.IN_PROGRESS),
            (ReferralStatus.REQUESTED, ReferralStatus.COMPLETED),
            (ReferralStatus.REQUESTED, ReferralStatus.ON_HOLD),
            (ReferralStatus.RECEIVED, ReferralStatus.IN_PROGRESS),
            (ReferralStatus.RECEIVED, ReferralStatus.RECEIVED),
            (ReferralStatus.ACCEPTED, ReferralStatus.RECEIVED),
            (ReferralStatus.IN_PROGRESS, ReferralStatus.ACCEPTED),
            (ReferralStatus.ACCEPTED, ReferralStatus.REQUESTED),
        ],
    )
    def test_skipping_states_refused(self, world, source, target):
        """A status that does not follow from the current one is refused, naming both."""
        referral = world.referral_in(source)
        err = world.refused(
            TransitionNotAllowed,
            world.slrt.update_referral,
            SETTER.get(target, BACK),
            referral.referral_id,
            status=target,
            reason=ReferralReason.OTHER,
            note="x",
        )
        assert (err.subject_id, err.state) == (referral.referral_id, source.value)
        assert err.command == f"update_referral(status={target.value})"
        assert str(err).startswith(
            f"Referral {referral.referral_id!r} is “{label(source, 'en')}” ({source.value})"
        )
        assert "follow requested, received, accepted" in str(err)

    @pytest.mark.parametrize("terminal", sorted(REFERRAL_TABLE.final))
    def test_terminal_never_reopens(self, world, terminal):
        """From a terminal status every further status is refused."""
        referral = world.referral_in(ReferralStatus(terminal))
        for status in ReferralStatus:
            err = world.refused(
                TransitionNotAllowed,
                world.slrt.update_referral,
                SETTER.get(status, BACK),
                referral.referral_id,
                status=status,
                reason=ReferralReason.OTHER,
                note="retry",
            )
            assert "never reopens" in str(err)

    def test_completion_meets_the_need(self, world):
        """A completed referral marks its need met; a failed one opens it again."""
        done = world.referral_in(ReferralStatus.COMPLETED)
        assert world.store.load(done.case_id).need("n1").status is NeedStatus.MET
        failed = world.referral_in(ReferralStatus.FAILED)
        assert world.store.load(failed.case_id).need("n1").status is NeedStatus.OPEN

    def test_wrong_provider(self, world):
        """Staff of another provider may not update the referral."""
        referral = world.referral_in(ReferralStatus.REQUESTED)
        err = world.refused(
            AccessDenied,
            world.slrt.update_referral,
            BPJS,
            referral.referral_id,
            status=ReferralStatus.RECEIVED,
        )
        assert "'bpjs'" in str(err)

    @pytest.mark.parametrize("status", sorted(REQUESTER_STATUSES))
    def test_provider_cannot_withdraw(self, world, status):
        """Cancelling and entering in error are for the requester, not the provider."""
        referral = world.referral_in(ReferralStatus.ACCEPTED)
        world.refused(
            AccessDenied,
            world.slrt.update_referral,
            DINSOS,
            referral.referral_id,
            status=status,
            reason=ReferralReason.DUPLICATE,
        )

    @pytest.mark.parametrize("status", sorted(PERFORMER_STATUSES))
    def test_requester_cannot_perform(self, world, status):
        """Back office staff may not set the provider's statuses."""
        referral = world.referral_in(ReferralStatus.REQUESTED)
        world.refused(
            AccessDenied,
            world.slrt.update_referral,
            BACK,
            referral.referral_id,
            status=status,
            reason=ReferralReason.CAPACITY,
        )

    @pytest.mark.parametrize("entered_in_error", [False, True])
    def test_withdraw_referral(self, world, entered_in_error):
        """withdraw_referral is the matrix's withdraw_referral: cancelled or entered in error."""
        referral = world.referral_in(ReferralStatus.ACCEPTED)
        after = world.slrt.withdraw_referral(
            BACK,
            referral.referral_id,
            reason=ReferralReason.DUPLICATE,
            entered_in_error=entered_in_error,
        )
        expected = ReferralStatus.ENTERED_IN_ERROR if entered_in_error else ReferralStatus.CANCELLED
        assert after.status is expected
        assert after.reason is ReferralReason.DUPLICATE
        world.refused(
            AccessDenied,
            world.slrt.withdraw_referral,
            DINSOS,
            world.referral_in(ReferralStatus.ACCEPTED).referral_id,
            reason=ReferralReason.DUPLICATE,
        )

    def test_requester_outside_jurisdiction(self, world):
        """Back office staff of another region may not cancel."""
        referral = world.referral_in(ReferralStatus.REQUESTED)
        world.refused(
            AccessDenied,
            world.slrt.update_referral,
            OUTSIDER,
            referral.referral_id,
            status=ReferralStatus.CANCELLED,
            reason=ReferralReason.DUPLICATE,
        )

    @pytest.mark.parametrize("status", sorted(REASON_REQUIRED))
    def test_reason_required(self, world, status):
        """Rejected, failed, cancelled, on hold and entered in error need a reason code."""
        referral = world.referral_in(ReferralStatus.ACCEPTED)
        err = world.refused(
            InvalidInputError,
            world.slrt.update_referral,
            SETTER[status],
            referral.referral_id,
            status=status,
        )
        assert [p.path for p in err.problems] == ["reason"]

    def test_other_needs_a_note(self, world):
        """Reason 'other' needs a note; with one it is accepted and kept."""
        referral = world.referral_in(ReferralStatus.ACCEPTED)
        kw = {"status": ReferralStatus.FAILED, "reason": ReferralReason.OTHER}
        err = world.refused(
            InvalidInputError, world.slrt.update_referral, DINSOS, referral.referral_id, **kw
        )
        assert [p.path for p in err.problems] == ["note"]
        after = world.slrt.update_referral(
            DINSOS, referral.referral_id, note="Office flooded.", **kw
        )
        assert (after.reason, after.history[-1].note) == (ReferralReason.OTHER, "Office flooded.")
        event = world.store.events(referral.case_id)[-1]
        assert event.reason == "Office flooded."

    def test_bad_codes(self, world):
        """Unknown status and reason codes are both listed."""
        referral = world.referral_in(ReferralStatus.ACCEPTED)
        err = world.refused(
            InvalidInputError,
            world.slrt.update_referral,
            DINSOS,
            referral.referral_id,
            status="done",
            reason="tired",
        )
        assert [p.path for p in err.problems] == ["status", "reason"]

    def test_status_as_text(self, world):
        """A status may be given as its text code."""
        referral = world.referral_in(ReferralStatus.REQUESTED)
        after = world.slrt.update_referral(DINSOS, referral.referral_id, status="received")
        assert after.status is ReferralStatus.RECEIVED

    def test_unknown_referral(self, world):
        """An unknown referral id is refused with ReferralNotFoundError."""
        world.case_in(CaseState.IN_SERVICE)
        err = world.refused(
            ReferralNotFoundError,
            world.slrt.update_referral,
            DINSOS,
            "referral-404",
            status=ReferralStatus.RECEIVED,
        )
        assert err.referral_id == "referral-404"


class TestConfirmReceipt:
    def test_client_confirms_a_completed_referral(self, world):
        """The client's confirmation closes the loop with the time it was given."""
        referral = world.referral_in(ReferralStatus.COMPLETED)
        world.clock.advance(days=2)
        after = world.slrt.confirm_receipt(FACILITATOR, referral.referral_id)
        assert after.confirmed_at == world.clock.now()
        assert_replays(world, world.store.load(referral.case_id))

    def test_after_reassessment(self, world):
        """A receipt can still be confirmed after the household was re-assessed."""
        case = world.case_in(CaseState.REASSESSED)
        after = world.slrt.confirm_receipt(PUSKESOS, case.referrals[0].referral_id)
        assert after.confirmed_at is not None

    def test_only_once(self, world):
        """A receipt is confirmed once."""
        referral = world.referral_in(ReferralStatus.COMPLETED)
        world.slrt.confirm_receipt(FACILITATOR, referral.referral_id)
        world.refused(
            TransitionNotAllowed, world.slrt.confirm_receipt, FACILITATOR, referral.referral_id
        )

    @pytest.mark.parametrize(
        "status", [ReferralStatus.IN_PROGRESS, ReferralStatus.FAILED, ReferralStatus.REQUESTED]
    )
    def test_only_when_completed(self, world, status):
        """Only a completed referral can be confirmed."""
        referral = world.referral_in(status)
        err = world.refused(
            TransitionNotAllowed, world.slrt.confirm_receipt, FACILITATOR, referral.referral_id
        )
        assert "completed" in str(err)

    def test_wrong_role(self, world):
        """The provider does not confirm receipt on the client's behalf."""
        referral = world.referral_in(ReferralStatus.COMPLETED)
        world.refused(AccessDenied, world.slrt.confirm_receipt, DINSOS, referral.referral_id)


class TestReassess:
    def test_after_referrals_ended(self, world):
        """With every referral ended, the household is re-assessed (assessment 2)."""
        case = world.case_in(CaseState.REASSESSED)
        assert case.assessments[-1].is_reassessment
        again = world.slrt.reassess(FACILITATOR, case.case_id, findings="Still fine.")
        assert again.state is CaseState.REASSESSED
        assert [a.number for a in again.assessments] == [1, 2, 3, 4]

    def test_refused_while_a_referral_is_open(self, world):
        """Re-assessment waits until every referral has ended; the message says so."""
        case = world.case_in(CaseState.IN_SERVICE)
        err = world.refused(
            TransitionNotAllowed, world.slrt.reassess, FACILITATOR, case.case_id, findings="x"
        )
        assert "Re-assessment comes after every referral has ended." in str(err)

    def test_continued_with_new_referrals(self, world):
        """After re-assessment a new referral puts the case back in service."""
        case = world.case_in(CaseState.REASSESSED)
        world.slrt.refer(BACK, case.case_id, "n2", service_id="pbi-desk")
        assert world.store.load(case.case_id).state is CaseState.IN_SERVICE

    def test_findings_required(self, world):
        """Re-assessment needs findings."""
        case = world.case_in(CaseState.REASSESSED)
        world.refused(
            InvalidInputError, world.slrt.reassess, FACILITATOR, case.case_id, findings=""
        )

    def test_refused_before_service(self, world):
        """A case not yet in service is assessed, not re-assessed."""
        case = world.register()
        world.refused(
            TransitionNotAllowed, world.slrt.reassess, FACILITATOR, case.case_id, findings="x"
        )

    def test_wrong_role(self, world):
        """A supervisor does not re-assess."""
        case = world.case_in(CaseState.REASSESSED)
        world.refused(AccessDenied, world.slrt.reassess, SUPERVISOR, case.case_id, findings="x")


class TestClose:
    @pytest.mark.parametrize(
        "state", sorted(set(CaseState) - {CaseState.CLOSED, CaseState.IN_SERVICE})
    )
    def test_any_open_state_may_close(self, world, state):
        """Every open state without a running referral may end with a closing reason."""
        case = world.case_in(state)
        closed = world.slrt.close(MANAGER, case.case_id, reason="moved", note="Moved to Depok.")
        assert closed.state is CaseState.CLOSED
        assert closed.closing_reason is ClosingReason.MOVED
        assert world.store.events(case.case_id)[-1].reason == "Moved to Depok."
        note = world.notifier.sent[-1]
        assert (note.topic, note.recipient) == ("case_closed", "role:back_office@33.74")

    def test_refused_while_a_referral_is_open(self, world):
        """A case with an open referral does not close; the message says what to do."""
        case = world.case_in(CaseState.IN_SERVICE)
        err = world.refused(
            TransitionNotAllowed,
            world.slrt.close,
            SUPERVISOR,
            case.case_id,
            reason=ClosingReason.DECLINED,
        )
        assert "cancel it with a reason" in str(err)
        assert "batalkan dengan alasan" in err.message("id")

    def test_allowed_after_cancel_with_reason(self, world):
        """Cancelling the open referral with a reason lets the case close."""
        case = world.case_in(CaseState.IN_SERVICE)
        referral_id = world.only_referral(case.case_id)
        world.slrt.update_referral(
            BACK,
            referral_id,
            status=ReferralStatus.CANCELLED,
            reason=ReferralReason.CLIENT_DECLINED,
        )
        closed = world.slrt.close(SUPERVISOR, case.case_id, reason=ClosingReason.DECLINED)
        assert closed.state is CaseState.CLOSED
        assert closed.open_referrals == ()

    def test_bad_reason(self, world):
        """An unknown closing reason is refused."""
        case = world.register()
        err = world.refused(
            InvalidInputError, world.slrt.close, SUPERVISOR, case.case_id, reason="bored"
        )
        assert [p.path for p in err.problems] == ["reason"]

    def test_closed_never_reopens(self, world):
        """A closed case refuses every command of the case lifecycle."""
        case = world.case_in(CaseState.CLOSED)
        s, cid = world.slrt, case.case_id
        attempts: list[Callable[[], object]] = [
            lambda: s.record_need(FACILITATOR, cid, Need(sector=Sector.FOOD)),
            lambda: s.assess(FACILITATOR, cid, findings="x"),
            lambda: s.submit(FACILITATOR, cid),
            lambda: s.return_for_correction(SUPERVISOR, cid, note="x"),
            lambda: s.approve(SUPERVISOR, cid),
            lambda: s.review(FRONT, cid),
            lambda: s.resolve_locally(FACILITATOR, cid, "n1", how="x"),
            lambda: s.deliver_direct_service(BACK, cid, "n1", description="x"),
            lambda: s.reassess(FACILITATOR, cid, findings="x"),
            lambda: s.close(SUPERVISOR, cid, reason=ClosingReason.MOVED),
        ]
        for attempt in attempts:
            err = world.refused(TransitionNotAllowed, attempt)
            assert err.state == "closed"
        assert CASE_TABLE.allowed_events("closed") == ()

    def test_wrong_role(self, world):
        """A facilitator does not close cases."""
        case = world.register()
        world.refused(
            AccessDenied, world.slrt.close, FACILITATOR, case.case_id, reason=ClosingReason.MOVED
        )


class TestConsent:
    def test_adult_consents_for_themselves(self, world):
        """An adult's consent for one provider lets a referral go to that provider only."""
        case = world.register(emergency=True)
        after = world.slrt.record_consent(
            FACILITATOR,
            case.case_id,
            subject="m1",
            grantor="m1",
            purposes=["referral"],
            recipients=["bpjs"],
            evidence="Form 17, signed",
        )
        (consent,) = after.consents
        assert (consent.subject, consent.valid_from) == ("m1", world.clock.now())
        world.refused(
            ConsentError, world.slrt.refer, BACK, case.case_id, "n1", service_id="pbi-desk"
        )
        referral = world.slrt.refer(BACK, case.case_id, "n1", service_id="pbi-bpjs")
        assert referral.consent_id == consent.record_id
        assert_replays(world, world.store.load(case.case_id))

    def test_child_needs_a_guardian(self, world):
        """A child's consent without a guardian is refused, listing the problem."""
        case = world.register()
        err = world.refused(
            InvalidInputError,
            world.slrt.record_consent,
            FACILITATOR,
            case.case_id,
            subject="m2",
            grantor="m2",
            purposes=[Purpose.REFERRAL],
            recipients=["*"],
            evidence="Form 18",
        )
        assert [p.path for p in err.problems] == ["guardian"]
        after = world.slrt.record_consent(
            FACILITATOR,
            case.case_id,
            subject="m2",
            grantor="m1",
            guardian="m1",
            purposes=[Purpose.REFERRAL],
            recipients=["*"],
            evidence="Form 18",
        )
        assert after.consents[0].guardian == "m1"

    def test_household_consent_covers_every_member(self, world):
        """One call: each adult grants their own, the head grants each child's, one commit."""
        case = world.register()
        version = world.store.load(case.case_id).version
        after = world.slrt.record_household_consent(
            FACILITATOR,
            case.case_id,
            purposes=[Purpose.REFERRAL],
            recipients=["*"],
            evidence="Household form 20",
        )
        assert after.version == version + len(case.household.members)
        today = world.clock.now().date()
        by_subject = {c.subject: c for c in after.consents}
        assert set(by_subject) == {m.member_id for m in case.household.members}
        for member in case.household.members:
            consent = by_subject[member.member_id]
            if member.age_on(today) >= ADULT_AGE:
                assert (consent.grantor, consent.guardian) == (member.member_id, None)
            else:
                head = case.household.head.member_id
                assert (consent.grantor, consent.guardian) == (head, head)
        assert_replays(world, world.store.load(case.case_id))

    def test_household_consent_refuses_a_child_guardian(self, world):
        """A guardian who is a child is refused, and nothing is recorded."""
        case = world.register()
        today = world.clock.now().date()
        child = next(m for m in case.household.members if m.age_on(today) < ADULT_AGE)
        err = world.refused(
            InvalidInputError,
            world.slrt.record_household_consent,
            FACILITATOR,
            case.case_id,
            guardian=child.member_id,
            purposes=[Purpose.REFERRAL],
            recipients=["*"],
            evidence="Household form 21",
        )
        assert err.problems
        assert not world.store.load(case.case_id).consents

    def test_bad_consent_input(self, world):
        """Unknown purposes and a recipients string are all listed."""
        case = world.register()
        err = world.refused(
            InvalidInputError,
            world.slrt.record_consent,
            FACILITATOR,
            case.case_id,
            subject="m1",
            grantor="m1",
            purposes=["gossip"],
            categories=["shoe_size"],
            recipients="bpjs",
            evidence="Form 19",
        )
        assert [p.path for p in err.problems] == ["purposes", "categories", "recipients"]

    def test_lawful_basis_needs_a_reference(self, world):
        """A lawful basis without a legal reference is refused."""
        case = world.register()
        world.refused(
            InvalidInputError,
            world.slrt.record_lawful_basis,
            SUPERVISOR,
            case.case_id,
            kind=LawfulBasisKind.VITAL_INTEREST,
            legal_reference=" ",
            purposes=[Purpose.REFERRAL],
        )

    def test_lawful_basis_bad_kind_and_recipients(self, world):
        """An unknown kind and a recipients string are listed together."""
        case = world.register()
        err = world.refused(
            InvalidInputError,
            world.slrt.record_lawful_basis,
            SUPERVISOR,
            case.case_id,
            kind="whim",
            legal_reference="UU 27/2022",
            purposes=[Purpose.REFERRAL],
            recipients="*",
        )
        assert [p.path for p in err.problems] == ["kind", "recipients"]

    def test_withdrawn_basis_sends_nothing_more(self, world):
        """After withdrawal, nothing more is sent under the basis; it cannot be withdrawn twice."""
        case = world.case_in(CaseState.REVIEWED)
        (basis,) = case.bases
        after = world.slrt.withdraw_consent(FRONT, case.case_id, basis.record_id, note="Asked.")
        assert after.bases[0].withdrawn_at == world.clock.now()
        world.refused(
            ConsentError, world.slrt.refer, BACK, case.case_id, "n1", service_id="pbi-desk"
        )
        err = world.refused(
            InvalidInputError, world.slrt.withdraw_consent, FRONT, case.case_id, basis.record_id
        )
        assert "those in force are: none" in str(err)

    def test_wrong_role(self, world):
        """Provider staff record no consent; front office staff record no lawful basis."""
        case = world.register()
        world.refused(
            AccessDenied,
            world.slrt.record_consent,
            DINSOS,
            case.case_id,
            subject="m1",
            grantor="m1",
            purposes=[Purpose.REFERRAL],
            recipients=["*"],
            evidence="x",
        )
        world.refused(
            AccessDenied,
            world.slrt.record_lawful_basis,
            FRONT,
            case.case_id,
            kind=LawfulBasisKind.PUBLIC_SERVICE_DUTY,
            legal_reference="UU 27/2022",
            purposes=[Purpose.REFERRAL],
        )

    def test_closed_case(self, world):
        """Nothing is recorded on a closed case."""
        case = world.case_in(CaseState.CLOSED)
        world.refused(
            TransitionNotAllowed,
            world.slrt.record_lawful_basis,
            SUPERVISOR,
            case.case_id,
            kind=LawfulBasisKind.PUBLIC_SERVICE_DUTY,
            legal_reference="UU 27/2022",
            purposes=[Purpose.REFERRAL],
        )


class TestRouting:
    def test_refer_without_a_service_routes_nearest_first(self, world):
        """Without a service id the need goes to the nearest tier the basis covers."""
        case = world.case_in(CaseState.REVIEWED)
        referral = world.slrt.refer(BACK, case.case_id, "n1")
        assert (referral.service_id, referral.provider_id) == ("pbi-desk", "dinsos")
        assert referral.consent_id == case.bases[0].record_id
        assert referral.due_at is not None
        assert referral.due_at > world.clock.now()

    def test_routing_skips_providers_without_consent(self, world):
        """A consent for BPJS only routes past the nearer Dinas Sosial desk."""
        case = world.register(emergency=True)
        world.slrt.deliver_direct_service(BACK, case.case_id, "n1", description="Transport")
        world.slrt.record_consent(
            FACILITATOR,
            case.case_id,
            subject="m1",
            grantor="m1",
            purposes=[Purpose.REFERRAL],
            recipients=["bpjs"],
            evidence="Form 20",
        )
        assert world.slrt.refer(BACK, case.case_id, "n1").provider_id == "bpjs"

    def test_routing_without_any_consent(self, world):
        """When no candidate is covered by consent, nothing is sent."""
        case = world.case_in(CaseState.REVIEWED)
        world.slrt.withdraw_consent(BACK, case.case_id, case.bases[0].record_id)
        world.refused(ConsentError, world.slrt.refer, BACK, case.case_id, "n1")

    def test_emergency_gets_direct_service_first(self, world):
        """Routing an emergency not yet served says to give direct service first."""
        case = world.lawful_basis(world.register(emergency=True).case_id)
        err = world.refused(TransitionNotAllowed, world.slrt.refer, BACK, case.case_id, "n1")
        assert "give direct service first" in str(err)

    def test_no_candidate(self, world):
        """A need no service in the directory can take is refused with the reasons."""
        case = world.case_in(CaseState.REVIEWED)
        world.slrt.directory = Directory(
            list(world.slrt.directory.providers.values()),  # type: ignore[attr-defined]
            [s for s in world.slrt.directory.services() if s.service_id == "closed-desk"],
        )
        err = world.refused(InvalidInputError, world.slrt.refer, BACK, case.case_id, "n1")
        assert "No service in the directory can take need 'n1'" in str(err)

    def test_program_already_received_needs_an_override(self, world):
        """A program the household already receives is refused unless overridden."""
        receiving = attrs.evolve(household(), programs_received={"PKH"})
        case = world.slrt.register(
            BACK,
            receiving,
            channel=Channel.SECRETARIAT_DESK,
            kind=ComplaintKind.GRIEVANCE,
            needs=[Need(sector=Sector.SOCIAL_ASSISTANCE)],
            emergency=True,
        )
        world.lawful_basis(case.case_id)
        err = world.refused(
            InvalidInputError, world.slrt.refer, BACK, case.case_id, "n1", service_id="pkh-desk"
        )
        assert "override_reason" in str(err)
        referral = world.slrt.refer(
            BACK,
            case.case_id,
            "n1",
            service_id="pkh-desk",
            override_reason="Benefit stopped by mistake.",
        )
        assert referral.service_id == "pkh-desk"
        assert world.store.events(case.case_id)[-1].reason == "Benefit stopped by mistake."

    def test_blank_override_reason(self, world):
        """An override reason must say something."""
        case = world.case_in(CaseState.REVIEWED)
        world.refused(
            InvalidInputError,
            world.slrt.refer,
            BACK,
            case.case_id,
            "n1",
            service_id="pbi-desk",
            override_reason=" ",
        )

    def test_route_query(self, world):
        """route() ranks the services for a need and sends nothing; reads are checked."""
        case = world.case_in(CaseState.REVIEWED)
        with world.writes_nothing():
            routing = world.slrt.route(BACK, case.case_id, "n1")
            assert [c.service_id for c in routing.candidates] == ["pbi-desk", "pbi-bpjs"]
        world.refused(AccessDenied, world.slrt.route, OUTSIDER, case.case_id, "n1")


class TestSweep:
    def test_overdue_referral_escalates_then_expires_and_reroutes(self, world):
        """Past every rung, the sweep reminds, flags, escalates, expires and reroutes."""
        referral = world.referral_in(ReferralStatus.REQUESTED)
        world.clock.advance(days=30)
        report = world.slrt.sweep()
        assert (report.checked, report.expired, report.rerouted, report.unrouted) == (1, 1, 1, 0)
        assert report.steps == {"escalate": 1, "expire": 1, "overdue": 1, "reminder": 1}
        case = world.store.load(referral.case_id)
        expired = case.referral(referral.referral_id)
        assert (expired.status, expired.reason) == (
            ReferralStatus.CANCELLED,
            ReferralReason.EXPIRED,
        )
        (retry,) = case.open_referrals
        assert (retry.replaces, retry.provider_id) == (referral.referral_id, "bpjs")
        assert {e.actor_id for e in world.store.events(case.case_id)[-6:]} == {"slrt-system"}
        assert_replays(world, case)
        with world.writes_nothing():
            again = world.slrt.sweep()
            assert (again.escalated, again.expired) == (0, 0)

    def test_each_step_is_taken_once(self, world):
        """Just past the deadline the sweep reminds once; a second sweep does nothing."""
        referral = world.referral_in(ReferralStatus.REQUESTED)
        world.clock.set(referral.due_at + timedelta(minutes=1))
        first = world.slrt.sweep()
        assert first.steps == {"reminder": 1}
        with world.writes_nothing():
            second = world.slrt.sweep()
            assert (second.checked, second.escalated) == (1, 0)

    def test_conflict_is_left_for_the_next_sweep(self, world):
        """A case changed during the sweep is counted as a conflict and left unchanged."""
        referral = world.referral_in(ReferralStatus.REQUESTED)
        stale = world.store.load(referral.case_id)
        world.slrt.record_need(FACILITATOR, referral.case_id, Need(sector=Sector.FOOD))
        world.clock.advance(days=30)
        real_load = world.store.load
        world.store.load = lambda case_id: stale  # type: ignore[method-assign]
        try:
            report = world.slrt.sweep()
        finally:
            world.store.load = real_load  # type: ignore[method-assign]
        assert (report.conflicts, report.escalated) == (1, 0)
        assert world.store.load(referral.case_id).referral(referral.referral_id).is_open

    def test_nothing_due(self, world):
        """A sweep before any deadline does nothing."""
        world.referral_in(ReferralStatus.REQUESTED)
        with world.writes_nothing():
            report = world.slrt.sweep()
            assert (report.checked, report.escalated) == (0, 0)

    def test_service_gone_from_the_directory(self, world):
        """A referral whose service left the directory still moves, on default deadlines."""
        referral = world.referral_in(ReferralStatus.REQUESTED)
        world.slrt.directory = directory_without("pbi-desk")
        after = world.drive(referral.referral_id, ReferralStatus.ACCEPTED)
        assert after.due_at is not None


class TestReports:
    def test_referral_report(self, world):
        """The M&E report counts the cases and referrals in the actor's area."""
        world.referral_in(ReferralStatus.COMPLETED)
        world.register()
        report = world.slrt.referral_report(SUPERVISOR)
        assert (report.cases, report.referrals) == (2, 1)
        world.refused(AccessDenied, world.slrt.referral_report, DINSOS)

    def test_export_fhir(self, world):
        """A referral exports as a FHIR bundle for its provider, not for another."""
        referral = world.referral_in(ReferralStatus.ACCEPTED)
        bundle = world.slrt.export_fhir(DINSOS, referral.referral_id)
        assert bundle["resourceType"] == "Bundle"
        world.refused(AccessDenied, world.slrt.export_fhir, BPJS, referral.referral_id)


def directory_without(service_id: str) -> Directory:
    full = directory()
    return Directory(
        full.providers.values(), [s for s in full.services() if s.service_id != service_id]
    )


# =========================================================================== queries


class TestQueries:
    def test_get_case_inside(self, world):
        """Staff of the area read the case; so does a national auditor."""
        case = world.register()
        assert world.slrt.get_case(SUPERVISOR, case.case_id) == case
        assert world.slrt.get_case(AUDITOR, case.case_id) == case

    @pytest.mark.parametrize("actor", [OUTSIDER, NEIGHBOUR, DINSOS, SYSTEM])
    def test_get_case_refused(self, world, actor):
        """Staff of another area, provider staff and the system may not read a case."""
        case = world.register()
        world.refused(AccessDenied, world.slrt.get_case, actor, case.case_id)

    def test_get_case_unknown(self, world):
        """An unknown case id raises CaseNotFoundError."""
        err = world.refused(CaseNotFoundError, world.slrt.get_case, SUPERVISOR, "case-404")
        assert err.case_id == "case-404"

    def test_get_referral_by_its_provider(self, world):
        """The provider a referral is addressed to reads it; case staff too."""
        referral = world.referral_in(ReferralStatus.REQUESTED)
        assert world.slrt.get_referral(DINSOS, referral.referral_id) == referral
        assert world.slrt.get_referral(BACK, referral.referral_id) == referral

    @pytest.mark.parametrize("actor", [BPJS, OUTSIDER, SYSTEM])
    def test_get_referral_refused(self, world, actor):
        """Another provider's staff, out-of-area staff and the system may not read it."""
        referral = world.referral_in(ReferralStatus.REQUESTED)
        world.refused(AccessDenied, world.slrt.get_referral, actor, referral.referral_id)

    def test_get_referral_unknown(self, world):
        """An unknown referral id raises ReferralNotFoundError."""
        world.refused(ReferralNotFoundError, world.slrt.get_referral, BACK, "referral-404")

    def test_history(self, world):
        """History lists the case's events oldest first, with versions 1 to n."""
        case = world.case_in(CaseState.APPROVED)
        events = world.slrt.history(AUDITOR, case.case_id)
        assert [e.version for e in events] == list(range(1, case.version + 1))
        assert [e.type for e in events] == [
            "case_registered",
            "lawful_basis_recorded",
            "case_assessed",
            "case_submitted",
            "case_returned",
            "case_assessed",
            "case_submitted",
            "case_approved",
        ]
        assert replay(events) == case

    def test_history_refused_outside(self, world):
        """History is a read: out-of-area staff are denied."""
        case = world.register()
        world.refused(AccessDenied, world.slrt.history, OUTSIDER, case.case_id)

    def test_list_cases_within_jurisdiction(self, world):
        """Listing returns the cases inside the actor's area, or a narrower region."""
        miroto = world.register()
        brumbungan = world.register(region=BRUMBUNGAN)
        utara = world.register(region=BANDARHARJO)
        ids = [c.case_id for c in world.slrt.list_cases(SUPERVISOR)]
        assert ids == sorted([miroto.case_id, brumbungan.case_id, utara.case_id])
        assert world.slrt.list_cases(FACILITATOR) == [miroto, brumbungan]
        assert world.slrt.list_cases(PUSKESOS) == [miroto]
        assert world.slrt.list_cases(SUPERVISOR, region=BANDARHARJO) == [utara]

    def test_list_cases_by_state(self, world):
        """Listing filters by state, given as a member or its text code."""
        registered = world.register()
        assessed = world.case_in(CaseState.ASSESSED)
        assert world.slrt.list_cases(SUPERVISOR, state=CaseState.REGISTERED) == [registered]
        assert world.slrt.list_cases(SUPERVISOR, state="assessed") == [assessed]

    def test_list_cases_bad_state(self, world):
        """An unknown state code is refused."""
        world.refused(InvalidInputError, world.slrt.list_cases, SUPERVISOR, state="sleeping")

    @pytest.mark.parametrize(
        ("actor", "region"),
        [(FACILITATOR, CITY), (SUPERVISOR, DEPOK), (PUSKESOS, BRUMBUNGAN), (DINSOS, None)],
    )
    def test_list_cases_outside_refused(self, world, actor, region):
        """Listing a region beyond the actor's area (or as provider staff) is denied."""
        world.register()
        world.refused(AccessDenied, world.slrt.list_cases, actor, region=region)

    def test_verify_audit(self, world):
        """The audit chain of every command verifies and counts every event."""
        first = world.case_in(CaseState.REASSESSED)
        second = world.case_in(CaseState.CLOSED)
        report = world.slrt.verify_audit(AUDITOR)
        assert report.ok
        assert report.records == first.version + second.version
        assert report.first_bad is None

    def test_verify_audit_finds_an_edit(self):
        """An edited audit record is found at its sequence number."""
        world = World(MemoryStore())
        world.case_in(CaseState.SUBMITTED)
        list(world.store.audit_records())  # the memory store seals its chain when read
        records = world.store._records  # type: ignore[attr-defined]
        records[2] = records[2]._replace(body=records[2].body.replace(b"labourer", b"farmer"))
        report = world.slrt.verify_audit(AUDITOR)
        assert (report.ok, report.first_bad) == (False, 3)

    def test_verify_audit_is_authorized(self, world):
        """Only auditors and managers may verify the audit trail."""
        world.register()
        world.refused(AccessDenied, world.slrt.verify_audit, FACILITATOR)


# =========================================================================== outbox


class TestOutbox:
    def test_notifications_wait_without_a_notifier(self, quiet):
        """Without a notifier, notifications stay in the outbox until delivered."""
        quiet.case_in(CaseState.APPROVED)
        assert len(quiet.snapshot().due) == 4
        target = RecordingNotifier()
        report = quiet.slrt.deliver_notifications(target)
        assert report.delivered == 4
        assert [n.topic for n in target.sent] == [
            "case_submitted",
            "case_returned",
            "case_submitted",
            "case_approved",
        ]
        assert quiet.snapshot().due == ()

    def test_nothing_to_deliver_without_any_notifier(self, quiet):
        """deliver_notifications without any notifier delivers nothing."""
        quiet.case_in(CaseState.SUBMITTED)
        assert quiet.slrt.deliver_notifications().delivered == 0

    def test_notifications_carry_no_personal_data(self, world):
        """Notifications name ids and places, never a household member."""
        world.case_in(CaseState.IN_SERVICE)
        for note in world.notifier.sent:
            assert "No health insurance" not in note.text("en")
            assert note.subject["id"] != note.subject["en"]


# =========================================================================== idempotency


class TestIdempotency:
    def test_register_twice(self, world):
        """A retried registration returns the same case and writes nothing."""
        first = world.register(idempotency_key="visit-1")
        with world.writes_nothing():
            again = world.register(idempotency_key="visit-1")
            assert again == first

    def test_command_twice(self, world):
        """A retried assessment returns the same case and writes nothing."""
        case = world.register()
        first = world.slrt.assess(FACILITATOR, case.case_id, findings="x", idempotency_key="a")
        with world.writes_nothing():
            again = world.slrt.assess(FACILITATOR, case.case_id, findings="x", idempotency_key="a")
            assert again == first

    def test_returns_the_result_as_it_was(self, world):
        """A late retry returns the result of the first run, not the current case."""
        case = world.register()
        first = world.slrt.assess(FACILITATOR, case.case_id, findings="x", idempotency_key="a")
        world.slrt.submit(FACILITATOR, case.case_id)
        again = world.slrt.assess(FACILITATOR, case.case_id, findings="x", idempotency_key="a")
        assert again == first
        assert again.state is CaseState.ASSESSED
        assert world.store.load(case.case_id).state is CaseState.SUBMITTED

    def test_referral_commands_twice(self, world):
        """Retried refer, update and confirm return the same referral and write nothing."""
        case = world.case_in(CaseState.REVIEWED)
        s = world.slrt
        first = s.refer(BACK, case.case_id, "n1", service_id="pbi-desk", idempotency_key="r")
        assert s.refer(BACK, case.case_id, "n1", service_id="pbi-desk", idempotency_key="r") == (
            first
        )
        rid = first.referral_id
        for status in (ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED):
            done = s.update_referral(DINSOS, rid, status=status, idempotency_key=f"u-{status}")
            with world.writes_nothing():
                assert s.update_referral(
                    DINSOS, rid, status=status, idempotency_key=f"u-{status}"
                ) == (done)
        confirmed = s.confirm_receipt(FACILITATOR, rid, idempotency_key="c")
        with world.writes_nothing():
            assert s.confirm_receipt(FACILITATOR, rid, idempotency_key="c") == confirmed
        assert world.store.load(case.case_id).version == case.version + 4

    def test_key_reused_for_another_command(self, world):
        """A key already used for another command is refused and changes nothing."""
        case = world.register(idempotency_key="k")
        err = world.refused(
            InvalidInputError,
            world.slrt.assess,
            FACILITATOR,
            case.case_id,
            findings="x",
            idempotency_key="k",
        )
        assert [p.path for p in err.problems] == ["idempotency_key"]
        assert "already used for 'register'" in str(err)

    def test_key_reused_for_refer(self, world):
        """A register key reused for a referral is refused too."""
        case = world.case_in(CaseState.REVIEWED)
        world.register(idempotency_key="k")
        world.refused(
            InvalidInputError,
            world.slrt.refer,
            BACK,
            case.case_id,
            "n1",
            service_id="pbi-desk",
            idempotency_key="k",
        )

    def test_refused_command_keeps_the_key_free(self, world):
        """A refused command does not use up its key: the corrected retry runs."""
        case = world.register()
        world.refused(
            TransitionNotAllowed, world.slrt.submit, FACILITATOR, case.case_id, idempotency_key="s"
        )
        world.slrt.assess(FACILITATOR, case.case_id, findings="x")
        assert world.slrt.submit(FACILITATOR, case.case_id, idempotency_key="s").state is (
            CaseState.SUBMITTED
        )

    def test_retry_by_another_actor_is_authorized(self, world):
        """Replaying a key does not bypass authorization."""
        case = world.register(idempotency_key="visit-1")
        world.slrt.assess(FACILITATOR, case.case_id, findings="x", idempotency_key="a")
        world.refused(
            AccessDenied,
            world.slrt.assess,
            OUTSIDER,
            case.case_id,
            findings="x",
            idempotency_key="a",
        )

    def test_key_reused_for_another_case(self, world):
        """A key used for the same command on another case is refused, not replayed."""
        one = world.register()
        two = world.register()
        world.slrt.assess(FACILITATOR, one.case_id, findings="x", idempotency_key="a")
        world.refused(
            InvalidInputError,
            world.slrt.assess,
            FACILITATOR,
            two.case_id,
            findings="x",
            idempotency_key="a",
        )


# =========================================================================== concurrency


class TestExpectedVersion:
    def test_current_version_accepted(self, world):
        """A command with the version the caller read runs."""
        case = world.register()
        after = world.slrt.assess(FACILITATOR, case.case_id, findings="x", expected_version=1)
        assert after.version == 2

    def test_stale_version_refused(self, world):
        """A command on a case changed since it was read raises ConcurrencyError."""
        case = world.register()
        world.slrt.assess(FACILITATOR, case.case_id, findings="x")
        err = world.refused(
            ConcurrencyError,
            world.slrt.submit,
            FACILITATOR,
            case.case_id,
            expected_version=case.version,
        )
        assert (err.case_id, err.expected, err.actual) == (case.case_id, 1, 2)
        assert "Reload the case" in str(err)

    def test_stale_version_on_a_referral(self, world):
        """Referral commands check the case version too."""
        referral = world.referral_in(ReferralStatus.REQUESTED)
        version = world.store.load(referral.case_id).version
        world.refused(
            ConcurrencyError,
            world.slrt.update_referral,
            DINSOS,
            referral.referral_id,
            status=ReferralStatus.RECEIVED,
            expected_version=version - 1,
        )
        world.slrt.update_referral(
            DINSOS, referral.referral_id, status="received", expected_version=version
        )


# =========================================================================== refusals


class TestRefusalsChangeNothing:
    """Each kind of refusal leaves store, audit, outbox and notifications as they were.

    These run without a notifier, so the outbox holds undelivered rows a faulty refusal
    could add to.
    """

    @pytest.fixture
    def busy(self, quiet: World) -> tuple[World, Case]:
        quiet.case_in(CaseState.SUBMITTED)
        case = quiet.case_in(CaseState.IN_SERVICE)
        assert quiet.snapshot().due
        return quiet, case

    def test_invalid_input(self, busy):
        """InvalidInputError changes nothing."""
        w, case = busy
        w.refused(InvalidInputError, w.slrt.close, SUPERVISOR, case.case_id, reason="x")

    def test_transition_not_allowed(self, busy):
        """TransitionNotAllowed changes nothing."""
        w, case = busy
        w.refused(TransitionNotAllowed, w.slrt.approve, SUPERVISOR, case.case_id)

    def test_access_denied(self, busy):
        """AccessDenied changes nothing."""
        w, case = busy
        w.refused(AccessDenied, w.slrt.close, OUTSIDER, case.case_id, reason="moved")

    def test_concurrency(self, busy):
        """ConcurrencyError changes nothing."""
        w, case = busy
        w.refused(
            ConcurrencyError,
            w.slrt.record_need,
            FACILITATOR,
            case.case_id,
            Need(sector=Sector.FOOD),
            expected_version=case.version - 1,
        )

    def test_case_not_found(self, busy):
        """CaseNotFoundError changes nothing."""
        w, _ = busy
        w.refused(CaseNotFoundError, w.slrt.assess, FACILITATOR, "case-404", findings="x")

    def test_referral_not_found(self, busy):
        """ReferralNotFoundError changes nothing."""
        w, _ = busy
        w.refused(ReferralNotFoundError, w.slrt.confirm_receipt, FACILITATOR, "referral-404")

    def test_store_conflict(self, busy):
        """A commit that loses a race raises ConcurrencyError and writes nothing."""
        w, case = busy
        stale = w.store.load(case.case_id)
        w.slrt.record_need(FACILITATOR, case.case_id, Need(sector=Sector.FOOD))

        def racing_command() -> None:
            # The command reads the case before the other writer's commit lands.
            real_load = w.store.load
            w.store.load = lambda case_id: stale  # type: ignore[method-assign]
            try:
                w.slrt.record_need(FACILITATOR, case.case_id, NEEDS[0])
            finally:
                w.store.load = real_load  # type: ignore[method-assign]

        w.refused(ConcurrencyError, racing_command)

    def test_consent_missing(self, busy):
        """ConsentError changes nothing."""
        w, _ = busy
        case = w.case_in(CaseState.REVIEWED)
        (basis,) = case.bases
        w.slrt.withdraw_consent(BACK, case.case_id, basis.record_id)
        w.refused(ConsentError, w.slrt.refer, BACK, case.case_id, "n1", service_id="pbi-desk")

    def test_every_refusal_is_translated(self, busy):
        """Every refusal kind has an Indonesian message that differs from the English one."""
        w, case = busy
        fresh = w.register(emergency=True)
        kinds = {
            InvalidInputError: lambda: w.slrt.close(SUPERVISOR, case.case_id, reason="x"),
            TransitionNotAllowed: lambda: w.slrt.approve(SUPERVISOR, case.case_id),
            AccessDenied: lambda: w.slrt.get_case(OUTSIDER, case.case_id),
            ConcurrencyError: lambda: w.slrt.submit(FACILITATOR, case.case_id, expected_version=0),
            CaseNotFoundError: lambda: w.slrt.get_case(SUPERVISOR, "case-404"),
            ReferralNotFoundError: lambda: w.slrt.get_referral(BACK, "referral-404"),
            ConsentError: lambda: w.slrt.refer(BACK, fresh.case_id, "n1", service_id="pbi-bpjs"),
        }
        for kind, attempt in kinds.items():
            err = w.refused(kind, attempt)
            assert isinstance(err, SlrtError)


def test_a_whole_flow_replays(world):
    """Along the demo-like flow, every intermediate case replays from its events."""
    case = world.case_in(CaseState.REASSESSED)
    world.clock.advance(timedelta(hours=1))
    closed = world.slrt.close(SUPERVISOR, case.case_id, reason=ClosingReason.INDEPENDENT)
    events = world.store.events(case.case_id)
    for n in range(1, len(events) + 1):
        assert replay(events[:n]).version == n
    assert_replays(world, closed)
    assert {c.need_id for c in closed.referrals} == {"n1"}
    assert closed.need("n1").status is NeedStatus.MET
    assert Command.CLOSE.value == world.store.events(case.case_id)[-1].payload.transition
