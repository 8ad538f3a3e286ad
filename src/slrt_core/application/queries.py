"""Queries of the read side: what staff may see, answered without writing anything.

Reads are authorized like commands, and an outsider gets the same answer for a case
that does not exist and for one outside their jurisdiction.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TypeVar

import attrs

from slrt_core.access import Actor, Command
from slrt_core.application._checks import enum_value
from slrt_core.case._model import Case, CaseState, Priority, ProgramDecision
from slrt_core.errors import (
    AccessDenied,
    CaseErasedError,
    CaseNotFoundError,
    CaseNotVisibleError,
    CorruptRecordError,
    InvalidInputError,
    OutsideJurisdictionError,
    Problem,
    ReferralNotFoundError,
    ReferralNotVisibleError,
)
from slrt_core.identity import RegionCode, predecessors_within, region_covers, region_splits
from slrt_core.ports import (
    Authorizer,
    CaseList,
    CaseQueries,
    EventStore,
    ServiceDirectory,
    SummaryQueries,
)
from slrt_core.projections import (
    CaseFilter,
    CaseOrder,
    CaseSelection,
    CaseSummary,
    Page,
    ReferralFilter,
    ReferralOrder,
    ReferralSelection,
    ReferralSummary,
    case_key,
    referral_key,
)
from slrt_core.referral._model import Referral, ReferralStatus
from slrt_core.referral._routing import program_key
from slrt_core.rules._decision import Decision as RulesDecision
from slrt_core.rules._rulebook import Rulebook
from slrt_core.rules._scalar import decide
from slrt_core.vocabulary import Channel, ComplaintKind, Sector

__all__ = [
    "MAX_PAGE",
    "case_page",
    "case_selection",
    "cases_within",
    "check_limit",
    "checked_filter",
    "decode_cursor",
    "encode_cursor",
    "explain_assessment",
    "programs_for_need",
    "referral_page",
    "referral_selection",
    "region_scope",
    "visible_case",
    "visible_referral",
]

F = TypeVar("F", CaseFilter, ReferralFilter)

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


# --------------------------------------------------------------------------- read models


def region_scope(
    within: RegionCode, on: date
) -> tuple[tuple[RegionCode, ...], tuple[RegionCode, ...]]:
    """The codes to search (and to leave out) for the cases within *within* on *on*.

    The cases recorded under *within* and under the old codes of regencies a split moved
    into it (:func:`~slrt_core.identity.predecessors_within`); without the regencies a
    split moved out of it from the split's date, as
    :func:`~slrt_core.identity.region_covers` says.

    Examples:
        >>> from datetime import date
        >>> found, left_out = region_scope(RegionCode("91"), date(2023, 1, 1))
        >>> found[0].code, "91.01" in {c.code for c in left_out}
        ('91', True)
    """
    if not within.code:
        return (), ()
    moved_out = tuple(
        s.old
        for s in region_splits()
        if on >= s.effective and within.contains(s.old) and not within.contains(s.new)
    )
    return (within, *predecessors_within(within, on)), moved_out


def _services_of(
    directory: ServiceDirectory, program: str | None, tier: str | None = None
) -> frozenset[str] | None:
    if program is None and tier is None:
        return None
    return frozenset(
        s.service_id
        for s in directory.services()
        if (program is None or program_key(s.program or "") == program_key(program))
        and (tier is None or s.tier.value == tier)
    )


def case_selection(
    where: CaseFilter, within: RegionCode, on: date, now: datetime, directory: ServiceDirectory
) -> CaseSelection:
    """The store's selection for *where*, searched *within* on local date *on* at *now*."""
    regions, excluded = region_scope(within, on)
    return CaseSelection(
        regions=regions,
        excluded=excluded,
        states=where.states,
        assignee=where.assignee,
        channels=where.channels,
        kinds=where.kinds,
        emergency=where.emergency,
        priority=where.priority,
        sectors=where.sectors,
        services=_services_of(directory, where.program),
        provider=where.provider,
        referral_statuses=where.referral_statuses,
        due_before=now if where.overdue is True else None,
        due_after=now if where.overdue is False else None,
        registered_from=where.registered_from,
        registered_before=where.registered_before,
        updated_from=where.updated_from,
        updated_before=where.updated_before,
    )


def referral_selection(
    where: ReferralFilter,
    within: RegionCode | None,
    on: date,
    now: datetime,
    directory: ServiceDirectory,
) -> ReferralSelection:
    """The store's selection for *where*; *within* ``None`` searches every region."""
    regions, excluded = region_scope(within, on) if within is not None else ((), ())
    services = _services_of(directory, where.program, where.tier)
    if where.service is not None:
        services = frozenset({where.service}) & (
            services if services is not None else {where.service}
        )
    return ReferralSelection(
        regions=regions,
        excluded=excluded,
        case_id=where.case_id,
        statuses=where.statuses,
        provider=where.provider,
        services=services,
        sectors=where.sectors,
        escalated=where.escalated,
        due_before=now if where.overdue is True else None,
        due_after=now if where.overdue is False else None,
        requested_from=where.requested_from,
        requested_before=where.requested_before,
    )


def encode_cursor(order: str, key: tuple[object, ...]) -> str:
    """The opaque cursor of the page after *key* in *order* (URL-safe text).

    Examples:
        >>> at = datetime.fromisoformat("2026-01-05T08:00Z")
        >>> cursor = encode_cursor("priority", (0, at, "c1"))
        >>> decode_cursor(cursor, "priority")
        (0, datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.timezone.utc), 'c1')
    """
    parts = [{"t": v.isoformat()} if isinstance(v, datetime) else v for v in key]
    text = json.dumps([order, *parts], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, order: str) -> tuple[object, ...]:
    """The key a cursor of :func:`encode_cursor` continues after.

    Raises:
        InvalidInputError: the cursor is damaged, or was made for another order.
    """
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or raw[0] != order:
            raise ValueError(order)  # noqa: TRY301 - one refusal for every bad cursor
        return tuple(datetime.fromisoformat(v["t"]) if isinstance(v, dict) else v for v in raw[1:])
    except (ValueError, TypeError, KeyError, IndexError, binascii.Error):
        raise InvalidInputError.single(
            "page",
            "The page cursor is damaged or belongs to another order; pass the `next` of the "
            "previous page with the same order, or no cursor for the first page.",
            "Kursor halaman rusak atau milik urutan lain; berikan `next` dari halaman "
            "sebelumnya dengan urutan yang sama, atau tanpa kursor untuk halaman pertama.",
        ) from None


def check_limit(limit: object) -> int:
    """*limit* when it is a page size from 1 to :data:`MAX_PAGE`.

    Raises:
        InvalidInputError: it is not.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidInputError.single(
            "limit",
            f"A page holds 1 to {MAX_PAGE} summaries, not {limit!r}.",
            f"Satu halaman memuat 1 sampai {MAX_PAGE} ringkasan, bukan {limit!r}.",
        )
    return limit


#: The largest page a query returns.
MAX_PAGE = 1_000


def case_page(
    queries: SummaryQueries,
    selection: CaseSelection,
    order: CaseOrder,
    cursor: str | None,
    limit: int,
    *,
    count: bool = False,
) -> Page[CaseSummary]:
    """One page of case summaries, with the cursor of the next one (and the count)."""
    after = decode_cursor(cursor, order.value) if cursor is not None else None
    found = queries.case_summaries(selection, order=order, after=after, limit=limit + 1)
    items = tuple(found[:limit])
    more = len(found) > limit
    return Page(
        items=items,
        next=encode_cursor(order.value, case_key(items[-1], order)) if more else None,
        total=queries.count_cases(selection) if count else None,
    )


def referral_page(
    queries: SummaryQueries,
    selection: ReferralSelection,
    order: ReferralOrder,
    cursor: str | None,
    limit: int,
    *,
    count: bool = False,
) -> Page[ReferralSummary]:
    """One page of referral summaries, with the cursor of the next one (and the count)."""
    after = decode_cursor(cursor, order.value) if cursor is not None else None
    found = queries.referral_summaries(selection, order=order, after=after, limit=limit + 1)
    items = tuple(found[:limit])
    more = len(found) > limit
    return Page(
        items=items,
        next=encode_cursor(order.value, referral_key(items[-1], order)) if more else None,
        total=queries.count_referrals(selection) if count else None,
    )


_FILTER_ENUMS: dict[str, type[enum.Enum]] = {
    "states": CaseState,
    "channels": Channel,
    "kinds": ComplaintKind,
    "sectors": Sector,
    "referral_statuses": ReferralStatus,
    "statuses": ReferralStatus,
}
_FILTER_TIMES = (
    "registered_from",
    "registered_before",
    "updated_from",
    "updated_before",
    "requested_from",
    "requested_before",
)


def checked_filter(where: object, kind: type[F]) -> F:
    """*where* (``None``: everything) with its codes as enum members, or a refusal.

    Sets may hold the codes as text (``{"submitted"}``); times must be aware.

    Raises:
        InvalidInputError: *where* is not a *kind*, or every problem of its fields.
    """
    if where is None:
        return kind()
    if not isinstance(where, kind):
        raise InvalidInputError.single(
            "where",
            f"where must be a {kind.__name__}, not {type(where).__name__}.",
            f"where harus {kind.__name__}, bukan {type(where).__name__}.",
        )
    problems: list[Problem] = []
    changes: dict[str, object] = {}
    for name, members in _FILTER_ENUMS.items():
        values = getattr(where, name, None)
        if values:
            changes[name] = frozenset(
                enum_value(members, v, f"where.{name}", problems) for v in values
            )
    priority = getattr(where, "priority", None)
    if priority is not None:
        changes["priority"] = enum_value(Priority, priority, "where.priority", problems)
    for name in _FILTER_TIMES:
        value = getattr(where, name, None)
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            problems.append(
                Problem(
                    f"where.{name}",
                    f"where.{name} must be an aware datetime (with a time zone, such as UTC).",
                    f"where.{name} harus berupa datetime dengan zona waktu (misalnya UTC).",
                )
            )
    if problems:
        raise InvalidInputError(problems)
    return attrs.evolve(where, **changes)  # type: ignore[arg-type]
