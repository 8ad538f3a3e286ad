"""What is simulated (a :class:`Scenario`) and what is compared (each :class:`Policy`).

All values are frozen attrs classes. :func:`check` lists every inconsistency of a
scenario and its policies in one :class:`~slrt_core.InvalidInputError` before anything
runs.
"""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import attrs

from slrt_core.errors import InvalidInputError, Problem
from slrt_core.identity import RegionCode
from slrt_core.referral._directory import Directory
from slrt_core.referral._routing import NearestTierFirst, RoutingPolicy, program_key
from slrt_core.rules._rulebook import Rulebook
from slrt_core.sim._population import PopulationSpec, SimPopulation, probability_problems
from slrt_core.vocabulary import Channel, Sector

__all__ = [
    "STAFF_ROLES",
    "Change",
    "Distribution",
    "FollowUp",
    "Intake",
    "NeedShare",
    "Office",
    "Policy",
    "Scenario",
    "ServiceModel",
    "check",
]

_KINDS = ("fixed", "exponential", "lognormal", "uniform")


def _tuple(values: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(values)


def _tuple_str(values: Iterable[object]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


@attrs.frozen
class Distribution:
    """A distribution of durations in days, sampled with a :class:`random.Random`.

    Build one with :meth:`fixed`, :meth:`exponential`, :meth:`lognormal` or
    :meth:`uniform`.

    Examples:
        >>> import random
        >>> d = Distribution.lognormal(median=3.0, sigma=0.5)
        >>> round(d.mean, 2), 0 < d.sample(random.Random(1))
        (3.4, True)

    .. versionadded:: 0.1.0
    """

    kind: str
    a: float
    b: float = 0.0

    @classmethod
    def fixed(cls, days: float) -> Distribution:
        """Always *days*."""
        return cls("fixed", days)

    @classmethod
    def exponential(cls, mean: float) -> Distribution:
        """Exponential with *mean* days (memoryless waiting)."""
        return cls("exponential", mean)

    @classmethod
    def lognormal(cls, median: float, sigma: float) -> Distribution:
        """Log-normal with *median* days and log-spread *sigma* (skewed to long waits)."""
        return cls("lognormal", median, sigma)

    @classmethod
    def uniform(cls, low: float, high: float) -> Distribution:
        """Uniform between *low* and *high* days."""
        return cls("uniform", low, high)

    @property
    def mean(self) -> float:
        """The mean in days."""
        if self.kind == "lognormal":
            return self.a * math.exp(self.b * self.b / 2)
        if self.kind == "uniform":
            return (self.a + self.b) / 2
        return self.a

    def sample(self, rng: random.Random) -> float:
        """One duration."""
        kind = self.kind
        if kind == "lognormal":
            return self.a * math.exp(rng.gauss(0.0, self.b))
        if kind == "exponential":
            return rng.expovariate(1.0 / self.a) if self.a > 0 else 0.0
        if kind == "uniform":
            return rng.uniform(self.a, self.b)
        return self.a

    def problems(self, path: str) -> list[Problem]:
        """What is wrong with it: an unknown kind, a negative time or spread."""
        if self.kind not in _KINDS:
            return [
                Problem(
                    path,
                    f"Unknown distribution {self.kind!r}; use one of {', '.join(_KINDS)}.",
                    f"Distribusi {self.kind!r} tidak dikenal; gunakan {', '.join(_KINDS)}.",
                )
            ]
        if self.a < 0 or self.b < 0 or (self.kind == "uniform" and self.b < self.a):
            return [
                Problem(
                    path,
                    f"The {self.kind} duration ({self.a}, {self.b}) has a negative or reversed "
                    "value; durations are days of 0 or more.",
                    f"Durasi {self.kind} ({self.a}, {self.b}) bernilai negatif atau terbalik; "
                    "durasi adalah hari, 0 atau lebih.",
                )
            ]
        return []


# Default durations, as names: a frozen value is safe to share as a default.
_ANSWER = Distribution.lognormal(median=1.0, sigma=0.5)
_SERVICE = Distribution.lognormal(median=5.0, sigma=0.6)
_LATE = Distribution.uniform(1.0, 10.0)
_ASSESS = Distribution.lognormal(median=3.0, sigma=0.6)
_APPROVE = Distribution.lognormal(median=1.0, sigma=0.5)
_REVIEW = Distribution.lognormal(median=0.5, sigma=0.5)
_CONFIRM = Distribution.exponential(2.0)
_REASSESS = Distribution.lognormal(median=7.0, sigma=0.5)


@attrs.frozen(kw_only=True)
class Intake:
    """Arrivals through one intake channel.

    Attributes:
        channel: home visit, Puskesos desk or the district secretariat desk.
        per_week: mean new cases per week (a Poisson process).
        emergency: share of its cases that are emergencies (direct service first).
        question: share that are questions, answered and closed at once.

    .. versionadded:: 0.1.0
    """

    channel: Channel
    per_week: float
    emergency: float = 0.0
    question: float = 0.0


@attrs.frozen(kw_only=True)
class NeedShare:
    """One sector in the mix of needs.

    Attributes:
        sector: the sector.
        weight: how often a need is of this sector, relative to the others.
        local: share of its needs resolved at village level (no referral).

    .. versionadded:: 0.1.0
    """

    sector: Sector
    weight: float
    local: float = 0.0


@attrs.frozen(kw_only=True)
class ServiceModel:
    """How one directory service behaves.

    Attributes:
        service_id: the service in the scenario's directory.
        capacity: places served at once.
        waitlist: longest waiting line before it rejects for capacity (``None``: no limit).
        answer: days from the request to the first answer when it keeps the SLA.
        service: days from starting the service to its end.
        reject: share of referrals it rejects after checking them (not eligible).
        fail: share of started services that fail (the need stays unmet).
        sla_compliance: share answered within the acknowledgement SLA; the others are
            answered *late* days after the deadline (the SLA sweep may expire them first).
        late: days after the deadline of a late answer.

    .. versionadded:: 0.1.0
    """

    service_id: str
    capacity: int = 10
    waitlist: int | None = None
    answer: Distribution = _ANSWER
    service: Distribution = _SERVICE
    reject: float = 0.05
    fail: float = 0.02
    sla_compliance: float = 0.9
    late: Distribution = _LATE


#: The office roles whose staff can be limited, and the office each one works in.
STAFF_ROLES: Mapping[str, str] = {
    "facilitator": "one pool per kecamatan: assessments and re-assessments",
    "supervisor": "one pool for the district: approvals",
    "front_office": "one pool for the district: front-office reviews",
}


def _staff(values: Mapping[str, int]) -> Mapping[str, int]:
    return dict(values)


@attrs.frozen(kw_only=True)
class Office:
    """The SLRT office's own steps, from registration to the referral.

    Attributes:
        assess: days from registration to the assessment (and its submission).
        approve: days the supervisor takes.
        returned: share of assessments returned for correction (once each).
        review: days of the front-office review.
        consent: share of clients who consent to referrals.
        staff: role -> people working at once in each of its offices (see
            :data:`STAFF_ROLES`); a step then waits for one of them, holds them for
            *work* days, and is done no sooner than its own duration. A role not given
            is not limited.
        work: role -> days of one person's work per step (assumption: a home visit and
            its paperwork a quarter of a day, an approval or review half an hour).

    .. versionadded:: 0.1.0
    """

    assess: Distribution = _ASSESS
    approve: Distribution = _APPROVE
    returned: float = 0.1
    review: Distribution = _REVIEW
    consent: float = 0.97
    staff: Mapping[str, int] = attrs.field(factory=dict, converter=_staff)
    work: Mapping[str, float] = attrs.field(
        factory=lambda: {"facilitator": 0.25, "supervisor": 0.02, "front_office": 0.02},
        converter=dict,
    )


@attrs.frozen(kw_only=True)
class Change:
    """A change during the run: a capacity shock, a season, a surge of arrivals.

    From *start* (inclusive) to *end* (exclusive), in days since the scenario's start, the
    places of *services* (every service when empty) are multiplied by *capacity*
    (rounded up, at least 0), the duration of a service started then by *pace* (2.0:
    twice as slow), and the arrival rate of every channel by *arrivals*. Changes that
    overlap multiply.

    Examples:
        >>> Change(start=30, end=60, capacity=0.5).problems("changes[0]")
        []

    .. versionadded:: 0.1.0
    """

    start: float
    end: float
    capacity: float = 1.0
    arrivals: float = 1.0
    pace: float = 1.0
    services: tuple[str, ...] = attrs.field(default=(), converter=_tuple_str)

    def problems(self, path: str) -> list[Problem]:
        """What is wrong with it: a reversed window or a negative factor."""
        found = []
        if not 0 <= self.start < self.end:
            found.append(
                Problem(
                    path,
                    f"The change runs from day {self.start} to {self.end}; give 0 <= start < end.",
                    f"Perubahan berlaku dari hari {self.start} sampai {self.end}; "
                    "berikan 0 <= start < end.",
                )
            )
        for name in ("capacity", "arrivals", "pace"):
            value = getattr(self, name)
            if not value >= 0:
                found.append(_number_problem(f"{path}.{name}", value, "0 or more", "0 atau lebih"))
        return found

    def applies(self, day: float) -> bool:
        """Whether the change is in force on *day*."""
        return self.start <= day < self.end


@attrs.frozen(kw_only=True)
class FollowUp:
    """After the services: confirmation, re-assessment and closing.

    Attributes:
        confirm: share of clients who confirm receiving a completed service.
        confirm_time: days from completion to the confirmation.
        reassess_time: days from the last referral's end to the re-assessment.
        new_need: share of re-assessments that find a new need (another round).
        unreachable: share of clients lost before re-assessment (closed unreachable).
        independent: share of cases with every need met that close as independent
            (the others close as needs met).
        duplicate: share of households that register again through another channel
            while their first case is open (a source of duplicated aid).

    .. versionadded:: 0.1.0
    """

    confirm: float = 0.9
    confirm_time: Distribution = _CONFIRM
    reassess_time: Distribution = _REASSESS
    new_need: float = 0.1
    unreachable: float = 0.03
    independent: float = 0.5
    duplicate: float = 0.02


@attrs.frozen(kw_only=True)
class Policy:
    """A policy under test: routing, rules and capacities.

    Attributes:
        name: how results name it.
        routing: the routing policy (ranked with each service's live capacity).
        rulebook: the eligibility rules (a variant); the national pack when ``None``.
        capacities: service id -> places, replacing the scenario's.

    .. versionadded:: 0.1.0
    """

    name: str
    routing: RoutingPolicy = attrs.field(factory=NearestTierFirst)
    rulebook: Rulebook | None = None
    capacities: Mapping[str, int] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class Scenario:
    """A district, its clients, its services and its office, over *days*.

    Attributes:
        name: how results name it.
        district: the regency or city (``RegionCode("33.74")``).
        start: the first simulated day.
        days: days of arrivals; cases already open then run on for *drain* days.
        population: a population, or a spec drawn anew for each seed.
        directory: the providers and services referrals go to.
        services: how each service behaves (a service without one gets the defaults).
        intakes: arrivals per channel.
        needs: the mix of needs.
        extra_need: chance of each further need of a case (up to three in all).
        office: the office's steps.
        follow_up: confirmation, re-assessment and closing.
        drain: days run after the last arrival.
        poor_share: share of clients drawn from families in deciles 1-4 (the range
            assistance goes to); the rest come from the whole population.
        changes: capacity and arrival changes during the run (:class:`Change`).
        warmup: days at the start left out of the per-service steady-state figures
            (utilisation, share who wait, mean wait), while the queues fill.

    .. versionadded:: 0.1.0
    """

    name: str
    district: RegionCode
    start: date
    days: int
    population: SimPopulation | PopulationSpec
    directory: Directory
    services: tuple[ServiceModel, ...] = attrs.field(default=(), converter=_tuple)
    intakes: tuple[Intake, ...] = attrs.field(converter=_tuple)
    needs: tuple[NeedShare, ...] = attrs.field(converter=_tuple)
    extra_need: float = 0.25
    office: Office = Office()
    follow_up: FollowUp = FollowUp()
    drain: int = 60
    poor_share: float = 0.8
    changes: tuple[Change, ...] = attrs.field(default=(), converter=_tuple)
    warmup: float = 0.0

    def factor(self, day: float, service_id: str | None = None, *, what: str = "capacity") -> float:
        """The *what* factor (``capacity`` or ``pace``) of *service_id* on *day*.

        With ``service_id=None`` it is the arrivals factor.
        """
        factor = 1.0
        for change in self.changes:
            if change.applies(day):
                if service_id is None:
                    factor *= change.arrivals
                elif not change.services or service_id in change.services:
                    factor *= getattr(change, what)
        return factor

    def model(self, service_id: str) -> ServiceModel:
        """The behaviour of *service_id* (the defaults when the scenario has none)."""
        for m in self.services:
            if m.service_id == service_id:
                return m
        return ServiceModel(service_id=service_id)


def _is_mutable(routing: object) -> bool:
    """Whether a plain routing policy accepts new attributes (so it may keep state).

    A :class:`~slrt_core.sim.ContextPolicy` (with ``rank``) may keep state: it is asked
    every time. Any other policy must refuse attribute changes: frozen attrs classes and
    classes with empty ``__slots__`` do.
    """
    if callable(getattr(routing, "rank", None)):
        return False
    probe = copy.copy(routing)
    try:
        probe._slrt_probe = 1  # type: ignore[attr-defined]  # the probe itself  # noqa: SLF001
    except (AttributeError, TypeError):
        return False
    return True


def _number_problem(path: str, value: object, what: str, what_id: str) -> Problem:
    return Problem(
        path,
        f"{path} is {value!r}; it must be {what}.",
        f"{path} bernilai {value!r}; harus {what_id}.",
    )


def check(  # noqa: C901, PLR0912, PLR0915 - one check per kind of mistake, all collected
    scenario: Scenario, policies: Iterable[Policy], seeds: Iterable[int], rulebooks: Any
) -> None:
    """Raise one :class:`~slrt_core.InvalidInputError` listing every problem, or return.

    Args:
        scenario: the scenario.
        policies: the policies.
        seeds: the seeds.
        rulebooks: policy name -> the rulebook it uses (programs are checked against it).
    """
    problems: list[Problem] = []
    policies = list(policies)
    seeds = list(seeds)
    if not policies:
        problems.append(
            Problem(
                "policies", "Give at least one policy.", "Berikan paling sedikit satu kebijakan."
            )
        )
    names = [p.name for p in policies]
    if len(set(names)) != len(names):
        problems.append(
            Problem(
                "policies",
                f"Policy names must differ; got {names}.",
                f"Nama kebijakan harus berbeda; diterima {names}.",
            )
        )
    if not seeds or len(set(seeds)) != len(seeds):
        problems.append(
            Problem(
                "seeds",
                "Give one or more different seeds (integers).",
                "Berikan satu atau lebih seed yang berbeda (bilangan bulat).",
            )
        )
    district = scenario.district
    given: object = district  # built from untrusted input: check the type too
    if not (isinstance(given, RegionCode) and district.is_known()):
        problems.append(
            Problem(
                "district",
                f"{district!s} is not a region of the Kemendagri 2025 list; use a code such "
                "as '33.74'.",
                f"{district!s} bukan wilayah dalam daftar Kemendagri 2025; gunakan kode "
                "seperti '33.74'.",
            )
        )
    if scenario.days < 1 or scenario.drain < 0:
        problems.append(
            _number_problem("days", scenario.days, "1 or more (drain 0 or more)", "1 atau lebih")
        )
    villages = (
        scenario.population.regions
        if isinstance(scenario.population, SimPopulation)
        else scenario.population.villages
    )
    if isinstance(scenario.population, PopulationSpec):
        problems.extend(scenario.population.problems())
    outside = [v for v in villages if not district.contains(RegionCode(v))]
    if outside:
        problems.append(
            Problem(
                "population.villages",
                f"{len(outside)} village(s) lie outside district {district}: "
                f"{', '.join(outside[:3])}. Simulate one district at a time.",
                f"{len(outside)} desa berada di luar kabupaten/kota {district}: "
                f"{', '.join(outside[:3])}.",
            )
        )
    if not scenario.intakes:
        problems.append(
            Problem(
                "intakes",
                "Give at least one intake channel.",
                "Berikan paling sedikit satu kanal.",
            )
        )
    for i, intake in enumerate(scenario.intakes):
        rate: object = intake.per_week
        if not (isinstance(rate, int | float) and rate >= 0):
            problems.append(
                _number_problem(
                    f"intakes[{i}].per_week", intake.per_week, "0 or more", "0 atau lebih"
                )
            )
        problems.extend(
            probability_problems(
                {"emergency": intake.emergency, "question": intake.question}, f"intakes[{i}]"
            )
        )
    if not scenario.needs or sum(max(n.weight, 0) for n in scenario.needs) <= 0:
        problems.append(
            Problem(
                "needs",
                "Give the mix of needs with at least one positive weight.",
                "Berikan campuran kebutuhan dengan paling sedikit satu bobot positif.",
            )
        )
    for i, need in enumerate(scenario.needs):
        if need.weight < 0:
            problems.append(
                _number_problem(f"needs[{i}].weight", need.weight, "0 or more", "0 atau lebih")
            )
        problems.extend(probability_problems({"local": need.local}, f"needs[{i}]"))
    problems.extend(
        probability_problems(
            {"extra_need": scenario.extra_need, "poor_share": scenario.poor_share}, ""
        )
    )
    office = scenario.office
    problems.extend(
        probability_problems({"returned": office.returned, "consent": office.consent}, "office")
    )
    for name in ("assess", "approve", "review"):
        problems.extend(getattr(office, name).problems(f"office.{name}"))
    for role, days in office.work.items():
        if role not in STAFF_ROLES or not days >= 0:
            problems.append(
                _number_problem(
                    f"office.work.{role}",
                    days,
                    f"0 or more days for a role in {', '.join(STAFF_ROLES)}",
                    f"0 hari atau lebih untuk peran {', '.join(STAFF_ROLES)}",
                )
            )
    for role, places in office.staff.items():
        if role not in STAFF_ROLES:
            problems.append(
                Problem(
                    f"office.staff.{role}",
                    f"No staff role {role!r}; use one of {', '.join(STAFF_ROLES)}.",
                    f"Tidak ada peran staf {role!r}; gunakan {', '.join(STAFF_ROLES)}.",
                )
            )
        people: object = places
        if not (isinstance(people, int) and people >= 1):
            problems.append(
                _number_problem(f"office.staff.{role}", places, "1 or more", "1 atau lebih")
            )
    for i, change in enumerate(scenario.changes):
        problems.extend(change.problems(f"changes[{i}]"))
        problems.extend(
            Problem(
                f"changes[{i}].services",
                f"Service {sid!r} is not in the directory.",
                f"Layanan {sid!r} tidak ada di direktori.",
            )
            for sid in change.services
            if sid not in {s.service_id for s in scenario.directory.services()}
        )
    if not 0 <= scenario.warmup < max(scenario.days, 1):
        problems.append(
            _number_problem(
                "warmup",
                scenario.warmup,
                f"0 or more and below days ({scenario.days})",
                f"0 atau lebih dan di bawah `days` ({scenario.days})",
            )
        )
    follow = scenario.follow_up
    problems.extend(
        probability_problems(
            {
                name: getattr(follow, name)
                for name in (
                    "confirm",
                    "new_need",
                    "unreachable",
                    "independent",
                    "duplicate",
                )
            },
            "follow_up",
        )
    )
    for name in ("confirm_time", "reassess_time"):
        problems.extend(getattr(follow, name).problems(f"follow_up.{name}"))
    known = {s.service_id: s for s in scenario.directory.services()}
    for i, model in enumerate(scenario.services):
        path = f"services[{i}]"
        if model.service_id not in known:
            problems.append(
                Problem(
                    f"{path}.service_id",
                    f"Service {model.service_id!r} is not in the directory; model only "
                    "listed services.",
                    f"Layanan {model.service_id!r} tidak ada di direktori.",
                )
            )
        if model.capacity < 0:
            problems.append(
                _number_problem(f"{path}.capacity", model.capacity, "0 or more", "0 atau lebih")
            )
        if model.waitlist is not None and model.waitlist < 0:
            problems.append(
                _number_problem(f"{path}.waitlist", model.waitlist, "0 or more", "0 atau lebih")
            )
        problems.extend(
            probability_problems(
                {
                    "reject": model.reject,
                    "fail": model.fail,
                    "sla_compliance": model.sla_compliance,
                },
                path,
            )
        )
        for name in ("answer", "service", "late"):
            problems.extend(getattr(model, name).problems(f"{path}.{name}"))
    for service in known.values():
        for j, area in enumerate(service.area):
            if not area.is_known():
                problems.append(
                    Problem(
                        f"directory.{service.service_id}.area[{j}]",
                        f"Service {service.service_id!r} serves {area}, which is not in the "
                        "Kemendagri 2025 list.",
                        f"Layanan {service.service_id!r} melayani {area}, yang tidak ada di "
                        "daftar Kemendagri 2025.",
                    )
                )
    for policy in policies:
        path = f"policies[{policy.name}]"
        if _is_mutable(policy.routing):
            problems.append(
                Problem(
                    f"{path}.routing",
                    f"Routing policy {type(policy.routing).__name__} can change its own state, "
                    "but the simulation keeps the key of a service in a given state and would "
                    "silently ignore any change. Make it an immutable value (a frozen attrs "
                    "class), or give it a rank(option, context) method (a ContextPolicy, "
                    "asked every time and copied for every run).",
                    f"Kebijakan rute {type(policy.routing).__name__} dapat mengubah keadaannya "
                    "sendiri, padahal simulasi menyimpan kunci setiap layanan per keadaan dan "
                    "akan mengabaikan perubahan itu tanpa peringatan. Jadikan nilai tetap "
                    "(kelas attrs frozen), atau beri metode rank(option, context) "
                    "(ContextPolicy, ditanya setiap kali dan disalin untuk setiap simulasi).",
                )
            )
        for service_id, places in policy.capacities.items():
            if service_id not in known:
                problems.append(
                    Problem(
                        f"{path}.capacities",
                        f"Service {service_id!r} is not in the directory.",
                        f"Layanan {service_id!r} tidak ada di direktori.",
                    )
                )
            count: object = places
            if not (isinstance(count, int) and count >= 0):
                problems.append(
                    _number_problem(
                        f"{path}.capacities[{service_id}]", places, "0 or more", "0 atau lebih"
                    )
                )
        rulebook = rulebooks[policy.name]
        programs = {program_key(code) for code in rulebook.programs}
        problems.extend(
            Problem(
                f"{path}.rulebook",
                f"Service {service.service_id!r} delivers program "
                f"{service.program!r}, which rulebook {rulebook.name!r} does not "
                "define; add the program to the rulebook (a variant) or correct "
                "the code.",
                f"Layanan {service.service_id!r} memberikan program "
                f"{service.program!r} yang tidak ada di buku aturan "
                f"{rulebook.name!r}; tambahkan programnya atau perbaiki kodenya.",
            )
            for service in known.values()
            if service.program is not None and program_key(service.program) not in programs
        )
    if problems:
        raise InvalidInputError(problems, subject="the scenario")
