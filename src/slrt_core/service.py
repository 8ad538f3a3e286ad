"""The :class:`Slrt` service: the public front of every command and query of the SLRT flow.

Each command method builds a command value (:mod:`slrt_core.application.commands`)
and hands it to the one :class:`~slrt_core.application.Pipeline`: idempotency, load,
authorize, lifecycle, decide, fold, commit with audit and outbox, relay. A refused
command raises before anything is written, so it changes nothing and sends nothing.
Queries read through the store's read side. No domain rule lives here: the rules are
methods of the values that own them and of the lifecycles, and the decisions are the
handlers' (:mod:`slrt_core.application`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any, TypeVar

import attrs

from slrt_core._tables import format_of
from slrt_core.access import AccessPurpose, Actor, Command, Role, RolePolicy, purpose_for
from slrt_core.adapters.basics import SystemClock, UuidIds, resumed
from slrt_core.application import Collaborators, Outcome, Pipeline
from slrt_core.application import commands as cmd
from slrt_core.application._base import NothingDue, overlaps_of
from slrt_core.application._checks import (
    check_enum,
    check_id,
    check_region,
    check_when,
    require_text,
)
from slrt_core.application.duplicates import carried_needs
from slrt_core.application.privacy import complete_pending_erasures
from slrt_core.application.queries import (
    case_page,
    case_selection,
    cases_within,
    check_limit,
    checked_filter,
    explain_assessment,
    no_rulebook,
    programs_for_need,
    referral_page,
    referral_selection,
    region_scope,
    visible_case,
    visible_cases,
    visible_referral,
)
from slrt_core.application.referral import referral_of, routing
from slrt_core.application.reports import PAGE, check_page_size
from slrt_core.application.reports import export_cases as write_cases
from slrt_core.application.reports import export_referrals as write_referrals
from slrt_core.application.reports import kpis as kpi_query
from slrt_core.application.sweep import sweep as sweep_overdue
from slrt_core.application.worklists import Worklist, worklist_query
from slrt_core.audit import AuditReport, verify
from slrt_core.calendar import WorkingCalendar, local_date_in
from slrt_core.case._events import Event
from slrt_core.case._lifecycle import next_state, why_not
from slrt_core.case._model import Case, CaseState, Need, Priority, ProgramDecision
from slrt_core.dedup import BlindIndexer
from slrt_core.errors import InvalidInputError, StorageError, TransitionNotAllowed
from slrt_core.exports import ExportReport
from slrt_core.household import Household
from slrt_core.identity import KkNumber, Nik, RegionCode, RegionLevel
from slrt_core.kpis import KpiPeriod, KpiReport
from slrt_core.outbox import OutboxRelay, RelayReport
from slrt_core.ports import (
    Authorizer,
    CandidateIndex,
    CaseList,
    Clock,
    DedupEntry,
    IdFactory,
    Notifier,
    RoutingPolicy,
    ServiceDirectory,
    Store,
)
from slrt_core.privacy import (
    AccessLog,
    AccessRecord,
    LoggerAccessLog,
    NikIndex,
    subject_access_export,
)
from slrt_core.projections import (
    CaseFilter,
    CaseOrder,
    CaseSelection,
    CaseSummary,
    Page,
    ReferralFilter,
    ReferralOrder,
    ReferralSummary,
    case_key,
)
from slrt_core.referral._consent import DataCategory, LawfulBasisKind, Purpose
from slrt_core.referral._directory import Directory
from slrt_core.referral._fhir import referral_to_fhir
from slrt_core.referral._model import Referral, ReferralReason, ReferralStatus
from slrt_core.referral._reports import ReferralReport, referral_report
from slrt_core.referral._routing import DirectServiceFirst, Routing
from slrt_core.referral._sla import DEFAULT_LADDER, EscalationLadder, SweepReport
from slrt_core.rules._decision import Decision as RulesDecision
from slrt_core.rules._rulebook import Rulebook
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind

__all__ = ["Slrt"]

_log = logging.getLogger("slrt_core.erasure")


class _Collaborator:
    """A service attribute that handlers consult: setting it rebuilds the pipeline."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = f"_{name}"

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        return getattr(obj, self.name)

    def __set__(self, obj: Any, value: Any) -> None:
        setattr(obj, self.name, value)
        obj._pipeline = None  # noqa: SLF001 - the owner's cache of what it built


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
        on_delivery: called with the :class:`~slrt_core.outbox.RelayReport` of each
            delivery after a commit (delivered, retried and dead-lettered messages).
        dedup: the peppers of intake de-duplication
            (:class:`~slrt_core.dedup.BlindIndexer`): with it, :meth:`register` refuses
            a household whose NIK or KK number is on an open case and flags a likely
            match for a supervisor (docs/explanation/deduplication.md); the store must
            keep a candidate index (:class:`~slrt_core.ports.CandidateIndex`, as every
            store of :mod:`slrt_core.adapters` does). Off by default.

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

    directory: ServiceDirectory = _Collaborator()  # type: ignore[assignment]
    ladder: EscalationLadder = _Collaborator()  # type: ignore[assignment]
    policy: RoutingPolicy | None = _Collaborator()  # type: ignore[assignment]
    overlaps: Mapping[str, Iterable[str]] | None = _Collaborator()  # type: ignore[assignment]
    rulebook: Rulebook | None = _Collaborator()  # type: ignore[assignment]
    nik_index: NikIndex | None = _Collaborator()  # type: ignore[assignment]
    authorizer: Authorizer = _Collaborator()  # type: ignore[assignment]
    dedup: BlindIndexer | None = _Collaborator()  # type: ignore[assignment]

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
        on_delivery: Callable[[RelayReport], object] | None = None,
        dedup: BlindIndexer | None = None,
    ) -> None:
        self._pipeline: Pipeline | None = None
        self.dedup = dedup
        self.store = store
        self.rulebook = rulebook
        if overlaps is None and rulebook is not None:
            overlaps = overlaps_of(rulebook)
        self.clock: Clock = clock or SystemClock()
        self.ids: IdFactory = resumed(ids or UuidIds(), store)  # restart-safe sequential ids
        self.notifier = notifier
        self.directory = directory or Directory()
        self.authorizer = authorizer or RolePolicy(clock=self.clock)
        self.access_log: AccessLog = access_log if access_log is not None else LoggerAccessLog()
        self.nik_index = nik_index
        self.ladder = ladder
        self.policy = policy
        self.overlaps = overlaps
        self._calendar = calendar
        self._relay = (
            OutboxRelay(store, notifier, self.clock, on_report=on_delivery)
            if notifier is not None
            else None
        )
        try:  # an erasure a crash interrupted is finished before anything else runs
            self.complete_pending_erasures()
        except StorageError as exc:  # the store is unreachable now: the next call retries
            _log.warning("pending erasures not checked: %s", exc)

    @property
    def calendar(self) -> WorkingCalendar:
        """The working-day calendar of SLA deadlines."""
        if self._calendar is None:
            self._calendar = WorkingCalendar()
        return self._calendar

    @property
    def pipeline(self) -> Pipeline:
        """The pipeline every command runs through, with its collaborators built once.

        .. versionadded:: 0.1.0
        """
        if self._pipeline is None:
            collaborators = Collaborators(
                clock=self.clock,
                ids=self.ids,
                directory=self.directory,
                calendar=self.calendar,
                ladder=self.ladder,
                policy=self.policy,
                overlaps=self.overlaps,
                rulebook=self.rulebook,
            )
            self._pipeline = Pipeline(
                store=self.store,
                authorizer=self.authorizer,
                collaborators=collaborators,
                nik_index=self.nik_index,
                relay=self._relay,
                dedup=self.dedup,
            )
        return self._pipeline

    def _case(self, command: cmd.AnyCommand) -> Case:
        outcome = self.pipeline.run(command)
        assert outcome.case is not None  # noqa: S101 - only an erasure leaves no case
        return outcome.case

    def _referral(self, command: cmd.AnyCommand) -> Referral:
        outcome: Outcome = self.pipeline.run(command)
        assert outcome.case is not None  # noqa: S101 - a referral command leaves its case
        return referral_of(outcome.case, outcome.result_id)

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
        duplicate_override: str | None = None,
        idempotency_key: str | None = None,
    ) -> Case:
        """Open a case for *household* with its first needs.

        With intake de-duplication on (``dedup``), the household is first looked up
        among the open cases by keyed tokens: a NIK or KK number already on an open case
        refuses the registration (attach the need there with :meth:`record_need`); a
        likely match by names, birth dates and village registers the case with a
        duplicate-suspect flag (:attr:`~slrt_core.case.Case.duplicates`) for a
        supervisor (:meth:`duplicate_suspects`, :meth:`mark_distinct`,
        :meth:`merge_duplicate`). *duplicate_override* is why a household whose NIK or
        KK number is on an open case is registered anyway (another household sharing an
        old KK): it is recorded as the reason of the flag the case then carries.

        Raises:
            InvalidInputError: every problem with the household, needs, channel or kind.
            AccessDenied: the actor may not register, or the village is outside their area.
            DuplicateCaseError: the household already has an open case (its id when the
                actor may see it) and no *duplicate_override* was given; nothing written.
        """
        return self._case(
            cmd.RegisterCase(
                actor=actor,
                household=household,
                channel=channel,
                kind=kind,
                needs=needs,
                emergency=emergency,
                priority=priority,
                duplicate_override=duplicate_override,
                idempotency_key=idempotency_key,
            )
        )

    def record_need(
        self,
        actor: Actor,
        case_id: str,
        need: Need,
        *,
        channel: Channel | None = None,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Case:
        """Add a need to an open case.

        *channel* records the door the need came in through when it is not the case's
        own: the household came to the Puskesos with a case a facilitator registered,
        and the refused registration (:class:`~slrt_core.errors.DuplicateCaseError`)
        pointed here.
        """
        return self._case(
            cmd.RecordNeed(
                actor=actor,
                case_id=case_id,
                need=need,
                channel=channel,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
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
        return self._case(
            cmd.Assess(
                actor=actor,
                case_id=case_id,
                findings=findings,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
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
        return self._case(
            cmd.Submit(
                actor=actor,
                case_id=case_id,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
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
        return self._case(
            cmd.ReturnForCorrection(
                actor=actor,
                case_id=case_id,
                note=note,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
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
        return self._case(
            cmd.Approve(
                actor=actor,
                case_id=case_id,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
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
        return self._case(
            cmd.Review(
                actor=actor,
                case_id=case_id,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
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
        return self._case(
            cmd.ResolveLocally(
                actor=actor,
                case_id=case_id,
                need_id=need_id,
                how=how,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
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
        return self._case(
            cmd.DeliverDirectService(
                actor=actor,
                case_id=case_id,
                need_id=need_id,
                description=description,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
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
        return self._referral(
            cmd.Refer(
                actor=actor,
                case_id=case_id,
                need_id=need_id,
                service_id=service_id,
                replaces=replaces,
                policy=policy,
                override_reason=override_reason,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
        )

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
        completed and failed; the referring staff set cancelled and entered in error
        (:meth:`withdraw_referral` says so by name).
        Rejected, failed, cancelled, on hold and entered in error need a *reason*
        (``ReferralReason.OTHER`` needs a *note*). Terminal statuses never change again.
        Each change sets the deadline of the next hop from the service's SLA.

        When the provider rejects the referral (for any reason but the client declining
        or a duplicate), or it is cancelled as expired, the same command sends the need
        to the next candidate the client's consent covers, as a new referral that
        replaces this one; when none is left, the need stays open and the back office is
        told.
        """
        return self._referral(
            cmd.UpdateReferral(
                actor=actor,
                referral_id=referral_id,
                status=status,
                reason=reason,
                note=note,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
        )

    def withdraw_referral(
        self,
        actor: Actor,
        referral_id: str,
        *,
        reason: ReferralReason,
        note: str = "",
        entered_in_error: bool = False,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Referral:
        """Cancel an open referral (the ``withdraw_referral`` command of the role matrix).

        The referring staff (back office, manager) withdraw a referral: it becomes
        cancelled with *reason* (``ReferralReason.OTHER`` needs a *note*), or entered in
        error with ``entered_in_error=True`` when it should never have been made. It is
        :meth:`update_referral` with that status, through the same pipeline: a referral
        cancelled as expired is rerouted to the next candidate, a cancelled referral no
        longer holds the case open, and a terminal referral is refused.

        Examples:
            >>> from slrt_core.referral import ReferralReason
            >>> slrt.withdraw_referral(  # doctest: +SKIP
            ...     staff.back_office, "referral-000001", reason=ReferralReason.CLIENT_DECLINED
            ... ).status
            <ReferralStatus.CANCELLED: 'cancelled'>

        .. versionadded:: 0.1.0
        """
        status = ReferralStatus.ENTERED_IN_ERROR if entered_in_error else ReferralStatus.CANCELLED
        return self.update_referral(
            actor,
            referral_id,
            status=status,
            reason=reason,
            note=note,
            idempotency_key=idempotency_key,
            expected_version=expected_version,
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
        return self._referral(
            cmd.ConfirmReceipt(
                actor=actor,
                referral_id=referral_id,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
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
        return self._case(
            cmd.Reassess(
                actor=actor,
                case_id=case_id,
                findings=findings,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
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
        return self._case(
            cmd.Close(
                actor=actor,
                case_id=case_id,
                reason=reason,
                note=note,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
        )

    def assign(
        self,
        actor: Actor,
        case_id: str,
        worker: Actor,
        *,
        note: str = "",
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Case:
        """Assign *worker* (facilitator, Puskesos operator or back office) to the case.

        The worker's jurisdiction must cover the case; they are notified (outbox topic
        ``worker_assigned``) and the case appears on their ``my_cases`` worklist.

        Raises:
            AccessDenied: the actor may not assign workers (supervisor, manager and back
                office may), or not in the case's region.
            InvalidInputError: the worker's role is not assignable, their jurisdiction
                does not cover the case, or they are assigned already.

        .. versionadded:: 0.1.0
        """
        return self._case(
            cmd.AssignWorker(
                actor=actor,
                case_id=case_id,
                worker=worker,
                note=note,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
        )

    def unassign(
        self,
        actor: Actor,
        case_id: str,
        worker_id: str,
        *,
        note: str = "",
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Case:
        """Take the worker *worker_id* off the case.

        Raises:
            AccessDenied: the actor may not assign workers.
            InvalidInputError: the worker is not assigned to the case.

        .. versionadded:: 0.1.0
        """
        return self._case(
            cmd.UnassignWorker(
                actor=actor,
                case_id=case_id,
                worker_id=worker_id,
                note=note,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
        )

    def transfer(
        self,
        actor: Actor,
        case_id: str,
        *,
        to_region: RegionCode,
        open_referrals: str | None = None,
        note: str = "",
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Case:
        """Move the case to village *to_region*: the household moved to another region.

        From the transfer on, the new region's staff have the case and the old region's
        do not; the case's workers are unassigned and the new district's back office is
        told (outbox topic ``case_transferred``). Open referrals are handled explicitly:
        *open_referrals* ``"cancel"`` cancels them (reason ``out_of_area``), ``"keep"``
        keeps them where the service serves the new village and the consent or lawful
        basis still covers them; with open referrals one of the two must be given.

        Raises:
            AccessDenied: the actor may not transfer (supervisor, manager and back office
                of the case's region may).
            InvalidInputError: *to_region* is not a village or is the case's, open
                referrals without a choice, or a kept referral the new region or the
                consent does not allow (every such referral listed).

        .. versionadded:: 0.1.0
        """
        return self._case(
            cmd.TransferCase(
                actor=actor,
                case_id=case_id,
                to_region=to_region,
                open_referrals=open_referrals,
                note=note,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
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
        return self._case(
            cmd.RecordConsent(
                actor=actor,
                case_id=case_id,
                subject=subject,
                grantor=grantor,
                purposes=purposes,
                recipients=recipients,
                evidence=evidence,
                guardian=guardian,
                categories=categories,
                valid_from=valid_from,
                valid_until=valid_until,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
        )

    def record_household_consent(
        self,
        actor: Actor,
        case_id: str,
        *,
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
        """Record the consent of every member of the household in one command.

        One household consent form, signed by each adult member and by a guardian for
        the children, becomes one consent per member (as :meth:`record_consent` would
        record them one by one), all in one commit: each adult grants their own, and
        *guardian* (a member id; the head of the household by default) grants each
        child's, a child being a member under :data:`~slrt_core.referral.ADULT_AGE` on
        today's date. The arguments are those of :meth:`record_consent`.

        Raises:
            InvalidInputError: every problem of every member's consent (a guardian who
                is a child or not a member, an unknown purpose, missing evidence); then
                nothing is recorded.

        .. versionadded:: 0.1.0
        """
        return self._case(
            cmd.RecordHouseholdConsent(
                actor=actor,
                case_id=case_id,
                purposes=purposes,
                recipients=recipients,
                evidence=evidence,
                guardian=guardian,
                categories=categories,
                valid_from=valid_from,
                valid_until=valid_until,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
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
        return self._case(
            cmd.RecordLawfulBasis(
                actor=actor,
                case_id=case_id,
                kind=kind,
                legal_reference=legal_reference,
                purposes=purposes,
                recipients=recipients,
                note=note,
                valid_from=valid_from,
                valid_until=valid_until,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
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
        return self._case(
            cmd.WithdrawConsent(
                actor=actor,
                case_id=case_id,
                record_id=record_id,
                note=note,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
        )

    def mark_distinct(
        self,
        actor: Actor,
        case_id: str,
        other_case_id: str,
        *,
        note: str,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Case:
        """Resolve the duplicate-suspect flag of *case_id* naming *other_case_id*: two households.

        Both cases go on; the flag stays in the case's history as ``distinct``.

        Raises:
            AccessDenied: the actor may not resolve flags (supervisors and managers may).
            InvalidInputError: no open flag of the case names the other case, or no note.

        .. versionadded:: 0.1.0
        """
        return self._case(
            cmd.MarkDistinct(
                actor=actor,
                case_id=case_id,
                other_case_id=other_case_id,
                note=note,
                idempotency_key=idempotency_key,
                expected_version=expected_version,
            )
        )

    def merge_duplicate(self, actor: Actor, case_id: str, *, into: str, note: str) -> Case:
        """Merge case *case_id* into case *into*: one household, one case; the case kept.

        Two commands through the pipeline, each audited: the open needs of *case_id*
        are recorded on *into* (:class:`~slrt_core.case.DuplicateMerged`, each need's
        origin kept; a member's need stays that member's when the flag matched them),
        then *case_id* closes with reason ``duplicate`` pointing at *into*
        (:class:`~slrt_core.case.CaseMergedInto`). Both histories stay whole, and the
        flag between the two (on either case) is resolved as ``merged``. Running it
        again after an interruption finishes what is left, and does nothing twice.

        Raises:
            AccessDenied: the actor may not merge (supervisors and managers may), or
                not both cases.
            InvalidInputError: no open flag between the two cases, or no note.
            TransitionNotAllowed: *case_id* cannot close now (an open referral), or
                *into* is closed; nothing was written.

        .. versionadded:: 0.1.0
        """
        check_id(case_id, "case_id")
        check_id(into, "into")
        require_text(note, "note")
        store, policy = self.store, self.authorizer
        duplicate = visible_case(store, policy, actor, Command.MERGE_CASES, case_id)
        kept = visible_case(store, policy, actor, Command.MERGE_CASES, into)
        absorbed = case_id in kept.merged_from
        if duplicate.merged_into == into and absorbed:
            return kept
        flagged = duplicate.duplicate(into) or kept.duplicate(case_id)
        if flagged is None and not absorbed:
            raise InvalidInputError.single(
                "into",
                f"No open duplicate-suspect flag links case {case_id!r} and case {into!r}; "
                "merge only cases the intake check flagged.",
                f"Tidak ada tanda dugaan ganda terbuka antara kasus {case_id!r} dan {into!r}; "
                "gabungkan hanya kasus yang ditandai pemeriksaan data masuk.",
            )
        for case, transition in ((duplicate, "close"), (kept, "resolve_duplicate")):
            if next_state(case, transition) is None:
                why, why_id = why_not(transition, case.state)
                raise TransitionNotAllowed(
                    case.case_id,
                    case.state.value,
                    str(Command.MERGE_CASES),
                    why=why,
                    why_id=why_id,
                )
        if not absorbed:
            needs, origins = carried_needs(duplicate, kept)
            kept = self._case(
                cmd.MergeDuplicate(
                    actor=actor,
                    case_id=into,
                    from_case_id=case_id,
                    needs=needs,
                    origins=origins,
                    note=note,
                )
            )
        if duplicate.merged_into is None:
            self._case(
                cmd.CloseAsDuplicate(actor=actor, case_id=case_id, into_case_id=into, note=note)
            )
        return kept

    def duplicate_suspects(
        self,
        actor: Actor,
        *,
        page: str | None = None,
        limit: int = 50,
        count: bool = False,
        purpose: AccessPurpose | None = None,
    ) -> Page[CaseSummary]:
        """The supervisor's worklist: open cases with a duplicate-suspect flag to resolve.

        The cases in the actor's jurisdiction whose intake check flagged another case
        (its :attr:`~slrt_core.case.Case.duplicates` say which, with the score and the
        fields that agreed), oldest registration first, paged as :meth:`cases`. Also
        the worklist ``duplicate_suspects`` (:meth:`worklist`).

        Raises:
            AccessDenied: the actor may not list cases, or not resolve flags.
            StorageError: the store keeps no candidate index.

        .. versionadded:: 0.1.0
        """
        why = purpose_for(actor, purpose)
        within = actor.jurisdiction
        self.authorizer.authorize(actor, Command.LIST_CASES, region=within)
        self.authorizer.authorize(actor, Command.MARK_DISTINCT, region=within)
        index = self._candidate_index()
        ids = frozenset(index.dedup_flagged(within=within))
        regions, excluded = region_scope(within, local_date_in(within, self.clock.now()))
        selection = CaseSelection(regions=regions, excluded=excluded, case_ids=ids)
        found = case_page(
            self.store, selection, CaseOrder.REGISTERED, page, check_limit(limit), count=count
        )
        self._log_read(actor, "duplicate_suspects", f"region:{within.code or 'ID'}", why)
        return found

    def rebuild_duplicate_index(self, *, batch: int = 500) -> int:
        """File every open case of the store in its candidate index again; the count.

        For a store that held cases before intake de-duplication was turned on (or
        before its schema had the index), and after a pepper rotation (every case is
        filed under the current pepper). Closed and erased cases are left out. The open
        cases are walked through the read models, *batch* at a time (memory stays
        bounded), each loaded and filed in a transaction of its own.

        Raises:
            StorageError: the service has no ``dedup`` peppers, or the store keeps no
                candidate index.

        .. versionadded:: 0.1.0
        """
        index = self._candidate_index()
        indexer = self.dedup
        assert indexer is not None  # noqa: S101 - _candidate_index checked it
        selection = CaseSelection(states=frozenset(CaseState) - {CaseState.CLOSED})
        done, after = 0, None
        while True:
            page = self.store.case_summaries(
                selection, order=CaseOrder.REGISTERED, after=after, limit=batch
            )
            for summary in page:
                case = self.store.load(summary.case_id)
                entry = DedupEntry(
                    tokens=indexer.household(case.household),
                    suspects=len(case.open_duplicates),
                    region=case.region.code,
                )
                index.dedup_file(case.case_id, entry)
                done += 1
            if len(page) < batch:
                return done
            after = case_key(page[-1], CaseOrder.REGISTERED)

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
            What it did; cases whose stored record is damaged are not escalated and are
            named in its ``skipped``.
        """
        if now is not None:
            check_when(now, "now")
        pipeline = self.pipeline

        def run(commands: Sequence[cmd.Escalate]) -> list[Any]:
            return [
                None
                if isinstance(answer, NothingDue)
                else answer
                if isinstance(answer, Exception)
                else answer.decision
                for answer in pipeline.run_many(commands)
            ]

        return sweep_overdue(self.store, run, now or self.clock.now())

    def erase(self, actor: Actor, case_id: str, *, request_ref: str) -> None:
        """Erase a closed case's personal data (UU PDP 27/2022 Art. 8, 43): crypto-shredding.

        Appends a :class:`~slrt_core.case.CaseErased` event (in clear, with *request_ref*
        and no personal data) and, in the same transaction, marks the erasure pending;
        then destroys the case's data key, deletes the case's notifications from the
        outbox (pending and delivered) and clears the mark. Every sealed event becomes
        unreadable, the audit chain still verifies, and the case no longer loads
        (:class:`~slrt_core.errors.CaseErasedError`). Its NIK tokens are dropped. A crash
        after the commit leaves the erasure pending, and
        :meth:`complete_pending_erasures` (run when a service is built) finishes it.
        Running it again on an erased case finishes it too and does nothing else.

        Args:
            actor: the manager deciding the request for the controller.
            case_id: the case.
            request_ref: the reference of the subject's request (a letter or ticket
                number, never a name: it is stored in clear).

        Raises:
            TransitionNotAllowed: the case is not closed; close it first.
            StorageError: the store keeps personal data in clear (no sealing codec).
        """
        self.pipeline.run(cmd.Erase(actor=actor, case_id=case_id, request_ref=request_ref))

    def complete_pending_erasures(self) -> list[str]:
        """Finish the erasures a crash left half done; the ids of the cases finished.

        :meth:`erase` commits the erasure event and a *pending* mark together, then
        destroys the key, deletes the case's notifications from the outbox and clears
        the mark (:class:`~slrt_core.ports.ErasableStore`). A process killed in between
        leaves the mark; this finishes each such erasure (key, outbox rows, NIK tokens),
        once the case's own events confirm it was requested. The service calls it when
        it is built; call it again after another process may have crashed (a worker
        restart, a periodic job). A case it cannot finish now stays pending and is
        logged on the ``slrt_core.erasure`` logger.

        Raises:
            StorageError: the store cannot list its pending erasures.

        .. versionadded:: 0.1.0
        """
        forget = self.nik_index.forget if self.nik_index is not None else None
        return complete_pending_erasures(self.store, forget=forget)

    # ------------------------------------------------------------------ queries

    def get_case(self, actor: Actor, case_id: str, *, purpose: AccessPurpose | None = None) -> Case:
        """The current case, if *actor* may read it for *purpose* (the role's default).

        Every read is recorded in the access log with its purpose.

        Raises:
            CorruptRecordError: a stored event of the case does not decode or fold; the
                error names the case and the event's version.
        """
        return self._read_case(actor, case_id, purpose, "read_case")

    def get_referral(
        self, actor: Actor, referral_id: str, *, purpose: AccessPurpose | None = None
    ) -> Referral:
        """A referral, for the case's staff or the provider it is addressed to."""
        why = purpose_for(actor, purpose)
        check_id(referral_id, "referral_id")
        _, referral = visible_referral(self.store, self.authorizer, actor, referral_id)
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
            raise no_rulebook()
        case = self.get_case(actor, case_id, purpose=purpose)
        return programs_for_need(case, need_id, self.rulebook)

    def explain(
        self,
        actor: Actor,
        case_id: str,
        program: str,
        *,
        assessment: int | None = None,
        purpose: AccessPurpose | None = None,
    ) -> RulesDecision:
        """The full decision on *program* of the case's assessment, with its explanation.

        An assessment stores each program's summary (:class:`~slrt_core.case.ProgramDecision`);
        this computes the full :class:`~slrt_core.rules.Decision` again, on the local date
        of the assessment and with this service's rulebook, which must be the one the
        assessment recorded (same content hash). ``decision.render("id")`` is the text for
        staff. The latest assessment with decisions is used unless *assessment* gives its
        number.

        Raises:
            InvalidInputError: the service has no rulebook, the case no such assessment
                or decision, or the rulebook differs from the one recorded.
            AccessDenied: the actor may not read the case.

        .. versionadded:: 0.1.0
        """
        if self.rulebook is None:
            raise no_rulebook()
        case = self.get_case(actor, case_id, purpose=purpose)
        return explain_assessment(
            case, program, self.rulebook, self.calendar.local_date, assessment
        )

    def history(
        self, actor: Actor, case_id: str, *, purpose: AccessPurpose | None = None
    ) -> list[Event]:
        """The case's events, oldest first.

        Raises:
            CorruptRecordError: a stored event of the case does not decode; the error
                names the case and the event's version (as :meth:`get_case` does).
        """
        self._read_case(actor, case_id, purpose, "history")
        return self.store.events(case_id)

    def list_cases(
        self,
        actor: Actor,
        *,
        region: RegionCode | None = None,
        state: CaseState | None = None,
        purpose: AccessPurpose | None = None,
    ) -> CaseList:
        """Cases in *region* (default: the actor's whole jurisdiction), optionally in *state*.

        A region follows splits (pemekaran) from their effective date: staff of a new
        province also get the cases recorded under the old codes of its regencies, and
        staff of the old province no longer do.

        Returns:
            The cases, by id: a :class:`~slrt_core.ports.CaseList`, a list whose
            ``skipped`` holds a :class:`~slrt_core.errors.CorruptRecordError` for each
            case left out because its stored record is damaged (one damaged case never
            breaks the listing, and is never hidden).
        """
        why = purpose_for(actor, purpose)
        check_region(region, "region")
        within = actor.jurisdiction if region is None else region
        self.authorizer.authorize(actor, Command.LIST_CASES, region=within)
        if state is not None:
            state = check_enum(CaseState, state, "state")
        found = cases_within(
            self.store, within, state, local_date_in(within, self.clock.now())
        )  # the civil date of the region listed
        self._log_read(actor, "list_cases", f"region:{within.code or 'ID'}", why)
        return found

    def cases(
        self,
        actor: Actor,
        *,
        where: CaseFilter | None = None,
        order: CaseOrder | str = CaseOrder.REGISTERED,
        page: str | None = None,
        limit: int = 50,
        count: bool = False,
        purpose: AccessPurpose | None = None,
    ) -> Page[CaseSummary]:
        """One page of case summaries meeting *where*, from the read models (no replay).

        The filter's region (default: the actor's whole jurisdiction) must lie in the
        actor's jurisdiction, and follows region splits as :meth:`list_cases` does.
        Pages are keyset pages: pass the ``next`` of a page as *page* to get the one after
        it, in the same *order*; *count* adds how many summaries meet the filter.

        Raises:
            AccessDenied: the actor may not list cases, or not in that region.
            InvalidInputError: a bad filter, order, cursor or *limit* (1 to 1,000).

        Examples:
            >>> from slrt_core.adapters import MemoryStore
            >>> from slrt_core.testing import sample_slrt, sample_staff, walk_case
            >>> slrt, staff = sample_slrt(MemoryStore()), sample_staff()
            >>> for route in ("full", "emergency", "local"):
            ...     _ = list(walk_case(slrt, staff, route=route))
            >>> page = slrt.cases(staff.supervisor, where=CaseFilter(emergency=True), count=True)
            >>> [s.case_id for s in page.items], page.total, page.next
            (['case-000002'], 1, None)

        .. versionadded:: 0.1.0
        """
        why = purpose_for(actor, purpose)
        where = checked_filter(where, CaseFilter)
        check_region(where.region, "region")
        within = actor.jurisdiction if where.region is None else where.region
        self.authorizer.authorize(actor, Command.LIST_CASES, region=within)
        chosen = _order(CaseOrder, order)
        now = self.clock.now()
        selection = case_selection(where, within, local_date_in(within, now), now, self.directory)
        found = case_page(self.store, selection, chosen, page, check_limit(limit), count=count)
        self._log_read(actor, "cases", f"region:{within.code or 'ID'}", why)
        return found

    def referrals(
        self,
        actor: Actor,
        *,
        where: ReferralFilter | None = None,
        order: ReferralOrder | str = ReferralOrder.REQUESTED,
        page: str | None = None,
        limit: int = 50,
        count: bool = False,
        purpose: AccessPurpose | None = None,
    ) -> Page[ReferralSummary]:
        """One page of referral summaries meeting *where*, from the read models.

        Case staff see the referrals of cases in their jurisdiction (or the filter's
        region inside it); provider staff see only the referrals addressed to their own
        provider, wherever the case is. Paging and counting as in :meth:`cases`.

        Raises:
            AccessDenied: the actor may not read referrals, outside their region, or
                (provider staff) of another provider.
            InvalidInputError: a bad filter, order, cursor or *limit*.

        .. versionadded:: 0.1.0
        """
        why = purpose_for(actor, purpose)
        where = checked_filter(where, ReferralFilter)
        check_region(where.region, "region")
        within: RegionCode | None
        if actor.role is Role.PROVIDER_STAFF:
            self.authorizer.authorize(
                actor, Command.READ_REFERRAL, provider_id=where.provider or actor.provider_id
            )
            where = attrs.evolve(where, provider=actor.provider_id)
            within = where.region
        else:
            within = actor.jurisdiction if where.region is None else where.region
            self.authorizer.authorize(actor, Command.READ_REFERRAL, region=within)
        chosen = _order(ReferralOrder, order)
        now = self.clock.now()
        on = local_date_in(within, now)
        selection = referral_selection(where, within, on, now, self.directory)
        found = referral_page(self.store, selection, chosen, page, check_limit(limit), count=count)
        where_ = within.code if within is not None else f"provider:{actor.provider_id}"
        self._log_read(actor, "referrals", f"region:{where_ or 'ID'}", why)
        return found

    def worklist(
        self,
        actor: Actor,
        name: Worklist | str,
        *,
        page: str | None = None,
        limit: int = 50,
        count: bool = False,
    ) -> Page[CaseSummary] | Page[ReferralSummary]:
        """One page of a role's worklist (:mod:`slrt_core.application.worklists`).

        Case worklists run through :meth:`cases`, referral worklists through
        :meth:`referrals`, with the same authorization.

        Raises:
            InvalidInputError: *name* is not a worklist.
            AccessDenied: the actor may not read what the worklist lists.

        Examples:
            >>> from slrt_core.adapters import MemoryStore
            >>> from slrt_core.testing import sample_slrt, sample_staff, walk_case
            >>> slrt, staff = sample_slrt(MemoryStore()), sample_staff()
            >>> walk = walk_case(slrt, staff, route="full")
            >>> steps = [next(walk) for _ in range(3)]  # registered, assessed, submitted
            >>> [s.state.value for s in slrt.worklist(staff.supervisor, "awaiting_approval").items]
            ['submitted']

        .. versionadded:: 0.1.0
        """
        chosen = _order(Worklist, name)
        if chosen is Worklist.DUPLICATE_SUSPECTS:
            return self.duplicate_suspects(actor, page=page, limit=limit, count=count)
        query = worklist_query(chosen, actor)
        if query.cases is not None:
            return self.cases(
                actor,
                where=query.cases,
                order=query.case_order,
                page=page,
                limit=limit,
                count=count,
            )
        return self.referrals(
            actor,
            where=query.referrals,
            order=query.referral_order,
            page=page,
            limit=limit,
            count=count,
        )

    def lookup(
        self, actor: Actor, number: Nik | KkNumber, *, purpose: AccessPurpose | None = None
    ) -> list[CaseSummary]:
        """The summaries of the cases of a NIK or KK number that *actor* may read.

        Like :meth:`find_by_nik`, through the keyed tokens (works with sealing on: the
        number is stored nowhere in clear), but answered from the read models without
        loading a case; cases outside the actor's jurisdiction are left out.

        Raises:
            InvalidInputError: *number* is not a :class:`~slrt_core.Nik` or KK number.
            StorageError: the service has no NIK index.
            AccessDenied: the actor's role may not read cases.

        .. versionadded:: 0.1.0
        """
        why = purpose_for(actor, purpose)
        if not isinstance(number, Nik | KkNumber):
            raise InvalidInputError.single(
                "number",
                f"Expected a Nik or KkNumber, got {type(number).__name__}; parse the number "
                "with Nik.parse(...) or KkNumber.parse(...).",
                f"Diharapkan Nik atau KkNumber, diterima {type(number).__name__}; baca nomornya "
                "dengan Nik.parse(...) atau KkNumber.parse(...).",
            )
        index = self._token_index()
        self.authorizer.authorize(actor, Command.READ_CASE, region=actor.jurisdiction)
        ids = frozenset(index.find(number))
        regions, excluded = region_scope(
            actor.jurisdiction, local_date_in(actor.jurisdiction, self.clock.now())
        )
        found = self.store.case_summaries(
            CaseSelection(regions=regions, excluded=excluded, case_ids=ids),
            order=CaseOrder.REGISTERED,
            limit=max(1, len(ids)),
        )
        for summary in found:
            self._log_read(actor, "lookup", summary.case_id, why)
        return found

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
        check_id(need_id, "need_id")
        if override_reason is not None:
            require_text(override_reason, "override_reason")
        case = self._read_case(actor, case_id, purpose, "route")
        return routing(case, need_id, self.pipeline.collaborators, policy, override_reason)

    def referral_report(
        self,
        actor: Actor,
        *,
        region: RegionCode | None = None,
        now: datetime | None = None,
        region_level: RegionLevel = RegionLevel.REGENCY,
        purpose: AccessPurpose | None = None,
    ) -> ReferralReport:
        """The M&E report of the cases in *region* (the actor's jurisdiction by default).

        Cases whose stored record is damaged are not counted; the report names them in
        ``skipped`` (case id -> version of the bad event).
        """
        cases = self.list_cases(actor, region=region, purpose=purpose)
        return referral_report(
            cases,
            now=now or self.clock.now(),
            directory=self.directory,
            calendar=self.calendar,
            region_level=region_level,
        )

    def kpis(
        self,
        actor: Actor,
        *,
        period: KpiPeriod,
        region: RegionCode | None = None,
        purpose: AccessPurpose | None = None,
    ) -> KpiReport:
        """The case KPIs and referral SLA analytics of *region* over *period*.

        *region* (default: the actor's whole jurisdiction) must lie in the actor's
        jurisdiction and follows region splits as :meth:`cases` does; the period's days
        are the region's own (WIB, WITA or WIT). Everything is read from the read models,
        a page at a time: intake by channel, kind, sector and emergency; time in each
        stage, median and 90th percentile in working days; workload per worker; closing
        reasons; the referrals' times to acknowledge, accept and complete, breach rates by
        provider, program, tier and district, deadlines missed and escalations
        (:mod:`slrt_core.kpis` says what each counts). Open referrals are judged breached
        against the service's clock. The read is recorded in the access log with its
        purpose; a refusal reads and records nothing.

        Raises:
            AccessDenied: the actor may not list cases or read referrals there.
            InvalidInputError: *period* is not a :class:`~slrt_core.kpis.KpiPeriod`, or a
                bad region.

        Examples:
            >>> from slrt_core.adapters import MemoryStore
            >>> from slrt_core.testing import sample_slrt, sample_staff, walk_case
            >>> slrt, staff = sample_slrt(MemoryStore()), sample_staff()
            >>> _ = list(walk_case(slrt, staff, route="returned"))
            >>> report = slrt.kpis(staff.supervisor, period=KpiPeriod.month(2026, 1))
            >>> report.stage(CaseState.SUBMITTED).durations.count, report.closing_reasons[0].key
            (2, 'needs_met')

        .. versionadded:: 0.1.0
        """
        why = purpose_for(actor, purpose)
        if not isinstance(period, KpiPeriod):
            raise InvalidInputError.single(
                "period",
                "period must be a KpiPeriod (KpiPeriod.month(2026, 3)), not "
                f"{type(period).__name__}.",
                f"`period` harus `KpiPeriod` (`KpiPeriod.month(2026, 3)`), bukan "
                f"{type(period).__name__}.",
            )
        check_region(region, "region")
        within = actor.jurisdiction if region is None else region
        self.authorizer.authorize(actor, Command.LIST_CASES, region=within)
        self.authorizer.authorize(actor, Command.READ_REFERRAL, region=within)
        now = self.clock.now()
        report = kpi_query(
            self.store,
            within=within,
            on=local_date_in(within, now),
            period=period,
            as_of=now,
            calendar=self.calendar,
            directory=self.directory,
        )
        self._log_read(actor, "kpis", f"region:{within.code or 'ID'}", why)
        return report

    def export_cases(
        self,
        actor: Actor,
        out: str | Path | IO[bytes],
        *,
        where: CaseFilter | None = None,
        format: str | None = None,  # noqa: A002 - the option's name
        identifiers: bool = False,
        page_size: int = PAGE,
        purpose: AccessPurpose | None = None,
    ) -> ExportReport:
        """Write the case summaries meeting *where* to *out* as CSV or Parquet, masked.

        The table (:data:`~slrt_core.exports.CASE_EXPORT_COLUMNS`) holds ids, codes,
        states and times: no name, no address, no free text. With *identifiers* it adds
        the KK number and the head of household's NIK, masked to their last four digits
        (each case is loaded for them); nothing is ever exported in clear. The cases are
        read and written *page_size* at a time, in registration order, so memory stays
        bounded by a page; a file path gets the table only once it is complete.

        Args:
            actor: staff who may export (supervisor, manager, auditor) in the region.
            out: a file path (``.csv`` or ``.parquet``) or a binary file.
            where: which cases, as for :meth:`cases` (default: the actor's jurisdiction).
            format: ``"csv"`` or ``"parquet"``; by default the path's suffix. Parquet
                needs pyarrow (the ``parquet`` extra).
            identifiers: add the masked ``kk`` and ``nik`` columns.
            page_size: summaries read and written per page.
            purpose: why (the role's default otherwise), recorded in the access log.

        Raises:
            AccessDenied: the actor may not export, or not in that region; nothing is
                written or recorded.
            InvalidInputError: a bad filter, format or page size.
            SlrtError: Parquet without pyarrow installed.

        .. versionadded:: 0.1.0
        """
        why = purpose_for(actor, purpose)
        where = checked_filter(where, CaseFilter)
        check_region(where.region, "region")
        chosen = format_of(out, format)
        size = check_page_size(page_size)
        within = actor.jurisdiction if where.region is None else where.region
        self.authorizer.authorize(actor, Command.EXPORT, region=within)
        self.authorizer.authorize(actor, Command.LIST_CASES, region=within)
        if identifiers:
            self.authorizer.authorize(actor, Command.READ_CASE, region=within)
        now = self.clock.now()
        selection = case_selection(where, within, local_date_in(within, now), now, self.directory)
        report = write_cases(
            self.store, selection, out, chosen, identifiers=bool(identifiers), page=size
        )
        action = "export_cases_identifiers" if identifiers else "export_cases"
        self._log_read(actor, action, f"region:{within.code or 'ID'}", why)
        return report

    def export_referrals(
        self,
        actor: Actor,
        out: str | Path | IO[bytes],
        *,
        where: ReferralFilter | None = None,
        format: str | None = None,  # noqa: A002 - the option's name
        page_size: int = PAGE,
        purpose: AccessPurpose | None = None,
    ) -> ExportReport:
        """Write the referral summaries meeting *where* to *out* as CSV or Parquet.

        The table (:data:`~slrt_core.exports.REFERRAL_EXPORT_COLUMNS`) adds each
        service's program and tier from the directory, every milestone's time, the
        deadlines missed and escalation steps, and whether the referral is breached at
        the service's clock. It holds no personal data. Paging, formats and refusals as
        in :meth:`export_cases`.

        Raises:
            AccessDenied: the actor may not export, or not in that region.
            InvalidInputError: a bad filter, format or page size.
            SlrtError: Parquet without pyarrow installed.

        .. versionadded:: 0.1.0
        """
        why = purpose_for(actor, purpose)
        where = checked_filter(where, ReferralFilter)
        check_region(where.region, "region")
        chosen = format_of(out, format)
        size = check_page_size(page_size)
        within = actor.jurisdiction if where.region is None else where.region
        self.authorizer.authorize(actor, Command.EXPORT, region=within)
        self.authorizer.authorize(actor, Command.READ_REFERRAL, region=within)
        now = self.clock.now()
        selection = referral_selection(
            where, within, local_date_in(within, now), now, self.directory
        )
        report = write_referrals(
            self.store, selection, out, chosen, directory=self.directory, at=now, page=size
        )
        self._log_read(actor, "export_referrals", f"region:{within.code or 'ID'}", why)
        return report

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
    ) -> CaseList:
        """The cases of the households with a member (or KK) of this NIK that *actor* may read.

        The lookup goes through keyed tokens (:class:`~slrt_core.privacy.NikIndex`): the
        NIK itself is stored nowhere in clear. Cases outside the actor's reach are left
        out (each such denial is logged), and erased cases are gone. A case whose stored
        record is damaged is left out and reported in the result's ``skipped`` (a
        :class:`~slrt_core.ports.CaseList`), by id and event version only.

        Raises:
            InvalidInputError: *nik* is not a :class:`~slrt_core.Nik`.
            StorageError: the service has no NIK index.
        """
        why = purpose_for(actor, purpose)
        ids = self._token_index().find(nik)
        found = visible_cases(self.store, self.authorizer, actor, Command.READ_CASE, ids)
        for case in found:
            self._log_read(actor, "find_by_nik", case.case_id, why)
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
        check_id(case_id, "case_id")
        if member_id is not None:
            check_id(member_id, "member_id")
        case = visible_case(self.store, self.authorizer, actor, Command.SUBJECT_ACCESS, case_id)
        events = self.store.events(case_id)
        data = subject_access_export(case, events, member_id=member_id, at=self.clock.now())
        self._log_read(actor, "subject_access", case_id, why)
        return data

    def deliver_notifications(self, notifier: Notifier | None = None) -> RelayReport:
        """Deliver every due outbox message (to *notifier*, or the service's notifier)."""
        relay = self._relay if notifier is None else OutboxRelay(self.store, notifier, self.clock)
        return relay.drain() if relay is not None else RelayReport()

    # ------------------------------------------------------------------ reads

    def _candidate_index(self) -> CandidateIndex:
        store = self.store
        if self.dedup is None or not isinstance(store, CandidateIndex):
            msg = (
                "Intake de-duplication is off: pass dedup=BlindIndexer(peppers) to Slrt, on a "
                "store that keeps a candidate index (those of slrt_core.adapters do)."
            )
            raise StorageError(
                msg,
                message_id="Pemeriksaan data ganda tidak aktif: berikan "
                "`dedup=BlindIndexer(...)` ke `Slrt`, dengan penyimpanan yang punya indeks "
                "kandidat.",
            )
        return store

    def _token_index(self) -> NikIndex:
        if self.nik_index is None:
            msg = "This service has no NIK index: pass nik_index=NikIndex(...) to Slrt."
            raise StorageError(
                msg,
                message_id="Layanan ini tidak punya indeks NIK: berikan `nik_index` ke `Slrt`.",
            )
        return self.nik_index

    def _read_case(
        self, actor: Actor, case_id: str, purpose: AccessPurpose | None, action: str
    ) -> Case:
        why = purpose_for(actor, purpose)
        check_id(case_id, "case_id")
        case = visible_case(self.store, self.authorizer, actor, Command.READ_CASE, case_id)
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


E = TypeVar("E", CaseOrder, ReferralOrder, Worklist)


def _order(kind: type[E], value: object) -> E:
    return check_enum(kind, value, kind.__name__.lower())
