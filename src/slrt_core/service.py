"""The :class:`Slrt` service: every command and query of the SLRT flow.

One way through: a command is authorized, checked against the case lifecycle, turned
into events, folded into the new case, and committed with its audit records and outbox
rows in one transaction; notifications go out after the commit. A refused command
raises before anything is written, so it changes nothing and sends nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from slrt_core.access import Actor, Authorizer, Command, RolePolicy
from slrt_core.adapters.basics import SystemClock, UuidIds
from slrt_core.audit import AuditReport, verify
from slrt_core.case._events import (
    CaseApproved,
    CaseAssessed,
    CaseClosed,
    CaseReassessed,
    CaseRegistered,
    CaseReturned,
    CaseReviewed,
    CaseSubmitted,
    DirectServiceDelivered,
    DomainEvent,
    Event,
    NeedRecorded,
    NeedResolvedLocally,
    ReceiptConfirmed,
    ReferralRequested,
    ReferralStatusChanged,
    apply,
    replay,
)
from slrt_core.case._lifecycle import next_state
from slrt_core.case._model import Case, CaseState, Need, NeedStatus, Priority
from slrt_core.errors import (
    ConcurrencyError,
    InvalidInputError,
    Problem,
    ReferralNotFoundError,
    TransitionNotAllowed,
)
from slrt_core.household import Household
from slrt_core.identity import RegionCode
from slrt_core.notify import notifications_for
from slrt_core.outbox import OutboxRelay, RelayReport
from slrt_core.ports import Clock, Commit, IdempotencyRecord, IdFactory, Notifier, Store
from slrt_core.referral._directory import Directory, ServiceDirectory
from slrt_core.referral._lifecycle import (
    PERFORMER_STATUSES,
    REASON_REQUIRED,
    REFERRAL_TABLE,
)
from slrt_core.referral._model import Referral, ReferralReason, ReferralStatus
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind, Sector

__all__ = ["Slrt"]

E = TypeVar("E", bound=enum.Enum)

_WHY = {
    ("refer", "registered"): (
        "Assess the case first; only an emergency case is referred before assessment.",
        "Lakukan asesmen dahulu; hanya kasus darurat yang dirujuk sebelum asesmen.",
    ),
    ("deliver_direct_service", "registered"): (
        "Direct service before assessment is only for an emergency case.",
        "Layanan langsung sebelum asesmen hanya untuk kasus darurat.",
    ),
    ("close", "in_service"): (
        "A referral is still open: cancel it with a reason, or wait for its outcome.",
        "Masih ada rujukan terbuka: batalkan dengan alasan, atau tunggu hasilnya.",
    ),
    ("reassess", "in_service"): (
        "Re-assessment comes after every referral has ended.",
        "Asesmen ulang dilakukan setelah semua rujukan selesai.",
    ),
}


class Slrt:
    """The SLRT service: commands that move cases along, and queries.

    Every port is passed by keyword. Commands take the actor first and the case or
    referral id second; every command accepts ``idempotency_key`` (a retried command with
    the same key does nothing twice and returns the same result) and
    ``expected_version`` (refuse with :class:`~slrt_core.ConcurrencyError` if the case
    changed since the caller read it).

    Args:
        store: where cases, the audit trail and the outbox live.
        clock: the time source; the system clock by default.
        ids: the id factory; random UUIDs by default.
        notifier: where notifications go after each commit; ``None`` keeps them in the
            outbox until :meth:`deliver_notifications` runs with a notifier.
        directory: the provider directory referrals are sent to.
        authorizer: the access policy; :class:`~slrt_core.access.RolePolicy` by default.

    Examples:
        >>> from datetime import date
        >>> from slrt_core import (Actor, Channel, ComplaintKind, Household, Need, Person,
        ...     RegionCode, Relationship, Role, Sector, Sex, Slrt)
        >>> from slrt_core.adapters import MemoryStore
        >>> slrt = Slrt(store=MemoryStore())
        >>> facilitator = Actor(actor_id="fac-1", role=Role.FACILITATOR,
        ...                     jurisdiction=RegionCode("33.74.01"))
        >>> head = Person(member_id="m1", relationship=Relationship.HEAD,
        ...               birth_date=date(1975, 2, 3), sex=Sex.MALE)
        >>> case = slrt.register(
        ...     facilitator,
        ...     Household(region=RegionCode("33.74.01.1001"), members=[head]),
        ...     channel=Channel.HOME_VISIT, kind=ComplaintKind.GRIEVANCE,
        ...     needs=[Need(sector=Sector.HEALTH, description="No health insurance")])
        >>> case.state, case.version, case.needs[0].need_id
        (<CaseState.REGISTERED: 'registered'>, 1, 'n1')
    """

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock | None = None,
        ids: IdFactory | None = None,
        notifier: Notifier | None = None,
        directory: ServiceDirectory | None = None,
        authorizer: Authorizer | None = None,
    ) -> None:
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.ids: IdFactory = ids or UuidIds()
        self.notifier = notifier
        self.directory: ServiceDirectory = directory or Directory()
        self.authorizer: Authorizer = authorizer or RolePolicy()
        self._relay = OutboxRelay(store, notifier, self.clock) if notifier is not None else None

    # ------------------------------------------------------------------ commands

    def register(
        self,
        actor: Actor,
        household: Household,
        *,
        channel: Channel,
        kind: ComplaintKind,
        needs: Sequence[Need],
        emergency: bool = False,
        priority: Priority = Priority.NORMAL,
        idempotency_key: str | None = None,
    ) -> Case:
        """Open a case for *household* with its first needs.

        Raises:
            InvalidInputError: every problem with the household, needs, channel or kind.
            AccessDenied: the actor may not register, or the village is outside their area.
        """
        if idempotency_key is not None and (done := self._replayed(idempotency_key, "register")):
            return done
        problems = _household_problems(household, self.clock.now().date())
        channel = _enum(Channel, channel, "channel", problems)
        kind = _enum(ComplaintKind, kind, "kind", problems)
        priority = _enum(Priority, priority, "priority", problems)
        numbered = _number_needs(needs, household, problems, start=1)
        if not numbered and not problems:
            problems.append(
                Problem(
                    "needs",
                    "Record at least one need; use Sector.OTHER when it fits no sector.",
                    "Catat paling sedikit satu kebutuhan; pakai sektor 'lainnya' bila tidak cocok.",
                )
            )
        if problems:
            raise InvalidInputError(problems)
        self.authorizer.authorize(actor, Command.REGISTER, region=household.region)
        case_id = self.ids.new_id("case")
        payload = CaseRegistered(
            household=household,
            channel=channel,
            kind=kind,
            needs=tuple(numbered),
            emergency=bool(emergency),
            priority=priority,
        )
        event = Event(
            case_id=case_id,
            version=1,
            at=self.clock.now(),
            actor_id=actor.actor_id,
            role=actor.role,
            payload=payload,
        )
        case = apply(None, event)
        self._commit(case, 0, (event,), "register", idempotency_key, case_id)
        return case

    def record_need(
        self,
        actor: Actor,
        case_id: str,
        need: Need,
        *,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Case:
        """Add a need to an open case."""

        def decide(case: Case) -> list[DomainEvent]:
            problems: list[Problem] = []
            numbered = _number_needs([need], case.household, problems, start=len(case.needs) + 1)
            if problems:
                raise InvalidInputError(problems)
            return [NeedRecorded(need=numbered[0])]

        return self._run(
            actor, Command.RECORD_NEED, case_id, decide, idempotency_key, expected_version
        )

    def assess(
        self,
        actor: Actor,
        case_id: str,
        *,
        findings: str,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Case:
        """Record the assessment of the household (or correct it after a return)."""
        _require_text(findings, "findings")
        return self._run(
            actor,
            Command.ASSESS,
            case_id,
            lambda _case: [CaseAssessed(findings=findings)],
            idempotency_key,
            expected_version,
        )

    def submit(
        self,
        actor: Actor,
        case_id: str,
        *,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Case:
        """Submit the assessment to the supervisor for approval."""
        return self._run(
            actor,
            Command.SUBMIT,
            case_id,
            lambda _case: [CaseSubmitted()],
            idempotency_key,
            expected_version,
        )

    def return_for_correction(
        self,
        actor: Actor,
        case_id: str,
        *,
        note: str,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Case:
        """Send the case back to the assessor with a note saying what to correct."""
        _require_text(note, "note")
        return self._run(
            actor,
            Command.RETURN_FOR_CORRECTION,
            case_id,
            lambda _case: [CaseReturned(note=note)],
            idempotency_key,
            expected_version,
            reason=note,
        )

    def approve(
        self,
        actor: Actor,
        case_id: str,
        *,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Case:
        """Approve the submitted assessment."""
        return self._run(
            actor,
            Command.APPROVE,
            case_id,
            lambda _case: [CaseApproved()],
            idempotency_key,
            expected_version,
        )

    def review(
        self,
        actor: Actor,
        case_id: str,
        *,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Case:
        """Front-office review of the approved case, before back-office referral."""
        return self._run(
            actor,
            Command.REVIEW,
            case_id,
            lambda _case: [CaseReviewed()],
            idempotency_key,
            expected_version,
        )

    def resolve_locally(
        self,
        actor: Actor,
        case_id: str,
        need_id: str,
        *,
        how: str,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Case:
        """Record that a need was solved at village level (village program, NGO, advice)."""
        _require_text(how, "how")

        def decide(case: Case) -> list[DomainEvent]:
            _open_need(case, need_id)
            return [NeedResolvedLocally(need_id=need_id, how=how)]

        return self._run(
            actor,
            Command.RESOLVE_LOCALLY,
            case_id,
            decide,
            idempotency_key,
            expected_version,
            reason=how,
        )

    def deliver_direct_service(
        self,
        actor: Actor,
        case_id: str,
        need_id: str,
        *,
        description: str,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Case:
        """Record a service given directly (first, for an emergency)."""
        _require_text(description, "description")

        def decide(case: Case) -> list[DomainEvent]:
            _open_need(case, need_id)
            return [DirectServiceDelivered(need_id=need_id, description=description)]

        return self._run(
            actor,
            Command.DELIVER_DIRECT_SERVICE,
            case_id,
            decide,
            idempotency_key,
            expected_version,
        )

    def refer(
        self,
        actor: Actor,
        case_id: str,
        need_id: str,
        *,
        service_id: str,
        replaces: str | None = None,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Referral:
        """Refer one need to one provider's service.

        Args:
            actor: back-office staff (or a Puskesos operator, or a manager).
            case_id: the case.
            need_id: the need to refer.
            service_id: the service in the directory.
            replaces: the ended referral this one retries or reroutes.
            idempotency_key: makes a retry safe.
            expected_version: the case version the caller read.

        Returns:
            The new referral, ``requested``.
        """
        if idempotency_key is not None and (
            done := self._replayed_referral(idempotency_key, Command.REFER)
        ):
            return done
        service = self.directory.service(service_id)
        referral_id = self.ids.new_id("referral")

        def decide(case: Case) -> list[DomainEvent]:
            need = case.need(need_id)
            if need is None:
                raise _unknown_need(case, need_id)
            problems = []
            if any(r.need_id == need_id and r.is_open for r in case.referrals):
                problems.append(
                    Problem(
                        "need_id",
                        f"Need {need_id!r} already has an open referral; wait for its outcome "
                        "or cancel it first.",
                        f"Kebutuhan {need_id!r} sudah punya rujukan terbuka; tunggu hasilnya "
                        "atau batalkan dahulu.",
                    )
                )
            if not service.active:
                problems.append(
                    Problem(
                        "service_id",
                        f"Service {service_id!r} is not active; choose another service.",
                        f"Layanan {service_id!r} tidak aktif; pilih layanan lain.",
                    )
                )
            if not service.serves(case.region):
                problems.append(
                    Problem(
                        "service_id",
                        f"Service {service_id!r} does not serve village {case.region}; "
                        "choose a service whose area covers it.",
                        f"Layanan {service_id!r} tidak melayani desa {case.region}; pilih "
                        "layanan yang wilayahnya mencakup desa itu.",
                    )
                )
            if replaces is not None:
                old = case.referral(replaces)
                if old is None or old.need_id != need_id or old.is_open:
                    problems.append(
                        Problem(
                            "replaces",
                            f"Referral {replaces!r} is not an ended referral of need {need_id!r} "
                            "in this case; a new referral replaces only such a referral.",
                            f"Rujukan {replaces!r} bukan rujukan yang sudah berakhir untuk "
                            f"kebutuhan {need_id!r} pada kasus ini.",
                        )
                    )
            if problems:
                raise InvalidInputError(problems)
            return [
                ReferralRequested(
                    referral_id=referral_id,
                    need_id=need_id,
                    service_id=service.service_id,
                    provider_id=service.provider_id,
                    replaces=replaces,
                )
            ]

        case = self._run(
            actor,
            Command.REFER,
            case_id,
            decide,
            idempotency_key,
            expected_version,
            result_id=referral_id,
        )
        referral = case.referral(referral_id)
        assert referral is not None  # noqa: S101 - the event just created it
        return referral

    def update_referral(
        self,
        actor: Actor,
        referral_id: str,
        *,
        status: ReferralStatus,
        reason: ReferralReason | None = None,
        note: str = "",
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Referral:
        """Move a referral to *status*.

        The provider's staff set received, accepted, rejected, in progress, on hold,
        completed and failed; the referring staff set cancelled and entered in error.
        Rejected, failed, cancelled, on hold and entered in error need a *reason*
        (``ReferralReason.OTHER`` needs a *note*). Terminal statuses never change again.
        """
        problems: list[Problem] = []
        status = _enum(ReferralStatus, status, "status", problems)
        if reason is not None:
            reason = _enum(ReferralReason, reason, "reason", problems)
        if problems:
            raise InvalidInputError(problems)
        if status in REASON_REQUIRED and reason is None:
            raise InvalidInputError.single(
                "reason",
                f"Status {status} needs a reason code (ReferralReason).",
                f"Status {status} memerlukan kode alasan.",
            )
        if reason is ReferralReason.OTHER and not note.strip():
            raise InvalidInputError.single(
                "note",
                "Reason 'other' needs a note that explains it.",
                "Alasan 'lainnya' memerlukan catatan penjelasan.",
            )
        command = (
            Command.UPDATE_REFERRAL if status in PERFORMER_STATUSES else Command.WITHDRAW_REFERRAL
        )

        def decide(case: Case) -> list[DomainEvent]:
            referral = _referral(case, referral_id)
            if (
                REFERRAL_TABLE.target(referral.status.value, f"to_{status.value}", _no_guards)
                is None
            ):
                raise TransitionNotAllowed(
                    referral_id,
                    referral.status.value,
                    f"update_referral(status={status.value})",
                    why=_referral_why(referral.status),
                    why_id=_referral_why_id(referral.status),
                    kind="referral",
                )
            return [
                ReferralStatusChanged(
                    referral_id=referral_id, status=status, reason=reason, note=note
                )
            ]

        return self._run_referral(
            actor, command, referral_id, decide, idempotency_key, expected_version, note
        )

    def confirm_receipt(
        self,
        actor: Actor,
        referral_id: str,
        *,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Referral:
        """Record the client's confirmation that the referred service was received."""

        def decide(case: Case) -> list[DomainEvent]:
            referral = _referral(case, referral_id)
            if referral.status is not ReferralStatus.COMPLETED or referral.confirmed_at is not None:
                raise TransitionNotAllowed(
                    referral_id,
                    referral.status.value,
                    "confirm_receipt",
                    why="The client confirms only a completed referral, once.",
                    why_id="Klien hanya mengonfirmasi rujukan yang selesai, satu kali.",
                    kind="referral",
                )
            return [ReceiptConfirmed(referral_id=referral_id)]

        return self._run_referral(
            actor, Command.CONFIRM_RECEIPT, referral_id, decide, idempotency_key, expected_version
        )

    def reassess(
        self,
        actor: Actor,
        case_id: str,
        *,
        findings: str,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Case:
        """Assess the household again after its referrals ended."""
        _require_text(findings, "findings")
        return self._run(
            actor,
            Command.REASSESS,
            case_id,
            lambda _case: [CaseReassessed(findings=findings)],
            idempotency_key,
            expected_version,
        )

    def close(
        self,
        actor: Actor,
        case_id: str,
        *,
        reason: ClosingReason,
        note: str = "",
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Case:
        """Close the case for *reason*; refused while a referral is open."""
        problems: list[Problem] = []
        reason = _enum(ClosingReason, reason, "reason", problems)
        if problems:
            raise InvalidInputError(problems)
        return self._run(
            actor,
            Command.CLOSE,
            case_id,
            lambda _case: [CaseClosed(reason=reason)],
            idempotency_key,
            expected_version,
            reason=note,
        )

    # ------------------------------------------------------------------ queries

    def get_case(self, actor: Actor, case_id: str) -> Case:
        """The current case, if *actor* may read it."""
        case = self.store.load(case_id)
        self.authorizer.authorize(actor, Command.READ_CASE, region=case.region)
        return case

    def get_referral(self, actor: Actor, referral_id: str) -> Referral:
        """A referral, for the case's staff or the provider it is addressed to."""
        case = self.store.load(self.store.case_id_of_referral(referral_id))
        referral = _referral(case, referral_id)
        self.authorizer.authorize(
            actor, Command.READ_REFERRAL, region=case.region, provider_id=referral.provider_id
        )
        return referral

    def history(self, actor: Actor, case_id: str) -> list[Event]:
        """The case's events, oldest first."""
        self.get_case(actor, case_id)
        return self.store.events(case_id)

    def list_cases(
        self, actor: Actor, *, region: RegionCode | None = None, state: CaseState | None = None
    ) -> list[Case]:
        """Cases in *region* (default: the actor's whole jurisdiction), optionally in *state*."""
        within = actor.jurisdiction if region is None else region
        self.authorizer.authorize(actor, Command.LIST_CASES, region=within)
        if state is not None:
            problems: list[Problem] = []
            state = _enum(CaseState, state, "state", problems)
            if problems:
                raise InvalidInputError(problems)
        return self.store.find_cases(within=within, state=state)

    def verify_audit(self) -> AuditReport:
        """Verify the whole audit hash chain; the report names the first bad record."""
        return verify(self.store.audit_records())

    def deliver_notifications(self, notifier: Notifier | None = None) -> RelayReport:
        """Deliver every due outbox message (to *notifier*, or the service's notifier)."""
        relay = self._relay if notifier is None else OutboxRelay(self.store, notifier, self.clock)
        return relay.drain() if relay is not None else RelayReport()

    # ------------------------------------------------------------------ machinery

    def _run(
        self,
        actor: Actor,
        command: Command,
        case_id: str,
        decide: Callable[[Case], list[DomainEvent]],
        idempotency_key: str | None,
        expected_version: int | None,
        *,
        reason: str = "",
        result_id: str | None = None,
        provider_id: str | None = None,
        lifecycle_event: str | None = None,
    ) -> Case:
        if idempotency_key is not None and (done := self._replayed(idempotency_key, command)):
            return done
        case = self.store.load(case_id)
        self.authorizer.authorize(actor, command, region=case.region, provider_id=provider_id)
        if expected_version is not None and expected_version != case.version:
            raise ConcurrencyError(case_id, expected_version, case.version)
        event_name = lifecycle_event or command.value
        if next_state(case, event_name) is None:
            why, why_id = _WHY.get((event_name, case.state.value), ("", ""))
            raise TransitionNotAllowed(
                case_id, case.state.value, command.value, why=why, why_id=why_id
            )
        payloads = decide(case)
        now = self.clock.now()
        events = []
        new = case
        for payload in payloads:
            event = Event(
                case_id=case_id,
                version=new.version + 1,
                at=now,
                actor_id=actor.actor_id,
                role=actor.role,
                payload=payload,
                reason=reason,
            )
            new = apply(new, event)
            events.append(event)
        self._commit(
            new, case.version, tuple(events), command, idempotency_key, result_id or case_id
        )
        return new

    def _run_referral(
        self,
        actor: Actor,
        command: Command,
        referral_id: str,
        decide: Callable[[Case], list[DomainEvent]],
        idempotency_key: str | None,
        expected_version: int | None,
        reason: str = "",
    ) -> Referral:
        if idempotency_key is not None and (
            done := self._replayed_referral(idempotency_key, command)
        ):
            return done
        case_id = self.store.case_id_of_referral(referral_id)
        referral = _referral(self.store.load(case_id), referral_id)
        lifecycle = "confirm_receipt" if command is Command.CONFIRM_RECEIPT else "update_referral"
        case = self._run(
            actor,
            command,
            case_id,
            decide,
            idempotency_key,
            expected_version,
            reason=reason,
            result_id=referral_id,
            provider_id=referral.provider_id,
            lifecycle_event=lifecycle,
        )
        return _referral(case, referral_id)

    def _commit(
        self,
        case: Case,
        expected_version: int,
        events: tuple[Event, ...],
        command: str,
        idempotency_key: str | None,
        result_id: str,
    ) -> None:
        notifications = tuple(n for e in events for n in notifications_for(case, e))
        record = (
            IdempotencyRecord(
                key=idempotency_key,
                command=str(command),
                case_id=case.case_id,
                version=case.version,
                result_id=result_id,
            )
            if idempotency_key is not None
            else None
        )
        self.store.commit(
            Commit(
                case=case,
                expected_version=expected_version,
                events=events,
                notifications=notifications,
                idempotency=record,
            )
        )
        if self._relay is not None and notifications:
            self._relay.run_once()

    def _replayed_record(self, key: str, command: str) -> IdempotencyRecord | None:
        record = self.store.idempotency(key)
        if record is None:
            return None
        if record.command != str(command):
            raise InvalidInputError.single(
                "idempotency_key",
                f"Idempotency key {key!r} was already used for {record.command!r}; "
                "use a new key for a different command.",
                f"Kunci idempotensi {key!r} sudah dipakai untuk {record.command!r}; "
                "gunakan kunci baru untuk perintah lain.",
            )
        return record

    def _replayed(self, key: str, command: str) -> Case | None:
        record = self._replayed_record(key, command)
        if record is None:
            return None
        return replay(e for e in self.store.events(record.case_id) if e.version <= record.version)

    def _replayed_referral(self, key: str, command: str) -> Referral | None:
        record = self._replayed_record(key, command)
        if record is None:
            return None
        case = replay(e for e in self.store.events(record.case_id) if e.version <= record.version)
        return _referral(case, record.result_id)


def _no_guards(name: str) -> bool:  # pragma: no cover - the referral lifecycle has no guards
    msg = f"unexpected guard {name!r}"
    raise AssertionError(msg)


def _referral(case: Case, referral_id: str) -> Referral:
    referral = case.referral(referral_id)
    if referral is None:  # pragma: no cover - the store's index points at the case holding it
        raise ReferralNotFoundError(referral_id)
    return referral


def _referral_why(status: ReferralStatus) -> str:
    if status.is_terminal:
        return "It has ended and never reopens; create a new referral that replaces it."
    return (
        "That status does not follow from the current one; follow requested, received, "
        "accepted, in progress, completed."
    )


def _referral_why_id(status: ReferralStatus) -> str:
    if status.is_terminal:
        return (
            "Rujukan sudah berakhir dan tidak dibuka lagi; buat rujukan baru yang menggantikannya."
        )
    return (
        "Status itu tidak mengikuti status sekarang; ikuti urutan dikirim, diterima, "
        "disetujui, dilayani, selesai."
    )


def _enum(cls: type[E], value: Any, path: str, problems: list[Problem]) -> E:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in cls)
        problems.append(
            Problem(
                path,
                f"{value!r} is not a valid {cls.__name__}; use one of: {allowed}.",
                f"{value!r} bukan {cls.__name__} yang sah; gunakan salah satu: {allowed}.",
            )
        )
        return next(iter(cls))


def _require_text(value: object, path: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError.single(
            path,
            f"{path} must be a non-empty text.",
            f"{path} wajib diisi dengan teks.",
        )


def _household_problems(household: object, today: Any) -> list[Problem]:
    if not isinstance(household, Household):
        return [
            Problem(
                "household",
                f"Expected a Household, got {type(household).__name__}. Build it with "
                "slrt_core.Household(...).",
                f"Diharapkan Household, diterima {type(household).__name__}.",
            )
        ]
    return household.problems_on(today)


def _number_needs(
    needs: Sequence[Need], household: object, problems: list[Problem], *, start: int
) -> list[Need]:
    numbered: list[Need] = []
    members = (
        {m.member_id for m in household.members} if isinstance(household, Household) else set()
    )
    given: Sequence[object] = needs  # callers may pass anything; check it
    for i, need in enumerate(given):
        if not isinstance(need, Need):
            problems.append(
                Problem(
                    f"needs[{i}]",
                    f"Expected a Need, got {type(need).__name__}.",
                    f"Diharapkan Need, diterima {type(need).__name__}.",
                )
            )
            continue
        if need.member_id is not None and need.member_id not in members:
            problems.append(
                Problem(
                    f"needs[{i}].member_id",
                    f"The household has no member {need.member_id!r}.",
                    f"Rumah tangga tidak punya anggota {need.member_id!r}.",
                )
            )
        numbered.append(
            Need(
                sector=_enum(Sector, need.sector, f"needs[{i}].sector", problems),
                description=need.description,
                member_id=need.member_id,
                need_id=f"n{start + len(numbered)}",
                status=NeedStatus.OPEN,
            )
        )
    return numbered


def _unknown_need(case: Case, need_id: str) -> InvalidInputError:
    known = ", ".join(n.need_id for n in case.needs)
    return InvalidInputError.single(
        "need_id",
        f"Case {case.case_id!r} has no need {need_id!r}; its needs are {known}.",
        f"Kasus {case.case_id!r} tidak punya kebutuhan {need_id!r}; kebutuhannya {known}.",
    )


def _open_need(case: Case, need_id: str) -> None:
    need = case.need(need_id)
    if need is None:
        raise _unknown_need(case, need_id)
    if need.status is not NeedStatus.OPEN:
        raise InvalidInputError.single(
            "need_id",
            f"Need {need_id!r} is {need.status}, not open; nothing more to do for it here.",
            f"Kebutuhan {need_id!r} berstatus {need.status}, bukan terbuka.",
        )
