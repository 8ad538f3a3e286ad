"""The service's referral work: routing, consent, fallback, SLA sweep, M&E and FHIR."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import attrs
import pytest
from tests.unit.referral.builders import MIROTO, health_directory

from slrt_core import (
    AccessDenied,
    Actor,
    Case,
    CaseState,
    Channel,
    ComplaintKind,
    ConcurrencyError,
    ConsentError,
    Household,
    InvalidInputError,
    Need,
    NeedStatus,
    Person,
    RegionCode,
    Relationship,
    Role,
    Sector,
    Sex,
    Slrt,
    SlrtError,
    TransitionNotAllowed,
)
from slrt_core.adapters import MemoryStore, RecordingNotifier, SequentialIds, SqliteStore
from slrt_core.calendar import WorkingCalendar
from slrt_core.case import ReferralEscalated, ReferralRequested, replay
from slrt_core.ports import Store
from slrt_core.referral import (
    DataCategory,
    Directory,
    DirectServiceFirst,
    LawfulBasisKind,
    LeastLoaded,
    Purpose,
    Referral,
    ReferralReason,
    ReferralStatus,
    Routing,
    Sla,
)
from slrt_core.testing import FrozenClock

E = TypeVar("E", bound=SlrtError)
S = ReferralStatus
T0 = datetime(2026, 8, 3, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB
CITY = RegionCode("33.74")
FACILITATOR = Actor(actor_id="fac-1", role=Role.FACILITATOR, jurisdiction=RegionCode("33.74.01"))
SUPERVISOR = Actor(actor_id="sup-1", role=Role.SUPERVISOR, jurisdiction=CITY)
FRONT = Actor(actor_id="fo-1", role=Role.FRONT_OFFICE, jurisdiction=CITY)
BACK = Actor(actor_id="bo-1", role=Role.BACK_OFFICE, jurisdiction=CITY)
AUDITOR = Actor(actor_id="aud-1", role=Role.AUDITOR, jurisdiction=CITY)


def staff_of(provider_id: str) -> Actor:
    return Actor(
        actor_id=f"{provider_id}-staff",
        role=Role.PROVIDER_STAFF,
        jurisdiction=CITY,
        provider_id=provider_id,
    )


class World:
    """A service on one store, at Monday 09:00 WIB, with the health directory."""

    def __init__(self, store: Store, directory: Directory | None = None) -> None:
        self.store = store
        self.clock = FrozenClock(T0)
        self.notifier = RecordingNotifier()
        self.slrt = Slrt(
            store=store,
            clock=self.clock,
            ids=SequentialIds(),
            notifier=self.notifier,
            directory=directory or health_directory(),
        )

    def snapshot(self) -> tuple[Any, ...]:
        return (
            tuple(self.store.audit_records()),
            tuple(self.store.find_cases(within=RegionCode.INDONESIA)),
            tuple(self.notifier.sent),
            tuple(self.store.open_referrals()),
        )

    def refused(self, error: type[E], command: Callable[..., object], *args: Any, **kw: Any) -> E:
        """Run a command that must be refused with *error*; it changes and sends nothing."""
        before = self.snapshot()
        with pytest.raises(error) as info:
            command(*args, **kw)
        assert self.snapshot() == before
        assert info.value.message("id") != info.value.message("en")
        return info.value

    def reviewed(
        self, *, emergency: bool = False, programs: tuple[str, ...] = (), needs: Any = None
    ) -> str:
        head = Person(
            member_id="m1",
            relationship=Relationship.HEAD,
            birth_date=date(1980, 1, 1),
            sex=Sex.MALE,
            name="Budi Santoso",
        )
        child = Person(
            member_id="m2",
            relationship=Relationship.CHILD,
            birth_date=date(2015, 6, 1),
            sex=Sex.FEMALE,
            name="Sari",
        )
        case = self.slrt.register(
            FACILITATOR,
            Household(region=MIROTO, members=(head, child), programs_received=programs),
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.GRIEVANCE,
            needs=needs
            or [
                Need(sector=Sector.HEALTH, description="No health insurance"),
                Need(sector=Sector.HEALTH, description="Asthma care", member_id="m2"),
            ],
            emergency=emergency,
        )
        if emergency:
            return case.case_id
        cid = case.case_id
        self.slrt.assess(FACILITATOR, cid, findings="Day labourer; decile 2.")
        self.slrt.submit(FACILITATOR, cid)
        self.slrt.approve(SUPERVISOR, cid)
        self.slrt.review(FRONT, cid)
        return cid

    def consent(self, cid: str, recipients: list[str] | None = None, **kw: Any) -> Case:
        kw.setdefault("subject", "m1")
        kw.setdefault("grantor", "m1")
        return self.slrt.record_consent(
            FACILITATOR,
            cid,
            purposes=[Purpose.REFERRAL],
            recipients=recipients or ["*"],
            evidence="Form F-12, signed by Budi Santoso",
            **kw,
        )

    def case(self, cid: str) -> Case:
        return self.store.load(cid)

    def topics(self) -> list[tuple[str, str]]:
        return [(n.topic, n.recipient) for n in self.notifier.sent]


@pytest.fixture(params=["memory", "sqlite"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    store: Any = MemoryStore() if request.param == "memory" else SqliteStore(":memory:")
    yield World(store)
    store.close()


class TestRoutedReferral:
    def test_routes_to_the_best_candidate(self, world: World) -> None:
        """Without a service, refer routes: the village desk first, due in 2 working days."""
        cid = world.reviewed()
        consent = world.consent(cid).consents[0]
        referral = world.slrt.refer(BACK, cid, "n1")
        assert referral.service_id == "village-health"
        assert referral.provider_id == "puskesos"
        assert referral.consent_id == consent.consent_id
        assert referral.due_at == datetime(2026, 8, 5, 17, 0, tzinfo=UTC)
        sent = world.notifier.sent[-1]
        assert (sent.topic, sent.recipient) == ("referral_requested", "provider:puskesos")
        assert "by the end of 5 August 2026 (WIB)" in sent.body["en"]

    def test_routes_with_the_given_policy(self, world: World) -> None:
        """A policy given to refer overrides the service's default."""
        cid = world.reviewed()
        world.consent(cid)
        assert world.slrt.refer(BACK, cid, "n1", policy=LeastLoaded()).service_id == "jamkesda"

    def test_skips_providers_the_consent_does_not_name(self, world: World) -> None:
        """The referral goes to the best candidate whose provider the consent covers."""
        cid = world.reviewed()
        world.consent(cid, recipients=["dinsos"])
        assert world.slrt.refer(BACK, cid, "n1").service_id == "pbi-dinsos"

    def test_route_query_sends_nothing(self, world: World) -> None:
        """Slrt.route shows the ranking and changes nothing."""
        cid = world.reviewed()
        before = world.snapshot()
        result = world.slrt.route(BACK, cid, "n1")
        assert isinstance(result, Routing)
        assert result.best is not None
        assert result.best.service_id == "village-health"
        assert world.snapshot() == before

    def test_no_service_can_take_the_need(self, world: World) -> None:
        """A need no service serves is refused, naming what was left out."""
        cid = world.reviewed(needs=[Need(sector=Sector.HOUSING, description="Leaking roof")])
        world.consent(cid)
        err = world.refused(InvalidInputError, world.slrt.refer, BACK, cid, "n1")
        assert "No service in the directory can take need 'n1'" in str(err)

    def test_exclusions_are_named_when_nothing_is_left(self, world: World) -> None:
        """When every candidate is excluded, the refusal lists why, with the override hint."""
        directory = Directory(
            [health_directory().provider("dinsos")], [health_directory().service("pbi-dinsos")]
        )
        world.slrt.directory = directory
        cid = world.reviewed(programs=("PBI-JK",))
        world.consent(cid)
        err = world.refused(InvalidInputError, world.slrt.refer, BACK, cid, "n1")
        assert "pbi-dinsos: the household already receives PBI_JK" in str(err)
        assert "override_reason" in str(err)
        referral = world.slrt.refer(BACK, cid, "n1", override_reason="Card lost; re-enrol")
        assert referral.service_id == "pbi-dinsos"
        assert world.store.events(cid)[-1].reason == "Card lost; re-enrol"

    def test_emergency_needs_direct_service_before_routing(self, world: World) -> None:
        """An emergency need is not routed before direct service; naming a service works."""
        cid = world.reviewed(emergency=True)
        world.consent(cid)
        err = world.refused(TransitionNotAllowed, world.slrt.refer, BACK, cid, "n1")
        assert "deliver_direct_service()" in str(err)
        assert isinstance(world.slrt.route(BACK, cid, "n1"), DirectServiceFirst)
        referral = world.slrt.refer(BACK, cid, "n1", service_id="ngo-clinic")
        assert referral.provider_id == "ngo"
        world.slrt.deliver_direct_service(BACK, cid, "n2", description="Inhaler")
        world.consent(cid, subject="m2", grantor="m1", guardian="m1")
        assert world.slrt.refer(BACK, cid, "n2").service_id == "village-health"

    def test_named_service_checks_program_exclusions(self, world: World) -> None:
        """A named service of a program the household receives needs an override reason."""
        cid = world.reviewed(programs=("PBI_JK",))
        world.consent(cid)
        err = world.refused(
            InvalidInputError, world.slrt.refer, BACK, cid, "n1", service_id="pbi-bpjs"
        )
        assert "already receives PBI_JK" in str(err)
        assert "override_reason" in err.message("id")
        ok = world.slrt.refer(BACK, cid, "n1", service_id="pbi-bpjs", override_reason="Re-check")
        assert ok.service_id == "pbi-bpjs"

    def test_blank_override_reason_is_refused(self, world: World) -> None:
        """An override needs a real reason."""
        cid = world.reviewed()
        world.consent(cid)
        world.refused(InvalidInputError, world.slrt.refer, BACK, cid, "n1", override_reason=" ")


class TestConsent:
    def test_refused_without_consent(self, world: World) -> None:
        """No consent or lawful basis: ConsentError saying how to fix it; nothing changes."""
        cid = world.reviewed()
        err = world.refused(ConsentError, world.slrt.refer, BACK, cid, "n1")
        assert "record_consent()" in str(err)
        assert "record_lawful_basis()" in str(err)
        assert "puskesos" in str(err)
        world.refused(ConsentError, world.slrt.refer, BACK, cid, "n1", service_id="pbi-bpjs")

    def test_consent_of_another_member_does_not_cover(self, world: World) -> None:
        """The child's need needs the child's consent (given by the guardian)."""
        cid = world.reviewed()
        world.consent(cid)
        world.refused(ConsentError, world.slrt.refer, BACK, cid, "n2")
        world.consent(cid, subject="m2", grantor="m1", guardian="m1")
        assert world.slrt.refer(BACK, cid, "n2").need_id == "n2"

    def test_child_consent_needs_a_guardian(self, world: World) -> None:
        """A child's own consent is refused, and changes nothing."""
        cid = world.reviewed()
        err = world.refused(
            InvalidInputError,
            world.slrt.record_consent,
            FACILITATOR,
            cid,
            subject="m2",
            grantor="m2",
            purposes=["referral"],
            recipients=["*"],
            evidence="Form",
        )
        assert err.problems[0].path == "guardian"

    def test_listed_categories_must_cover_the_data(self, world: World) -> None:
        """A consent limited to identity and household data does not cover a health referral."""
        cid = world.reviewed()
        world.consent(cid, categories=[DataCategory.IDENTITY, DataCategory.HOUSEHOLD])
        err = world.refused(ConsentError, world.slrt.refer, BACK, cid, "n1")
        assert "(health, household, identity)" in str(err)

    def test_lawful_basis_covers_every_member(self, world: World) -> None:
        """A recorded public-service duty lets referrals of any member go."""
        cid = world.reviewed()
        case = world.slrt.record_lawful_basis(
            SUPERVISOR,
            cid,
            kind=LawfulBasisKind.PUBLIC_SERVICE_DUTY,
            legal_reference="UU 27/2022 Pasal 20; Permensos 15/2018",
            purposes=["referral"],
            note="Client cannot sign: hospitalised.",
        )
        (basis,) = case.lawful_bases
        assert world.slrt.refer(BACK, cid, "n2").consent_id == basis.basis_id

    def test_withdrawal_stops_new_referrals(self, world: World) -> None:
        """After withdrawal nothing more is sent; the back office hears of open referrals."""
        cid = world.reviewed()
        consent = world.consent(cid).consents[0]
        open_one = world.slrt.refer(BACK, cid, "n1")
        case = world.slrt.withdraw_consent(
            FACILITATOR, cid, consent.consent_id, note="Client asked."
        )
        assert case.consents[0].withdrawn_at == T0
        sent = world.notifier.sent[-1]
        assert sent.topic == "consent_withdrawn"
        assert open_one.referral_id in sent.body["en"]
        world.slrt.update_referral(
            BACK, open_one.referral_id, status=S.CANCELLED, reason=ReferralReason.CLIENT_DECLINED
        )
        world.refused(ConsentError, world.slrt.refer, BACK, cid, "n1")
        err = world.refused(
            InvalidInputError, world.slrt.withdraw_consent, FACILITATOR, cid, consent.consent_id
        )
        assert "none" in str(err)

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"purposes": ["gossip"]},
            {"categories": ["shoe_size"]},
            {"recipients": "bpjs"},
            {"recipients": [7]},
            {"evidence": " "},
            {"subject": "m9", "grantor": "m9"},
        ],
    )
    def test_bad_consents_are_refused(self, world: World, kwargs: dict[str, Any]) -> None:
        """Unknown purposes or categories, a bare string of recipients, no evidence, a stranger."""
        cid = world.reviewed()
        fields: dict[str, Any] = {
            "subject": "m1",
            "grantor": "m1",
            "purposes": ["referral"],
            "recipients": ["*"],
            "evidence": "Form",
            **kwargs,
        }
        world.refused(InvalidInputError, world.slrt.record_consent, FACILITATOR, cid, **fields)

    def test_bad_lawful_bases_are_refused(self, world: World) -> None:
        """An unknown kind, a bare string of recipients or no legal reference is refused."""
        cid = world.reviewed()
        for kwargs in (
            {"kind": "hunch", "legal_reference": "x"},
            {"kind": LawfulBasisKind.VITAL_INTEREST, "legal_reference": "x", "recipients": "a"},
            {"kind": LawfulBasisKind.VITAL_INTEREST, "legal_reference": " "},
        ):
            world.refused(
                InvalidInputError,
                world.slrt.record_lawful_basis,
                SUPERVISOR,
                cid,
                purposes=["referral"],
                **kwargs,
            )

    def test_only_staff_record_consent(self, world: World) -> None:
        """Provider staff may not record consent, and a closed case takes none."""
        cid = world.reviewed()
        world.refused(
            AccessDenied,
            world.slrt.record_consent,
            staff_of("bpjs"),
            cid,
            subject="m1",
            grantor="m1",
            purposes=["referral"],
            recipients=["*"],
            evidence="Form",
        )
        world.refused(
            AccessDenied,
            world.slrt.record_lawful_basis,
            FACILITATOR,
            cid,
            kind=LawfulBasisKind.VITAL_INTEREST,
            legal_reference="x",
            purposes=["referral"],
        )
        from slrt_core import ClosingReason

        world.slrt.close(SUPERVISOR, cid, reason=ClosingReason.DUPLICATE)
        with pytest.raises(TransitionNotAllowed):
            world.consent(cid)

    def test_notifications_carry_no_personal_data(self, world: World) -> None:
        """No name or consent evidence reaches any notification."""
        cid = world.reviewed()
        consent = world.consent(cid).consents[0]
        world.slrt.refer(BACK, cid, "n1")
        world.slrt.withdraw_consent(FACILITATOR, cid, consent.consent_id)
        for n in world.notifier.sent:
            for text in (*n.subject.values(), *n.body.values()):
                assert "Budi" not in text
                assert "Sari" not in text
                assert "F-12" not in text

    def test_consent_events_replay(self, world: World) -> None:
        """Consents and withdrawals are events: replaying them rebuilds the case."""
        cid = world.reviewed()
        consent = world.consent(cid).consents[0]
        world.slrt.withdraw_consent(FACILITATOR, cid, consent.consent_id)
        assert replay(world.store.events(cid)) == world.case(cid)
        assert world.slrt.verify_audit(AUDITOR).ok


class TestFallback:
    def test_rejection_sends_the_need_to_the_next_candidate(self, world: World) -> None:
        """A rejection for capacity reroutes in the same command, recorded as the system."""
        cid = world.reviewed()
        world.consent(cid)
        first = world.slrt.refer(BACK, cid, "n1")
        rejected = world.slrt.update_referral(
            staff_of("puskesos"),
            first.referral_id,
            status=S.REJECTED,
            reason=ReferralReason.CAPACITY,
        )
        assert rejected.status is S.REJECTED
        case = world.case(cid)
        (retry,) = [r for r in case.referrals if r.replaces == first.referral_id]
        assert retry.service_id == "pbi-dinsos"
        assert retry.is_open
        assert case.need("n1").status is NeedStatus.REFERRED  # type: ignore[union-attr]
        last = world.store.events(cid)[-1]
        assert isinstance(last.payload, ReferralRequested)
        assert (last.actor_id, last.role) == ("slrt-system", Role.SYSTEM)
        assert "Automatic reroute" in last.reason
        assert ("referral_requested", "provider:dinsos") in world.topics()

    @pytest.mark.parametrize(
        ("status", "reason"),
        [
            (S.REJECTED, ReferralReason.CLIENT_DECLINED),
            (S.REJECTED, ReferralReason.DUPLICATE),
        ],
    )
    def test_no_reroute_when_the_client_declined(
        self, world: World, status: ReferralStatus, reason: ReferralReason
    ) -> None:
        """Declined by the client or a duplicate: the need is not sent on."""
        cid = world.reviewed()
        world.consent(cid)
        first = world.slrt.refer(BACK, cid, "n1")
        world.slrt.update_referral(
            staff_of("puskesos"), first.referral_id, status=status, reason=reason
        )
        assert len(world.case(cid).referrals) == 1
        assert "referral_unrouted" not in [t for t, _ in world.topics()]

    def test_failure_is_not_rerouted(self, world: World) -> None:
        """A failed service is an outcome, not a routing problem: no reroute."""
        cid = world.reviewed()
        world.consent(cid)
        first = world.slrt.refer(BACK, cid, "n1")
        world.slrt.update_referral(staff_of("puskesos"), first.referral_id, status=S.ACCEPTED)
        world.slrt.update_referral(
            staff_of("puskesos"),
            first.referral_id,
            status=S.FAILED,
            reason=ReferralReason.OTHER,
            note="No stock",
        )
        assert len(world.case(cid).referrals) == 1

    def test_manual_expiry_reroutes(self, world: World) -> None:
        """Cancelling as expired sends the need on, like the sweep's expiry."""
        cid = world.reviewed()
        world.consent(cid)
        first = world.slrt.refer(BACK, cid, "n1")
        world.slrt.update_referral(
            BACK, first.referral_id, status=S.CANCELLED, reason=ReferralReason.EXPIRED
        )
        assert [r.service_id for r in world.case(cid).referrals] == ["village-health", "pbi-dinsos"]

    def test_none_left_tells_the_back_office(self, world: World) -> None:
        """When no candidate the consent covers is left, the need stays open and BO is told."""
        cid = world.reviewed()
        world.consent(cid, recipients=["puskesos"])
        first = world.slrt.refer(BACK, cid, "n1")
        world.slrt.update_referral(
            staff_of("puskesos"),
            first.referral_id,
            status=S.REJECTED,
            reason=ReferralReason.NOT_ELIGIBLE,
        )
        case = world.case(cid)
        assert len(case.referrals) == 1
        assert case.need("n1").status is NeedStatus.OPEN  # type: ignore[union-attr]
        assert ("referral_unrouted", "role:back_office@33.74") in world.topics()
        unrouted = next(n for n in world.notifier.sent if n.topic == "referral_unrouted")
        assert "Kebutuhan n1" in unrouted.subject["id"]

    def test_wrong_provider_changes_nothing(self, world: World) -> None:
        """Another provider's staff cannot reject (or reroute) someone else's referral."""
        cid = world.reviewed()
        world.consent(cid)
        first = world.slrt.refer(BACK, cid, "n1")
        world.refused(
            AccessDenied,
            world.slrt.update_referral,
            staff_of("bpjs"),
            first.referral_id,
            status=S.REJECTED,
            reason=ReferralReason.CAPACITY,
        )

    def test_skipping_states_changes_nothing(self, world: World) -> None:
        """Completing a referral that was never accepted is refused."""
        cid = world.reviewed()
        world.consent(cid)
        first = world.slrt.refer(BACK, cid, "n1")
        world.refused(
            TransitionNotAllowed,
            world.slrt.update_referral,
            staff_of("puskesos"),
            first.referral_id,
            status=S.COMPLETED,
        )


class TestDeadlines:
    def test_each_hop_gets_its_deadline(self, world: World) -> None:
        """Received: accept deadline; accepted: completion deadline, kept while in progress."""
        cid = world.reviewed()
        world.consent(cid)
        rid = world.slrt.refer(BACK, cid, "n1").referral_id
        puskesos = staff_of("puskesos")
        received = world.slrt.update_referral(puskesos, rid, status=S.RECEIVED)
        assert received.due_at == datetime(2026, 8, 10, 17, 0, tzinfo=UTC)  # 5 working days
        accepted = world.slrt.update_referral(puskesos, rid, status=S.ACCEPTED)
        assert accepted.due_at == WorkingCalendar().deadline(T0, 14)
        running = world.slrt.update_referral(puskesos, rid, status=S.IN_PROGRESS)
        assert running.due_at == accepted.due_at
        done = world.slrt.update_referral(puskesos, rid, status=S.COMPLETED)
        assert done.due_at is None

    def test_a_service_gone_from_the_directory_keeps_default_deadlines(self, world: World) -> None:
        """If the service left the directory, the default SLA still sets deadlines."""
        cid = world.reviewed()
        world.consent(cid)
        rid = world.slrt.refer(BACK, cid, "n1").referral_id
        world.slrt.directory = Directory()
        received = world.slrt.update_referral(staff_of("puskesos"), rid, status=S.RECEIVED)
        assert received.due_at == WorkingCalendar().deadline(T0, Sla().accept_days)

    def test_the_calendar_is_built_on_first_use(self) -> None:
        """Without a calendar, a WorkingCalendar is made when first needed, once."""
        slrt = Slrt(store=MemoryStore())
        assert isinstance(slrt.calendar, WorkingCalendar)
        assert slrt.calendar is slrt.calendar
        mine = WorkingCalendar(collective_leave=False)
        assert Slrt(store=MemoryStore(), calendar=mine).calendar is mine


DUE = datetime(2026, 8, 5, 17, 0, tzinfo=UTC)  # end of Wednesday 5 August, WIB


class TestSweep:
    def _referred(self, world: World, recipients: list[str] | None = None) -> tuple[str, Referral]:
        cid = world.reviewed()
        world.consent(cid, recipients=recipients)
        referral = world.slrt.refer(BACK, cid, "n1")
        assert referral.due_at == DUE
        return cid, referral

    def test_nothing_before_the_deadline(self, world: World) -> None:
        """Before the deadline the sweep finds nothing and writes nothing."""
        self._referred(world)
        before = world.snapshot()
        report = world.slrt.sweep(DUE - timedelta(seconds=1))
        assert (report.checked, report.escalated) == (0, 0)
        assert world.snapshot() == before

    def test_steps_are_taken_once_each(self, world: World) -> None:
        """Reminder at the deadline; overdue and escalation later; a second sweep does nothing."""
        cid, referral = self._referred(world)
        world.clock.set(DUE)
        report = world.slrt.sweep()
        assert report.steps == {"reminder": 1}
        assert report.at == DUE
        event = world.store.events(cid)[-1]
        assert isinstance(event.payload, ReferralEscalated)
        assert (event.payload.step, event.payload.level) == ("reminder", 1)
        assert (event.actor_id, event.role, event.at) == ("slrt-system", Role.SYSTEM, DUE)
        assert world.topics()[-1] == ("referral_reminder", "provider:puskesos")
        again = world.slrt.sweep()
        assert (again.checked, again.escalated) == (1, 0)
        world.clock.set(datetime(2026, 8, 7, 17, 0, tzinfo=UTC))  # end of Friday
        report = world.slrt.sweep()
        assert report.steps == {"escalate": 1, "overdue": 1}
        assert world.topics()[-4:] == [
            ("referral_overdue", "provider:puskesos"),
            ("referral_overdue", "role:back_office@33.74"),
            ("referral_escalated", "role:supervisor@33.74"),
            ("referral_escalated", "role:back_office@33"),
        ]
        assert world.case(cid).referral(referral.referral_id).escalation_level == 3  # type: ignore[union-attr]
        assert world.slrt.verify_audit(AUDITOR).ok
        assert replay(world.store.events(cid)) == world.case(cid)

    def test_expiry_cancels_and_reroutes(self, world: World) -> None:
        """At the last rung the referral expires and the need goes to the next candidate."""
        cid, referral = self._referred(world)
        world.clock.set(datetime(2026, 8, 10, 17, 0, tzinfo=UTC))  # end of Monday
        report = world.slrt.sweep()
        assert report.steps == {"escalate": 1, "expire": 1, "overdue": 1, "reminder": 1}
        assert (report.expired, report.rerouted, report.unrouted) == (1, 1, 0)
        case = world.case(cid)
        old = case.referral(referral.referral_id)
        assert old is not None
        assert (old.status, old.reason) == (S.CANCELLED, ReferralReason.EXPIRED)
        (new,) = [r for r in case.referrals if r.replaces == referral.referral_id]
        assert new.service_id == "pbi-dinsos"
        assert new.due_at == WorkingCalendar().deadline(world.clock.now(), 2)
        assert ("referral_expired", "provider:puskesos") in world.topics()
        assert world.slrt.sweep().escalated == 0

    def test_expiry_without_candidates(self, world: World) -> None:
        """When the consent covers no other provider, expiry leaves the need unrouted."""
        cid, _ = self._referred(world, recipients=["puskesos"])
        world.clock.set(datetime(2026, 8, 20, tzinfo=UTC))
        report = world.slrt.sweep()
        assert (report.expired, report.rerouted, report.unrouted) == (1, 0, 1)
        assert world.case(cid).need("n1").status is NeedStatus.OPEN  # type: ignore[union-attr]
        assert ("referral_unrouted", "role:back_office@33.74") in world.topics()

    def test_an_answer_restarts_the_ladder(self, world: World) -> None:
        """Receiving the referral sets a new deadline and clears the escalation level."""
        _, referral = self._referred(world)
        world.clock.set(DUE)
        world.slrt.sweep()
        received = world.slrt.update_referral(
            staff_of("puskesos"), referral.referral_id, status=S.RECEIVED
        )
        assert received.escalation_level == 0
        assert world.slrt.sweep().escalated == 0

    def test_a_conflict_is_left_for_the_next_sweep(self, world: World) -> None:
        """A case changed during the sweep is counted as a conflict and done next time."""
        cid, _ = self._referred(world)
        world.clock.set(DUE)
        real_commit_many = world.store.commit_many

        def racing(commits: Any) -> Any:
            return [
                ConcurrencyError(cid, c.expected_version, c.expected_version + 1) for c in commits
            ]

        world.store.commit_many = racing  # type: ignore[method-assign]
        report = world.slrt.sweep()
        assert (report.conflicts, report.escalated) == (1, 0)
        world.store.commit_many = real_commit_many  # type: ignore[method-assign]
        assert world.slrt.sweep().escalated == 1

    def test_a_conflict_of_the_whole_batch_splits_it(self, world: World) -> None:
        """A batch the store refuses as a whole is committed case by case instead."""
        cid, _ = self._referred(world)
        world.clock.set(DUE)
        real_commit_many = world.store.commit_many

        def whole(commits: Any) -> Any:
            raise ConcurrencyError(cid, 0, None)

        def racing(commit: Any) -> None:
            raise ConcurrencyError(cid, commit.expected_version, commit.expected_version + 1)

        def alone(commit: Any) -> None:
            (refused,) = real_commit_many([commit])
            if refused is not None:
                raise refused

        world.store.commit_many = whole  # type: ignore[method-assign]
        world.store.commit = racing  # type: ignore[method-assign]
        report = world.slrt.sweep()
        assert (report.conflicts, report.escalated) == (1, 0)
        world.store.commit = alone  # type: ignore[method-assign]
        report = world.slrt.sweep()
        assert (report.conflicts, report.escalated) == (0, 1)

    def test_a_stale_index_entry_is_skipped(self, world: World) -> None:
        """An index row that no longer matches an open referral is ignored."""
        cid, referral = self._referred(world)
        world.store.open_referrals = lambda due_before=None: [  # type: ignore[method-assign]
            ("referral-404", cid),
            (referral.referral_id, cid),
        ]
        report = world.slrt.sweep(DUE)
        assert (report.checked, report.escalated) == (2, 1)

    def test_custom_ladder(self) -> None:
        """A service with its own ladder escalates by it."""
        from slrt_core.referral import EscalationLadder, EscalationStep, Rung

        world = World(MemoryStore())
        world.slrt.ladder = EscalationLadder([Rung(EscalationStep.OVERDUE, 0)])
        self._referred(world)
        assert world.slrt.sweep(DUE).steps == {"overdue": 1}
        assert world.slrt.sweep(DUE + timedelta(days=30)).escalated == 0


class TestReportsAndExport:
    def test_referral_report_of_the_jurisdiction(self, world: World) -> None:
        """The back office's report counts its cases' referrals by program and tier."""
        cid = world.reviewed()
        world.consent(cid)
        world.slrt.refer(BACK, cid, "n1")
        world.clock.set(datetime(2026, 8, 6, tzinfo=UTC))
        report = world.slrt.referral_report(BACK)
        assert report.referrals_by_tier == {"village": 1}
        assert [o.service_id for o in report.overdue] == ["village-health"]
        assert [u.need_id for u in report.unmet_needs] == ["n2"]
        with pytest.raises(AccessDenied):
            world.slrt.referral_report(staff_of("bpjs"))

    def test_fhir_export_is_authorized(self, world: World) -> None:
        """The provider it is addressed to may export it; another provider may not."""
        cid = world.reviewed()
        world.consent(cid)
        referral = world.slrt.refer(BACK, cid, "n1")
        bundle = world.slrt.export_fhir(staff_of("puskesos"), referral.referral_id)
        assert bundle["entry"][0]["resource"]["owner"] == {"reference": "Organization/puskesos"}
        with pytest.raises(AccessDenied):
            world.slrt.export_fhir(staff_of("bpjs"), referral.referral_id)


def test_emergency_case_can_take_consent_before_assessment() -> None:
    """Consent can be recorded in any open state, from registration on."""
    world = World(MemoryStore())
    cid = world.reviewed(emergency=True)
    assert world.case(cid).state is CaseState.REGISTERED
    assert len(world.consent(cid).consents) == 1
    assert attrs.has(type(world.case(cid).consents[0]))
