"""One simulated run: a scenario under one policy and one seed, through the real service.

Every step of every case is a command of a real :class:`~slrt_core.Slrt` on a
:class:`~slrt_core.adapters.MemoryStore`, on the simulation's clock: the same lifecycles,
guards, access checks, consent checks, routing, automatic reroutes, SLA sweeps and audit
trail as in production. The driver only decides *when* staff, providers and clients act
and *what* they answer, drawing from random streams keyed by the seed and the case (and
the need and attempt), never by the policy: the same client arrives at the same time with
the same needs and meets the same provider behaviour under every policy compared (common
random numbers), so differences between policies are the policies' own.
"""

from __future__ import annotations

import copy
import math
import random
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any, Protocol, cast, runtime_checkable

import attrs

from slrt_core.access import Actor, Role
from slrt_core.adapters.basics import SequentialIds
from slrt_core.adapters.memory import MemoryStore
from slrt_core.adapters.sqlite import SqliteStore
from slrt_core.calendar import WorkingCalendar
from slrt_core.case._model import Case, Need
from slrt_core.errors import ConsentError, TransitionNotAllowed
from slrt_core.household import Household
from slrt_core.identity import RegionCode
from slrt_core.ports import Store
from slrt_core.referral._consent import Purpose
from slrt_core.referral._directory import Capacity
from slrt_core.referral._model import Referral, ReferralReason, ReferralStatus
from slrt_core.referral._routing import (
    DirectServiceFirst,
    Option,
    RoutingPolicy,
    RoutingReason,
    ServiceIndex,
    route,
)
from slrt_core.service import Slrt
from slrt_core.sim._engine import Server, SimClock, Simulation
from slrt_core.sim._population import SimPopulation
from slrt_core.sim._scenario import Intake, Policy, Scenario, ServiceModel
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind, Sector

__all__ = [
    "ContextPolicy",
    "LiveCapacity",
    "RouteContext",
    "RunOutput",
    "ServiceStats",
    "simulate_one",
]

#: The working day starts at 08:00 WIB (01:00 UTC); the SLA sweep runs at 17:00 WIB.
_DAY_START = time(1, 0, tzinfo=UTC)
_SWEEP_AT = 9.0 / 24.0
_MAX_NEEDS = 3
_MAX_ROUNDS = 2


@attrs.frozen(kw_only=True)
class ServiceStats:
    """What the simulation knows of a service when a need is routed.

    Attributes:
        places: places now (after any :class:`~slrt_core.sim.Change`).
        busy: places taken.
        waiting: accepted referrals waiting for a place.
        mean_service_days: the modelled mean duration of the service.
        started: services started so far in the run.
        mean_wait_days: mean days from acceptance to the start so far (NaN before any).

    .. versionadded:: 0.1.0
    """

    places: int
    busy: int
    waiting: int
    mean_service_days: float
    started: int
    mean_wait_days: float


@attrs.frozen(kw_only=True)
class RouteContext:
    """What a :class:`ContextPolicy` sees besides the option: the client and the services.

    Attributes:
        household: the client's household.
        sector: the sector of the need being routed.
        day: days since the scenario's start.
        services: service id -> its :class:`ServiceStats` now.

    .. versionadded:: 0.1.0
    """

    household: Household
    sector: Sector
    day: float
    services: Mapping[str, ServiceStats]


@runtime_checkable
class ContextPolicy(Protocol):
    """**Protocol**: a simulation routing policy that sees the household, need and services.

    :meth:`rank` is called for every option of every routing, never cached, in the order
    of the run, so a policy may keep state (a rotation, a quota); a run stays a
    deterministic function of its seed as long as the state depends only on what the
    policy is shown. Keep one instance per policy: runs get a copy made by
    :func:`copy.deepcopy`, so state never leaks from one run into the next.

    .. versionadded:: 0.1.0
    """

    @property
    def name(self) -> str:
        """A short name."""
        ...

    def rank(self, option: Option, context: RouteContext, /) -> tuple[float, ...]:
        """The sort key of *option* (smaller ranks higher)."""
        ...


class LiveCapacity:
    """A routing policy that ranks with each service's capacity as the simulation sees it.

    The directory holds capacities as reported; in a simulation they change with every
    referral. This wraps any :class:`~slrt_core.referral.RoutingPolicy` and hands it the
    option with the service's current places free, maximum and waiting line. As the
    :class:`~slrt_core.referral.RoutingPolicy` protocol says, a key depends on the option
    only, so the key of a service in a given state is worked out once and kept.

    Args:
        policy: the policy that ranks.
        servers: service id -> its places.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self, policy: RoutingPolicy | ContextPolicy, servers: Mapping[str, Server]
    ) -> None:
        self.policy = policy
        self.servers = servers
        #: Set by the driver before each routing, read by a :class:`ContextPolicy`.
        self.context: Callable[[], RouteContext] | None = None
        # A runtime protocol check costs microseconds; keys are asked for every option.
        self.sees_context = isinstance(policy, ContextPolicy)
        # The same service in the same state ranks the same: keep what was worked out.
        self._options: dict[tuple[Any, ...], Option] = {}
        self._keys: dict[tuple[Any, ...], tuple[float, ...]] = {}

    @property
    def name(self) -> str:
        """The wrapped policy's name."""
        return self.policy.name

    def _state(self, option: Option) -> tuple[Any, ...] | None:
        server = self.servers.get(option.service.service_id)
        if server is None:
            return None
        return (
            option.service.service_id,
            option.area.code,
            option.eligibility,
            server.capacity,
            server.busy,
            server.waiting,
        )

    def _live(self, option: Option, state: tuple[Any, ...]) -> Option:
        found = self._options.get(state)
        if found is None:
            _, _, _, places, busy, waiting = state
            capacity = Capacity(available=max(places - busy, 0), maximum=places, waitlist=waiting)
            found = attrs.evolve(option, service=attrs.evolve(option.service, capacity=capacity))
            self._options[state] = found
        return found

    def key(self, option: Option, /) -> tuple[float, ...]:
        """The wrapped key, on live capacity."""
        policy = self.policy
        if self.sees_context:
            if self.context is None:  # pragma: no cover - the driver always sets it
                msg = "A context policy ranks only inside a simulation run."
                raise RuntimeError(msg)
            state = self._state(option)
            live = option if state is None else self._live(option, state)
            return cast("ContextPolicy", policy).rank(live, self.context())
        plain = cast("RoutingPolicy", policy)
        state = self._state(option)
        if state is None:
            return plain.key(option)
        found = self._keys.get(state)
        if found is None:
            found = self._keys[state] = plain.key(self._live(option, state))
        return found

    def explain(self, option: Option, /) -> tuple[RoutingReason, ...]:
        """The wrapped reasons, on live capacity (none for a :class:`ContextPolicy`)."""
        if self.sees_context:
            return ()
        policy = cast("RoutingPolicy", self.policy)
        state = self._state(option)
        if state is None:
            return policy.explain(option)
        return policy.explain(self._live(option, state))


class ByRow(Protocol):
    """**Protocol**: the program decisions of a household, by its population row."""

    def __getitem__(self, row: int, /) -> tuple[Any, ...]: ...


@attrs.frozen
class _Decision:
    """A program decision as routing reads it (``program`` and ``outcome``)."""

    program: str
    outcome: str


@attrs.frozen
class RunOutput:
    """What one run leaves: the final cases, queue samples and run facts."""

    policy: str
    seed: int
    start: datetime
    cases: tuple[Case, ...]
    households: Mapping[str, int]
    duplicates: frozenset[str]
    queues: tuple[tuple[float, str, int, int], ...]
    unmet: Mapping[tuple[str, str], str]
    met_at: Mapping[tuple[str, str], float]
    steps: Mapping[str, int]
    commands: int
    days: int = 0
    drain: int = 0
    warmup: float = 0.0
    #: (day, service id, places): the places of each service from that day on.
    capacity_log: tuple[tuple[float, str, int], ...] = ()
    store: Store = attrs.field(default=None, eq=False, repr=False)


class _CaseState:
    __slots__ = (
        "arrived",
        "case_id",
        "closing",
        "done",
        "k",
        "open",
        "pending",
        "returned",
        "rng",
        "rounds",
        "row",
    )

    def __init__(self, k: int, row: int, rng: random.Random, arrived: float) -> None:
        self.k = k
        self.row = row
        self.rng = rng
        self.arrived = arrived
        self.case_id = ""
        self.open = 0
        self.pending = 0
        self.returned = False
        self.rounds = 0
        self.done = False
        self.closing = False


class _Ref:
    __slots__ = (
        "accepted",
        "case",
        "dead",
        "in_service",
        "need_id",
        "referral_id",
        "rng",
        "service_id",
    )

    def __init__(self, case: _CaseState, referral: Referral, rng: random.Random) -> None:
        self.case = case
        self.referral_id = referral.referral_id
        self.need_id = referral.need_id
        self.service_id = referral.service_id
        self.rng = rng
        self.dead = False
        self.in_service = False
        self.accepted = 0.0


Action = Callable[..., object]


def _stream(seed: int, *parts: int) -> random.Random:
    """A random stream keyed by the seed and *parts* only (common random numbers)."""
    key = seed
    for part in parts:
        key = key * 1_000_003 + part
    return random.Random(key)  # noqa: S311 - simulation draws, not secrets


class _Run:
    def __init__(  # noqa: PLR0915 - one field per collaborator of the run
        self,
        scenario: Scenario,
        policy: Policy,
        seed: int,
        population: SimPopulation,
        decisions: ByRow,
        overlaps: Mapping[str, Any],
        calendar: WorkingCalendar,
        progress: Callable[[float], None] | None,
        store_path: Path | None = None,
    ) -> None:
        self.scenario = scenario
        self.policy = policy
        self.seed = seed
        self.population = population
        self.decisions = decisions
        self.overlaps = overlaps
        self.progress = progress
        self.sim = Simulation()
        self.start = datetime.combine(scenario.start, _DAY_START)
        self.clock = SimClock(self.sim, self.start)
        # The store: in memory (fast, the default), or a SQLite file when one is given.
        self.store: Store = (
            MemoryStore() if store_path is None else SqliteStore(store_path, synchronous="normal")
        )
        directory = scenario.directory
        self.models: dict[str, ServiceModel] = {}
        self.servers: dict[str, Server] = {}
        self.places: dict[str, int] = {}
        self.capacity_log: list[tuple[float, str, int]] = []
        for service in directory.services():
            sid = service.service_id
            model = scenario.model(sid)
            self.models[sid] = model
            self.places[sid] = policy.capacities.get(sid, model.capacity)
            places = self._places(sid, 0.0)
            self.servers[sid] = Server(places, name=sid)
            self.capacity_log.append((0.0, sid, places))
        self.waits: dict[str, list[float]] = {sid: [0.0, 0.0] for sid in self.servers}
        routing = policy.routing
        if isinstance(routing, ContextPolicy):  # its state belongs to this run only
            routing = copy.deepcopy(routing)
        self.routing = LiveCapacity(routing, self.servers)
        self.staff_places = dict(scenario.office.staff)
        self.pools: dict[tuple[str, str], Server] = {}
        self.index = ServiceIndex(directory)
        self.slrt = Slrt(
            store=self.store,
            clock=self.clock,
            ids=SequentialIds(),
            directory=directory,
            calendar=calendar,
            policy=self.routing,
            overlaps=overlaps,
        )
        self.refs: dict[str, _Ref] = {}
        self.cases: list[_CaseState] = []
        self.queues: list[tuple[float, str, int, int]] = []
        self.unmet: dict[tuple[str, str], str] = {}
        self.households: dict[str, int] = {}
        self.duplicates: set[str] = set()
        self.met_at: dict[tuple[str, str], float] = {}
        self.steps: Counter[str] = Counter()
        self.commands = 0
        self.on = scenario.start
        self.sectors = [n.sector for n in scenario.needs]
        self.weights = [max(n.weight, 0.0) for n in scenario.needs]
        self.local = {n.sector: n.local for n in scenario.needs}
        deciles = population.households.get("decile")
        self.poor = (
            [i for i, d in enumerate(deciles.tolist()) if 1 <= d <= 4]  # noqa: PLR2004
            if deciles is not None
            else []
        )
        district = scenario.district
        self.supervisor = Actor(actor_id="supervisor", role=Role.SUPERVISOR, jurisdiction=district)
        self.front = Actor(actor_id="front-office", role=Role.FRONT_OFFICE, jurisdiction=district)
        self.back = Actor(actor_id="back-office", role=Role.BACK_OFFICE, jurisdiction=district)
        self._staff: dict[str, Actor] = {}
        self._field: dict[str, Actor] = {}
        self.provider_staff = {
            s.service_id: self.staff(s.provider_id) for s in scenario.directory.services()
        }

    # ------------------------------------------------------------------ actors

    def facilitator(self, village: RegionCode) -> Actor:
        district = village.parent
        assert district is not None  # noqa: S101 - a village has a kecamatan
        found = self._field.get(district.code)
        if found is None:
            found = self._field[district.code] = Actor(
                actor_id=f"facilitator-{district.code}",
                role=Role.FACILITATOR,
                jurisdiction=district,
            )
        return found

    def puskesos(self, village: RegionCode) -> Actor:
        key = "p" + village.code
        found = self._field.get(key)
        if found is None:
            found = self._field[key] = Actor(
                actor_id=f"puskesos-{village.code}",
                role=Role.PUSKESOS_OPERATOR,
                jurisdiction=village,
            )
        return found

    def staff(self, provider_id: str) -> Actor:
        found = self._staff.get(provider_id)
        if found is None:
            found = self._staff[provider_id] = Actor(
                actor_id=f"staff-{provider_id}",
                role=Role.PROVIDER_STAFF,
                jurisdiction=RegionCode.INDONESIA,
                provider_id=provider_id,
            )
        return found

    # ------------------------------------------------------------------ set-up

    def schedule(self) -> None:
        scenario = self.scenario
        arrivals: list[tuple[float, int, Intake]] = []
        # Changes of the arrival rate thin a Poisson process run at the highest rate.
        peak = max([1.0, *(c.arrivals for c in scenario.changes)])
        varies = any(c.arrivals != 1.0 for c in scenario.changes)
        for c, intake in enumerate(scenario.intakes):
            rng = _stream(self.seed, 1, c)
            rate = intake.per_week / 7.0 * peak
            t = 0.0
            while rate > 0:
                t += rng.expovariate(rate)
                if t >= scenario.days:
                    break
                if varies and rng.random() * peak >= scenario.factor(t):
                    continue
                arrivals.append((t, c, intake))
        arrivals.sort(key=lambda a: (a[0], a[1]))
        for k, (t, _, intake) in enumerate(arrivals):
            self.sim.at(t, self.arrive, k, intake, None)
        for day in range(scenario.days + scenario.drain):
            self.sim.at(day + _SWEEP_AT, self.daily, day)
        for t in sorted({t for c in scenario.changes for t in (c.start, c.end)}):
            self.sim.at(t, self.recapacity, t)

    def _places(self, service_id: str, day: float) -> int:
        places = self.places[service_id]
        factor = self.scenario.factor(day, service_id)
        return places if factor == 1.0 else max(0, math.ceil(places * factor))

    def recapacity(self, day: float) -> None:
        """A change starts or ends: every service gets its places for *day*."""
        for sid, server in self.servers.items():
            places = self._places(sid, day)
            if places != server.capacity:
                server.resize(places)
                self.capacity_log.append((day, sid, places))

    def run(self) -> RunOutput:
        self.schedule()
        self.sim.run(until=float(self.scenario.days + self.scenario.drain))
        cases = tuple(self.store.find_cases(within=RegionCode.INDONESIA))
        return RunOutput(
            policy=self.policy.name,
            seed=self.seed,
            start=self.start,
            cases=cases,
            households=self.households,
            duplicates=frozenset(self.duplicates),
            queues=tuple(self.queues),
            unmet=self.unmet,
            met_at=self.met_at,
            steps=dict(self.steps),
            commands=self.commands,
            days=self.scenario.days,
            drain=self.scenario.drain,
            warmup=self.scenario.warmup,
            capacity_log=tuple(self.capacity_log),
            store=self.store,
        )

    # ------------------------------------------------------------------ staff

    def step(self, role: str, office: str, days: float, action: Action, state: _CaseState) -> None:
        """*action(state)* after *days*; with limited staff, *days* of one person's work."""
        places = self.staff_places.get(role)
        if places is None:
            self.sim.after(days, action, state)
            return
        pool = self.pools.get((role, office))
        if pool is None:
            pool = self.pools[(role, office)] = Server(places, name=f"{role}@{office}")
        due = self.sim.now + days
        pool.request(self._work, pool, self.scenario.office.work.get(role, 0.0), due, action, state)

    def _work(
        self, pool: Server, work: float, due: float, action: Action, state: _CaseState
    ) -> None:
        self.sim.after(work, self._worked, pool, due, action, state)

    def _worked(self, pool: Server, due: float, action: Action, state: _CaseState) -> None:
        pool.release()
        self.sim.at(due, action, state)

    def kecamatan(self, state: _CaseState) -> str:
        return self.population.region(state.row).code[:8]

    # ------------------------------------------------------------------ routing context

    def stats(self) -> dict[str, ServiceStats]:
        return {
            sid: ServiceStats(
                places=server.capacity,
                busy=server.busy,
                waiting=server.waiting,
                mean_service_days=self.models[sid].service.mean,
                started=int(self.waits[sid][1]),
                mean_wait_days=(
                    self.waits[sid][0] / self.waits[sid][1] if self.waits[sid][1] else math.nan
                ),
            )
            for sid, server in self.servers.items()
        }

    def context_for(self, state: _CaseState, need_id: str) -> None:
        """Tell a context policy whom the next routing is for."""
        if not self.routing.sees_context:
            return
        household = self.population.household(state.row, self.on)
        case = self.store.load(state.case_id)
        sector = next(n.sector for n in case.needs if n.need_id == need_id)
        now = self.sim.now

        def context() -> RouteContext:
            return RouteContext(household=household, sector=sector, day=now, services=self.stats())

        self.routing.context = context

    # ------------------------------------------------------------------ daily

    def daily(self, day: int) -> None:
        for service_id, server in self.servers.items():
            self.queues.append((float(day), service_id, server.waiting, server.busy))
        report = self.slrt.sweep()
        self.steps.update(report.steps)
        if report.expired:
            still_open = {rid for rid, _ in self.store.open_referrals()}
            for rid in [r for r in self.refs if r not in still_open]:
                ref = self.refs.pop(rid)
                self.end_ref(ref)
                self.after_reroute(ref, "expired")
        if self.progress is not None:
            self.progress((day + 1) / (self.scenario.days + self.scenario.drain))

    # ------------------------------------------------------------------ a case

    def arrive(  # noqa: C901, PLR0912 - one arrival, its few variants in one place
        self, k: int, intake: Intake, first: _CaseState | None
    ) -> None:
        scenario = self.scenario
        rng = _stream(self.seed, 2, k if first is None else 10_000_000 + first.k)
        if first is not None:
            row = first.row
        elif self.poor and rng.random() < scenario.poor_share:
            row = self.poor[rng.randrange(len(self.poor))]
        else:
            row = rng.randrange(len(self.population))
        state = _CaseState(k if first is None else -1, row, rng, self.sim.now)
        household = self.population.household(row, self.on)
        village = household.region
        emergency = rng.random() < intake.emergency
        question = not emergency and rng.random() < intake.question
        sectors = [rng.choices(self.sectors, self.weights)[0]]
        while not question and len(sectors) < _MAX_NEEDS and rng.random() < scenario.extra_need:
            extra = rng.choices(self.sectors, self.weights)[0]
            if extra not in sectors:
                sectors.append(extra)
        if intake.channel is Channel.PUSKESOS_DESK:
            actor = self.puskesos(village)
        elif intake.channel is Channel.HOME_VISIT:
            actor = self.facilitator(village)
        else:
            actor = self.front
        case = self.slrt.register(
            actor,
            household,
            channel=intake.channel,
            kind=ComplaintKind.QUESTION if question else ComplaintKind.GRIEVANCE,
            needs=[Need(sector=s, description=f"{s} need") for s in sectors],
            emergency=emergency,
        )
        self.commands += 1
        state.case_id = case.case_id
        self.cases.append(state)
        self.households[case.case_id] = row
        if first is not None:
            self.duplicates.add(case.case_id)
        elif rng.random() < scenario.follow_up.duplicate:
            later = rng.uniform(3.0, 45.0)
            if self.sim.now + later < scenario.days:
                others = [i for i in scenario.intakes if i.channel is not intake.channel]
                again = others[0] if others else intake
                self.sim.after(later, self.arrive, -1, again, state)
        if question:
            self.slrt.resolve_locally(
                self.facilitator(village), case.case_id, "n1", how="Answered the question."
            )
            self.met_at[(case.case_id, "n1")] = self.sim.now
            self.slrt.close(self.supervisor, case.case_id, reason=ClosingReason.NEEDS_MET)
            self.commands += 2
            state.done = True
            return
        if emergency:
            self.slrt.deliver_direct_service(
                self.back, case.case_id, "n1", description="Direct help for the emergency."
            )
            self.commands += 1
            self.met_at[(case.case_id, "n1")] = self.sim.now
        self.step(
            "facilitator",
            self.kecamatan(state),
            scenario.office.assess.sample(rng),
            self.assess,
            state,
        )

    def assessor(self, state: _CaseState) -> Actor:
        return self.facilitator(self.population.region(state.row))

    def assess(self, state: _CaseState) -> None:
        actor = self.assessor(state)
        self.slrt.assess(actor, state.case_id, findings="Home visit and registry check done.")
        self.resolve_local(state)
        self.slrt.submit(actor, state.case_id)
        self.commands += 2
        self.step(
            "supervisor",
            "district",
            self.scenario.office.approve.sample(state.rng),
            self.approve,
            state,
        )

    def approve(self, state: _CaseState) -> None:
        office = self.scenario.office
        if not state.returned and state.rng.random() < office.returned:
            state.returned = True
            self.slrt.return_for_correction(
                self.supervisor, state.case_id, note="Complete the household data."
            )
            self.commands += 1
            self.step(
                "facilitator",
                self.kecamatan(state),
                office.assess.sample(state.rng) / 2,
                self.assess,
                state,
            )
            return
        self.slrt.approve(self.supervisor, state.case_id)
        self.commands += 1
        self.step("front_office", "district", office.review.sample(state.rng), self.review, state)

    def review(self, state: _CaseState) -> None:
        rng = state.rng
        self.slrt.review(self.front, state.case_id)
        self.commands += 1
        if rng.random() < self.scenario.office.consent:
            self.slrt.record_consent(
                self.assessor(state),
                state.case_id,
                subject="m1",
                grantor="m1",
                purposes=[Purpose.REFERRAL],
                recipients=["*"],
                evidence="SLRT consent form signed by the head of family",
            )
            self.commands += 1
        self.serve_needs(state)

    def resolve_local(self, state: _CaseState) -> None:
        """The facilitator solves some needs at village level while assessing."""
        case = self.store.load(state.case_id)
        for need in case.needs:
            if need.status.value == "open" and state.rng.random() < self.local.get(
                need.sector, 0.0
            ):
                self.slrt.resolve_locally(
                    self.assessor(state),
                    state.case_id,
                    need.need_id,
                    how="Solved with the village program.",
                )
                self.commands += 1
                self.met_at[(state.case_id, need.need_id)] = self.sim.now

    def serve_needs(self, state: _CaseState) -> None:
        """The back office refers every need still open."""
        case = self.store.load(state.case_id)
        for need in case.needs:
            if need.status.value == "open" and (state.case_id, need.need_id) not in self.unmet:
                self.refer(state, need.need_id, None)
        self.check_done(state)

    def refer(self, state: _CaseState, need_id: str, replaces: str | None) -> None:
        self.context_for(state, need_id)
        case = self.store.load(state.case_id)
        routing = route(
            case,
            need_id,
            directory=self.index,
            decisions=self.decisions[state.row],
            policy=self.routing,
            overlaps=self.overlaps,
        )
        if isinstance(routing, DirectServiceFirst):  # pragma: no cover - served first
            routing = routing.then
        best = routing.best
        if best is None:
            why = (
                "not_eligible"
                if any(r.code == "not_eligible" for x in routing.excluded for r in x.reasons)
                else "no_service"
            )
            self.unmet[(state.case_id, need_id)] = why
            return
        try:
            referral = self.slrt.refer(
                self.back, state.case_id, need_id, service_id=best.service_id, replaces=replaces
            )
        except ConsentError:
            self.unmet[(state.case_id, need_id)] = "no_consent"
            return
        finally:
            self.commands += 1
        self.start_ref(state, referral, attempt=len(case.referrals))

    # ------------------------------------------------------------------ a referral

    def start_ref(self, state: _CaseState, referral: Referral, attempt: int) -> None:
        need = int(referral.need_id[1:])
        rng = _stream(
            self.seed, 3, max(state.k, 0) + (0 if state.k >= 0 else 10_000_000), need, attempt
        )
        ref = _Ref(state, referral, rng)
        self.refs[ref.referral_id] = ref
        state.open += 1
        model = self.models[ref.service_id]
        if rng.random() < model.sla_compliance:
            delay = model.answer.sample(rng)
        else:
            due = referral.due_at or self.clock.now()
            delay = self.clock.day(due) - self.sim.now + model.late.sample(rng)
        self.sim.after(delay, self.answer, ref)

    def update(
        self, ref: _Ref, status: ReferralStatus, reason: ReferralReason | None = None
    ) -> bool:
        """Move the referral; False when it has ended meanwhile (expired by the sweep)."""
        self.context_for(ref.case, ref.need_id)  # a rejection may reroute in the service
        try:
            self.slrt.update_referral(
                self.provider_staff[ref.service_id],
                ref.referral_id,
                status=status,
                reason=reason,
                note="Simulated outcome." if reason is ReferralReason.OTHER else "",
            )
        except TransitionNotAllowed:  # pragma: no cover - the sweep handler kills it first
            return False
        finally:
            self.commands += 1
        return True

    def answer(self, ref: _Ref) -> None:
        if ref.dead:
            return
        model = self.models[ref.service_id]
        server = self.servers[ref.service_id]
        rng = ref.rng
        self.update(ref, ReferralStatus.RECEIVED)
        full = model.waitlist is not None and server.available == 0
        if full and server.waiting >= (model.waitlist or 0):
            self.reject(ref, ReferralReason.CAPACITY)
        elif rng.random() < model.reject:
            self.reject(ref, ReferralReason.NOT_ELIGIBLE)
        else:
            self.update(ref, ReferralStatus.ACCEPTED)
            ref.accepted = self.sim.now
            server.request(self.start_service, ref)

    def reject(self, ref: _Ref, reason: ReferralReason) -> None:
        self.update(ref, ReferralStatus.REJECTED, reason)
        self.refs.pop(ref.referral_id, None)
        self.end_ref(ref)
        self.after_reroute(ref, "rejected")

    def after_reroute(self, ref: _Ref, why: str) -> None:
        """Follow the referral the service sent the need on to, if any."""
        state = ref.case
        case = self.store.load(state.case_id)
        follow = next(
            (r for r in case.referrals if r.replaces == ref.referral_id and r.is_open), None
        )
        if follow is None:
            self.unmet[(state.case_id, ref.need_id)] = why
        else:
            self.start_ref(state, follow, attempt=len(case.referrals))
        self.check_done(state)

    def end_ref(self, ref: _Ref) -> None:
        ref.dead = True
        ref.case.open -= 1
        if ref.in_service:
            ref.in_service = False
            self.servers[ref.service_id].release()

    def start_service(self, ref: _Ref) -> None:
        if ref.dead:  # expired while waiting: hand the place on, later (no recursion)
            self.sim.after(0.0, self.servers[ref.service_id].release)
            return
        self.update(ref, ReferralStatus.IN_PROGRESS)
        waits = self.waits[ref.service_id]
        waits[0] += self.sim.now - ref.accepted
        waits[1] += 1
        ref.in_service = True
        days = self.models[ref.service_id].service.sample(ref.rng)
        if self.scenario.changes:
            days *= self.scenario.factor(self.sim.now, ref.service_id, what="pace")
        self.sim.after(days, self.finish, ref)

    def finish(self, ref: _Ref) -> None:
        if ref.dead:
            return
        state = ref.case
        self.refs.pop(ref.referral_id, None)
        model = self.models[ref.service_id]
        follow = self.scenario.follow_up
        if ref.rng.random() < model.fail:
            self.update(ref, ReferralStatus.FAILED, ReferralReason.OTHER)
            self.end_ref(ref)
            self.refer(state, ref.need_id, ref.referral_id)  # the back office tries the next
        else:
            self.update(ref, ReferralStatus.COMPLETED)
            self.end_ref(ref)
            self.met_at[(state.case_id, ref.need_id)] = self.sim.now
            if ref.rng.random() < follow.confirm:
                state.pending += 1
                self.sim.after(follow.confirm_time.sample(ref.rng), self.confirm, ref)
        self.check_done(state)

    def confirm(self, ref: _Ref) -> None:
        state = ref.case
        state.pending -= 1  # the case waits for it: it is not closing yet
        self.slrt.confirm_receipt(self.assessor(state), ref.referral_id)
        self.commands += 1
        self.check_done(state)

    # ------------------------------------------------------------------ closing

    def check_done(self, state: _CaseState) -> None:
        if state.open or state.pending or state.closing or state.done:
            return
        state.closing = True
        self.step(
            "facilitator",
            self.kecamatan(state),
            self.scenario.follow_up.reassess_time.sample(state.rng),
            self.reassess,
            state,
        )

    def reassess(self, state: _CaseState) -> None:
        follow = self.scenario.follow_up
        rng = state.rng
        case = self.store.load(state.case_id)
        if rng.random() < follow.unreachable:
            self.close(state, ClosingReason.UNREACHABLE)
            return
        actor = self.assessor(state)
        if case.referrals:
            self.slrt.reassess(actor, state.case_id, findings="Services followed up.")
            self.commands += 1
        if case.referrals and state.rounds < _MAX_ROUNDS - 1 and rng.random() < follow.new_need:
            state.rounds += 1
            state.closing = False
            sector = rng.choices(self.sectors, self.weights)[0]
            self.slrt.record_need(actor, state.case_id, Need(sector=sector, description="New need"))
            self.commands += 1
            self.resolve_local(state)
            self.serve_needs(state)
            return
        met = all(n.status.value != "open" for n in self.store.load(state.case_id).needs)
        if met:
            reason = (
                ClosingReason.INDEPENDENT
                if rng.random() < follow.independent
                else ClosingReason.NEEDS_MET
            )
            self.close(state, reason)
        elif any(
            self.unmet.get((state.case_id, n.need_id)) == "no_consent"
            for n in self.store.load(state.case_id).needs
        ):
            self.close(state, ClosingReason.DECLINED)
        else:
            state.done = True  # an unmet need keeps the case open

    def close(self, state: _CaseState, reason: ClosingReason) -> None:
        self.slrt.close(self.supervisor, state.case_id, reason=reason)
        self.commands += 1
        state.done = True


def simulate_one(
    scenario: Scenario,
    policy: Policy,
    seed: int,
    population: SimPopulation,
    decisions: ByRow,
    overlaps: Mapping[str, Any],
    calendar: WorkingCalendar,
    progress: Callable[[float], None] | None = None,
    store_path: Path | None = None,
) -> RunOutput:
    """Run *scenario* under *policy* with *seed*; the final state of every case.

    The run's store is a :class:`~slrt_core.adapters.MemoryStore`, or a
    :class:`~slrt_core.adapters.SqliteStore` at *store_path* (a new file), which the
    caller closes.
    """
    run = _Run(
        scenario, policy, seed, population, decisions, overlaps, calendar, progress, store_path
    )
    return run.run()
