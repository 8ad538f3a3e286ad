"""The :class:`Slrt` service: every command and query of the SLRT flow.

One way through: a command is authorized, checked against the case lifecycle, turned
into events, folded into the new case, and committed with its audit records and outbox
rows in one transaction; notifications go out after the commit. A refused command
raises before anything is written, so it changes nothing and sends nothing.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import attrs

from slrt_core.access import (
    AccessPurpose,
    Actor,
    Authorizer,
    Command,
    Role,
    RolePolicy,
    purpose_for,
)
from slrt_core.adapters.basics import SystemClock, UuidIds, resumed
from slrt_core.audit import AuditReport, verify
from slrt_core.calendar import WorkingCalendar, local_date_in
from slrt_core.case._events import (
    CaseApproved,
    CaseAssessed,
    CaseClosed,
    CaseErased,
    CaseReassessed,
    CaseRegistered,
    CaseReturned,
    CaseReviewed,
    CaseSubmitted,
    ConsentRecorded,
    ConsentWithdrawn,
    DirectServiceDelivered,
    DomainEvent,
    Event,
    LawfulBasisRecorded,
    NeedRecorded,
    NeedResolvedLocally,
    ReceiptConfirmed,
    ReferralEscalated,
    ReferralRequested,
    ReferralStatusChanged,
    apply,
    replay,
)
from slrt_core.case._lifecycle import next_state
from slrt_core.case._model import Case, CaseState, Need, NeedStatus, Priority, ProgramDecision
from slrt_core.errors import (
    AccessDenied,
    CaseErasedError,
    CaseNotFoundError,
    ConcurrencyError,
    InvalidInputError,
    Problem,
    ReferralNotFoundError,
    StorageError,
    TransitionNotAllowed,
)
from slrt_core.freetext import clean_text
from slrt_core.household import Household
from slrt_core.identity import Nik, RegionCode, RegionLevel, predecessors_within, region_covers
from slrt_core.notify import notifications_for, reroutes
from slrt_core.outbox import OutboxRelay, RelayReport
from slrt_core.ports import (
    Clock,
    Commit,
    ErasableStore,
    IdempotencyRecord,
    IdFactory,
    Notifier,
    Store,
)
from slrt_core.privacy import (
    AccessLog,
    AccessRecord,
    LoggerAccessLog,
    NikIndex,
    subject_access_export,
)
from slrt_core.referral._consent import (
    ADULT_AGE,
    Consent,
    DataCategory,
    LawfulBasis,
    LawfulBasisKind,
    Purpose,
    consent_refusal,
    covering,
)
from slrt_core.referral._directory import Directory, Service, ServiceDirectory, Sla
from slrt_core.referral._fhir import referral_to_fhir
from slrt_core.referral._lifecycle import (
    PERFORMER_STATUSES,
    REASON_REQUIRED,
    REFERRAL_TABLE,
)
from slrt_core.referral._model import Referral, ReferralReason, ReferralStatus
from slrt_core.referral._reports import ReferralReport, referral_report
from slrt_core.referral._routing import (
    DirectServiceFirst,
    Routing,
    RoutingPolicy,
    program_exclusions,
    program_key,
    route,
)
from slrt_core.referral._sla import (
    DEFAULT_LADDER,
    EscalationLadder,
    EscalationStep,
    SweepReport,
    next_deadline,
)
from slrt_core.rules._rulebook import Rulebook
from slrt_core.rules._scalar import decide as decide_programs
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
        authorizer: the access policy; :class:`~slrt_core.access.RolePolicy` with the
            service's clock by default (jurisdiction follows region splits).
        calendar: working days for SLA deadlines;
            :class:`~slrt_core.calendar.WorkingCalendar` by default (built on first use).
        ladder: the escalation steps of an overdue referral;
            :data:`~slrt_core.referral.DEFAULT_LADDER` by default.
        policy: how referrals are routed when no service is named;
            :class:`~slrt_core.referral.NearestTierFirst` by default.
        overlaps: program -> programs it must not be combined with, for routing; taken
            from the rulebook's programs when a rulebook is given and this is ``None``.
        rulebook: the eligibility rules (:func:`slrt_core.rules.load_pack` for the
            national pack, or a regional variant); when given, every assessment records
            each program's decision and routing respects them.
        access_log: where reads are recorded (who, what, when, for which purpose);
            :class:`~slrt_core.privacy.LoggerAccessLog` (the ``slrt_core.reads`` logger)
            by default.
        nik_index: keyed NIK tokens of registered households, for :meth:`find_by_nik`;
            none by default.

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
        calendar: WorkingCalendar | None = None,
        ladder: EscalationLadder = DEFAULT_LADDER,
        policy: RoutingPolicy | None = None,
        overlaps: Mapping[str, Iterable[str]] | None = None,
        rulebook: Rulebook | None = None,
        access_log: AccessLog | None = None,
        nik_index: NikIndex | None = None,
    ) -> None:
        self.store = store
        self.rulebook = rulebook
        if overlaps is None and rulebook is not None:
            overlaps = _rulebook_overlaps(rulebook)
        self.clock: Clock = clock or SystemClock()
        self.ids: IdFactory = resumed(ids or UuidIds(), store)  # restart-safe sequential ids
        self.notifier = notifier
        self.directory: ServiceDirectory = directory or Directory()
        self.authorizer: Authorizer = authorizer or RolePolicy(clock=self.clock)
        self.access_log: AccessLog = access_log if access_log is not None else LoggerAccessLog()
        self.nik_index = nik_index
        self.ladder = ladder
        self.policy = policy
        self.overlaps = overlaps
        self._calendar = calendar
        self._relay = OutboxRelay(store, notifier, self.clock) if notifier is not None else None

    @property
    def calendar(self) -> WorkingCalendar:
        """The working-day calendar of SLA deadlines."""
        if self._calendar is None:
            self._calendar = WorkingCalendar()
        return self._calendar

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
        if idempotency_key is not None and (
            done := self._replayed(idempotency_key, Command.REGISTER, actor)
        ):
            return done
        problems = _household_problems(household, _household_day(household, self.clock.now()))
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
        if self.nik_index is not None:
            # Before the commit: a failed commit leaves a token to a missing case, which
            # lookups skip; the other order could leave a case that cannot be found.
            self.nik_index.add(case_id, household)
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

        def decide(case: Case, now: datetime) -> list[_Step]:  # noqa: ARG001
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
        """Record the assessment of the household (or correct it after a return).

        With a :attr:`rulebook`, the assessment also records every program's eligibility
        decision for the household on the local date (of the working calendar), with
        the rulebook version, and routing uses those decisions.

        Raises:
            InvalidInputError: empty findings, or the rules refuse the household (a birth
                date after today).
        """
        _require_text(findings, "findings")
        findings = clean_text(findings, "findings")  # text policy (freetext)

        def decide(case: Case, now: datetime) -> list[_Step]:
            decisions, version = self._eligibility(case, now)
            return [CaseAssessed(findings=findings, decisions=decisions, rulebook_version=version)]

        return self._run(actor, Command.ASSESS, case_id, decide, idempotency_key, expected_version)

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
            lambda _case, _now: [CaseSubmitted()],
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
        note = clean_text(note, "note")  # text policy (freetext)
        return self._run(
            actor,
            Command.RETURN_FOR_CORRECTION,
            case_id,
            lambda _case, _now: [CaseReturned(note=note)],
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
            lambda _case, _now: [CaseApproved()],
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
            lambda _case, _now: [CaseReviewed()],
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
        how = clean_text(how, "how")  # text policy (freetext)

        def decide(case: Case, now: datetime) -> list[_Step]:  # noqa: ARG001
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
        description = clean_text(description, "description")  # text policy (freetext)

        def decide(case: Case, now: datetime) -> list[_Step]:  # noqa: ARG001
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
        service_id: str | None = None,
        replaces: str | None = None,
        policy: RoutingPolicy | None = None,
        override_reason: str | None = None,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Referral:
        """Refer one need to one provider's service, under the client's consent.

        Without *service_id* the need is routed (:func:`~slrt_core.referral.route`) with
        the latest assessment's decisions, and sent to the best candidate whose provider
        the client's consent (or a lawful basis) covers. Personal data goes to that one
        provider only; if it rejects the referral or lets it expire, the next candidate
        gets it (see :meth:`update_referral` and :meth:`sweep`).

        Args:
            actor: back-office staff (or a Puskesos operator, or a manager).
            case_id: the case.
            need_id: the need to refer.
            service_id: the service in the directory; routed when ``None``.
            replaces: the ended referral this one retries or reroutes.
            policy: the routing policy for this referral (the service's by default).
            override_reason: why a program the household already receives, is not
                eligible for, or that overlaps, is offered anyway; recorded as the event's
                reason.
            idempotency_key: makes a retry safe.
            expected_version: the case version the caller read.

        Returns:
            The new referral, ``requested``, with the deadline to acknowledge it.

        Raises:
            InvalidInputError: unknown need or service, an inactive or out-of-area service,
                an open referral for the need, a program excluded without an override, or
                no service that can take the need.
            ConsentError: no consent or lawful basis covers sending the data to the provider.
            TransitionNotAllowed: the case may not be referred now (not yet assessed; an
                emergency not yet served, when routing).
        """
        if idempotency_key is not None and (
            done := self._replayed_referral(idempotency_key, Command.REFER, actor, case_id=case_id)
        ):
            return done
        _check_refer_args(need_id, service_id, replaces, override_reason)
        named = self.directory.service(service_id) if service_id is not None else None
        referral_id = self.ids.new_id("referral")

        def decide(case: Case, now: datetime) -> list[_Step]:
            need = case.need(need_id)
            if need is None:
                raise _unknown_need(case, need_id)
            problems = _referral_problems(case, need_id, replaces)
            if named is not None:
                problems.extend(_service_problems(case, named, override_reason, self.overlaps))
            if problems:
                raise InvalidInputError(problems)
            if named is not None:
                service = named
                basis = self._basis(case, need, service.provider_id, now)
                if basis is None:
                    raise self._refusal(case, need, service.provider_id, now)
            else:
                service, basis = self._routed(case, need, policy, override_reason, now)
            return [
                ReferralRequested(
                    referral_id=referral_id,
                    need_id=need_id,
                    service_id=service.service_id,
                    provider_id=service.provider_id,
                    replaces=replaces,
                    due_at=self.calendar.deadline(now, service.sla.acknowledge_days),
                    consent_id=basis,
                )
            ]

        case = self._run(
            actor,
            Command.REFER,
            case_id,
            decide,
            idempotency_key,
            expected_version,
            reason=override_reason or "",
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
        Each change sets the deadline of the next hop from the service's SLA.

        When the provider rejects the referral (for any reason but the client declining
        or a duplicate), or it is cancelled as expired, the same command sends the need
        to the next candidate the client's consent covers, as a new referral that
        replaces this one; when none is left, the need stays open and the back office is
        told.
        """
        _check_note(note, "note")
        note = clean_text(note, "note")  # text policy (freetext)
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

        def decide(case: Case, now: datetime) -> list[_Step]:
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
            steps: list[_Step] = [
                ReferralStatusChanged(
                    referral_id=referral_id,
                    status=status,
                    reason=reason,
                    note=note,
                    due_at=self._next_deadline(referral, status, now),
                )
            ]
            if reroutes(status, reason):
                steps.extend(self._reroute(case, referral, now))
            return steps

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

        def decide(case: Case, now: datetime) -> list[_Step]:  # noqa: ARG001
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
        """Assess the household again after its referrals ended (decided as in :meth:`assess`)."""
        _require_text(findings, "findings")
        findings = clean_text(findings, "findings")  # text policy (freetext)

        def decide(case: Case, now: datetime) -> list[_Step]:
            decisions, version = self._eligibility(case, now)
            return [
                CaseReassessed(findings=findings, decisions=decisions, rulebook_version=version)
            ]

        return self._run(
            actor, Command.REASSESS, case_id, decide, idempotency_key, expected_version
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
        _check_note(note, "note")
        note = clean_text(note, "note")  # text policy (freetext)
        problems: list[Problem] = []
        reason = _enum(ClosingReason, reason, "reason", problems)
        if problems:
            raise InvalidInputError(problems)
        return self._run(
            actor,
            Command.CLOSE,
            case_id,
            lambda _case, _now: [CaseClosed(reason=reason)],
            idempotency_key,
            expected_version,
            reason=note,
        )

    def record_consent(
        self,
        actor: Actor,
        case_id: str,
        *,
        subject: str,
        grantor: str,
        purposes: Iterable[Purpose | str],
        recipients: Iterable[str],
        evidence: str,
        guardian: str | None = None,
        categories: Iterable[DataCategory | str] = (),
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Case:
        """Record a member's consent to send their data (a guardian's, for a child).

        Args:
            actor: field or office staff who took the consent.
            case_id: the case.
            subject: the member whose data it is.
            grantor: who consented: the subject, or the guardian.
            purposes: what for (``Purpose.REFERRAL`` to send referrals).
            recipients: provider ids, or ``"*"`` for any provider.
            evidence: where the proof is (signed form number, scan or recording id).
            guardian: the guardian of a child subject (a member id or a description).
            categories: kinds of data covered; empty means what the purpose needs.
            valid_from: when it starts; now by default.
            valid_until: when it ends; open-ended by default.
            idempotency_key: makes a retry safe.
            expected_version: the case version the caller read.

        Raises:
            InvalidInputError: every problem: unknown purpose or category, missing
                evidence, a child without a guardian who grants it, a subject who is not
                a member.
        """
        problems: list[Problem] = []
        wanted = [_enum(Purpose, p, "purposes", problems) for p in _items(purposes)]
        kinds = [_enum(DataCategory, c, "categories", problems) for c in _items(categories)]
        recipients = _listed(recipients)
        problems.extend(_recipient_problems(recipients))
        if problems:
            raise InvalidInputError(problems, subject="the consent")

        def decide(case: Case, now: datetime) -> list[_Step]:
            consent = Consent(
                consent_id=self.ids.new_id("consent"),
                subject=subject,
                grantor=grantor,
                guardian=guardian,
                purposes=wanted,
                recipients=recipients,
                categories=kinds,
                valid_from=valid_from or now,
                valid_until=valid_until,
                evidence=evidence,
            )
            found = consent.problems_for(case.household, self.calendar.local_date(now))
            if found:
                raise InvalidInputError(found, subject="the consent")
            return [ConsentRecorded(consent=consent)]

        return self._run(
            actor, Command.RECORD_CONSENT, case_id, decide, idempotency_key, expected_version
        )

    def record_lawful_basis(
        self,
        actor: Actor,
        case_id: str,
        *,
        kind: LawfulBasisKind,
        legal_reference: str,
        purposes: Iterable[Purpose | str],
        recipients: Iterable[str] = ("*",),
        note: str = "",
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Case:
        """Record a lawful basis other than consent for sending the household's data.

        For example the social service's public-service duty (UU PDP 27/2022 Art. 20;
        Permensos 15/2018) when the client cannot consent, or a vital interest in an
        emergency. It covers every member of the household.

        Raises:
            InvalidInputError: an unknown kind or purpose, or no legal reference.
        """
        _check_note(note, "note")
        note = clean_text(note, "note")  # text policy (freetext)
        problems: list[Problem] = []
        kind = _enum(LawfulBasisKind, kind, "kind", problems)
        wanted = [_enum(Purpose, p, "purposes", problems) for p in _items(purposes)]
        recipients = _listed(recipients)
        problems.extend(_recipient_problems(recipients))
        if problems:
            raise InvalidInputError(problems, subject="the lawful basis")

        def decide(case: Case, now: datetime) -> list[_Step]:  # noqa: ARG001
            basis = LawfulBasis(
                basis_id=self.ids.new_id("basis"),
                kind=kind,
                legal_reference=legal_reference,
                purposes=wanted,
                recipients=recipients,
                valid_from=valid_from or now,
                valid_until=valid_until,
                note=note,
            )
            return [LawfulBasisRecorded(basis=basis)]

        return self._run(
            actor,
            Command.RECORD_LAWFUL_BASIS,
            case_id,
            decide,
            idempotency_key,
            expected_version,
            reason=note,
            lifecycle_event="record_consent",
        )

    def withdraw_consent(
        self,
        actor: Actor,
        case_id: str,
        record_id: str,
        *,
        note: str = "",
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Case:
        """Withdraw a consent or lawful basis: nothing more is sent under it.

        What was sent before stays covered. Open referrals are not cancelled: the back
        office is told which are open, to cancel them if the client asks.

        Raises:
            InvalidInputError: the case has no such record in force.
        """
        _check_id(record_id, "record_id")
        _check_note(note, "note")
        note = clean_text(note, "note")  # text policy (freetext)

        def decide(case: Case, now: datetime) -> list[_Step]:  # noqa: ARG001
            record = next((r for r in case.bases if r.record_id == record_id), None)
            if record is None or record.withdrawn_at is not None:
                known = ", ".join(r.record_id for r in case.bases if r.withdrawn_at is None)
                raise InvalidInputError.single(
                    "record_id",
                    f"Case {case_id!r} has no consent or lawful basis {record_id!r} in force; "
                    f"those in force are: {known or 'none'}.",
                    f"Kasus {case_id!r} tidak punya persetujuan atau dasar hukum {record_id!r} "
                    f"yang berlaku; yang berlaku: {known or 'tidak ada'}.",
                )
            return [ConsentWithdrawn(record_id=record_id)]

        return self._run(
            actor,
            Command.WITHDRAW_CONSENT,
            case_id,
            decide,
            idempotency_key,
            expected_version,
            reason=note,
        )

    def sweep(self, now: datetime | None = None) -> SweepReport:
        """Escalate overdue referrals one ladder step at a time, as the system.

        Every step due at *now* (the clock's time by default) is an audited
        :class:`~slrt_core.case.ReferralEscalated` event with its notifications: a
        reminder to the provider, the overdue flag to the back office, escalation to the
        supervisor and the next tier, and expiry, which cancels the referral with reason
        ``expired`` and sends the need to the next candidate. A sweep that finds
        a referral several steps behind takes every step due, in order. Running it again
        at the same time does nothing: each step is taken once. The events carry the
        sweep's time; their notifications go out once the service's clock reaches it.

        Returns:
            What it did.
        """
        if now is not None:
            _check_when(now, "now")
        at = now or self.clock.now()
        by_case: dict[str, list[str]] = {}
        for referral_id, case_id in self.store.open_referrals(due_before=at):
            by_case.setdefault(case_id, []).append(referral_id)
        steps: Counter[str] = Counter()
        totals: Counter[str] = Counter()
        for case_id, referral_ids in by_case.items():
            totals["checked"] += len(referral_ids)
            try:
                outcome = self._sweep_case(case_id, referral_ids, at)
            except ConcurrencyError:
                totals["conflicts"] += 1
                continue
            for key, value in outcome.items():
                (steps if key in _STEP_NAMES else totals)[key] += value
        return SweepReport(
            at=at,
            checked=totals["checked"],
            steps=dict(sorted(steps.items())),
            expired=steps[EscalationStep.EXPIRE.value],
            rerouted=totals["rerouted"],
            unrouted=totals["unrouted"],
            conflicts=totals["conflicts"],
        )

    # ------------------------------------------------------------------ queries

    def get_case(self, actor: Actor, case_id: str, *, purpose: AccessPurpose | None = None) -> Case:
        """The current case, if *actor* may read it for *purpose* (the role's default).

        Every read is recorded in the access log with its purpose.
        """
        return self._read_case(actor, case_id, purpose, "read_case")

    def get_referral(
        self, actor: Actor, referral_id: str, *, purpose: AccessPurpose | None = None
    ) -> Referral:
        """A referral, for the case's staff or the provider it is addressed to."""
        why = purpose_for(actor, purpose)
        _check_id(referral_id, "referral_id")
        case = self.store.load(self.store.case_id_of_referral(referral_id))
        referral = _referral(case, referral_id)
        self.authorizer.authorize(
            actor, Command.READ_REFERRAL, region=case.region, provider_id=referral.provider_id
        )
        self._log_read(actor, "read_referral", referral_id, why)
        return referral

    def programs_for_need(
        self,
        actor: Actor,
        case_id: str,
        need_id: str,
        *,
        purpose: AccessPurpose | None = None,
    ) -> tuple[ProgramDecision, ...]:
        """The programs of the rulebook that serve a need, with the latest decision on each.

        Programs the household is eligible for come first, then those that need
        verification, then those it is not eligible for (kept so staff can see why);
        programs the household already receives are left out. Before an assessment
        with decisions, nothing is decided yet and the result is empty.

        Raises:
            InvalidInputError: the service has no rulebook, or the case has no such need.
            AccessDenied: the actor may not read the case.
        """
        if self.rulebook is None:
            raise InvalidInputError.single(
                "rulebook",
                "This service has no rulebook; create it with Slrt(..., rulebook=load_pack()).",
                "Layanan ini tidak punya rulebook; buat dengan Slrt(..., rulebook=load_pack()).",
            )
        case = self.get_case(actor, case_id, purpose=purpose)
        need = case.need(need_id)
        if need is None:
            raise _unknown_need(case, need_id)
        decided = {d.program: d for d in _decisions(case)}
        received = {program_key(p) for p in case.household.programs_received}
        found = [
            decided[code]
            for code in self.rulebook.programs_for(need.sector)
            if code in decided and program_key(code) not in received
        ]
        return tuple(sorted(found, key=lambda d: _OUTCOME_RANK.get(d.outcome, 1)))

    def history(
        self, actor: Actor, case_id: str, *, purpose: AccessPurpose | None = None
    ) -> list[Event]:
        """The case's events, oldest first."""
        self._read_case(actor, case_id, purpose, "history")
        return self.store.events(case_id)

    def list_cases(
        self,
        actor: Actor,
        *,
        region: RegionCode | None = None,
        state: CaseState | None = None,
        purpose: AccessPurpose | None = None,
    ) -> list[Case]:
        """Cases in *region* (default: the actor's whole jurisdiction), optionally in *state*.

        A region follows splits (pemekaran) from their effective date: staff of a new
        province also get the cases recorded under the old codes of its regencies, and
        staff of the old province no longer do.
        """
        why = purpose_for(actor, purpose)
        if region is not None and not isinstance(region, RegionCode):
            raise InvalidInputError.single(
                "region",
                f"region must be a RegionCode such as RegionCode('33.74'), not "
                f"{type(region).__name__}.",
                f"region harus RegionCode seperti RegionCode('33.74'), bukan "
                f"{type(region).__name__}.",
            )
        within = actor.jurisdiction if region is None else region
        self.authorizer.authorize(actor, Command.LIST_CASES, region=within)
        if state is not None:
            problems: list[Problem] = []
            state = _enum(CaseState, state, "state", problems)
            if problems:
                raise InvalidInputError(problems)
        on = local_date_in(within, self.clock.now())  # the civil date of the region listed
        found = {
            c.case_id: c
            for code in (within, *predecessors_within(within, on))
            for c in self.store.find_cases(within=code, state=state)
            if region_covers(within, c.region, on)
        }
        self._log_read(actor, "list_cases", f"region:{within.code or 'ID'}", why)
        return [found[k] for k in sorted(found)]

    def route(
        self,
        actor: Actor,
        case_id: str,
        need_id: str,
        *,
        policy: RoutingPolicy | None = None,
        override_reason: str | None = None,
        purpose: AccessPurpose | None = None,
    ) -> Routing | DirectServiceFirst:
        """The ranked services for a need, with reasons, as :meth:`refer` would route it.

        Nothing is sent: staff can look at the ranking before referring.
        """
        _check_id(need_id, "need_id")
        if override_reason is not None:
            _require_text(override_reason, "override_reason")
        case = self._read_case(actor, case_id, purpose, "route")
        return route(
            case,
            need_id,
            directory=self.directory,
            decisions=_decisions(case),
            policy=policy or self.policy,
            overlaps=self.overlaps,
            override_reason=override_reason,
        )

    def referral_report(
        self,
        actor: Actor,
        *,
        region: RegionCode | None = None,
        now: datetime | None = None,
        region_level: RegionLevel = RegionLevel.REGENCY,
        purpose: AccessPurpose | None = None,
    ) -> ReferralReport:
        """The M&E report of the cases in *region* (the actor's jurisdiction by default)."""
        cases = self.list_cases(actor, region=region, purpose=purpose)
        return referral_report(
            cases,
            now=now or self.clock.now(),
            directory=self.directory,
            calendar=self.calendar,
            region_level=region_level,
        )

    def export_fhir(
        self, actor: Actor, referral_id: str, *, purpose: AccessPurpose | None = None
    ) -> dict[str, Any]:
        """The referral as a FHIR R4 Task + ServiceRequest bundle, without personal data."""
        referral = self.get_referral(actor, referral_id, purpose=purpose)
        case = self.store.load(referral.case_id)
        return referral_to_fhir(case, referral_id, directory=self.directory)

    def verify_audit(self, actor: Actor) -> AuditReport:
        """Verify the whole audit hash chain; the report names the first bad record.

        Raises:
            AccessDenied: the actor's role may not verify the audit trail.
        """
        self.authorizer.authorize(actor, Command.VERIFY_AUDIT)
        return verify(self.store.audit_records())

    def find_by_nik(
        self, actor: Actor, nik: Nik, *, purpose: AccessPurpose | None = None
    ) -> list[Case]:
        """The cases of the households with a member (or KK) of this NIK that *actor* may read.

        The lookup goes through keyed tokens (:class:`~slrt_core.privacy.NikIndex`): the
        NIK itself is stored nowhere in clear. Cases outside the actor's reach are left
        out (each such denial is logged), and erased cases are gone.

        Raises:
            InvalidInputError: *nik* is not a :class:`~slrt_core.Nik`.
            StorageError: the service has no NIK index.
        """
        why = purpose_for(actor, purpose)
        if self.nik_index is None:
            msg = "This service has no NIK index: pass nik_index=NikIndex(...) to Slrt."
            raise StorageError(
                msg,
                message_id="Layanan ini tidak punya indeks NIK: berikan nik_index ke Slrt.",
            )
        found = []
        for case_id in self.nik_index.find(nik):
            try:
                case = self.store.load(case_id)
                self.authorizer.authorize(actor, Command.READ_CASE, region=case.region)
            except (CaseNotFoundError, AccessDenied):  # a token of a failed commit, or elsewhere
                continue
            self._log_read(actor, "find_by_nik", case_id, why)
            found.append(case)
        return found

    def subject_access(
        self, actor: Actor, case_id: str, *, member_id: str | None = None
    ) -> dict[str, Any]:
        """Everything held about a person (or, without *member_id*, the whole household).

        The answer to a data subject's request (UU PDP 27/2022 Art. 7): JSON-ready data,
        NIK and names in clear (it is the person's own data), recorded in the access log
        with purpose ``subject_access``. See :func:`slrt_core.privacy.subject_access_export`.

        Raises:
            AccessDenied: the actor may not serve subject requests, or not in that region.
            InvalidInputError: the household has no member *member_id*.
        """
        why = purpose_for(actor, AccessPurpose.SUBJECT_ACCESS)
        _check_id(case_id, "case_id")
        if member_id is not None:
            _check_id(member_id, "member_id")
        case = self.store.load(case_id)
        self.authorizer.authorize(actor, Command.SUBJECT_ACCESS, region=case.region)
        events = self.store.events(case_id)
        data = subject_access_export(case, events, member_id=member_id, at=self.clock.now())
        self._log_read(actor, "subject_access", case_id, why)
        return data

    def erase(self, actor: Actor, case_id: str, *, request_ref: str) -> None:
        """Erase a closed case's personal data (UU PDP 27/2022 Art. 8, 43): crypto-shredding.

        Appends a :class:`~slrt_core.case.CaseErased` event (in clear, with *request_ref*
        and no personal data), then destroys the case's data key: every sealed event
        becomes unreadable, the audit chain still verifies, and the case no longer loads
        (:class:`~slrt_core.errors.CaseErasedError`). Its NIK tokens are dropped.
        Running it again on an erased case destroys the key again (finishing an erasure
        that failed after its event was written) and does nothing else.

        Args:
            actor: the manager deciding the request for the controller.
            case_id: the case.
            request_ref: the reference of the subject's request (a letter or ticket
                number, never a name: it is stored in clear).

        Raises:
            TransitionNotAllowed: the case is not closed; close it first.
            StorageError: the store keeps personal data in clear (no sealing codec).
        """
        _require_text(request_ref, "request_ref")
        _check_id(case_id, "case_id")
        try:
            case = self.store.load(case_id)
        except CaseErasedError:
            self.authorizer.authorize(actor, Command.ERASE)  # the region is gone with the data
            self._erase_keys(case_id)
            return
        self.authorizer.authorize(actor, Command.ERASE, region=case.region)
        if case.state is not CaseState.CLOSED:
            raise TransitionNotAllowed(
                case_id,
                case.state.value,
                "erase",
                why="Close the case first (a referral may still need the data).",
                why_id="Tutup kasus terlebih dahulu (rujukan mungkin masih memerlukan data).",
            )
        self._erasable(case_id)
        now = self.clock.now()
        event = Event(
            case_id=case_id,
            version=case.version + 1,
            at=now,
            actor_id=actor.actor_id,
            role=actor.role,
            payload=CaseErased(request_ref=request_ref),
        )
        erased = attrs.evolve(case, version=event.version, updated_at=now)
        self.store.commit(Commit(case=erased, expected_version=case.version, events=(event,)))
        self._erase_keys(case_id)

    def _erasable(self, case_id: str) -> ErasableStore:
        store = self.store
        if not isinstance(store, ErasableStore) or not store.codec.can_erase:
            msg = (
                f"Case {case_id!r} cannot be erased: this store keeps personal data in clear. "
                "Open the store with codec=SealingCodec(vault) (slrt_core.crypto)."
            )
            raise StorageError(
                msg,
                message_id=f"Kasus {case_id!r} tidak dapat dihapus: penyimpanan ini menyimpan "
                "data pribadi tanpa enkripsi. Buka dengan codec=SealingCodec(vault).",
            )
        return store

    def _erase_keys(self, case_id: str) -> None:
        self._erasable(case_id).erase(case_id)
        if self.nik_index is not None:
            self.nik_index.forget(case_id)

    def deliver_notifications(self, notifier: Notifier | None = None) -> RelayReport:
        """Deliver every due outbox message (to *notifier*, or the service's notifier)."""
        relay = self._relay if notifier is None else OutboxRelay(self.store, notifier, self.clock)
        return relay.drain() if relay is not None else RelayReport()

    # ------------------------------------------------------------------ machinery

    def _read_case(
        self, actor: Actor, case_id: str, purpose: AccessPurpose | None, action: str
    ) -> Case:
        why = purpose_for(actor, purpose)
        _check_id(case_id, "case_id")
        case = self.store.load(case_id)
        self.authorizer.authorize(actor, Command.READ_CASE, region=case.region)
        self._log_read(actor, action, case_id, why)
        return case

    def _log_read(self, actor: Actor, action: str, target: str, purpose: AccessPurpose) -> None:
        self.access_log.record(
            AccessRecord(
                at=self.clock.now(),
                actor_id=actor.actor_id,
                role=actor.role,
                action=action,
                target=target,
                purpose=purpose,
            )
        )

    def _run(
        self,
        actor: Actor,
        command: Command,
        case_id: str,
        decide: Callable[[Case, datetime], list[_Step]],
        idempotency_key: str | None,
        expected_version: int | None,
        *,
        reason: str = "",
        result_id: str | None = None,
        provider_id: str | None = None,
        lifecycle_event: str | None = None,
        at: datetime | None = None,
        loaded: Case | None = None,
    ) -> Case:
        _check_id(case_id, "case_id")
        if idempotency_key is not None and (
            done := self._replayed(idempotency_key, command, actor, case_id=case_id)
        ):
            return done
        case = loaded if loaded is not None else self.store.load(case_id)
        self.authorizer.authorize(actor, command, region=case.region, provider_id=provider_id)
        if expected_version is not None and expected_version != case.version:
            raise ConcurrencyError(case_id, expected_version, case.version)
        event_name = lifecycle_event or command.value
        if next_state(case, event_name) is None:
            why, why_id = _WHY.get((event_name, case.state.value), ("", ""))
            raise TransitionNotAllowed(
                case_id, case.state.value, command.value, why=why, why_id=why_id
            )
        now = at or self.clock.now()
        steps = decide(case, now)
        events = []
        new = case
        for step in steps:
            payload, who, why = (
                (step.payload, step.actor, step.reason)
                if isinstance(step, _By)
                else (step, actor, reason)
            )
            event = Event(
                case_id=case_id,
                version=new.version + 1,
                at=now,
                actor_id=who.actor_id,
                role=who.role,
                payload=payload,
                reason=why,
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
        decide: Callable[[Case, datetime], list[_Step]],
        idempotency_key: str | None,
        expected_version: int | None,
        reason: str = "",
    ) -> Referral:
        _check_id(referral_id, "referral_id")
        _check_note(reason, "note")
        if idempotency_key is not None and (
            done := self._replayed_referral(
                idempotency_key, command, actor, referral_id=referral_id
            )
        ):
            return done
        case_id = self.store.case_id_of_referral(referral_id)
        loaded = self.store.load(case_id)
        referral = _referral(loaded, referral_id)
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
            loaded=loaded,
        )
        return _referral(case, referral_id)

    # ------------------------------------------------------------------ referral helpers

    def _eligibility(
        self, case: Case, now: datetime
    ) -> tuple[tuple[ProgramDecision, ...], str | None]:
        """The summaries of the rulebook's decisions for the household, and its version."""
        if self.rulebook is None:
            return (), None
        on = self.calendar.local_date(now)
        decided = decide_programs(case.household, on=on, rulebook=self.rulebook)
        return tuple(
            ProgramDecision(
                program=d.program,
                outcome=d.status.value,
                benefit=d.benefit.amount if d.benefit is not None else None,
                missing=d.missing,
            )
            for d in decided.values()
        ), self.rulebook.version

    def _sla(self, service_id: str) -> Sla:
        try:
            return self.directory.service(service_id).sla
        except InvalidInputError:  # the service left the directory: default deadlines
            return Sla()

    def _next_deadline(
        self, referral: Referral, status: ReferralStatus, now: datetime
    ) -> datetime | None:
        sla = self._sla(referral.service_id)
        return next_deadline(referral, status, now, sla, self.calendar)

    def _subject(self, case: Case, need: Need) -> str:
        return need.member_id or case.household.head.member_id

    def _categories(self, case: Case, need: Need, now: datetime) -> tuple[DataCategory, ...]:
        kinds = [DataCategory.IDENTITY, DataCategory.HOUSEHOLD]
        if need.sector is Sector.HEALTH:
            kinds.append(DataCategory.HEALTH)
        person = case.household.member(self._subject(case, need))
        if person.age_on(self.calendar.local_date(now)) < ADULT_AGE:
            kinds.append(DataCategory.CHILD)
        return tuple(kinds)

    def _basis(self, case: Case, need: Need, provider_id: str, now: datetime) -> str | None:
        """The id of the consent or lawful basis that lets *need*'s data go to the provider."""
        record = covering(
            case.bases,
            subject=self._subject(case, need),
            provider_id=provider_id,
            purpose=Purpose.REFERRAL,
            at=now,
            categories=self._categories(case, need, now),
        )
        return None if record is None else record.record_id

    def _refusal(self, case: Case, need: Need, provider_id: str, now: datetime) -> Exception:
        return consent_refusal(
            subject=self._subject(case, need),
            provider_id=provider_id,
            categories=self._categories(case, need, now),
        )

    def _routing(
        self, case: Case, need: Need, policy: RoutingPolicy | None, override: str | None
    ) -> Routing | DirectServiceFirst:
        return route(
            case,
            need,
            directory=self.directory,
            decisions=_decisions(case),
            policy=policy or self.policy,
            overlaps=self.overlaps,
            override_reason=override,
        )

    def _routed(
        self,
        case: Case,
        need: Need,
        policy: RoutingPolicy | None,
        override: str | None,
        now: datetime,
    ) -> tuple[Service, str]:
        """The best routed service the consent covers, and the record that covers it."""
        routing = self._routing(case, need, policy, override)
        if isinstance(routing, DirectServiceFirst):
            raise TransitionNotAllowed(
                case.case_id,
                case.state.value,
                "refer",
                why="It is an emergency: give direct service first with "
                "deliver_direct_service(), then refer; or name the service to refer now.",
                why_id="Ini kasus darurat: berikan layanan langsung dahulu dengan "
                "deliver_direct_service(), lalu rujuk; atau sebutkan layanan untuk merujuk "
                "sekarang.",
            )
        if not routing.candidates:
            raise _no_candidate(need, routing)
        for candidate in routing.candidates:
            basis = self._basis(case, need, candidate.provider_id, now)
            if basis is not None:
                return candidate.service, basis
        raise self._refusal(case, need, routing.candidates[0].provider_id, now)

    def _reroute(self, case: Case, old: Referral, now: datetime) -> list[_Step]:
        """The referral of *old*'s need to the next candidate the consent covers, if any."""
        need = case.need(old.need_id)
        assert need is not None  # noqa: S101 - a referral's need is on its case
        routing = self._routing(case, need, None, None)
        if isinstance(routing, DirectServiceFirst):
            routing = routing.then
        for candidate in routing.candidates:
            basis = self._basis(case, need, candidate.provider_id, now)
            if basis is None:
                continue
            request = ReferralRequested(
                referral_id=self.ids.new_id("referral"),
                need_id=need.need_id,
                service_id=candidate.service_id,
                provider_id=candidate.provider_id,
                replaces=old.referral_id,
                due_at=self.calendar.deadline(now, candidate.service.sla.acknowledge_days),
                consent_id=basis,
            )
            why = f"Automatic reroute: referral {old.referral_id} ended without the service."
            return [_By(payload=request, actor=_SYSTEM, reason=why)]
        return []

    def _sweep_case(self, case_id: str, referral_ids: list[str], at: datetime) -> Counter[str]:
        """Take the steps due on *case_id*'s referrals in one commit; what was done."""
        outcome: Counter[str] = Counter()

        def decide(case: Case, now: datetime) -> list[_Step]:
            outcome.clear()
            found = self._escalations(case, referral_ids, now, outcome)
            if not found:
                raise _NothingDue
            return found

        try:
            self._run(
                _SYSTEM,
                Command.ESCALATE,
                case_id,
                decide,
                None,
                None,
                reason="SLA sweep",
                lifecycle_event="escalate_referral",
                at=at,
            )
        except _NothingDue:
            return Counter()
        return outcome

    def _escalations(
        self, case: Case, referral_ids: Sequence[str], now: datetime, outcome: Counter[str]
    ) -> list[_Step]:
        """The ladder steps due at *now* on the referrals of *case*, with expiry's effects."""
        found: list[_Step] = []
        for referral_id in referral_ids:
            referral = case.referral(referral_id)
            if referral is None or not referral.is_open or referral.due_at is None:
                continue
            due = self.ladder.steps_due(
                referral.due_at, referral.escalation_level, now, self.calendar
            )
            for level, rung in due:
                found.append(
                    ReferralEscalated(
                        referral_id=referral_id,
                        level=level,
                        step=rung.step.value,
                        due_at=referral.due_at,
                    )
                )
                outcome[rung.step.value] += 1
                if rung.step is EscalationStep.EXPIRE:
                    found.append(
                        ReferralStatusChanged(
                            referral_id=referral_id,
                            status=ReferralStatus.CANCELLED,
                            reason=ReferralReason.EXPIRED,
                            note="No answer by the deadline: expired by the SLA sweep.",
                        )
                    )
                    rerouted = self._reroute(case, referral, now)
                    found.extend(rerouted)
                    outcome["rerouted" if rerouted else "unrouted"] += 1
        return found

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

    def _replayed(
        self, key: str, command: Command, actor: Actor, *, case_id: str | None = None
    ) -> Case | None:
        """The case as the first run of *key* left it, or ``None`` for a new key.

        A key recorded on another case is refused, and a replay is authorized like the
        command itself: holding a used key grants nothing.
        """
        record = self._replayed_record(key, command)
        if record is None:
            return None
        if case_id is not None and record.case_id != case_id:
            raise _key_elsewhere(key, record.case_id)
        case = replay(e for e in self.store.events(record.case_id) if e.version <= record.version)
        self.authorizer.authorize(actor, command, region=case.region)
        return case

    def _replayed_referral(
        self,
        key: str,
        command: Command,
        actor: Actor,
        *,
        case_id: str | None = None,
        referral_id: str | None = None,
    ) -> Referral | None:
        """The referral as the first run of *key* left it (see :meth:`_replayed`)."""
        record = self._replayed_record(key, command)
        if record is None:
            return None
        if (case_id is not None and record.case_id != case_id) or (
            referral_id is not None and record.result_id != referral_id
        ):
            raise _key_elsewhere(key, record.result_id)
        case = replay(e for e in self.store.events(record.case_id) if e.version <= record.version)
        referral = _referral(case, record.result_id)
        self.authorizer.authorize(
            actor,
            command,
            region=case.region,
            provider_id=None if command is Command.REFER else referral.provider_id,
        )
        return referral


def _key_elsewhere(key: str, where: str) -> InvalidInputError:
    return InvalidInputError.single(
        "idempotency_key",
        f"Idempotency key {key!r} was already used on {where!r}; "
        "use a new key for a command on another case or referral.",
        f"Kunci idempotensi {key!r} sudah dipakai pada {where!r}; "
        "gunakan kunci baru untuk perintah pada kasus atau rujukan lain.",
    )


def _rulebook_overlaps(rulebook: Rulebook) -> dict[str, tuple[str, ...]]:
    """Program -> the programs it excludes or duplicates, as routing reads them."""
    return {
        code: tuple(o.program for o in program.overlaps)
        for code, program in rulebook.programs.items()
        if program.overlaps
    }


def _no_guards(name: str) -> bool:  # pragma: no cover - the referral lifecycle has no guards
    msg = f"unexpected guard {name!r}"
    raise AssertionError(msg)


class _NothingDue(Exception):  # noqa: N818 - a private signal, not an error
    """Raised inside a sweep's decision when a case has no step due: commit nothing."""


@attrs.frozen
class _By:
    """An event of a command recorded under another actor (the system's reroute)."""

    payload: DomainEvent
    actor: Actor
    reason: str = ""


_Step = DomainEvent | _By

#: The actor of automatic work: the SLA sweep and reroutes after a rejection.
_SYSTEM = Actor(actor_id="slrt-system", role=Role.SYSTEM, jurisdiction=RegionCode.INDONESIA)
_STEP_NAMES = frozenset(s.value for s in EscalationStep)


def _items(values: Iterable[Any]) -> list[Any]:
    """*values* as a list; a single string (or any non-iterable) is one item."""
    given: object = values
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        return [given]
    return list(given)


def _listed(values: Any) -> Any:
    """*values* as a list when it is a non-text iterable (read once); else as given."""
    if isinstance(values, str) or not isinstance(values, Iterable):
        return values
    return list(values)


def _recipient_problems(recipients: object) -> list[Problem]:
    """A problem unless *recipients* is a list of provider ids (or ``"*"``) as text."""
    if isinstance(recipients, list) and all(isinstance(r, str) for r in recipients):
        return []
    return [
        Problem(
            "recipients",
            "Give recipients as a list of provider ids as text, such as ['bpjs-semarang'], "
            "or ['*'] for any provider.",
            "Berikan penerima sebagai daftar id penyedia berupa teks, misalnya "
            "['bpjs-semarang'], atau ['*'] untuk semua penyedia.",
        )
    ]


def _decisions(case: Case) -> tuple[Any, ...]:
    """The eligibility decisions of the latest assessment, if any."""
    return case.assessments[-1].decisions if case.assessments else ()


def _service_problems(
    case: Case,
    service: Service,
    override: str | None,
    overlaps: Mapping[str, Iterable[str]] | None,
) -> list[Problem]:
    problems = []
    sid = service.service_id
    if not service.active:
        problems.append(
            Problem(
                "service_id",
                f"Service {sid!r} is not active; choose another service.",
                f"Layanan {sid!r} tidak aktif; pilih layanan lain.",
            )
        )
    if not service.serves(case.region):
        problems.append(
            Problem(
                "service_id",
                f"Service {sid!r} does not serve village {case.region}; "
                "choose a service whose area covers it.",
                f"Layanan {sid!r} tidak melayani desa {case.region}; pilih "
                "layanan yang wilayahnya mencakup desa itu.",
            )
        )
    if service.program is not None and override is None:
        problems.extend(
            Problem(
                "service_id",
                f"Service {sid!r}: {reason.message}. Choose another service, or give "
                "override_reason to offer it anyway.",
                f"Layanan {sid!r}: {reason.message_id}. Pilih layanan lain, atau berikan "
                "override_reason untuk tetap menawarkannya.",
            )
            for reason in program_exclusions(
                service.program,
                received=case.household.programs_received,
                decisions=_decisions(case),
                overlaps=overlaps,
            )
        )
    return problems


def _referral_problems(case: Case, need_id: str, replaces: str | None) -> list[Problem]:
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
    return problems


def _no_candidate(need: Need, routing: Routing) -> InvalidInputError:
    left_out = "; ".join(
        f"{x.service.service_id}: {', '.join(r.message for r in x.reasons)}"
        for x in routing.excluded[:5]
    )
    left_out_id = "; ".join(
        f"{x.service.service_id}: {', '.join(r.message_id for r in x.reasons)}"
        for x in routing.excluded[:5]
    )
    return InvalidInputError.single(
        "service_id",
        f"No service in the directory can take need {need.need_id!r} ({need.sector})"
        + (f"; left out: {left_out}" if left_out else "")
        + ". Name a service, give override_reason, or resolve the need another way.",
        f"Tidak ada layanan di direktori untuk kebutuhan {need.need_id!r} ({need.sector})"
        + (f"; dikecualikan: {left_out_id}" if left_out_id else "")
        + ". Sebutkan layanan, berikan override_reason, atau selesaikan dengan cara lain.",
    )


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


def _check_id(value: object, path: str) -> None:
    """Refuse an id that is not non-empty text (before it reaches a store or index)."""
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_ID:
        raise InvalidInputError.single(
            path,
            f"{path} must be an id: non-empty text of at most {_MAX_ID} characters.",
            f"{path} harus berupa id: teks tidak kosong paling banyak {_MAX_ID} karakter.",
        )


def _check_refer_args(
    need_id: object, service_id: object, replaces: object, override_reason: object
) -> None:
    if override_reason is not None:
        _require_text(override_reason, "override_reason")
    _check_id(need_id, "need_id")
    for name, value in (("service_id", service_id), ("replaces", replaces)):
        if value is not None:
            _check_id(value, name)


def _check_note(value: object, path: str) -> None:
    """Refuse optional free text (a note) that is not text."""
    if not isinstance(value, str):
        raise InvalidInputError.single(
            path,
            f"{path} must be text (it may be empty), not a {type(value).__name__}.",
            f"{path} harus berupa teks (boleh kosong), bukan {type(value).__name__}.",
        )


def _check_when(value: object, path: str) -> None:
    """Refuse a time that is not an aware datetime."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInputError.single(
            path,
            f"{path} must be an aware datetime (with a time zone, such as UTC).",
            f"{path} harus berupa datetime dengan zona waktu (misalnya UTC).",
        )


#: The longest id accepted: far above any UUID or region code, far below a flood.
_MAX_ID = 200


def _require_text(value: object, path: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError.single(
            path,
            f"{path} must be a non-empty text.",
            f"{path} wajib diisi dengan teks.",
        )


def _household_day(household: object, now: datetime) -> Any:
    """The civil date of *now* where *household* lives (its region's time zone)."""
    return local_date_in(getattr(household, "region", None), now)


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
    given: object = needs  # callers may pass anything; check it
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        problems.append(
            Problem(
                "needs",
                f"Give the needs as a list of Need values, not a {type(given).__name__}.",
                f"Berikan kebutuhan sebagai daftar Need, bukan {type(given).__name__}.",
            )
        )
        return numbered
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


#: The order of :meth:`Slrt.programs_for_need`: eligible, needs verification, not eligible.
_OUTCOME_RANK = {"eligible": 0, "needs_verification": 1, "not_eligible": 2}


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
