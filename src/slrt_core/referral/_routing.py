"""Routing: which services can meet a need, best first, and why.

:func:`route` is a deterministic function of the case, the need, the eligibility
decisions, the directory and a :class:`RoutingPolicy`:

1. **Emergency first.** A need of an emergency case that has had no direct service yet
   gets :class:`DirectServiceFirst`: serve it now, refer after (the ranking for after is
   attached).
2. **Filter.** Keep the services of the need's sector whose area covers the household's
   village. Leave out, with the reasons listed in :attr:`Routing.excluded`: inactive
   services; services already tried for this need; programs the household already
   receives; programs the decisions find it not eligible for; programs that overlap a
   program it receives. The last three come back when the caller gives an
   ``override_reason`` (which the referral records).
3. **Rank** with the policy: :class:`NearestTierFirst` (the default),
   :class:`LeastLoaded` or :class:`FastestResponse`, or any object with the
   :class:`RoutingPolicy` shape. Ties go to the service id, so the order is stable.

Each :class:`Candidate` carries its rank and the reasons for its place, in English and
Bahasa Indonesia. A :class:`ServiceIndex` (by sector, then area code) keeps routing fast
on a large directory; a :class:`~slrt_core.referral.Directory` is indexed once and the
index reused.

Program codes are compared without regard to case, ``-`` or ``_`` (``PBI-JK`` is
``PBI_JK``). Decisions are read by shape: any object with ``program`` and ``outcome``
(or ``status``) whose value is ``eligible``, ``not_eligible`` or
``needs_verification``, such as :class:`slrt_core.case.ProgramDecision` or a rules
engine ``Decision``.
"""

from __future__ import annotations

import enum
import functools
import statistics
import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from slrt_core.calendar import WorkingCalendar
from slrt_core.errors import InvalidInputError
from slrt_core.identity import RegionCode
from slrt_core.ports import RoutingPolicy, ServiceDirectory
from slrt_core.referral._directory import Directory, Provider, Service
from slrt_core.referral._model import Referral, ReferralStatus
from slrt_core.texts import TEXTS
from slrt_core.vocabulary import Sector, Tier

if TYPE_CHECKING:
    from slrt_core.case._model import Case, Need

__all__ = [
    "TIER_ORDER",
    "Candidate",
    "DirectServiceFirst",
    "Eligibility",
    "Exclusion",
    "FastestResponse",
    "LeastLoaded",
    "NearestTierFirst",
    "Option",
    "ResponseStats",
    "Routing",
    "RoutingPolicy",
    "RoutingReason",
    "ServiceIndex",
    "ServiceResponse",
    "overlaps_of",
    "program_exclusions",
    "program_key",
    "route",
]

#: Tiers nearest first; NGO and private providers complement the public programs, last.
TIER_ORDER: Mapping[Tier, int] = {
    Tier.VILLAGE: 0,
    Tier.DISTRICT: 1,
    Tier.PROVINCE: 2,
    Tier.NATIONAL: 3,
    Tier.NGO: 4,
}
_TIER_ID = {
    Tier.VILLAGE: "desa/kelurahan",
    Tier.DISTRICT: "kabupaten/kota",
    Tier.PROVINCE: "provinsi",
    Tier.NATIONAL: "nasional",
    Tier.NGO: "LSM/swasta",
}


def program_key(code: str) -> str:
    """A program code as compared: upper case, ``-`` and spaces as ``_``.

    Examples:
        >>> program_key("pbi-jk") == program_key("PBI_JK")
        True
    """
    return code.strip().upper().replace("-", "_").replace(" ", "_")


@attrs.frozen
class RoutingReason:
    """One reason in a routing result, in English and Bahasa Indonesia.

    Attributes:
        code: a stable code (``"tier"``, ``"already_receives"``).
        message: the English text.
        message_id: the Bahasa Indonesia text.
    """

    code: str
    message: str
    message_id: str

    def render(self, language: str = "en") -> str:
        """The text in *language* (``"en"`` or ``"id"``)."""
        return self.message_id if language == "id" else self.message


class Eligibility(enum.StrEnum):
    """What the decisions say about a service's program for this household."""

    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    NEEDS_VERIFICATION = "needs_verification"
    NO_DECISION = "no_decision"
    NO_PROGRAM = "no_program"


@attrs.frozen(kw_only=True)
class Option:
    """A service that passed the filters, as a policy sees it.

    Attributes:
        service: the service.
        provider: its provider.
        area: the service's area code that covers the village (the most specific one).
        eligibility: what the decisions say about its program.
    """

    service: Service
    provider: Provider
    area: RegionCode
    eligibility: Eligibility


@attrs.frozen(kw_only=True)
class Candidate:
    """A service a need may be referred to, with its place and the reasons for it.

    Attributes:
        rank: 1 for the best.
        total: how many candidates were ranked.
        option: the service, its provider, covering area and eligibility.
        policy: the policy that ranked it.
        lifted: exclusions an override lifted for it (empty without an override).
        override_reason: the override's reason, if any.
    """

    rank: int
    total: int
    option: Option
    policy: RoutingPolicy = attrs.field(eq=False, repr=False)
    lifted: tuple[RoutingReason, ...] = ()
    override_reason: str | None = None

    @property
    def service(self) -> Service:
        """The service."""
        return self.option.service

    @property
    def provider(self) -> Provider:
        """The provider that runs it."""
        return self.option.provider

    @property
    def area(self) -> RegionCode:
        """The service's area code that covers the village."""
        return self.option.area

    @property
    def eligibility(self) -> Eligibility:
        """What the decisions say about its program."""
        return self.option.eligibility

    @property
    def service_id(self) -> str:
        """The service id."""
        return self.option.service.service_id

    @property
    def provider_id(self) -> str:
        """The provider id."""
        return self.option.service.provider_id

    @property
    def overridden(self) -> bool:
        """True when it is here only because of an override."""
        return bool(self.lifted)

    @functools.cached_property
    def reasons(self) -> tuple[RoutingReason, ...]:
        """Why it is here and at this place (built when first read)."""
        name = self.policy.name
        rank = RoutingReason(
            "rank",
            f"rank {self.rank} of {self.total} by {name}",
            f"peringkat {self.rank} dari {self.total} menurut kebijakan '{_policy_id(name)}'",
        )
        overrides = tuple(
            RoutingReason(
                "override",
                f"offered despite: {r.message} (override: {self.override_reason})",
                f"tetap ditawarkan walau: {r.message_id} (pengecualian: {self.override_reason})",
            )
            for r in self.lifted
        )
        return (
            rank,
            *self.policy.explain(self.option),
            *_common_reasons(self.option),
            *overrides,
        )


@attrs.frozen(kw_only=True)
class Exclusion:
    """A service of the right sector and area that was left out, and why."""

    service: Service
    reasons: tuple[RoutingReason, ...]


@attrs.frozen(kw_only=True)
class Routing:
    """The ranked candidates for one need, and what was left out.

    Attributes:
        need_id: the need.
        policy: the policy's name.
        candidates: best first.
        excluded: services of the sector and area left out, with reasons.
        override_reason: the override given, if any.
    """

    need_id: str
    policy: str
    candidates: tuple[Candidate, ...]
    excluded: tuple[Exclusion, ...] = ()
    override_reason: str | None = None

    @property
    def best(self) -> Candidate | None:
        """The first candidate, or ``None`` when no service fits."""
        return self.candidates[0] if self.candidates else None

    def explain(self, language: str = "en") -> str:
        """Every candidate and exclusion with its reasons, as text."""
        lines = []
        for c in self.candidates:
            lines.append(f"{c.rank}. {c.service_id} ({c.provider_id})")
            lines.extend(f"   - {r.render(language)}" for r in c.reasons)
        if not self.candidates:
            lines.append(
                "No service fits this need."
                if language == "en"
                else "Tidak ada layanan yang cocok untuk kebutuhan ini."
            )
        for x in self.excluded:
            word = "excluded" if language == "en" else "dikecualikan"
            lines.append(f"x {x.service.service_id} ({word})")
            lines.extend(f"   - {r.render(language)}" for r in x.reasons)
        return "\n".join(lines)


@attrs.frozen(kw_only=True)
class DirectServiceFirst:
    """An emergency: give direct service now; *then* is the ranking for after it.

    Attributes:
        need_id: the need.
        reason: why.
        then: the routing to use once direct service has been given.
    """

    need_id: str
    reason: RoutingReason
    then: Routing

    def explain(self, language: str = "en") -> str:
        """The reason, then the ranking for after the direct service."""
        return f"{self.reason.render(language)}\n{self.then.explain(language)}"


# --------------------------------------------------------------------------- stats


@attrs.frozen
class ServiceResponse:
    """How fast a service answered referrals in the past.

    Attributes:
        service_id: the service.
        count: referrals it answered.
        median_hours: the median working time from request to first answer (received,
            accepted or rejected), in hours of working days.
    """

    service_id: str
    count: int
    median_hours: float


_ANSWERS = (ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED, ReferralStatus.REJECTED)


@attrs.frozen
class ResponseStats:
    """Past response times by service, for :class:`FastestResponse`.

    Examples:
        >>> ResponseStats({}).get("s1") is None
        True
    """

    by_service: Mapping[str, ServiceResponse]

    def get(self, service_id: str) -> ServiceResponse | None:
        """The record of *service_id*, if it answered any referral."""
        return self.by_service.get(service_id)

    @classmethod
    def from_referrals(
        cls, referrals: Iterable[Referral], calendar: WorkingCalendar
    ) -> ResponseStats:
        """Median time to first answer per service, from referral histories.

        Referrals never answered are left out (the SLA sweep deals with them).
        """
        hours: dict[str, list[float]] = {}
        for r in referrals:
            answered = next((c.at for c in r.history if c.status in _ANSWERS), None)
            if answered is None:
                continue
            took = calendar.working_time_between(r.requested_at, answered)
            hours.setdefault(r.service_id, []).append(took.total_seconds() / 3600)
        return cls(
            {
                sid: ServiceResponse(sid, len(values), statistics.median(values))
                for sid, values in hours.items()
            }
        )


# --------------------------------------------------------------------------- policies


def _capacity_rank(service: Service) -> tuple[int, float]:
    """(0 places free, 1 not reported, 2 full) and the share of places in use."""
    cap = service.capacity
    if cap.available is None:
        return 1, 0.5
    if cap.available <= 0:
        return 2, 1.0 + cap.waitlist
    if cap.maximum:
        return 0, 1 - min(cap.available, cap.maximum) / cap.maximum
    return 0, 0.5


def _tier_reason(option: Option) -> RoutingReason:
    tier = option.service.tier
    return RoutingReason(
        "tier",
        f"{tier} tier (level {TIER_ORDER[tier] + 1} of 5, nearest first); its area "
        f"{option.area.code or 'Indonesia'} contains the village",
        f"tingkat {_TIER_ID[tier]} (urutan {TIER_ORDER[tier] + 1} dari 5, terdekat dahulu); "
        f"wilayahnya {option.area.code or 'Indonesia'} mencakup desa/kelurahan klien",
    )


@attrs.frozen
class NearestTierFirst:
    """Nearest tier first: village, district, province, national, then NGO.

    Within a tier: the most local area, then places free, not reported, full.

    Examples:
        >>> NearestTierFirst().name
        'nearest tier first'
    """

    name: str = "nearest tier first"

    def key(self, option: Option, /) -> tuple[float, ...]:
        """Tier, area depth, capacity class, load."""
        capacity, load = _capacity_rank(option.service)
        return (TIER_ORDER[option.service.tier], -option.area.level, capacity, load)

    def explain(self, option: Option, /) -> tuple[RoutingReason, ...]:
        """The tier and the covering area."""
        return (_tier_reason(option),)


@attrs.frozen
class LeastLoaded:
    """Places free first, then the lowest share of places in use, then the nearest tier.

    Examples:
        >>> LeastLoaded().name
        'least loaded'
    """

    name: str = "least loaded"

    def key(self, option: Option, /) -> tuple[float, ...]:
        """Capacity class, load, tier."""
        capacity, load = _capacity_rank(option.service)
        return (capacity, load, TIER_ORDER[option.service.tier])

    def explain(self, option: Option, /) -> tuple[RoutingReason, ...]:
        """How loaded the service is."""
        capacity, load = _capacity_rank(option.service)
        cap = option.service.capacity
        if capacity == 0 and cap.maximum:
            used = round(100 * load)
            reason = RoutingReason(
                "load", f"{used}% of its places in use", f"{used}% tempatnya terisi"
            )
        elif capacity == 0:
            reason = RoutingReason(
                "load",
                "places free (maximum not reported)",
                "ada tempat (maksimum tidak dilaporkan)",
            )
        elif capacity == 1:
            reason = RoutingReason(
                "load",
                "capacity not reported: after services with places free",
                "kapasitas tidak dilaporkan: sesudah layanan yang masih ada tempat",
            )
        else:
            reason = RoutingReason(
                "load",
                f"full, {cap.waitlist} on the waitlist: last",
                f"penuh, {cap.waitlist} dalam daftar tunggu: terakhir",
            )
        return (reason,)


@attrs.frozen
class FastestResponse:
    """The shortest median time to answer past referrals first; no record comes after.

    Args:
        stats: past response times (:meth:`ResponseStats.from_referrals`).

    Examples:
        >>> FastestResponse(ResponseStats({})).name
        'fastest past response'
    """

    stats: ResponseStats
    name: str = "fastest past response"

    def key(self, option: Option, /) -> tuple[float, ...]:
        """Has a record, median hours, tier."""
        tier = TIER_ORDER[option.service.tier]
        record = self.stats.get(option.service.service_id)
        if record is None:
            return (1, 0.0, tier)
        return (0, record.median_hours, tier)

    def explain(self, option: Option, /) -> tuple[RoutingReason, ...]:
        """The past median response time, or its absence."""
        record = self.stats.get(option.service.service_id)
        if record is None:
            return (
                RoutingReason(
                    "response",
                    "no past referrals answered: after services with a record",
                    "belum ada rujukan yang dijawab: sesudah layanan yang punya catatan",
                ),
            )
        days = record.median_hours / 24
        return (
            RoutingReason(
                "response",
                f"answered past referrals in a median {days:.1f} working days "
                f"({record.count} referrals)",
                f"menjawab rujukan sebelumnya dalam median {days:.1f} hari kerja "
                f"({record.count} rujukan)",
            ),
        )


# --------------------------------------------------------------------------- index


class ServiceIndex:
    """Services by (sector, area code), for routing on a large directory.

    Build it once per directory; :func:`route` builds and keeps one for a
    :class:`~slrt_core.referral.Directory` by itself, and takes an index for any other
    :class:`~slrt_core.referral.ServiceDirectory`.

    Args:
        directory: the directory to index.

    Examples:
        >>> index = ServiceIndex(Directory())
        >>> index.lookup(Sector.HEALTH, RegionCode("33.74.01.1001"))
        []
    """

    def __init__(self, directory: ServiceDirectory) -> None:
        self.directory = directory
        self._by_key: dict[tuple[Sector, str], list[tuple[Service, str | None]]] = {}
        self._providers: dict[str, Provider] = {}
        for service in directory.services():
            program = program_key(service.program) if service.program else None
            for sector in service.sectors:
                for area in service.area:
                    entry = (service, program)
                    self._by_key.setdefault((sector, area.code), []).append(entry)

    def provider(self, provider_id: str) -> Provider:
        """The provider *provider_id* (looked up once, then kept)."""
        found = self._providers.get(provider_id)
        if found is None:
            found = self._providers[provider_id] = self.directory.provider(provider_id)
        return found

    def lookup(self, sector: Sector, village: RegionCode) -> list[tuple[Service, RegionCode]]:
        """Services of *sector* whose area contains *village*, with the covering area.

        The most local area comes first; a service listed for several covering areas
        appears once, with its most local one.
        """
        return [(service, area) for service, area, _ in self._entries(sector, village)]

    def _entries(
        self, sector: Sector, village: RegionCode
    ) -> list[tuple[Service, RegionCode, str | None]]:
        found: list[tuple[Service, RegionCode, str | None]] = []
        seen: set[str] = set()
        code: RegionCode | None = village
        while code is not None:
            for service, program in self._by_key.get((sector, code.code), ()):
                if service.service_id not in seen:
                    seen.add(service.service_id)
                    found.append((service, code, program))
            code = code.parent
        return found


_INDEXES: weakref.WeakKeyDictionary[Directory, ServiceIndex] = weakref.WeakKeyDictionary()


def _index(directory: ServiceDirectory | ServiceIndex) -> ServiceIndex:
    if isinstance(directory, ServiceIndex):
        return directory
    if isinstance(directory, Directory):  # immutable: safe to index once
        index = _INDEXES.get(directory)
        if index is None:
            index = _INDEXES[directory] = ServiceIndex(directory)
        return index
    return ServiceIndex(directory)


# --------------------------------------------------------------------------- route


def _outcome(decision: Any) -> str | None:
    value = getattr(decision, "outcome", None)
    if value is None:
        value = getattr(decision, "status", None)
    if value is None:
        return None
    return str(getattr(value, "value", value)).lower()


def _eligibility(decisions: Iterable[Any]) -> dict[str, Eligibility]:
    found: dict[str, Eligibility] = {}
    for d in decisions:
        program = getattr(d, "program", None)
        outcome = _outcome(d)
        if not isinstance(program, str) or outcome is None:
            continue
        try:
            found[program_key(program)] = Eligibility(outcome)
        except ValueError:
            found[program_key(program)] = Eligibility.NEEDS_VERIFICATION
    return found


def _overlap_map(overlaps: Mapping[str, Iterable[str]] | None) -> dict[str, frozenset[str]]:
    return {
        program_key(p): frozenset(program_key(q) for q in others)
        for p, others in (overlaps or {}).items()
    }


_OUTCOME_WORDS = {
    ReferralStatus.REJECTED: ("rejected", "ditolak"),
    ReferralStatus.FAILED: ("failed", "gagal"),
    ReferralStatus.CANCELLED: ("cancelled", "dibatalkan"),
    ReferralStatus.ENTERED_IN_ERROR: ("entered in error", "salah input"),
    ReferralStatus.COMPLETED: ("completed", "selesai"),
}


_INACTIVE = RoutingReason("inactive", "the service is not active", "layanan tidak aktif")


def _tried(referral: Referral) -> RoutingReason:
    if referral.is_open:
        return RoutingReason(
            "already_tried",
            f"referral {referral.referral_id} to it is still open",
            f"rujukan {referral.referral_id} ke layanan ini masih terbuka",
        )
    en, id_ = _OUTCOME_WORDS[referral.status]
    why = f" ({referral.reason})" if referral.reason else ""
    return RoutingReason(
        "already_tried",
        f"already tried for this need: referral {referral.referral_id} {en}{why}",
        f"sudah dicoba untuk kebutuhan ini: rujukan {referral.referral_id} {id_}{why}",
    )


def _program_exclusions(
    program: str,
    receives: frozenset[str],
    eligibility: Mapping[str, Eligibility],
    overlaps: Mapping[str, frozenset[str]],
) -> list[RoutingReason]:
    reasons = []
    if program in receives:
        reasons.append(
            RoutingReason(
                "already_receives",
                f"the household already receives {program}",
                f"rumah tangga sudah menerima {program}",
            )
        )
    if eligibility.get(program) is Eligibility.NOT_ELIGIBLE:
        reasons.append(
            RoutingReason(
                "not_eligible",
                f"the assessment finds the household not eligible for {program}",
                f"asesmen menyatakan rumah tangga tidak layak untuk {program}",
            )
        )
    clash = sorted(overlaps.get(program, frozenset()) & receives)
    if clash:
        names = ", ".join(clash)
        reasons.append(
            RoutingReason(
                "overlap",
                f"{program} overlaps {names}, which the household receives",
                f"{program} tumpang tindih dengan {names} yang sudah diterima rumah tangga",
            )
        )
    return reasons


def program_exclusions(
    program: str,
    *,
    received: Iterable[str] = (),
    decisions: Iterable[Any] = (),
    overlaps: Mapping[str, Iterable[str]] | None = None,
) -> tuple[RoutingReason, ...]:
    """Why *program* should not be offered to a household, if at all.

    Args:
        program: the program code.
        received: programs the household already receives.
        decisions: eligibility decisions (read by shape, as in :func:`route`).
        overlaps: program -> programs it must not be combined with.

    Examples:
        >>> [r.code for r in program_exclusions("PKH", received=["pkh"])]
        ['already_receives']
        >>> program_exclusions("PIP")
        ()
    """
    return tuple(
        _program_exclusions(
            program_key(program),
            frozenset(program_key(p) for p in received),
            _eligibility(decisions),
            _overlap_map(overlaps),
        )
    )


def _common_reasons(option: Option) -> list[RoutingReason]:
    reasons = []
    cap = option.service.capacity
    if cap.available is None:
        reasons.append(
            RoutingReason("capacity", "capacity not reported", "kapasitas tidak dilaporkan")
        )
    elif cap.available > 0:
        of = f" of {cap.maximum}" if cap.maximum else ""
        of_id = f" dari {cap.maximum}" if cap.maximum else ""
        reasons.append(
            RoutingReason(
                "capacity",
                f"{cap.available}{of} places free",
                f"{cap.available}{of_id} tempat tersedia",
            )
        )
    else:
        reasons.append(
            RoutingReason(
                "capacity",
                f"full; {cap.waitlist} on the waitlist",
                f"penuh; {cap.waitlist} dalam daftar tunggu",
            )
        )
    program = option.service.program
    if option.eligibility is Eligibility.ELIGIBLE:
        reasons.append(
            RoutingReason(
                "eligible",
                f"the assessment finds the household eligible for {program}",
                f"asesmen menyatakan rumah tangga layak untuk {program}",
            )
        )
    elif option.eligibility is Eligibility.NEEDS_VERIFICATION:
        reasons.append(
            RoutingReason(
                "needs_verification",
                f"eligibility for {program} needs verification by the provider",
                f"kelayakan untuk {program} perlu diverifikasi oleh penyedia",
            )
        )
    return reasons


def route(
    case: Case,
    need: Need | str,
    *,
    directory: ServiceDirectory | ServiceIndex,
    decisions: Iterable[Any] = (),
    policy: RoutingPolicy | None = None,
    overlaps: Mapping[str, Iterable[str]] | None = None,
    override_reason: str | None = None,
) -> Routing | DirectServiceFirst:
    """Rank the services that can meet *need* of *case*, with the reasons.

    Args:
        case: the case (its household, village, referrals and direct services).
        need: the need, or its id.
        directory: the provider directory, or a :class:`ServiceIndex` of one.
        decisions: eligibility decisions (``program`` and ``outcome`` or ``status``).
        policy: how to rank; :class:`NearestTierFirst` by default.
        overlaps: program -> programs it must not be combined with: a program is left
            out when the household receives one it overlaps.
        override_reason: why programs the household receives, is not eligible for, or
            that overlap, may be offered anyway; they then rank with the others.

    Returns:
        The ranking, or :class:`DirectServiceFirst` for an emergency need not yet served.

    Raises:
        InvalidInputError: the case has no such need, or *override_reason* is blank.

    Examples:
        >>> from datetime import UTC, date, datetime
        >>> from slrt_core import (Case, CaseState, Channel, ComplaintKind, Household, Need,
        ...     Person, Priority, Relationship, Sex)
        >>> semarang, miroto = RegionCode("33.74"), RegionCode("33.74.01.1001")
        >>> directory = Directory(
        ...     [Provider(provider_id="dinsos", name="Dinas Sosial", tier=Tier.DISTRICT,
        ...               region=semarang)],
        ...     [Service(service_id="pbi", provider_id="dinsos", name="PBI-JK desk",
        ...              sectors={Sector.HEALTH}, tier=Tier.DISTRICT, area=[semarang],
        ...              program="PBI-JK")])
        >>> head = Person(member_id="m1", relationship=Relationship.HEAD,
        ...               birth_date=date(1980, 1, 1), sex=Sex.MALE)
        >>> at = datetime(2026, 8, 3, tzinfo=UTC)
        >>> case = Case(case_id="c1", version=5, state=CaseState.REVIEWED,
        ...     household=Household(region=miroto, members=[head]),
        ...     channel=Channel.HOME_VISIT, kind=ComplaintKind.GRIEVANCE, emergency=False,
        ...     priority=Priority.NORMAL, needs=(Need(sector=Sector.HEALTH, need_id="n1"),),
        ...     opened_at=at, updated_at=at)
        >>> print(route(case, "n1", directory=directory).explain())
        1. pbi (dinsos)
           - rank 1 of 1 by nearest tier first
           - district tier (level 2 of 5, nearest first); its area 33.74 contains the village
           - capacity not reported
    """
    if isinstance(need, str):
        found = case.need(need)
        if found is None:
            known = ", ".join(n.need_id for n in case.needs)
            raise InvalidInputError.single(
                "need_id",
                f"Case {case.case_id!r} has no need {need!r}; its needs are {known}.",
                f"Kasus {case.case_id!r} tidak punya kebutuhan {need!r}; kebutuhannya {known}.",
            )
        need = found
    if override_reason is not None and not override_reason.strip():
        raise InvalidInputError.single(
            "override_reason",
            "An override needs a reason: say why the program is offered anyway.",
            "Pengecualian memerlukan alasan: jelaskan mengapa program tetap ditawarkan.",
        )
    policy = policy or NearestTierFirst()
    index = _index(directory)
    receives = frozenset(program_key(p) for p in case.household.programs_received)
    eligibility = _eligibility(decisions)
    overlap = _overlap_map(overlaps)
    tried = {r.service_id: r for r in case.referrals if r.need_id == need.need_id}
    scored: list[tuple[tuple[float, ...], str, Option, list[RoutingReason]]] = []
    excluded: list[Exclusion] = []
    for service, area, program in index._entries(need.sector, case.region):  # noqa: SLF001
        sid = service.service_id
        soft: list[RoutingReason] = []
        if program is not None and (
            program in receives or program in eligibility or program in overlap
        ):
            soft = _program_exclusions(program, receives, eligibility, overlap)
        if not service.active or sid in tried or (soft and override_reason is None):
            hard = [] if service.active else [_INACTIVE]
            if sid in tried:
                hard.append(_tried(tried[sid]))
            excluded.append(Exclusion(service=service, reasons=(*hard, *soft)))
            continue
        option = Option(
            service=service,
            provider=index.provider(service.provider_id),
            area=area,
            eligibility=(
                eligibility.get(program, Eligibility.NO_DECISION)
                if program is not None
                else Eligibility.NO_PROGRAM
            ),
        )
        scored.append((policy.key(option), sid, option, soft))
    scored.sort(key=lambda item: (item[0], item[1]))
    total = len(scored)
    routing = Routing(
        need_id=need.need_id,
        policy=policy.name,
        candidates=tuple(
            Candidate(
                rank=i,
                total=total,
                option=option,
                policy=policy,
                lifted=tuple(soft),
                override_reason=override_reason if soft else None,
            )
            for i, (_, _, option, soft) in enumerate(scored, start=1)
        ),
        excluded=tuple(excluded),
        override_reason=override_reason,
    )
    served = any(d.need_id == need.need_id for d in case.direct_services)
    if case.emergency and not served:
        return DirectServiceFirst(
            need_id=need.need_id,
            reason=RoutingReason(
                "emergency",
                "Emergency: give direct service first, then refer with the ranking below.",
                "Darurat: berikan layanan langsung lebih dahulu, lalu rujuk sesuai peringkat "
                "di bawah.",
            ),
            then=routing,
        )
    return routing


def overlaps_of(programs: Iterable[Any]) -> dict[str, frozenset[str]]:
    """The overlap map of rules-engine programs (``code`` and ``overlaps[].program``).

    Examples:
        >>> from types import SimpleNamespace as P
        >>> overlaps_of([P(code="BPNT", overlaps=[P(program="PKH")])])
        {'BPNT': frozenset({'PKH'})}
    """
    found: dict[str, frozenset[str]] = {}
    for program in programs:
        code = getattr(program, "code", None)
        others: Sequence[Any] = getattr(program, "overlaps", ())
        if isinstance(code, str) and others:
            found[program_key(code)] = frozenset(
                program_key(o.program) for o in others if isinstance(o.program, str)
            )
    return found


def _policy_id(name: str) -> str:
    """The Indonesian name of a routing policy from the catalogue; a host's own as it is."""
    return TEXTS.get(f"policy.{name}", {}).get("id", name)
