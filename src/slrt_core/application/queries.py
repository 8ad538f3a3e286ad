"""Queries of the read side: what staff may see, answered without writing anything.

Reads are authorized like commands, and an outsider gets the same answer for a case
that does not exist and for one outside their jurisdiction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

from slrt_core.access import Actor, Command
from slrt_core.case._model import Case, CaseState, ProgramDecision
from slrt_core.errors import (
    AccessDenied,
    CaseErasedError,
    CaseNotFoundError,
    CaseNotVisibleError,
    CorruptRecordError,
    InvalidInputError,
    OutsideJurisdictionError,
    ReferralNotFoundError,
    ReferralNotVisibleError,
)
from slrt_core.identity import RegionCode, predecessors_within, region_covers
from slrt_core.ports import Authorizer, CaseList, CaseQueries, EventStore
from slrt_core.referral._model import Referral
from slrt_core.referral._routing import program_key
from slrt_core.rules._decision import Decision as RulesDecision
from slrt_core.rules._rulebook import Rulebook
from slrt_core.rules._scalar import decide

__all__ = [
    "cases_within",
    "explain_assessment",
    "programs_for_need",
    "visible_case",
    "visible_referral",
]

#: The order of :func:`programs_for_need`: eligible, needs verification, not eligible.
_OUTCOME_RANK = {"eligible": 0, "needs_verification": 1, "not_eligible": 2}


def visible_case(
    store: EventStore, authorizer: Authorizer, actor: Actor, command: Command, case_id: str
) -> Case:
    """The case, if *actor* may run *command* on it.

    Raises:
        CaseNotVisibleError: no such case, or it lies outside the actor's jurisdiction
            (the same answer for both).
        AccessDenied: the actor's role may not run *command*.
    """
    try:
        case = store.load(case_id)
    except CaseErasedError:
        raise
    except CaseNotFoundError:
        raise CaseNotVisibleError(case_id) from None
    try:
        authorizer.authorize(actor, command, region=case.region)
    except OutsideJurisdictionError:
        raise CaseNotVisibleError(case_id) from None
    return case


def visible_cases(
    store: EventStore,
    authorizer: Authorizer,
    actor: Actor,
    command: Command,
    case_ids: Iterable[str],
) -> CaseList:
    """The cases among *case_ids* that *actor* may run *command* on, in that order.

    The others are left out, saying nothing of them: a case elsewhere, an erased one,
    or an id an index kept from a commit that failed. A case whose stored record is
    damaged is left out too, and reported in the result's ``skipped``
    (:class:`~slrt_core.ports.CaseList`): its region cannot be read, so only its id and
    the bad event's version are said.
    """
    found = []
    skipped = []
    for case_id in case_ids:
        try:
            found.append(visible_case(store, authorizer, actor, command, case_id))
        except (CaseNotFoundError, AccessDenied):
            continue
        except CorruptRecordError as exc:  # reported, never hidden (and never breaks)
            skipped.append(exc)
    return CaseList(found, skipped=skipped)


def visible_referral(
    store: EventStore, authorizer: Authorizer, actor: Actor, referral_id: str
) -> tuple[Case, Referral]:
    """The referral and its case, for the case's staff or the provider it is addressed to.

    Raises:
        ReferralNotVisibleError: no such referral, or outside the actor's jurisdiction.
        AccessDenied: the actor's role may not read it, or it is another provider's.
    """
    try:
        case = store.load(store.case_id_of_referral(referral_id))
    except CaseErasedError:
        raise
    except (ReferralNotFoundError, CaseNotFoundError):
        raise ReferralNotVisibleError(referral_id) from None
    referral = case.referral(referral_id)
    if referral is None:  # pragma: no cover - the store's index points at the case holding it
        raise ReferralNotVisibleError(referral_id)
    try:
        authorizer.authorize(
            actor, Command.READ_REFERRAL, region=case.region, provider_id=referral.provider_id
        )
    except OutsideJurisdictionError:
        raise ReferralNotVisibleError(referral_id) from None
    return case, referral


def programs_for_need(case: Case, need_id: str, rulebook: Rulebook) -> tuple[ProgramDecision, ...]:
    """The rulebook's programs for a need, with the latest decision on each.

    Eligible first, then needs verification, then not eligible; programs the household
    already receives are left out; nothing before an assessment with decisions.

    Raises:
        InvalidInputError: the case has no such need.
    """
    need = case.need(need_id)
    if need is None:
        raise case.unknown_need(need_id)
    decided = {d.program: d for d in case.decisions}
    received = {program_key(p) for p in case.household.programs_received}
    found = [
        decided[code]
        for code in rulebook.programs_for(need.sector)
        if code in decided and program_key(code) not in received
    ]
    return tuple(sorted(found, key=lambda d: _OUTCOME_RANK.get(d.outcome, 1)))


def explain_assessment(
    case: Case,
    program: str,
    rulebook: Rulebook,
    local_date: Callable[[datetime], date],
    number: int | None = None,
) -> RulesDecision:
    """The full decision on *program* of an assessment, explanation included.

    The assessment (the latest with decisions unless *number* is given) stores the
    summary; the decision is computed again on the household and the local date it was
    assessed on (*local_date* of its time, as the assessment did) with *rulebook*,
    which must be the rulebook recorded: the same
    :attr:`~slrt_core.rules.Rulebook.content_hash`, or, for assessments recorded before
    the hash was kept, the same version (whose suffix is the hash's first 12 digits).

    Raises:
        InvalidInputError: no such assessment, no decision on the program, or the
            rulebook is not the one the assessment was decided with.
    """
    decided = [a for a in case.assessments if a.decisions]
    chosen = [a for a in decided if number is None or a.number == number]
    if not chosen:
        which = "any assessment" if number is None else f"assessment {number}"
        yang = "asesmen mana pun" if number is None else f"asesmen {number}"
        raise InvalidInputError.single(
            "assessment",
            f"Case {case.case_id} has no eligibility decisions on {which}; assess the "
            "household with a rulebook first.",
            f"Kasus {case.case_id} tidak punya keputusan kelayakan pada {yang}; lakukan "
            "asesmen rumah tangga dengan buku aturan terlebih dahulu.",
        )
    assessment = chosen[-1]
    if assessment.rulebook_hash is not None:
        same = assessment.rulebook_hash == rulebook.content_hash
        recorded = assessment.rulebook_hash[:12]
    else:
        same = assessment.rulebook_version == rulebook.version
        recorded = str(assessment.rulebook_version)
    if not same:
        raise InvalidInputError.single(
            "rulebook",
            f"Assessment {assessment.number} of case {case.case_id} was decided with "
            f"rulebook {assessment.rulebook_version} ({recorded}), this service has "
            f"{rulebook.version}; explain it with a service built on that rulebook.",
            f"Asesmen {assessment.number} kasus {case.case_id} diputuskan dengan buku aturan "
            f"{assessment.rulebook_version} ({recorded}), layanan ini memakai "
            f"{rulebook.version}; jelaskan dengan layanan yang dibangun dengan buku aturan itu.",
        )
    if program not in {d.program for d in assessment.decisions}:
        known = ", ".join(d.program for d in assessment.decisions)
        raise InvalidInputError.single(
            "program",
            f"Assessment {assessment.number} has no decision on {program!r}; "
            f"choose one of {known}.",
            f"Asesmen {assessment.number} tidak punya keputusan tentang {program!r}; "
            f"pilih salah satu dari {known}.",
        )
    return decide(case.household, on=local_date(assessment.at), rulebook=rulebook)[program]


def cases_within(
    queries: CaseQueries, within: RegionCode, state: CaseState | None, on: date
) -> CaseList:
    """The cases in *within* on *on*, by id, following region splits (pemekaran).

    Staff of a new province also get the cases recorded under the old codes of its
    regencies, from the split's effective date; staff of the old province no longer do.
    The damaged cases the store left out are in the result's ``skipped``.
    """
    found: dict[str, Case] = {}
    skipped: dict[str, CorruptRecordError] = {}
    for code in (within, *predecessors_within(within, on)):
        listed = queries.find_cases(within=code, state=state)
        found.update((c.case_id, c) for c in listed if region_covers(within, c.region, on))
        skipped.update((e.case_id, e) for e in getattr(listed, "skipped", ()))
    return CaseList((found[k] for k in sorted(found)), skipped=skipped.values())


def no_rulebook() -> InvalidInputError:
    """The error of a rulebook query on a service without one."""
    return InvalidInputError.single(
        "rulebook",
        "This service has no rulebook; create it with Slrt(..., rulebook=load_pack()).",
        "Layanan ini tidak punya buku aturan; buat dengan `Slrt(..., rulebook=load_pack())`.",
    )
