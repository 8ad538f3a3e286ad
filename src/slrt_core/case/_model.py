"""The case aggregate and its parts, as frozen values.

A :class:`Case` is never edited: commands produce events and the case is the fold of
its events (:func:`slrt_core.case.apply`).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import attrs

from slrt_core.errors import InvalidInputError, Problem
from slrt_core.formatting import number
from slrt_core.household import Household
from slrt_core.identity import RegionCode
from slrt_core.referral._consent import ADULT_AGE, Consent, DataCategory, LawfulBasis, covering
from slrt_core.referral._model import Referral
from slrt_core.rules._decision import Decision as RulesDecision
from slrt_core.rules._decision import Status
from slrt_core.texts import LanguageCode, text
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind, Sector

__all__ = [
    "Assessment",
    "Case",
    "CaseState",
    "DirectService",
    "DuplicateMatch",
    "DuplicateStatus",
    "Need",
    "NeedStatus",
    "Priority",
    "ProgramDecision",
    "StateChange",
]


class CaseState(enum.StrEnum):
    """Where a case stands in the SLRT flow (docs/explanation/lifecycles.md)."""

    REGISTERED = "registered"
    EMERGENCY_SERVED = "emergency_served"
    ASSESSED = "assessed"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    REVIEWED = "reviewed"
    IN_SERVICE = "in_service"
    REASSESSED = "reassessed"
    CLOSED = "closed"


class Priority(enum.StrEnum):
    """Handling priority; ``high`` is the fast track for vulnerable groups."""

    NORMAL = "normal"
    HIGH = "high"


class NeedStatus(enum.StrEnum):
    """Where a need stands."""

    OPEN = "open"
    REFERRED = "referred"
    SERVED_DIRECTLY = "served_directly"
    RESOLVED_LOCALLY = "resolved_locally"
    MET = "met"


@attrs.frozen(kw_only=True)
class Need:
    """A need of the household or of one member, in one sector.

    Args:
        sector: the sector the need belongs to.
        description: what the client asked for, in the staff's words.
        member_id: the member concerned, or ``None`` for the whole household.
        need_id: set by the service on registration (``"n1"``); leave empty.
        status: set by the service.

    Examples:
        >>> Need(sector=Sector.HEALTH, description="No health insurance", member_id="m2")
        Need(sector=<Sector.HEALTH: 'health'>, description='No health insurance', member_id='m2', need_id='', status=<NeedStatus.OPEN: 'open'>)
    """  # noqa: E501 - a doctest line

    sector: Sector
    description: str = ""
    member_id: str | None = None
    need_id: str = ""
    status: NeedStatus = NeedStatus.OPEN

    @property
    def is_open(self) -> bool:
        """True while nothing has been done for the need yet, or its referral is running."""
        return self.status in (NeedStatus.OPEN, NeedStatus.REFERRED)


@attrs.frozen(kw_only=True)
class ProgramDecision:
    """The summary of one program's eligibility decision, as stored on an assessment.

    It is :class:`slrt_core.rules.Decision` without what can be computed again: the
    outcome is the decision's :attr:`~slrt_core.rules.Decision.status` value, the
    benefit its amount. :meth:`from_decision` makes one from the other, :attr:`status`
    reads the outcome back as the rules' enum, and the full decision with its
    explanation is :meth:`slrt_core.service.Slrt.explain` (recomputed with the
    assessment's date and the rulebook it records by content hash).

    Examples:
        >>> from slrt_core.testing import sample_household
        >>> from slrt_core.rules import Status, decide, load_pack
        >>> from datetime import date
        >>> full = decide(sample_household(), on=date(2025, 3, 1), rulebook=load_pack())
        >>> summary = ProgramDecision.from_decision(full["PKH"])
        >>> summary.status is full["PKH"].status is Status.ELIGIBLE
        True
        >>> summary.benefit == full["PKH"].benefit.amount
        True

    .. versionchanged:: 0.1.0
       :meth:`from_decision` and :attr:`status`.
    """

    program: str
    outcome: str
    benefit: int | None = None
    missing: tuple[str, ...] = ()

    @classmethod
    def from_decision(cls, decision: RulesDecision) -> ProgramDecision:
        """The summary of a full rules decision, as an assessment stores it."""
        return cls(
            program=decision.program,
            outcome=decision.status.value,
            benefit=decision.benefit.amount if decision.benefit is not None else None,
            missing=decision.missing,
        )

    @property
    def status(self) -> Status:
        """The outcome as the rules engine's :class:`~slrt_core.rules.Status`."""
        return Status(self.outcome)


@attrs.frozen(kw_only=True)
class Assessment:
    """An assessment or re-assessment of the household."""

    number: int
    at: datetime
    by: str
    findings: str
    decisions: tuple[ProgramDecision, ...] = ()
    rulebook_version: str | None = None
    rulebook_hash: str | None = None

    @property
    def is_reassessment(self) -> bool:
        """True for every assessment after the first."""
        return self.number > 1


@attrs.frozen(kw_only=True)
class DirectService:
    """A service given on the spot (food parcel, transport to hospital, ...)."""

    need_id: str
    description: str
    at: datetime
    by: str


class DuplicateStatus(enum.StrEnum):
    """Where a duplicate-suspect flag stands.

    .. versionadded:: 0.1.0
    """

    OPEN = "open"
    """Waiting for a supervisor."""
    DISTINCT = "distinct"
    """A supervisor found two households: both cases go on."""
    MERGED = "merged"
    """One household: one case was merged into the other."""


@attrs.frozen(kw_only=True)
class DuplicateMatch:
    """A duplicate-suspect flag: another case that may be this household's, and why.

    Made by the intake check at registration (:mod:`slrt_core.dedup`): the explanation
    holds tokens' outcomes only (which fields agreed, the score), never a name.

    Attributes:
        case_id: the other case.
        decision: ``"same"`` (a NIK or KK number shared: registered anyway, with an
            override) or ``"likely"`` (similar names, birth dates, village).
        score: the Fellegi-Sunter score of the match.
        agreed: the fields that agreed (``"kk"``, ``"nik"``, ``"name"``, ``"birth_date"``
            ...; labels ``dedup.field.<field>`` in :mod:`slrt_core.texts`).
        members: ``(member of this case, member of the other)`` pairs matched, best first.
        status: open until a supervisor resolves it.

    .. versionadded:: 0.1.0
    """

    case_id: str
    decision: str
    score: float
    agreed: tuple[str, ...] = ()
    members: tuple[tuple[str, str], ...] = ()
    status: DuplicateStatus = DuplicateStatus.OPEN

    @property
    def is_open(self) -> bool:
        """True until a supervisor marked it distinct or merged the cases."""
        return self.status is DuplicateStatus.OPEN

    def explain(self, language: LanguageCode = "id") -> str:
        """One sentence for staff: the other case, the decision, the score, what agreed.

        Examples:
            >>> DuplicateMatch(case_id="C-1", decision="likely", score=22.4,
            ...                agreed=("name", "birth_date")).explain("en")
            'Case C-1: likely duplicate, score 22.4. Agreed: full name, date of birth.'
        """
        decision = text(f"dedup.decision.{self.decision}", language)
        score = number(self.score, language, digits=1)
        fields = ", ".join(text(f"dedup.field.{f}", language) for f in self.agreed)
        key = "dedup.explain" if fields else "dedup.explain.none"
        return text(key, language, case_id=self.case_id, decision=decision, score=score,
                    fields=fields)  # fmt: skip


@attrs.frozen(kw_only=True)
class StateChange:
    """One step of a case's state history: the state it entered, and when.

    The stage a case spends between two steps is what the KPIs time
    (:meth:`slrt_core.Slrt.kpis`).

    .. versionadded:: 0.1.0
    """

    state: CaseState
    at: datetime


@attrs.frozen(kw_only=True)
class Case:
    """One household's case: its needs, assessments, referrals and state.

    Attributes:
        case_id: the case id.
        version: the number of events folded into the case.
        state: the lifecycle state.
        household: the client household.
        channel: where the need came in.
        kind: question, suggestion or grievance.
        emergency: direct service first, paperwork after.
        priority: handling priority.
        needs: the needs, in the order recorded.
        assessments: assessments, first to latest.
        referrals: referrals, oldest first.
        direct_services: services given directly.
        assignees: ids of actors working on the case.
        opened_at: when the case was registered.
        updated_at: when the last event happened.
        correction_note: the supervisor's note when the case was returned.
        closing_reason: why the case closed.
        consents: consents recorded for members of the household, oldest first.
        lawful_bases: other lawful bases recorded for the case, oldest first.
        duplicates: the duplicate-suspect flags raised on the case, oldest first.
        merged_into: the case this one was merged into (it closed as a duplicate).
        merged_from: the cases merged into this one, oldest first.
        state_history: every state the case entered, with when, oldest first (its
            registration first); events that leave the state as it is add nothing.

    .. versionchanged:: 0.1.0
       ``state_history``.
    """

    case_id: str
    version: int
    state: CaseState
    household: Household
    channel: Channel
    kind: ComplaintKind
    emergency: bool
    priority: Priority
    needs: tuple[Need, ...]
    opened_at: datetime
    updated_at: datetime
    assessments: tuple[Assessment, ...] = ()
    referrals: tuple[Referral, ...] = ()
    direct_services: tuple[DirectService, ...] = ()
    assignees: frozenset[str] = frozenset()
    correction_note: str = ""
    closing_reason: ClosingReason | None = None
    consents: tuple[Consent, ...] = ()
    lawful_bases: tuple[LawfulBasis, ...] = ()
    state_history: tuple[StateChange, ...] = ()
    duplicates: tuple[DuplicateMatch, ...] = ()
    merged_into: str | None = None
    merged_from: tuple[str, ...] = ()

    @property
    def open_duplicates(self) -> tuple[DuplicateMatch, ...]:
        """The duplicate-suspect flags no supervisor has resolved yet.

        .. versionadded:: 0.1.0
        """
        return tuple(d for d in self.duplicates if d.is_open)

    def duplicate(self, case_id: str) -> DuplicateMatch | None:
        """The open duplicate-suspect flag naming *case_id*, or ``None``.

        .. versionadded:: 0.1.0
        """
        return next((d for d in self.duplicates if d.case_id == case_id and d.is_open), None)

    @property
    def region(self) -> RegionCode:
        """The household's village code, which decides jurisdiction."""
        return self.household.region

    @property
    def is_closed(self) -> bool:
        """True once the case has closed."""
        return self.state is CaseState.CLOSED

    @property
    def open_referrals(self) -> tuple[Referral, ...]:
        """Referrals not yet in a terminal status."""
        return tuple(r for r in self.referrals if r.is_open)

    def need(self, need_id: str) -> Need | None:
        """The need with *need_id*, or ``None``."""
        return next((n for n in self.needs if n.need_id == need_id), None)

    def referral(self, referral_id: str) -> Referral | None:
        """The referral with *referral_id*, or ``None``."""
        return next((r for r in self.referrals if r.referral_id == referral_id), None)

    @property
    def bases(self) -> tuple[Consent | LawfulBasis, ...]:
        """Every consent and lawful basis recorded, consents first."""
        return (*self.consents, *self.lawful_bases)

    @property
    def decisions(self) -> tuple[ProgramDecision, ...]:
        """The eligibility decisions of the latest assessment (none before one).

        .. versionadded:: 0.1.0
        """
        return self.assessments[-1].decisions if self.assessments else ()

    def unknown_need(self, need_id: str) -> InvalidInputError:
        """The error for a need this case does not have, listing those it has.

        .. versionadded:: 0.1.0
        """
        known = ", ".join(n.need_id for n in self.needs)
        return InvalidInputError.single(
            "need_id",
            f"Case {self.case_id!r} has no need {need_id!r}; its needs are {known}.",
            f"Kasus {self.case_id!r} tidak punya kebutuhan {need_id!r}; kebutuhannya {known}.",
        )

    def open_need(self, need_id: str) -> Need:
        """The need *need_id*, which must be open.

        Raises:
            InvalidInputError: the case has no such need, or it is not open.

        .. versionadded:: 0.1.0
        """
        need = self.need(need_id)
        if need is None:
            raise self.unknown_need(need_id)
        if need.status is not NeedStatus.OPEN:
            raise InvalidInputError.single(
                "need_id",
                f"Need {need_id!r} is {need.status}, not open; nothing more to do for it here.",
                f"Kebutuhan {need_id!r} berstatus "
                f"“{text(f'label.NeedStatus.{need.status}', 'id')}”, bukan terbuka.",
            )
        return need

    def referral_problems(self, need_id: str, replaces: str | None = None) -> list[Problem]:
        """What stops a new referral of need *need_id* (replacing *replaces*), if anything.

        A need has one open referral at a time; a referral replaces only an ended
        referral of the same need.

        .. versionadded:: 0.1.0
        """
        problems = []
        if any(r.need_id == need_id and r.is_open for r in self.referrals):
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
            old = self.referral(replaces)
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

    def record_in_force_problems(self, record_id: str) -> list[Problem]:
        """A problem unless *record_id* is a consent or lawful basis of the case in force.

        .. versionadded:: 0.1.0
        """
        record = next((r for r in self.bases if r.record_id == record_id), None)
        if record is not None and record.withdrawn_at is None:
            return []
        known = ", ".join(r.record_id for r in self.bases if r.withdrawn_at is None)
        return [
            Problem(
                "record_id",
                f"Case {self.case_id!r} has no consent or lawful basis {record_id!r} in force; "
                f"those in force are: {known or 'none'}.",
                f"Kasus {self.case_id!r} tidak punya persetujuan atau dasar hukum {record_id!r} "
                f"yang berlaku; yang berlaku: {known or 'tidak ada'}.",
            )
        ]

    def subject_of(self, need: Need) -> str:
        """The member whose data a referral of *need* sends: its member, or the head.

        .. versionadded:: 0.1.0
        """
        return need.member_id or self.household.head.member_id

    def referral_categories(self, need: Need, on: date) -> tuple[DataCategory, ...]:
        """The kinds of personal data a referral of *need* sends, on local date *on*.

        Identity and household always; health data for a health need; a child's data
        when the subject is under :data:`~slrt_core.referral.ADULT_AGE`.

        .. versionadded:: 0.1.0
        """
        kinds = [DataCategory.IDENTITY, DataCategory.HOUSEHOLD]
        if need.sector is Sector.HEALTH:
            kinds.append(DataCategory.HEALTH)
        if self.household.member(self.subject_of(need)).age_on(on) < ADULT_AGE:
            kinds.append(DataCategory.CHILD)
        return tuple(kinds)

    def basis_for(self, need: Need, provider_id: str, at: datetime, on: date) -> str | None:
        """The id of the consent or lawful basis that lets *need*'s data go to the provider.

        *at* is the time of sending, *on* its local date (for the subject's age).

        .. versionadded:: 0.1.0
        """
        record = covering(
            self.bases,
            subject=self.subject_of(need),
            provider_id=provider_id,
            purpose="referral",
            at=at,
            categories=self.referral_categories(need, on),
        )
        return None if record is None else record.record_id
